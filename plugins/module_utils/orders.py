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
_OPTIONAL_ORDER_FIELDS = ("OrderType", "FocDate")
_NUMBER_FIELDS = {
    "E164PhoneNumber": "e164_phone_number",
    "Status": "status",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# ISO 8601 as the service writes it ("2017-10-06T15:45:35.345Z"), plus what botocore's parsed
# datetimes format back to ("2017-10-06T15:45:35.345000+00:00"). RFC 3339 allows lower-case t/z.
_ISO_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}:?\d{2})?$"
)

NUMBER_ACQUIRED = "Acquired"
NUMBER_PROCESSING = "Processing"
NUMBER_FAILED = "Failed"


def camel_to_snake(name):
    return _CAMEL_BOUNDARY.sub("_", name).lower()


# The conversions run once per order of a listing (100,000 in the largest accounts), so the
# fields the service documents take a dictionary lookup, not a regex.
_PLAIN_ORDER_FIELDS = {
    "PhoneNumberOrderId": "phone_number_order_id",
    "ProductType": "product_type",
    "Status": "status",
}
_TIMESTAMP_ORDER_FIELDS = {
    "CreatedTimestamp": "created_timestamp",
    "UpdatedTimestamp": "updated_timestamp",
    "FocDate": "foc_date",
}
_REQUIRED_ORDER_FIELDS = (
    "phone_number_order_id",
    "product_type",
    "status",
    "created_timestamp",
    "updated_timestamp",
    "ordered_phone_numbers",
)


def _timestamp_text(value):
    # The API layer keeps timestamps as the exact strings the service sent. If a caller
    # hands us botocore's parsed datetimes instead, still return text, never a datetime.
    if value is None or isinstance(value, str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat else str(value)


def _number_from_api(api_number):
    if len(api_number) == 2 and "E164PhoneNumber" in api_number and "Status" in api_number:
        # The documented shape, which is every number in practice.
        return {"e164_phone_number": api_number["E164PhoneNumber"], "status": api_number["Status"]}
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
        name = _PLAIN_ORDER_FIELDS.get(key)
        if name is not None:
            order[name] = value
        elif key == "OrderedPhoneNumbers":
            order["ordered_phone_numbers"] = [_number_from_api(number) for number in value or ()]
        elif key in _OPTIONAL_ORDER_FIELDS and value is None:
            # Documented as "returned when sent by the service": a null is "not sent".
            continue
        elif key in _TIMESTAMP_ORDER_FIELDS:
            order[_TIMESTAMP_ORDER_FIELDS[key]] = value if value.__class__ is str else _timestamp_text(value)
        else:
            order[_ORDER_FIELDS.get(key) or camel_to_snake(key)] = value
    for required in _REQUIRED_ORDER_FIELDS:
        if required not in order:
            order[required] = [] if required == "ordered_phone_numbers" else None
    return order


def timestamp_sort_key(text):
    """A key that orders ISO 8601 timestamps by instant, whatever their precision or offset.

    Comparing the strings would put ``...:35Z`` after ``...:35.345Z`` ('Z' sorts after '.').
    The instant is kept exact (whole seconds, then the fraction's digits without trailing
    zeros, which compare as text in numeric order) because a float loses microseconds.
    The text itself comes last so two spellings of one instant still order the same way
    every time. Unparseable or missing values sort before every real timestamp.
    """
    if text is not None and not isinstance(text, str):
        text = _timestamp_text(text)
    match = _ISO_TIMESTAMP.match(text) if isinstance(text, str) else None
    if match:
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            # timegm itself accepts hour 25 or second 61, but not month 13 or day 0: check
            # the fields so that a garbage timestamp is "unparseable", never a crash.
            if not (
                1 <= int(month) <= 12
                and 1 <= int(day) <= 31
                and int(hour) <= 24
                and int(minute) <= 59
                and int(second) <= 60
            ):
                raise ValueError(text)
            seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0))
        except (ValueError, OverflowError):
            return (0, 0, "", text)
        if offset and offset not in ("Z", "z"):
            sign = -1 if offset[0] == "+" else 1
            offset_digits = offset[1:].replace(":", "")
            seconds += sign * (int(offset_digits[:2]) * 3600 + int(offset_digits[2:]) * 60)
        return (1, seconds, (fraction or "").rstrip("0"), text)
    return (0, 0, "", text or "")


def _order_rank(order):
    # Latest update wins; creation time and then the id break ties so the result never
    # depends on the order the service listed the orders in. The exact spellings of the
    # timestamps come last: they only separate two spellings of the same instants.
    updated = timestamp_sort_key(order.get("updated_timestamp"))
    created = timestamp_sort_key(order.get("created_timestamp"))
    return (updated[:3], created[:3], _text_key(order.get("phone_number_order_id")), updated[3], created[3])


def order_rank(order_or_entry):
    """The latest-order rank of an order, or of a per-number entry (same timestamp and id keys):
    a higher rank is a more recent update. Public for the inventory plugin, which ranks the
    entries of two sources that report one number."""
    return _order_rank(order_or_entry)


def _text_key(value):
    return "" if value is None else str(value)


def _entry_key(entry):
    # Last tie-break, for an order that lists one number twice or the same order listed twice
    # with different contents: compare the entries themselves so input order never decides.
    return tuple((key, _text_key(entry[key])) for key in sorted(entry))


def latest_status_by_number(orders, only_numbers=None):
    """One entry per distinct E.164 number, from the most recently updated order holding it.

    A number that failed in an old order and was acquired in a newer one is ``Acquired``.
    The result is sorted by number. ``only_numbers`` (a set) restricts the output.
    """
    latest = {}
    for order in orders:
        rank = None
        for number in order.get("ordered_phone_numbers") or ():
            e164 = number.get("e164_phone_number")
            if e164 is None or (only_numbers is not None and e164 not in only_numbers):
                continue
            if rank is None:
                rank = _order_rank(order)
            current = latest.get(e164)
            if current is None or rank > current[0]:
                latest[e164] = (rank, phone_number_entry(order, number))
            elif rank == current[0]:
                entry = phone_number_entry(order, number)
                if _entry_key(entry) > _entry_key(current[1]):
                    latest[e164] = (rank, entry)
    # The key keeps the sort total if a caller's data holds a number that is not text.
    return [latest[e164][1] for e164 in sorted(latest, key=_number_sort_key)]


def _number_sort_key(e164):
    return (e164.__class__ is not str, str(e164))


def phone_number_entry(order, number):
    entry = {
        "e164_phone_number": number.get("e164_phone_number"),
        "status": number.get("status"),
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
        if numbers and not any(
            number.get("e164_phone_number") in numbers for number in order.get("ordered_phone_numbers") or ()
        ):
            continue
        kept.append(order)
    return kept
