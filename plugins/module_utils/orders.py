# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure transformations: API orders -> snake_case orders -> one entry per phone number.

Nothing here talks to AWS or to Ansible, so every rule is unit- and property-testable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re

# Explicit names for the fields the service documents; anything new the service adds
# later is still passed through, converted by camel_to_snake().
_ORDER_FIELDS = {
    "PhoneNumberOrderId": "phone_number_order_id",
    "ProductType": "product_type",
    "Status": "status",
    "OrderType": "order_type",
    "CreatedTimestamp": "created_timestamp",
    "UpdatedTimestamp": "updated_timestamp",
    "FocDate": "foc_date",
}
_NUMBER_FIELDS = {
    "E164PhoneNumber": "e164_phone_number",
    "Status": "status",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ISO_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$"
)

NUMBER_ACQUIRED = "Acquired"
NUMBER_PROCESSING = "Processing"
NUMBER_FAILED = "Failed"


def camel_to_snake(name):
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def _timestamp_text(value):
    # The API layer keeps timestamps as the exact strings the service sent. If a caller
    # hands us botocore's parsed datetimes instead, still return text, never a datetime.
    if value is None or isinstance(value, str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat else str(value)


def _number_from_api(api_number):
    number = {}
    for key, value in api_number.items():
        number[_NUMBER_FIELDS.get(key) or camel_to_snake(key)] = value
    number.setdefault("e164_phone_number", None)
    number.setdefault("status", None)
    return number


def order_from_api(api_order):
    """Convert one ``PhoneNumberOrder`` from the API into our snake_case order.

    Values are passed through unchanged (ids are not validated, timestamps stay strings);
    ``order_type`` and ``foc_date`` appear only when the service sent them.
    """
    order = {}
    for key, value in api_order.items():
        if key == "OrderedPhoneNumbers":
            order["ordered_phone_numbers"] = [_number_from_api(number) for number in value or ()]
        elif key in ("CreatedTimestamp", "UpdatedTimestamp", "FocDate"):
            order[_ORDER_FIELDS[key]] = _timestamp_text(value)
        else:
            order[_ORDER_FIELDS.get(key) or camel_to_snake(key)] = value
    for required in ("phone_number_order_id", "product_type", "status", "created_timestamp", "updated_timestamp"):
        order.setdefault(required, None)
    order.setdefault("ordered_phone_numbers", [])
    return order


def timestamp_sort_key(text):
    """A key that orders ISO 8601 timestamps by instant, whatever their precision or offset.

    Comparing the strings would put ``...:35Z`` after ``...:35.345Z`` ('Z' sorts after '.').
    Unparseable or missing values sort before every real timestamp.
    """
    match = _ISO_TIMESTAMP.match(text) if isinstance(text, str) else None
    if not match:
        if text is not None and not isinstance(text, str):
            text = _timestamp_text(text)
            match = _ISO_TIMESTAMP.match(text) if text else None
        if not match:
            return (0, 0.0, text or "")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0))
    if offset and offset != "Z":
        sign = -1 if offset[0] == "+" else 1
        offset_digits = offset[1:].replace(":", "")
        seconds += sign * (int(offset_digits[:2]) * 3600 + int(offset_digits[2:]) * 60)
    return (1, seconds + (float("0." + fraction) if fraction else 0.0), text)


def _order_rank(order):
    # Latest update wins; creation time and then the id break ties so the result never
    # depends on the order the service listed the orders in.
    return (
        timestamp_sort_key(order.get("updated_timestamp")),
        timestamp_sort_key(order.get("created_timestamp")),
        order.get("phone_number_order_id") or "",
    )


def latest_status_by_number(orders, only_numbers=None):
    """One entry per distinct E.164 number, from the most recently updated order holding it.

    A number that failed in an old order and was acquired in a newer one is ``Acquired``.
    The result is sorted by number. ``only_numbers`` (a set) restricts the output.
    """
    latest = {}
    for order in orders:
        rank = None
        for number in order["ordered_phone_numbers"]:
            e164 = number["e164_phone_number"]
            if e164 is None or (only_numbers is not None and e164 not in only_numbers):
                continue
            if rank is None:
                rank = _order_rank(order)
            current = latest.get(e164)
            if current is None or rank > current[0]:
                latest[e164] = (rank, order, number)
    return [phone_number_entry(latest[e164][1], latest[e164][2]) for e164 in sorted(latest)]


def phone_number_entry(order, number):
    entry = {
        "e164_phone_number": number["e164_phone_number"],
        "status": number["status"],
        "phone_number_order_id": order.get("phone_number_order_id"),
        "order_status": order.get("status"),
        "product_type": order.get("product_type"),
        "created_timestamp": order.get("created_timestamp"),
        "updated_timestamp": order.get("updated_timestamp"),
    }
    if order.get("order_type") is not None:
        entry["order_type"] = order["order_type"]
    return entry


def filter_orders(orders, order_status=None, product_type=None, phone_numbers=None):
    """Keep the orders matching every given filter (each filter is a collection; None = no filter).

    ``phone_numbers`` keeps orders that contain any of those (already normalised) numbers.
    """
    if not order_status and not product_type and not phone_numbers:
        return list(orders)
    statuses = set(order_status or ())
    products = set(product_type or ())
    numbers = set(phone_numbers or ())
    kept = []
    for order in orders:
        if statuses and order.get("status") not in statuses:
            continue
        if products and order.get("product_type") not in products:
            continue
        if numbers and not any(n["e164_phone_number"] in numbers for n in order["ordered_phone_numbers"]):
            continue
        kept.append(order)
    return kept
