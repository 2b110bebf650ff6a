# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline of `make bench`: the plain boto3 loop a person would write to list every order.

    python tests/perf/plain_boto3_loop.py --endpoint-url http://127.0.0.1:PORT [--current-state]

prints ``<orders> orders in <pages> pages`` (and, with --current-state, ``, <numbers> numbers in
<pages> pages``: the account's numbers listed after the orders). Nothing from the collection is
used: a default boto3 ``chime-sdk-voice`` client (botocore parses every timestamp into a
datetime) and a NextToken loop, because botocore has no paginator for ListPhoneNumberOrders or
ListPhoneNumbers. ``measure_listing.py`` imports ``fetch_all`` for the in-process comparison; the
other measurements run this file as a process.
"""

from __future__ import annotations

import argparse
import sys

import boto3


def make_client(endpoint_url, region="us-east-1"):
    """A default chime-sdk-voice client; a fresh session so no state is shared between measurements."""
    return boto3.session.Session().client("chime-sdk-voice", region_name=region, endpoint_url=endpoint_url)


def fetch_all(client, method="list_phone_number_orders", key="PhoneNumberOrders", page_size=100):
    """Return (items, pages): every item of a NextToken listing as botocore parses it."""
    items = []
    pages = 0
    params = {"MaxResults": page_size}
    call = getattr(client, method)
    while True:
        page = call(**params)
        pages += 1
        items.extend(page[key])
        token = page.get("NextToken")
        if not token:
            return items, pages
        params["NextToken"] = token


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--current-state", action="store_true", help="list the account's numbers too")
    args = parser.parse_args(argv)
    client = make_client(args.endpoint_url)
    orders, pages = fetch_all(client)
    line = "%d orders in %d pages" % (len(orders), pages)
    if args.current_state:
        numbers, number_pages = fetch_all(client, "list_phone_numbers", "PhoneNumbers")
        line += ", %d numbers in %d pages" % (len(numbers), number_pages)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
