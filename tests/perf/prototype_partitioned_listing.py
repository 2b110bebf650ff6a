# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prototype (not in the collection): the account's numbers listed in disjoint partitions, concurrently.

``ListPhoneNumbers`` takes ``Status`` and ``ProductType`` filters, so the numbers listing, the
longer of the two listings of a check with current state, can be split into one listing per value
of the namespace's ``PhoneNumberStatus`` enum, per ``PhoneNumberProductType``, or per pair, each
run in a thread beside the orders listing. Every partition goes through the collection's one
listing loop (``iter_pages`` with ``LIST_NUMBERS`` and a ``params`` dict), so retries, validation
and the loop guard are the shipped ones; a failure of any partition stops the others and fails
the whole listing, as ``list_account`` does.

What partitions cannot do is stay complete: a number whose status (or product type) is not in
the enum botocore knows matches no partition and is silently left out (measure_current_state.py
shows it against the emulator), and a number whose status changes while the partitions are
listed can be missed by both the partition it left and the one it joined.
"""

from __future__ import annotations

import concurrent.futures
import threading

PARTITION_KINDS = ("status", "product_type", "status_and_product_type")


def namespace_enums(boto3_service):
    """(PhoneNumberStatus values, PhoneNumberProductType values) of botocore's model for the service."""
    import botocore.session  # pylint: disable=import-outside-toplevel

    model = botocore.session.get_session().get_service_model(boto3_service)
    return list(model.shape_for("PhoneNumberStatus").enum), list(model.shape_for("PhoneNumberProductType").enum)


def partitions(kind, statuses, product_types):
    """The ListPhoneNumbers request parameters of each partition of ``kind``."""
    if kind == "status":
        return [{"Status": status} for status in statuses]
    if kind == "product_type":
        return [{"ProductType": product_type} for product_type in product_types]
    if kind == "status_and_product_type":
        return [
            {"Status": status, "ProductType": product_type} for status in statuses for product_type in product_types
        ]
    raise ValueError("unknown partition kind %r" % kind)


def list_account_partitioned(listing, client, api, number_partitions, orders=True, page_size=None):
    """List the orders (unless ``orders`` is false) and every numbers partition concurrently.

    ``listing`` is the collection's plugins/module_utils/listing.py. ``number_partitions`` is a list
    of ListPhoneNumbers parameter dicts; ``[{}]`` is the unpartitioned listing. Returns
    (api_orders, order_pages, api_numbers, number_pages, pages_per_partition). The client needs a
    connection pool as large as the number of listings (botocore's default is 10).
    """
    policy = listing.RetryPolicy()
    stop = threading.Event()

    def collect(operation, params):
        try:
            items, pages = [], 0
            for page in listing.iter_pages(
                client, operation, api, page_size=page_size, policy=policy, params=params, stop=stop
            ):
                items.extend(page)
                pages += 1
            return items, pages
        except Exception:
            stop.set()
            raise

    jobs = [(listing.LIST_NUMBERS, params) for params in number_partitions]
    if orders:
        jobs.insert(0, (listing.LIST_ORDERS, None))
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(collect, operation, params) for operation, params in jobs]
        concurrent.futures.wait(futures)
    errors = [future.exception() for future in futures if future.exception() is not None]
    real = [error for error in errors if not isinstance(error, listing.ListingCancelled)]
    if errors:
        raise (real or errors)[0]
    outcomes = [future.result() for future in futures]
    api_orders, order_pages = outcomes.pop(0) if orders else ([], 0)
    api_numbers = []
    number_pages = 0
    pages_per_partition = []
    for items, pages in outcomes:
        api_numbers.extend(items)
        number_pages += pages
        pages_per_partition.append(pages)
    return api_orders, order_pages, api_numbers, number_pages, pages_per_partition
