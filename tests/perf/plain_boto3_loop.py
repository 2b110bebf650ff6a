# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline of `make bench`: the plain boto3 loop a person would write to list every order.

    python tests/perf/plain_boto3_loop.py --endpoint-url http://127.0.0.1:PORT

prints ``<orders> orders in <pages> pages``. Nothing from the collection is used: a default
boto3 client (botocore parses every timestamp into a datetime) and a NextToken loop, because
botocore has no paginator for ListPhoneNumberOrders. ``bench.py`` imports ``fetch_all`` for the
in-process comparison and runs this file as a process for the end-to-end ones.
"""

from __future__ import annotations

import argparse
import sys

import boto3


def make_client(endpoint_url, region='us-east-1'):
    """A default chime client; a fresh session so no state is shared between measurements."""
    return boto3.session.Session().client('chime', region_name=region, endpoint_url=endpoint_url)


def fetch_all(client, page_size=99):
    """Return (orders, pages): every order as botocore parses it."""
    orders = []
    pages = 0
    params = {'MaxResults': page_size}
    while True:
        page = client.list_phone_number_orders(**params)
        pages += 1
        orders.extend(page['PhoneNumberOrders'])
        token = page.get('NextToken')
        if not token:
            return orders, pages
        params['NextToken'] = token


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--endpoint-url', required=True)
    args = parser.parse_args(argv)
    orders, pages = fetch_all(make_client(args.endpoint_url))
    print('%d orders in %d pages' % (len(orders), pages))
    return 0


if __name__ == '__main__':
    sys.exit(main())
