# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure transformations of the account's current numbers (``ListPhoneNumbers``).

An order's history says a number was acquired; the account's phone number inventory says whether
it still is. ``OrderedPhoneNumberStatus`` is only Processing | Acquired | Failed and never changes
after the order completes, so a number acquired and later deleted keeps ``Acquired`` in its order
forever. ``with_account_state`` adds what the account says now to the per-number view built from
the orders (``orders.latest_status_by_number``). Nothing here talks to AWS or needs Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.chime.plugins.module_utils.orders import camel_to_snake
from ansible_collections.voiceops.chime.plugins.module_utils.orders import timestamp_sort_key

# PhoneNumberStatus values (chime and chime-sdk-voice) by what they mean for "is it acquired now".
HELD_STATUSES = frozenset(("Unassigned", "Assigned"))
IN_PROGRESS_STATUSES = frozenset(("AcquireInProgress", "PortinInProgress", "PortinCancelRequested"))
FAILED_STATUSES = frozenset(("AcquireFailed", "Cancelled"))
RELEASING_STATUSES = frozenset(("ReleaseInProgress", "DeleteInProgress", "ReleaseFailed", "DeleteFailed"))

# The keys with_account_state adds to every per-number entry.
ACCOUNT_KEYS = ("account_status", "phone_number_id", "deletion_timestamp")
# Entry keys that describe the number's latest order; null for a number no listed order contains.
ORDER_KEYS = ("status", "phone_number_order_id", "order_status", "created_timestamp", "updated_timestamp")

_NUMBER_FIELDS = {
    "PhoneNumberId": "phone_number_id",
    "E164PhoneNumber": "e164_phone_number",
    "Status": "account_status",
    "ProductType": "product_type",
    "DeletionTimestamp": "deletion_timestamp",
    "UpdatedTimestamp": "updated_timestamp",
    "CreatedTimestamp": "created_timestamp",
    "OrderId": "order_id",
}


def number_from_api(api_number):
    """One ``PhoneNumber`` of ListPhoneNumbers in snake_case; ``Status`` becomes ``account_status``
    so that it is never confused with a number's status in an order."""
    number = {}
    for key, value in api_number.items():
        number[_NUMBER_FIELDS.get(key) or camel_to_snake(key)] = value
    return number


def _number_rank(number):
    # One E.164 number listed twice (a number released and ordered again can come back with a
    # new id while the old one waits out its deletion): the held one wins, then the latest update.
    return (
        number.get("account_status") in HELD_STATUSES,
        timestamp_sort_key(number.get("updated_timestamp"))[:3],
        str(number.get("phone_number_id")),
        str(number.get("account_status")),
    )


def account_numbers_by_e164(api_numbers):
    """``{e164: snake_case number}`` for the raw ListPhoneNumbers items; one entry per number."""
    by_e164 = {}
    for api_number in api_numbers:
        number = number_from_api(api_number)
        e164 = number.get("e164_phone_number")
        if e164 is None:
            continue
        current = by_e164.get(e164)
        if current is None or _number_rank(number) > _number_rank(current):
            by_e164[e164] = number
    return by_e164


def _account_fields(number):
    if number is None:
        return {"account_status": None, "phone_number_id": None, "deletion_timestamp": None}
    return {
        "account_status": number.get("account_status"),
        "phone_number_id": number.get("phone_number_id"),
        "deletion_timestamp": number.get("deletion_timestamp"),
    }


def with_account_state(entries, api_numbers, only_numbers=None):
    """The per-number entries (``latest_status_by_number``), each with the account's state added.

    Every entry gets ``account_status`` (the number's PhoneNumberStatus, or None when the account no
    longer has it), ``phone_number_id`` and ``deletion_timestamp``. A number the account holds that
    no listed order contains is added as an entry of its own, its order fields None and its
    ``product_type`` the number's. ``only_numbers`` (a set) restricts the added numbers as it
    restricted ``entries``. Sorted by number, like ``entries``.
    """
    account = account_numbers_by_e164(api_numbers)
    merged = []
    ordered = set()
    for entry in entries:
        e164 = entry.get("e164_phone_number")
        ordered.add(e164)
        combined = dict(entry)
        combined.update(_account_fields(account.get(e164)))
        merged.append(combined)
    for e164, number in account.items():
        if e164 in ordered or (only_numbers is not None and e164 not in only_numbers):
            continue
        entry = dict((key, None) for key in ORDER_KEYS)
        entry["e164_phone_number"] = e164
        entry["product_type"] = number.get("product_type")
        entry.update(_account_fields(number))
        merged.append(entry)
    merged.sort(key=lambda item: (item["e164_phone_number"].__class__ is not str, str(item["e164_phone_number"])))
    return merged
