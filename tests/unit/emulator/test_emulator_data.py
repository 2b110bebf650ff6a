# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/emulator/emulator_data.py: generated orders, data documents, numbers derived from orders."""

from __future__ import annotations

import re

import pytest
from chime_emulator import ChimeEmulator
from chime_emulator import EmulatorConfigError
from chime_emulator import derive_numbers
from chime_emulator import generate_orders
from emulator_data import account_id_of
from emulator_data import parse_document
from emulator_data import project_number
from emulator_data import project_order
from emulator_testkit import make_order

ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
NANP_E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


# ---- generated orders --------------------------------------------------------------


def test_generate_orders_is_deterministic_and_shaped_like_the_legacy_api():
    orders = generate_orders(1000, seed=7, api="chime")
    assert orders == generate_orders(1000, seed=7, api="chime")
    assert orders != generate_orders(1000, seed=8, api="chime")
    numbers = [number["E164PhoneNumber"] for order in orders for number in order["OrderedPhoneNumbers"]]
    assert len(numbers) == 3000 and len(set(numbers)) == 3000
    assert all(NANP_E164.match(number) for number in numbers)
    assert len({order["PhoneNumberOrderId"] for order in orders}) == 1000
    for order in orders:
        assert list(order) == sorted(order), "keys in the service's alphabetical order"
        assert ISO_MILLIS.match(order["CreatedTimestamp"]) and ISO_MILLIS.match(order["UpdatedTimestamp"])
        assert order["UpdatedTimestamp"] >= order["CreatedTimestamp"]
        statuses = {number["Status"] for number in order["OrderedPhoneNumbers"]}
        expected_status = {
            frozenset({"Acquired"}): "Successful",
            frozenset({"Failed"}): "Failed",
            frozenset({"Processing"}): "Processing",
            frozenset({"Acquired", "Failed"}): "Partial",
        }[frozenset(statuses)]
        assert order["Status"] == expected_status
        assert "OrderType" not in order
    by_status = {
        status: sum(order["Status"] == status for order in orders)
        for status in ("Successful", "Partial", "Failed", "Processing")
    }
    assert by_status["Successful"] > 700 and by_status["Failed"] > 10 and by_status["Processing"] > 10
    assert all(a["CreatedTimestamp"] < b["CreatedTimestamp"] for a, b in zip(orders, orders[1:]))


def test_generate_orders_defaults_to_chime_sdk_voice_with_order_type():
    orders = generate_orders(400)
    assert orders == generate_orders(400, api="chime-sdk-voice")
    assert {order["OrderType"] for order in orders} == {"New", "Porting"}
    assert all(("FocDate" in order) == (order["OrderType"] == "Porting") for order in orders)
    assert "BusinessCalling" not in {order["ProductType"] for order in orders}


def test_generate_orders_rejects_unknown_api_and_negative_counts():
    with pytest.raises(EmulatorConfigError, match="unknown api"):
        generate_orders(1, api="chime_sdk_voice")
    with pytest.raises(EmulatorConfigError, match="negative"):
        generate_orders(-1)


# ---- data documents ------------------------------------------------------------------


def test_orders_without_an_id_are_rejected():
    with pytest.raises(EmulatorConfigError, match="PhoneNumberOrderId"):
        ChimeEmulator(orders=[{"Status": "Successful"}])
    with pytest.raises(EmulatorConfigError, match="PhoneNumberOrders, PhoneNumbers, Regions or Accounts"):
        ChimeEmulator(orders={"Orders": []})


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ({"PhoneNumbers": [{"Status": "Unassigned"}]}, "E164PhoneNumber"),
        ({"PhoneNumbers": {"+12065550100": {}}}, "PhoneNumbers must be a list"),
        ({"PhoneNumbers": [{"E164PhoneNumber": "+12065550100", "PhoneNumberId": 7}]}, "PhoneNumberId"),
        ({"Regions": {"eu-west-2": {"Orders": []}}}, "region eu-west-2"),
        ({"Accounts": ["AKIA1"]}, "Accounts must be an object"),
        ({"Accounts": {"AKIA1": {"Accounts": {}}}}, "cannot hold Accounts"),
        ({"Accounts": {"AKIA1": {"PhoneNumberOrders": [{}]}}}, "account AKIA1"),
    ],
)
def test_bad_documents_name_what_is_wrong(document, needle):
    with pytest.raises(EmulatorConfigError, match=needle):
        parse_document(document, "test")


def test_explicit_numbers_get_their_e164_as_id():
    top, accounts = parse_document({"PhoneNumbers": [{"E164PhoneNumber": "+12065550100"}]}, "test")
    assert top.top.numbers == [{"E164PhoneNumber": "+12065550100", "PhoneNumberId": "+12065550100"}]
    assert accounts == {}


# ---- numbers derived from orders ---------------------------------------------------------


def test_latest_order_decides_a_numbers_status_and_failed_numbers_are_absent():
    orders = [
        make_order("a", {"+12065550100": "Acquired", "+12065550101": "Acquired"}, updated="2026-01-02T00:00:00.000Z"),
        # Older than "a" although later in the list: does not decide +12065550100.
        make_order("b", {"+12065550100": "Failed"}, status="Failed", updated="2026-01-01T00:00:00.000Z"),
        make_order(
            "c",
            {"+12065550101": "Failed", "+12065550102": "Processing"},
            status="Processing",
            updated="2026-01-03T00:00:00.000Z",
        ),
        make_order("d", {"+12065550103": "Failed"}, status="Failed"),
    ]
    records = derive_numbers(orders, region="eu-west-2")
    assert [(record["PhoneNumberId"], record["Status"], record["OrderId"]) for record in records] == [
        ("+12065550100", "Unassigned", "a"),
        ("+12065550102", "AcquireInProgress", "c"),
    ]
    first = records[0]
    assert first["E164PhoneNumber"] == "+12065550100" and first["Country"] == "US" and first["Type"] == "Local"
    assert first["CreatedTimestamp"] == orders[0]["CreatedTimestamp"]
    assert first["UpdatedTimestamp"] == orders[0]["UpdatedTimestamp"]
    assert first["PhoneNumberArn"] == "arn:aws:chime:eu-west-2:123456789012:phone-number/+12065550100"
    assert list(first) == sorted(first), "keys in the service's alphabetical order"


def test_a_tie_on_updated_timestamp_goes_to_the_later_order_in_the_list():
    orders = [make_order("a", {"+12065550100": "Failed"}), make_order("b", {"+12065550100": "Acquired"})]
    assert [record["OrderId"] for record in derive_numbers(orders)] == ["b"]
    assert derive_numbers(list(reversed(orders))) == []


def test_junk_orders_never_crash_the_derivation():
    junk = [
        {"PhoneNumberOrderId": "x", "OrderedPhoneNumbers": "not a list"},
        {"PhoneNumberOrderId": "y", "OrderedPhoneNumbers": [7, {"E164PhoneNumber": 12}, {"Status": "Acquired"}]},
        {
            "PhoneNumberOrderId": "z",
            "UpdatedTimestamp": "2026-13-45T99:99:99Z",
            "OrderedPhoneNumbers": [
                {"E164PhoneNumber": "not a number \u260e", "Status": "Acquired"},
                {"E164PhoneNumber": "+12065550100", "Status": "Acquired\u200b"},
            ],
        },
    ]
    records = derive_numbers(junk)
    assert [(record["E164PhoneNumber"], record["Status"]) for record in records] == [
        ("not a number \u260e", "Unassigned")
    ]
    assert "Country" not in records[0] and "ProductType" not in records[0]


def test_toll_free_and_foreign_numbers_get_type_and_country():
    orders = [make_order("a", {"+18005550100": "Acquired", "+442071838750": "Acquired", "+35312345678": "Acquired"})]
    shape = {record["E164PhoneNumber"]: (record["Type"], record["Country"]) for record in derive_numbers(orders)}
    assert shape == {
        "+18005550100": ("TollFree", "US"),
        "+442071838750": ("Local", "GB"),
        "+35312345678": ("Local", "IE"),
    }


def test_every_generated_acquired_number_is_derived_once():
    orders = generate_orders(300, seed=4)
    acquired = {
        number["E164PhoneNumber"]
        for order in orders
        for number in order["OrderedPhoneNumbers"]
        if number["Status"] == "Acquired"
    }
    processing = {
        number["E164PhoneNumber"]
        for order in orders
        for number in order["OrderedPhoneNumbers"]
        if number["Status"] == "Processing"
    }
    records = derive_numbers(orders)
    assert {record["E164PhoneNumber"] for record in records if record["Status"] == "Unassigned"} == acquired
    assert {record["E164PhoneNumber"] for record in records if record["Status"] == "AcquireInProgress"} == processing
    assert len(records) == len(acquired) + len(processing)


def test_legacy_projection_drops_only_sdk_voice_members():
    order = generate_orders(1)[0]
    assert "OrderType" in order and "OrderType" not in project_order(order, "chime")
    assert project_order(order, "chime-sdk-voice") is order
    junk = {"PhoneNumberOrderId": "x", "Surprise": 1}
    assert project_order(junk, "chime") is junk, "members outside both models are served as given"
    record = derive_numbers(generate_orders(1), region="us-east-1")[0]
    legacy = project_number(record, "chime")
    assert {"OrderId", "PhoneNumberArn"} <= set(record) and not {"OrderId", "PhoneNumberArn", "Name"} & set(legacy)


def test_account_ids_are_stable_digits_that_do_not_reveal_the_key():
    assert account_id_of(None) == "123456789012"
    first = account_id_of("AKIAEXAMPLE1")
    assert first == account_id_of("AKIAEXAMPLE1") != account_id_of("AKIAEXAMPLE2")
    assert re.fullmatch(r"\d{12}", first)
