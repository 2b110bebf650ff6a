# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ListPhoneNumbers / GetPhoneNumber: numbers derived from orders, explicit numbers, filters,
pagination, and the control calls that rehearse deletions, releases and odd statuses."""

from __future__ import annotations

import datetime
import json
import urllib.parse

import pytest
from chime_emulator import EmulatorConfigError
from chime_emulator import generate_orders
from emulator_testkit import error_of
from emulator_testkit import list_numbers
from emulator_testkit import make_client
from emulator_testkit import make_order
from emulator_testkit import raw_request

A, B, C, D = "+12065550100", "+12065550101", "+12065550102", "+12065550103"


def ids(records):
    return [record["PhoneNumberId"] for record in records]


def status_by_id(records):
    return {record["PhoneNumberId"]: record["Status"] for record in records}


@pytest.fixture
def small(emu_factory):
    """A: acquired, B: acquired then failed in a later order, C: processing, D: failed."""
    return emu_factory(
        orders=[
            make_order(
                "11111111-1111-1111-1111-111111111111",
                {A: "Acquired", B: "Acquired"},
                updated="2026-01-01T00:00:00.000Z",
            ),
            make_order(
                "22222222-2222-2222-2222-222222222222",
                {B: "Failed", C: "Processing"},
                status="Processing",
                updated="2026-01-02T00:00:00.000Z",
                product_type="SipMediaApplicationDialIn",
            ),
            make_order("33333333-3333-3333-3333-333333333333", {D: "Failed"}, status="Failed"),
        ]
    )


# ---- listing and get ------------------------------------------------------------------


@pytest.mark.parametrize(("api", "page_size"), [("chime", 99), ("chime-sdk-voice", 100)])
def test_lists_every_number_the_orders_hold_in_pages(emu_factory, api, page_size):
    emu = emu_factory(generate=400, seed=5)
    pages, numbers = list_numbers(make_client(emu, api), page_size=page_size)
    expected = emu.numbers(api=api)
    assert len(expected) > 1000
    assert ids(numbers) == ids(expected)
    assert [len(page["PhoneNumbers"]) for page in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert set(status_by_id(numbers).values()) == {"Unassigned", "AcquireInProgress"}
    assert all(number["PhoneNumberId"] == number["E164PhoneNumber"] for number in numbers)
    latest = {
        e164: order
        for order in generate_orders(400, seed=5)
        for e164 in (entry["E164PhoneNumber"] for entry in order["OrderedPhoneNumbers"])
    }
    for number in numbers:
        if api == "chime-sdk-voice":
            assert number["OrderId"] == latest[number["E164PhoneNumber"]]["PhoneNumberOrderId"]
        else:
            assert "OrderId" not in number and "PhoneNumberArn" not in number
        assert isinstance(number["UpdatedTimestamp"], datetime.datetime)


def test_a_number_is_held_as_its_latest_order_says(small):
    assert status_by_id(small.numbers()) == {A: "Unassigned", C: "AcquireInProgress"}
    client = make_client(small)
    got = client.get_phone_number(PhoneNumberId=C)["PhoneNumber"]
    assert (got["Status"], got["ProductType"], got["OrderId"]) == (
        "AcquireInProgress",
        "SipMediaApplicationDialIn",
        "22222222-2222-2222-2222-222222222222",
    )
    for missing in (B, D, "+19999999999"):
        status, code, message = error_of(lambda missing=missing: client.get_phone_number(PhoneNumberId=missing))
        assert (status, code) == (404, "NotFoundException") and missing in message


def test_get_finds_a_number_with_a_raw_or_an_encoded_plus(small):
    for path in ("/phone-numbers/" + urllib.parse.quote(A, safe=""), "/phone-numbers/" + A):
        response, body = raw_request(small, path)
        assert response.status == 200 and json.loads(body)["PhoneNumber"]["PhoneNumberId"] == A
    assert raw_request(small, "/phone-numbers/")[0].status == 400
    assert raw_request(small, "/chime/phone-numbers/a%2Fb")[0].status == 400


# ---- filters and tokens ------------------------------------------------------------------


def test_status_and_product_type_filters_apply_server_side(emu_factory):
    emu = emu_factory(generate=300, seed=6)
    client = make_client(emu)
    everything = emu.numbers()
    for status in ("Unassigned", "AcquireInProgress", "DeleteFailed"):
        listed = list_numbers(client, page_size=50, Status=status)[1]
        assert ids(listed) == [record["PhoneNumberId"] for record in everything if record["Status"] == status]
    dial_in = list_numbers(make_client(emu, "chime"), ProductType="SipMediaApplicationDialIn")[1]
    assert dial_in and {number["ProductType"] for number in dial_in} == {"SipMediaApplicationDialIn"}
    # A client may list the statuses as partitions; together they are the whole listing.
    partitions = [list_numbers(client, Status=status)[1] for status in ("Unassigned", "AcquireInProgress")]
    assert sorted(ids(partitions[0] + partitions[1])) == sorted(ids(everything))


def test_association_filter_matches_name_and_value(emu_factory):
    association = [{"Name": "VoiceConnectorId", "Value": "abcdef1", "AssociatedTimestamp": "2026-01-01T00:00:00Z"}]
    emu = emu_factory(
        orders={
            "PhoneNumbers": [
                {"E164PhoneNumber": A, "Status": "Assigned", "Associations": association},
                {"E164PhoneNumber": B, "Status": "Unassigned", "Associations": []},
            ]
        }
    )
    client = make_client(emu)
    assert ids(client.list_phone_numbers(FilterName="VoiceConnectorId", FilterValue="abcdef1")["PhoneNumbers"]) == [A]
    assert client.list_phone_numbers(FilterName="VoiceConnectorId", FilterValue="other")["PhoneNumbers"] == []
    assert client.list_phone_numbers(FilterName="SipRuleId", FilterValue="abcdef1")["PhoneNumbers"] == []


@pytest.mark.parametrize(
    ("prefix", "query", "needle"),
    [
        ("", "status=Acquired", "'Acquired' at 'status'"),
        ("/chime", "status=PortinInProgress", "'PortinInProgress' at 'status'"),
        ("", "product-type=BusinessCalling", "'BusinessCalling' at 'productType'"),
        ("/chime", "filter-name=SipRuleId", "filter-name and filter-value"),
        ("", "filter-name=UserId&filter-value=u1", "'UserId' at 'filterName'"),
        ("", "max-results=101", "less than or equal to 100"),
        ("/chime", "max-results=100", "less than or equal to 99"),
    ],
)
def test_bad_list_parameters_get_400_naming_them(small, prefix, query, needle):
    response, body = raw_request(small, f"{prefix}/phone-numbers?{query}")
    assert response.status == 400 and response.getheader("x-amzn-ErrorType") == "BadRequestException"
    assert needle in json.loads(body)["Message"]


def test_a_token_only_works_with_the_filters_it_was_issued_for(emu_factory):
    emu = emu_factory(generate=300, seed=7)
    client = make_client(emu)
    token = client.list_phone_numbers(MaxResults=10, Status="Unassigned")["NextToken"]
    assert client.list_phone_numbers(MaxResults=10, Status="Unassigned", NextToken=token)["PhoneNumbers"]
    for other in ({"Status": "AcquireInProgress"}, {}, {"ProductType": "VoiceConnector", "Status": "Unassigned"}):
        assert error_of(lambda other=other: client.list_phone_numbers(NextToken=token, **other))[:2] == (
            400,
            "BadRequestException",
        )
    emu.generate(10)
    status, _code, message = error_of(lambda: client.list_phone_numbers(Status="Unassigned", NextToken=token))
    assert status == 400 and "Expired" in message and "phone numbers" in message


# ---- derived numbers follow the orders ---------------------------------------------------


def test_derived_numbers_follow_scheduled_status_changes(small):
    client = make_client(small)
    small.schedule_status("22222222-2222-2222-2222-222222222222", after_requests=1, counting="any")
    assert status_by_id(client.list_phone_numbers()["PhoneNumbers"])[C] == "AcquireInProgress"
    after = client.list_phone_numbers()["PhoneNumbers"]
    # The order's numbers all became Acquired, and it is still B's latest order.
    assert status_by_id(after) == {A: "Unassigned", B: "Unassigned", C: "Unassigned"}
    # Now the first order is the latest for A and B, and it failed.
    small.schedule_status(
        "11111111-1111-1111-1111-111111111111",
        order_status="Failed",
        number_status="Failed",
        updated_timestamp="2099-01-01T00:00:00.000Z",
    )
    assert status_by_id(client.list_phone_numbers()["PhoneNumbers"]) == {C: "Unassigned"}


def test_derived_numbers_follow_new_orders(small):
    small.set_orders([make_order("44444444-4444-4444-4444-444444444444", {D: "Acquired"})])
    assert ids(make_client(small).list_phone_numbers()["PhoneNumbers"]) == [D]


# ---- explicit numbers ------------------------------------------------------------------------


def test_explicit_numbers_replace_derivation_in_their_scope(emu_factory):
    explicit = [
        {
            "E164PhoneNumber": D,
            "Status": "PortinInProgress",
            "ProductType": "VoiceConnector",
            "DeletionTimestamp": "2026-02-01T00:00:00.000Z",
        }
    ]
    orders = [make_order("11111111-1111-1111-1111-111111111111", {A: "Acquired"})]
    region_orders = [make_order("55555555-5555-5555-5555-555555555555", {B: "Acquired"})]
    emu = emu_factory(
        orders={
            "PhoneNumberOrders": orders,
            "PhoneNumbers": explicit,
            "Regions": {
                "eu-west-2": {"PhoneNumbers": [{"E164PhoneNumber": C, "Status": "Assigned"}]},
                "eu-central-1": {"PhoneNumberOrders": region_orders},
            },
        }
    )
    assert status_by_id(emu.numbers("us-east-1")) == {D: "PortinInProgress"}
    assert status_by_id(emu.numbers("eu-west-2")) == {C: "Assigned"}
    # A region with orders of its own derives its numbers from them.
    assert status_by_id(emu.numbers("eu-central-1")) == {B: "Unassigned"}
    got = make_client(emu).get_phone_number(PhoneNumberId=D)["PhoneNumber"]
    assert got["DeletionTimestamp"] == datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
    assert "OrderId" not in got


# ---- control calls ----------------------------------------------------------------------------


def test_delete_number_puts_it_in_the_deletion_queue_for_seven_days(small):
    before = datetime.datetime.now(datetime.timezone.utc)
    small.delete_number(A)
    got = make_client(small).get_phone_number(PhoneNumberId=A)["PhoneNumber"]
    assert got["Status"] == "DeleteInProgress"
    queued_for = got["DeletionTimestamp"] - before
    # Timestamps carry milliseconds, so "now" may lose up to one.
    assert datetime.timedelta(days=7, milliseconds=-1) <= queued_for < datetime.timedelta(days=7, minutes=1)
    assert got["UpdatedTimestamp"] >= before.replace(microsecond=0) - datetime.timedelta(seconds=1)
    listed = make_client(small).list_phone_numbers(Status="DeleteInProgress")["PhoneNumbers"]
    assert ids(listed) == [A]
    # Back out of the queue: no deletion date any more.
    small.set_number_status(A, "Unassigned")
    assert "DeletionTimestamp" not in make_client(small).get_phone_number(PhoneNumberId=A)["PhoneNumber"]


def test_release_number_removes_it_and_add_number_holds_one_without_an_order(small):
    client = make_client(small)
    small.release_number(C)
    assert error_of(lambda: client.get_phone_number(PhoneNumberId=C))[:2] == (404, "NotFoundException")
    small.add_number(
        "+18005550100",
        status="Assigned",
        product_type="SipMediaApplicationDialIn",
        members={"Name": "front desk", "CallingName": "Front Desk"},
    )
    added = client.get_phone_number(PhoneNumberId="+18005550100")["PhoneNumber"]
    assert (added["Status"], added["Type"], added["Name"], added["CallingName"]) == (
        "Assigned",
        "TollFree",
        "front desk",
        "Front Desk",
    )
    assert "OrderId" not in added
    assert ids(small.numbers()) == [A, "+18005550100"]


def test_set_number_status_gives_any_status(small):
    client = make_client(small)
    for status in ("ReleaseFailed", "PortinInProgress", "Cancelled"):
        small.set_number_status(A, status)
        assert client.get_phone_number(PhoneNumberId=A)["PhoneNumber"]["Status"] == status
    assert ids(client.list_phone_numbers(Status="Cancelled")["PhoneNumbers"]) == [A]


def test_overrides_in_one_region_stay_there_and_survive_order_changes(small):
    small.release_number(A, region="eu-west-2")
    small.delete_number(C)
    assert A not in ids(small.numbers("eu-west-2")) and A in ids(small.numbers("us-east-1"))
    small.schedule_status("22222222-2222-2222-2222-222222222222")
    # C's order completed, but the deletion (a later change than the order) still holds.
    assert status_by_id(small.numbers("us-east-1"))[C] == "DeleteInProgress"
    assert status_by_id(small.numbers("us-east-1"))[B] == "Unassigned"


def test_reset_and_new_orders_drop_the_overrides(small):
    small.delete_number(A)
    small.reset()
    assert status_by_id(small.numbers())[A] == "Unassigned"
    small.delete_number(A)
    small.set_orders(small.orders())
    assert status_by_id(small.numbers())[A] == "Unassigned"


def test_control_calls_refuse_numbers_the_account_does_not_hold(small):
    for call in (small.delete_number, small.release_number):
        with pytest.raises(EmulatorConfigError, match="not held"):
            call(D)
    small.release_number(A, region="eu-west-2")
    with pytest.raises(EmulatorConfigError, match="not held in region eu-west-2"):
        small.release_number(A, region="eu-west-2")
    with pytest.raises(EmulatorConfigError, match="status"):
        small.set_number_status(A, "")
    with pytest.raises(EmulatorConfigError, match="no data of its own"):
        small.delete_number(A, account="AKIAUNKNOWN")
