# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure host/group building of the chime_phone_numbers inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import re

import pytest
from chime_test_data import api_order  # tests/chime_test_data.py
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils.inventory import InvalidCacheError
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import cache_key_suffix
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import cached_listing
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import default_group_names
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import group_name_part
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import host_variables
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import listed_at_group
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import listings_from_cache
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import phone_number_hosts
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import resolve_regions
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import validate_hostvars_prefix
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import validate_string_list
from ansible_collections.voiceops.chime.plugins.module_utils.listing import InvalidOptionError
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api


def hosts_by_number(hosts):
    return dict((entry["e164_phone_number"], (entry, region)) for entry, region in hosts)


# ---- group names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("VoiceConnector", "voice_connector"),
        ("SipMediaApplicationDialIn", "sip_media_application_dial_in"),
        ("BusinessCalling", "business_calling"),
        ("Acquired", "acquired"),
        ("PartialSuccess", "partial_success"),
        # The API reference's own sample spells a product type with a space.
        ("Voice Connector", "voice_connector"),
        ("HTTPSThing", "https_thing"),
        ("--", None),
        ("", None),
        (None, None),
    ],
)
def test_group_name_part_is_lower_snake_case(value, expected):
    assert group_name_part(value) == expected


@given(st.text(max_size=40))
def test_group_name_part_only_yields_safe_group_names(value):
    part = group_name_part(value)
    assert part is None or re.match(r"^[a-z0-9]+(_[a-z0-9]+)*$", part)


def test_default_groups_name_number_order_and_product():
    entry = {"status": "Acquired", "order_status": "Partial", "product_type": "SipMediaApplicationDialIn"}
    assert default_group_names(entry) == [
        "chime_number_acquired",
        "chime_order_partial",
        "chime_product_sip_media_application_dial_in",
    ]


def test_default_groups_leave_out_missing_values():
    assert default_group_names({"status": "Failed", "order_status": None, "product_type": None}) == [
        "chime_number_failed"
    ]


# ---- host variables -------------------------------------------------------------------------

ENTRY = {
    "e164_phone_number": "+12065550100",
    "status": "Acquired",
    "phone_number_order_id": "order-1",
    "order_status": "Successful",
    "product_type": "VoiceConnector",
    "created_timestamp": "2024-01-01T00:00:00.000Z",
    "updated_timestamp": "2024-01-02T00:00:00.000Z",
}


def test_host_variables_for_the_legacy_api():
    assert host_variables(ENTRY) == {
        "chime_e164_phone_number": "+12065550100",
        "chime_number_status": "Acquired",
        "chime_phone_number_order_id": "order-1",
        "chime_order_status": "Successful",
        "chime_product_type": "VoiceConnector",
        "chime_created_timestamp": "2024-01-01T00:00:00.000Z",
        "chime_updated_timestamp": "2024-01-02T00:00:00.000Z",
    }


def test_host_variables_for_sdk_voice_add_order_type_and_region():
    entry = dict(ENTRY, order_type="Porting")
    hostvars = host_variables(entry, "chime_", region="eu-central-1", api="chime_sdk_voice")
    assert hostvars["chime_order_type"] == "Porting"
    assert hostvars["chime_region"] == "eu-central-1"
    # Always present for chime_sdk_voice, so templates can test it without `is defined`.
    assert host_variables(ENTRY, "chime_", region="us-east-1", api="chime_sdk_voice")["chime_order_type"] is None


def test_host_variables_take_the_prefix_including_an_empty_one():
    assert sorted(host_variables(ENTRY, "")) == sorted(
        [
            "e164_phone_number",
            "number_status",
            "phone_number_order_id",
            "order_status",
            "product_type",
            "created_timestamp",
            "updated_timestamp",
        ]
    )
    assert "pn_number_status" in host_variables(ENTRY, "pn_")


@pytest.mark.parametrize("prefix", ["chime_", "", "_x", "Chime2_"])
def test_valid_hostvars_prefixes(prefix):
    assert validate_hostvars_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["2chime_", "chime-", "chime.", "chime ", ["chime_"]])
def test_invalid_hostvars_prefix_is_rejected_naming_it(prefix):
    with pytest.raises(InvalidOptionError) as caught:
        validate_hostvars_prefix(prefix)
    assert "hostvars_prefix" in caught.value.message
    assert repr(prefix) in caught.value.message


def test_filter_lists_are_validated():
    assert validate_string_list("order_status", None) is None
    assert validate_string_list("order_status", []) is None
    assert validate_string_list("order_status", ["Successful"]) == ["Successful"]
    with pytest.raises(InvalidOptionError, match="order_status must be a list"):
        validate_string_list("order_status", "Successful")
    with pytest.raises(InvalidOptionError, match="number_status entries"):
        validate_string_list("number_status", ["Acquired", 3])


# ---- regions --------------------------------------------------------------------------------


def test_legacy_api_is_listed_once_in_us_east_1_whatever_the_regions():
    assert resolve_regions("chime", ["eu-west-1", "us-west-2"], "eu-west-1") == ["us-east-1"]
    assert resolve_regions("chime", [], None) == ["us-east-1"]


def test_sdk_voice_regions_keep_their_order_without_duplicates():
    assert resolve_regions("chime_sdk_voice", ["us-west-2", "us-east-1", "us-west-2"], "eu-west-1") == [
        "us-west-2",
        "us-east-1",
    ]


def test_sdk_voice_falls_back_to_region_then_to_every_known_region():
    assert resolve_regions("chime_sdk_voice", [], "eu-central-1") == ["eu-central-1"]
    calls = []

    def available():
        calls.append(1)
        return ["us-west-2", "us-east-1"]

    assert resolve_regions("chime_sdk_voice", [], None, available_regions=available) == ["us-east-1", "us-west-2"]
    assert calls == [1]


def test_sdk_voice_without_any_region_fails_clearly():
    with pytest.raises(InvalidOptionError, match="needs regions"):
        resolve_regions("chime_sdk_voice", [], None, available_regions=lambda: [])


@pytest.mark.parametrize("regions", ["us-east-1", ["us-east-1", ""], ["us-east-1", None]])
def test_bad_regions_are_rejected(regions):
    with pytest.raises(InvalidOptionError, match="regions"):
        resolve_regions("chime_sdk_voice", regions, None)


def test_unknown_api_is_rejected():
    with pytest.raises(InvalidOptionError, match="api must be one of"):
        resolve_regions("chime-sdk-voice", [], "us-east-1")


# ---- hosts: the latest-order rule -----------------------------------------------------------


def test_a_number_acquired_after_an_earlier_failure_is_an_acquired_host():
    listing = [
        api_order("old", "2024-01-01T00:00:00.000Z", [("+12065550100", "Failed")], status="Failed"),
        api_order("new", "2024-03-01T00:00:00.000Z", [("+12065550100", "Acquired")]),
    ]
    hosts = phone_number_hosts([("us-east-1", listing)])
    assert len(hosts) == 1
    entry, region = hosts[0]
    assert (entry["status"], entry["phone_number_order_id"], entry["order_status"]) == ("Acquired", "new", "Successful")
    assert region == "us-east-1"


def test_hosts_are_sorted_by_number_one_per_number():
    listing = [
        api_order("a", "2024-01-01T00:00:00.000Z", [("+12065550102", "Acquired"), ("+12065550100", "Acquired")]),
        api_order("b", "2024-01-02T00:00:00.000Z", [("+12065550101", "Processing"), ("+12065550100", "Failed")]),
    ]
    hosts = phone_number_hosts([("us-east-1", listing)])
    assert [entry["e164_phone_number"] for entry, _region in hosts] == ["+12065550100", "+12065550101", "+12065550102"]
    assert hosts_by_number(hosts)["+12065550100"][0]["status"] == "Failed"


def test_across_regions_the_most_recent_order_wins_and_names_its_region():
    east = [
        api_order(
            "e1",
            "2024-01-01T00:00:00.000Z",
            [("+12065550100", "Failed"), ("+12065550101", "Acquired")],
            status="Partial",
        )
    ]
    west = [api_order("w1", "2024-02-01T00:00:00.000Z", [("+12065550100", "Acquired")])]
    hosts = hosts_by_number(phone_number_hosts([("us-east-1", east), ("us-west-2", west)]))
    assert hosts["+12065550100"][0]["status"] == "Acquired"
    assert hosts["+12065550100"][1] == "us-west-2"
    assert hosts["+12065550101"][1] == "us-east-1"
    # Listing order of the regions does not change the winner.
    swapped = hosts_by_number(phone_number_hosts([("us-west-2", west), ("us-east-1", east)]))
    assert swapped["+12065550100"] == hosts["+12065550100"]


def test_the_same_order_in_two_regions_is_reported_from_the_first_listed():
    order = api_order("same", "2024-01-01T00:00:00.000Z", [("+12065550100", "Acquired")])
    assert phone_number_hosts([("us-west-2", [order]), ("us-east-1", [order])])[0][1] == "us-west-2"
    assert phone_number_hosts([("us-east-1", [order]), ("us-west-2", [order])])[0][1] == "us-east-1"


def test_order_type_survives_the_merge_across_regions():
    west = [api_order("w1", "2024-02-01T00:00:00.000Z", [("+12065550100", "Acquired")], OrderType="Porting")]
    hosts = phone_number_hosts([("us-east-1", []), ("us-west-2", west)])
    assert hosts[0][0]["order_type"] == "Porting"


def _random_orders(rng, count):
    numbers = ["+1206555{0:04d}".format(n) for n in range(12)]
    orders = []
    for index in range(count):
        picked = rng.sample(numbers, rng.randint(1, 3))
        orders.append(
            api_order(
                "order-{0}".format(rng.randint(0, 5)),
                "2024-01-0{0}T00:00:0{1}.000Z".format(rng.randint(1, 3), rng.randint(0, 2)),
                [(e164, rng.choice(["Acquired", "Failed", "Processing"])) for e164 in picked],
                status=rng.choice(["Successful", "Partial", "Failed"]),
                created="2023-12-0{0}T00:00:00.000Z".format(rng.randint(1, 3)),
            )
        )
    return orders


@pytest.mark.parametrize("seed", range(25))
def test_merging_regions_equals_the_module_rule_over_all_orders(seed):
    # The inventory must agree with the module's phone_numbers over the same orders, however
    # they are split into regions (ties included: ids, timestamps and numbers collide often here).
    rng = random.Random(seed)
    orders = _random_orders(rng, 30)
    cut_one, cut_two = sorted(rng.sample(range(len(orders)), 2))
    listings = [("r1", orders[:cut_one]), ("r2", orders[cut_one:cut_two]), ("r3", orders[cut_two:])]
    expected = latest_status_by_number([order_from_api(order) for order in orders])
    assert [entry for entry, _region in phone_number_hosts(listings)] == expected


def test_order_filters_apply_before_the_rule_and_number_status_after():
    listing = [
        api_order("old", "2024-01-01T00:00:00.000Z", [("+12065550100", "Acquired")], product_type="BusinessCalling"),
        api_order(
            "new",
            "2024-03-01T00:00:00.000Z",
            [("+12065550100", "Failed"), ("+12065550101", "Acquired")],
            status="Partial",
        ),
    ]
    only_successful = phone_number_hosts([("us-east-1", listing)], order_status=["Successful"])
    assert [(e["e164_phone_number"], e["status"]) for e, _r in only_successful] == [("+12065550100", "Acquired")]
    business = phone_number_hosts([("us-east-1", listing)], product_type=["BusinessCalling"])
    assert [e["phone_number_order_id"] for e, _r in business] == ["old"]
    acquired = phone_number_hosts([("us-east-1", listing)], number_status=["Acquired"])
    # +12065550100's latest order failed it, so the older acquisition does not make it a host.
    assert [e["e164_phone_number"] for e, _r in acquired] == ["+12065550101"]


def test_no_orders_no_hosts():
    assert phone_number_hosts([("us-east-1", [])]) == []
    assert phone_number_hosts([("us-east-1", []), ("us-west-2", [])]) == []


# ---- cache key and cached value -------------------------------------------------------------

BASE_KEY = dict(
    api="chime_sdk_voice",
    regions=["us-east-1", "us-west-2"],
    profile=None,
    assume_role_arn=None,
    endpoint_url="http://127.0.0.1:8080",
    access_key="AKIAEXAMPLE",
)


@pytest.mark.parametrize(
    "change",
    [
        {"api": "chime"},
        {"regions": ["us-east-1"]},
        {"regions": ["us-east-1", "eu-central-1"]},
        {"profile": "compliance"},
        {"assume_role_arn": "arn:aws:iam::123456789012:role/reader"},
        {"endpoint_url": "http://127.0.0.1:8081"},
        {"endpoint_url": None},
        {"access_key": "AKIAOTHER"},
    ],
)
def test_every_input_that_changes_the_answer_changes_the_cache_key(change):
    assert key_with(**change) != key_with()


def key_with(**change):
    inputs = dict(BASE_KEY)
    inputs.update(change)
    return cache_key_suffix(**inputs)


def test_cache_key_ignores_region_order_and_a_trailing_slash():
    assert key_with(regions=["us-west-2", "us-east-1"]) == key_with()
    assert key_with(endpoint_url="http://127.0.0.1:8080/") == key_with()


def test_cache_key_shows_nothing_in_clear():
    key = key_with(profile="compliance-profile")
    assert re.match(r"^[0-9a-f]{24}$", key)
    for clear in ("AKIAEXAMPLE", "compliance", "127.0.0.1", "us-east-1"):
        assert clear not in key


def test_cached_value_round_trips_through_json():
    listings = [("us-east-1", [api_order("a", "2024-01-01T00:00:00.000Z", [("+12065550100", "Acquired")])])]
    skipped = [("us-west-2", "chime:ListPhoneNumberOrders denied (ForbiddenException, HTTP 403)")]
    value = json.loads(json.dumps(cached_listing("chime_sdk_voice", listings, skipped, listed_at=1795780828.5)))
    assert listings_from_cache(value, "chime_sdk_voice") == (listings, skipped, 1795780828.5)


@pytest.mark.parametrize(
    "value, reason",
    [
        (None, "another version"),
        ([], "another version"),
        ({"format": 1, "api": "chime", "listings": [], "skipped": []}, "another version"),
        (
            {
                "format": 2,
                "api": "chime_sdk_voice",
                "current_state": False,
                "listed_at": 1.0,
                "listings": [],
                "skipped": [],
            },
            "other options",
        ),
        (
            {"format": 2, "api": "chime", "current_state": True, "listed_at": 1.0, "listings": [], "skipped": []},
            "other options",
        ),
        ({"format": 2, "api": "chime", "listings": {}, "skipped": []}, "not a list"),
        ({"format": 2, "api": "chime", "listings": [], "skipped": []}, "does not say when it was listed"),
        ({"format": 2, "api": "chime", "listed_at": "yesterday", "listings": [], "skipped": []}, "when it was listed"),
        ({"format": 2, "api": "chime", "listed_at": float("nan"), "listings": [], "skipped": []}, "when it was listed"),
        (
            {"format": 2, "api": "chime", "listed_at": 1.0, "listings": [{"orders": []}], "skipped": []},
            "without a region",
        ),
        (
            {
                "format": 2,
                "api": "chime",
                "listed_at": 1.0,
                "listings": [{"region": "us-east-1", "orders": [1]}],
                "skipped": [],
            },
            "an order that is not an object",
        ),
        (
            {
                "format": 2,
                "api": "chime",
                "listed_at": 1.0,
                "listings": [{"region": "us-east-1", "orders": None}],
                "skipped": [],
            },
            "PhoneNumberOrders",
        ),
        (
            {
                "format": 2,
                "api": "chime",
                "listed_at": 1.0,
                "listings": [
                    {"region": "us-east-1", "orders": [{"OrderedPhoneNumbers": [{"E164PhoneNumber": ["+1"]}]}]}
                ],
                "skipped": [],
            },
            "E164PhoneNumber",
        ),
        (
            {"format": 2, "api": "chime", "listed_at": 1.0, "listings": [], "skipped": [{"region": "x"}]},
            "skipped region",
        ),
    ],
)
def test_a_cached_value_of_another_shape_is_refused_saying_why(value, reason):
    with pytest.raises(InvalidCacheError, match=reason):
        listings_from_cache(value, "chime")


def test_cached_numbers_are_checked_like_a_numbers_page():
    listings = [("us-east-1", [], [{"E164PhoneNumber": "+12065550100", "Status": "Unassigned"}])]
    value = json.loads(json.dumps(cached_listing("chime_sdk_voice", listings, current_state=True, listed_at=5.0)))
    assert listings_from_cache(value, "chime_sdk_voice", current_state=True) == (listings, [], 5.0)
    value["listings"][0]["numbers"] = [{"E164PhoneNumber": 12065550100}]
    with pytest.raises(InvalidCacheError, match="E164PhoneNumber"):
        listings_from_cache(value, "chime_sdk_voice", current_state=True)


def test_the_listing_time_group_names_the_utc_second():
    assert listed_at_group(1795780828.9) == "chime_listed_at_20261127T120028Z"
