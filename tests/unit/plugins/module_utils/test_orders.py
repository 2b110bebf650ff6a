# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure transforms: API order -> snake_case order -> one entry per number (latest order wins)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import json

import pytest
from chime_test_data import API_REFERENCE_SAMPLE  # tests/chime_test_data.py
from chime_test_data import api_order
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api
from ansible_collections.voiceops.chime.plugins.module_utils.orders import timestamp_sort_key


def test_api_reference_sample_passes_through_unchanged():
    api = json.loads(API_REFERENCE_SAMPLE)["PhoneNumberOrders"][0]
    assert order_from_api(api) == {
        "phone_number_order_id": "abc12345-de67-89f0-123g-h45i678j9012",
        "product_type": "Voice Connector",
        "status": "Successful",
        "ordered_phone_numbers": [
            {"e164_phone_number": "+12065550100", "status": "Acquired"},
            {"e164_phone_number": "+12065550101", "status": "Acquired"},
        ],
        "created_timestamp": "2019-08-12T22:10:20.504Z",
        "updated_timestamp": "2019-08-12T22:10:31.186Z",
    }


def test_order_from_api_does_not_modify_its_input():
    api = json.loads(API_REFERENCE_SAMPLE)["PhoneNumberOrders"][0]
    before = copy.deepcopy(api)
    order_from_api(api)
    assert api == before


def test_order_type_and_foc_date_only_when_present():
    without = order_from_api(api_order("o1", "2026-01-01T00:00:00.000Z", [("+12065550100", "Acquired")]))
    assert "order_type" not in without and "foc_date" not in without
    with_them = order_from_api(
        api_order(
            "o1",
            "2026-01-01T00:00:00.000Z",
            [("+12065550100", "Acquired")],
            OrderType="Porting",
            FocDate="2026-02-01T00:00:00.000Z",
        )
    )
    assert with_them["order_type"] == "Porting"
    assert with_them["foc_date"] == "2026-02-01T00:00:00.000Z"
    # A null is what a JSON encoder writes for "not set": treat it as not sent.
    nulls = order_from_api(api_order("o1", "2026-01-01T00:00:00.000Z", [], OrderType=None, FocDate=None))
    assert "order_type" not in nulls and "foc_date" not in nulls


def test_unknown_keys_pass_through_snake_cased():
    order = order_from_api(
        api_order(
            "o1",
            "2026-01-01T00:00:00.000Z",
            [("+12065550100", "Acquired")],
            PortingCarrierName="Example Telco",
            SIPTrunkArn="arn:x",
            Reason=None,
        )
    )
    assert order["porting_carrier_name"] == "Example Telco"
    assert order["sip_trunk_arn"] == "arn:x"
    assert order["reason"] is None
    failed = {"E164PhoneNumber": "+1", "Status": "Failed", "FailureReason": "NotAvailable"}
    number = order_from_api({"OrderedPhoneNumbers": [failed]})
    assert number["ordered_phone_numbers"] == [
        {"e164_phone_number": "+1", "status": "Failed", "failure_reason": "NotAvailable"}
    ]


def test_missing_fields_become_none_and_no_numbers_an_empty_list():
    assert order_from_api({}) == {
        "phone_number_order_id": None,
        "product_type": None,
        "status": None,
        "created_timestamp": None,
        "updated_timestamp": None,
        "ordered_phone_numbers": [],
    }
    assert order_from_api({"OrderedPhoneNumbers": None})["ordered_phone_numbers"] == []


def test_parsed_datetimes_still_become_text():
    # If a caller's client parses timestamps, the result must still be JSON text.
    stamp = datetime.datetime(2019, 8, 12, 22, 10, 31, 186000, tzinfo=datetime.timezone.utc)
    order = order_from_api({"CreatedTimestamp": stamp, "UpdatedTimestamp": stamp, "FocDate": stamp})
    assert order["updated_timestamp"] == "2019-08-12T22:10:31.186000+00:00"
    assert order["foc_date"] == order["created_timestamp"] == order["updated_timestamp"]


def orders_of(*api_orders):
    return [order_from_api(order) for order in api_orders]


def test_failed_then_acquired_is_acquired():
    orders = orders_of(
        api_order("new", "2026-03-01T10:00:00.000Z", [("+12065550100", "Acquired")]),
        api_order("old", "2026-01-01T10:00:00.000Z", [("+12065550100", "Failed")], status="Failed"),
    )
    for listed in (orders, orders[::-1]):
        [entry] = latest_status_by_number(listed)
        assert entry == {
            "e164_phone_number": "+12065550100",
            "status": "Acquired",
            "phone_number_order_id": "new",
            "order_status": "Successful",
            "product_type": "VoiceConnector",
            "created_timestamp": "2026-03-01T10:00:00.000Z",
            "updated_timestamp": "2026-03-01T10:00:00.000Z",
        }


def test_acquired_then_failed_reorder_is_failed():
    # The rule is "latest order wins", not "any Acquired wins".
    orders = orders_of(
        api_order("old", "2026-01-01T10:00:00.000Z", [("+12065550100", "Acquired")]),
        api_order("new", "2026-03-01T10:00:00.000Z", [("+12065550100", "Failed")], status="Failed"),
    )
    assert latest_status_by_number(orders)[0]["status"] == "Failed"


@pytest.mark.parametrize(
    "older, newer",
    [
        # Whole seconds vs milliseconds: as text "...:35Z" > "...:35.345Z", as instants it is earlier.
        ("2026-01-01T10:00:35Z", "2026-01-01T10:00:35.345Z"),
        ("2026-01-01T10:00:35.9Z", "2026-01-01T10:00:36Z"),
        ("2026-01-01T10:00:35.000001Z", "2026-01-01T10:00:35.00001Z"),
        # Offsets: 11:30+02:00 is 09:30Z, earlier than 10:00Z though its text sorts later.
        ("2026-01-01T11:30:00.000+02:00", "2026-01-01T10:00:00.000Z"),
        ("2026-01-01T10:00:00Z", "2026-01-01T05:30:01-04:30"),
        ("2026-01-01T10:00:00+0100", "2026-01-01T09:30:00Z"),
        # Microseconds that a float of epoch seconds cannot tell apart.
        ("2026-01-01T10:00:00.1234567Z", "2026-01-01T10:00:00.1234568Z"),
        # botocore's own datetime formatting against the service's.
        ("2019-08-12T22:10:31.185999+00:00", "2019-08-12T22:10:31.186Z"),
        # A timestamp that cannot be read sorts before every real one.
        ("yesterday", "1970-01-01T00:00:00Z"),
        (None, "1970-01-01T00:00:00Z"),
        ("2026-13-45T10:00:00Z", "2000-01-01T00:00:00Z"),
    ],
)
def test_timestamps_are_ordered_by_instant(older, newer):
    assert timestamp_sort_key(older) < timestamp_sort_key(newer)
    orders = orders_of(
        api_order("a-older", older, [("+12065550100", "Failed")]),
        api_order("b-newer", newer, [("+12065550100", "Acquired")]),
    )
    for listed in (orders, orders[::-1]):
        assert latest_status_by_number(listed)[0]["phone_number_order_id"] == "b-newer"


def test_same_instant_different_spelling_is_the_same_instant():
    same = [
        "2026-01-01T10:00:00Z",
        "2026-01-01T10:00:00.000Z",
        "2026-01-01T11:00:00+01:00",
        "2026-01-01t10:00:00.0z",
        "2026-01-01T10:00:00.000000+00:00",
    ]
    assert len({timestamp_sort_key(text)[:3] for text in same}) == 1


def test_datetime_objects_sort_like_their_text():
    stamp = datetime.datetime(2026, 1, 1, 10, 0, 0, 500000, tzinfo=datetime.timezone.utc)
    assert timestamp_sort_key(stamp)[:3] == timestamp_sort_key("2026-01-01T10:00:00.5Z")[:3]


def test_equal_updated_timestamps_fall_back_to_created_then_id():
    updated = "2026-01-01T10:00:00.000Z"
    by_created = orders_of(
        api_order("z-created-earlier", updated, [("+12065550100", "Failed")], created="2025-01-01T00:00:00Z"),
        api_order("a-created-later", updated, [("+12065550100", "Acquired")], created="2025-06-01T00:00:00Z"),
    )
    for listed in (by_created, by_created[::-1]):
        assert latest_status_by_number(listed)[0]["phone_number_order_id"] == "a-created-later"
    by_id = orders_of(
        api_order("order-b", updated, [("+12065550100", "Acquired")]),
        api_order("order-a", updated, [("+12065550100", "Failed")]),
    )
    for listed in (by_id, by_id[::-1]):
        assert latest_status_by_number(listed)[0]["phone_number_order_id"] == "order-b"


def test_full_tie_is_decided_by_content_not_by_listing_order():
    # The same order id listed twice with different contents (or a number listed twice in one
    # order): nothing in the ranks separates them, and input order still must not decide.
    first = api_order("same", "2026-01-01T10:00:00.000Z", [("+12065550100", "Acquired")])
    second = api_order("same", "2026-01-01T10:00:00.000Z", [("+12065550100", "Failed")])
    twice = api_order("twice", "2026-01-01T10:00:00.000Z", [("+12065550101", "Failed"), ("+12065550101", "Acquired")])
    results = {
        json.dumps(latest_status_by_number(orders_of(*listed)), sort_keys=True)
        for listed in ([first, second, twice], [second, first, twice], [twice, second, first])
    }
    assert len(results) == 1
    swapped = dict(twice, OrderedPhoneNumbers=twice["OrderedPhoneNumbers"][::-1])
    assert latest_status_by_number(orders_of(twice)) == latest_status_by_number(orders_of(swapped))


def test_result_is_sorted_by_number_and_one_entry_per_number():
    orders = orders_of(
        api_order("o2", "2026-01-02T00:00:00Z", [("+442079460958", "Acquired"), ("+12065550102", "Processing")]),
        api_order("o1", "2026-01-01T00:00:00Z", [("+12065550102", "Failed"), ("+12065550100", "Acquired")]),
    )
    result = latest_status_by_number(orders)
    assert [entry["e164_phone_number"] for entry in result] == ["+12065550100", "+12065550102", "+442079460958"]
    assert [entry["status"] for entry in result] == ["Acquired", "Processing", "Acquired"]


def test_only_numbers_restricts_the_output():
    numbers = [("+12065550100", "Acquired"), ("+12065550101", "Acquired")]
    orders = orders_of(api_order("o1", "2026-01-01T00:00:00Z", numbers))
    result = latest_status_by_number(orders, only_numbers={"+12065550101", "+19999999999"})
    assert [entry["e164_phone_number"] for entry in result] == ["+12065550101"]


def test_order_type_is_carried_to_the_entry_only_when_present():
    orders = orders_of(
        api_order("o1", "2026-01-01T00:00:00Z", [("+12065550100", "Acquired")], OrderType="New"),
        api_order("o2", "2026-01-01T00:00:00Z", [("+12065550101", "Acquired")]),
    )
    first, second = latest_status_by_number(orders)
    assert first["order_type"] == "New"
    assert "order_type" not in second


def test_empty_input_and_orders_without_numbers():
    assert latest_status_by_number([]) == []
    assert latest_status_by_number(orders_of({"PhoneNumberOrderId": "x"})) == []


def _format_timestamp(dt, digits, offset_minutes, style):
    """Spell one UTC instant the ways the service and botocore may: any precision, any offset."""
    if style == "Z" or offset_minutes == 0:
        local, suffix = dt, "Z"
    else:
        local = dt + datetime.timedelta(minutes=offset_minutes)
        sign = "+" if offset_minutes > 0 else "-"
        suffix = "{0}{1:02d}:{2:02d}".format(sign, abs(offset_minutes) // 60, abs(offset_minutes) % 60)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + "{0:06d}".format(dt.microsecond)[:digits]
    return text + suffix


_TIMESTAMPS = st.builds(
    _format_timestamp,
    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2030, 12, 31)),
    st.integers(0, 6),
    st.sampled_from([0, 0, 0, 60, -300, 330]),
    st.sampled_from(["Z", "offset"]),
)


_NUMBERS = st.sampled_from(["+12065550100", "+12065550101", "+12065550102", "+442079460958"])
_API_ORDERS = st.lists(
    st.builds(
        lambda order_id, updated, created, numbers, status: api_order(
            order_id, updated, numbers, status=status, created=created
        ),
        st.sampled_from(["o1", "o2", "o3", "abc12345-de67-89f0-123g-h45i678j9012"]),
        _TIMESTAMPS,
        _TIMESTAMPS,
        st.lists(st.tuples(_NUMBERS, st.sampled_from(["Acquired", "Failed", "Processing"])), max_size=4),
        st.sampled_from(["Successful", "Partial", "Failed", "Processing"]),
    ),
    max_size=8,
)


@given(_API_ORDERS, st.randoms())
def test_result_does_not_depend_on_input_order(api_orders, rnd):
    orders = orders_of(*api_orders)
    shuffled = list(orders)
    rnd.shuffle(shuffled)
    assert latest_status_by_number(shuffled) == latest_status_by_number(orders)


@given(_API_ORDERS)
def test_every_entry_comes_from_an_order_not_older_than_any_other_holding_it(api_orders):
    orders = orders_of(*api_orders)
    result = latest_status_by_number(orders)
    numbers_in_input = {number["e164_phone_number"] for order in orders for number in order["ordered_phone_numbers"]}
    assert [entry["e164_phone_number"] for entry in result] == sorted(numbers_in_input)
    for entry in result:
        chosen = timestamp_sort_key(entry["updated_timestamp"])[:3]
        for order in orders:
            if any(n["e164_phone_number"] == entry["e164_phone_number"] for n in order["ordered_phone_numbers"]):
                assert timestamp_sort_key(order["updated_timestamp"])[:3] <= chosen
        # The entry's status is one the number really has in an order with that id.
        assert any(
            order["phone_number_order_id"] == entry["phone_number_order_id"]
            and {"e164_phone_number": entry["e164_phone_number"], "status": entry["status"]}
            in order["ordered_phone_numbers"]
            for order in orders
        )


@given(_TIMESTAMPS, _TIMESTAMPS)
def test_timestamp_key_agrees_with_datetime_comparison(first, second):
    def instant(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

    if instant(first) < instant(second):
        assert timestamp_sort_key(first) < timestamp_sort_key(second)
    elif instant(first) == instant(second):
        assert timestamp_sort_key(first)[:3] == timestamp_sort_key(second)[:3]


def _filter_fixture():
    return orders_of(
        api_order("o1", "2026-01-01T00:00:00Z", [("+12065550100", "Acquired")], status="Successful"),
        api_order(
            "o2",
            "2026-01-01T00:00:00Z",
            [("+12065550101", "Failed")],
            status="Failed",
            product_type="SipMediaApplicationDialIn",
        ),
        api_order(
            "o3", "2026-01-01T00:00:00Z", [("+12065550102", "Acquired"), ("+12065550101", "Acquired")], status="Partial"
        ),
    )


def _ids(orders):
    return [order["phone_number_order_id"] for order in orders]


def test_filter_orders_without_filters_keeps_everything_in_order():
    orders = _filter_fixture()
    assert _ids(filter_orders(orders)) == ["o1", "o2", "o3"]
    assert _ids(filter_orders(orders, [], [], [])) == ["o1", "o2", "o3"]


def test_filter_orders_by_each_filter_and_all_together():
    orders = _filter_fixture()
    assert _ids(filter_orders(orders, order_status=["Failed", "Partial"])) == ["o2", "o3"]
    assert _ids(filter_orders(orders, product_type=["VoiceConnector"])) == ["o1", "o3"]
    assert _ids(filter_orders(orders, phone_numbers=["+12065550101"])) == ["o2", "o3"]
    assert _ids(filter_orders(orders, ["Partial", "Failed"], ["VoiceConnector"], ["+12065550101"])) == ["o3"]
    assert filter_orders(orders, order_status=["Cancelled"]) == []


def test_filter_orders_compares_status_exactly_as_the_service_spells_it():
    assert filter_orders(_filter_fixture(), order_status=["successful"]) == []


@given(
    _API_ORDERS,
    st.lists(st.sampled_from(["Successful", "Partial", "Failed", "Processing"]), max_size=2),
    st.lists(_NUMBERS, max_size=2),
)
def test_filtering_never_adds_and_keeps_input_order(api_orders, statuses, numbers):
    orders = orders_of(*api_orders)
    kept = filter_orders(orders, order_status=statuses, phone_numbers=numbers)
    # By identity: equal orders may repeat, and filtering must neither copy nor reorder them.
    position_of = {id(order): index for index, order in enumerate(orders)}
    positions = [position_of[id(order)] for order in kept]
    assert positions == sorted(set(positions))
    for order in kept:
        assert not statuses or order["status"] in statuses
        assert not numbers or any(n["e164_phone_number"] in numbers for n in order["ordered_phone_numbers"])


def test_required_fields_are_filled_even_when_unknown_keys_abound():
    order = order_from_api({"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "OrderedPhoneNumbers": []})
    assert order["status"] is None and order["phone_number_order_id"] is None
    assert order["ordered_phone_numbers"] == [] and order["f"] == 6


def test_numbers_with_extra_or_missing_keys_take_the_general_path():
    numbers = [{"E164PhoneNumber": "+12065550100"}, {"Status": "Failed", "Reason": "x"}]
    order = order_from_api({"OrderedPhoneNumbers": numbers})
    assert order["ordered_phone_numbers"] == [
        {"e164_phone_number": "+12065550100", "status": None},
        {"e164_phone_number": None, "status": "Failed", "reason": "x"},
    ]


def test_numbers_that_are_not_text_still_sort_without_error():
    orders = [
        {
            "ordered_phone_numbers": [
                {"e164_phone_number": 12065550100, "status": "Acquired"},
                {"e164_phone_number": "+12065550100", "status": "Acquired"},
            ]
        }
    ]
    assert [entry["e164_phone_number"] for entry in latest_status_by_number(orders)] == ["+12065550100", 12065550100]


# Each field out of range by one. timegm() accepts day 0 or 32, hour 25, minute 60 and second 61
# and silently moves the instant (day 32 of January is 1 February); only month 13 raises. Such a
# timestamp must sort as unparseable, before every real one, and never crash the listing.
@pytest.mark.parametrize(
    "text",
    [
        "2026-01-00T10:00:00Z",
        "2026-01-32T10:00:00Z",
        "2026-00-15T10:00:00Z",
        "2026-13-15T10:00:00Z",
        "2026-01-15T25:00:00Z",
        "2026-01-15T10:60:00Z",
        "2026-01-15T10:00:61Z",
        "2026-01-32T10:00:00.500+02:00",
        "0000-00-00T00:00:00Z",
        "9999-99-99T99:99:99Z",
    ],
)
def test_out_of_range_fields_sort_as_unparseable(text):
    assert timestamp_sort_key(text) == (0, 0, "", text)
    assert timestamp_sort_key(text) < timestamp_sort_key("1970-01-01T00:00:00Z")
    # In a listing: the order with the garbage timestamp loses to any real one, whichever comes first.
    orders = orders_of(
        api_order("a-garbage", text, [("+12065550100", "Acquired")]),
        api_order("b-real", "2000-01-01T00:00:00Z", [("+12065550100", "Failed")]),
    )
    for listed in (orders, orders[::-1]):
        assert latest_status_by_number(listed)[0]["phone_number_order_id"] == "b-real"


@pytest.mark.parametrize(
    "text, same_instant_as",
    [
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),  # the first day and month
        ("2026-12-31T10:00:00Z", "2026-12-31T10:00:00Z"),  # the last day and month
        ("2026-01-31T23:59:59Z", "2026-01-31T23:59:59Z"),
        # ISO 8601's end of day, and a leap second: both are the next instant after :59.
        ("2026-01-15T24:00:00Z", "2026-01-16T00:00:00Z"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"),
    ],
)
def test_the_last_valid_value_of_each_field_is_parsed(text, same_instant_as):
    key = timestamp_sort_key(text)
    assert key[0] == 1
    assert key[:3] == timestamp_sort_key(same_instant_as)[:3]


def test_one_second_apart_across_the_field_limits_is_ordered():
    # Neighbours of the boundaries, so that a key computed from the wrong field cannot pass.
    ordered = [
        "2026-01-31T23:59:59Z",
        "2026-02-01T00:00:00Z",
        "2026-02-01T00:00:01Z",
        "2026-02-01T00:01:00Z",
        "2026-02-01T01:00:00Z",
        "2026-02-02T00:00:00Z",
        "2026-03-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
    ]
    keys = [timestamp_sort_key(text) for text in ordered]
    assert keys == sorted(keys) and len({key[:3] for key in keys}) == len(keys)


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2026-01-01T10:00:00+01:00", "2026-01-01T09:00:00Z"),
        ("2026-01-01T10:00:00-01:30", "2026-01-01T11:30:00Z"),
        ("2026-01-01T10:00:00+0545", "2026-01-01T04:15:00Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"),
    ],
)
def test_offsets_move_the_instant_by_hours_and_minutes(text, utc):
    assert timestamp_sort_key(text)[:3] == timestamp_sort_key(utc)[:3]


def test_the_fraction_is_compared_without_trailing_zeros():
    assert timestamp_sort_key("2026-01-01T10:00:00.500Z")[:3] == timestamp_sort_key("2026-01-01T10:00:00.5Z")[:3]
    assert timestamp_sort_key("2026-01-01T10:00:00.000Z")[2] == ""
    assert timestamp_sort_key("2026-01-01T10:00:00,25Z")[:3] == timestamp_sort_key("2026-01-01T10:00:00.25Z")[:3]


def test_null_timestamps_stay_null_and_other_values_become_their_text():
    order = order_from_api({"CreatedTimestamp": None, "UpdatedTimestamp": None})
    assert order["created_timestamp"] is None and order["updated_timestamp"] is None
    # An epoch number (what another client might hand over) is kept as text: never lost, never a crash.
    order = order_from_api({"UpdatedTimestamp": 1565647831, "CreatedTimestamp": 1565647820})
    assert (order["updated_timestamp"], order["created_timestamp"]) == ("1565647831", "1565647820")
    assert timestamp_sort_key(1565647831) == (0, 0, "", "1565647831")
