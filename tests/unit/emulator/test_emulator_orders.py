# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ListPhoneNumberOrders / GetPhoneNumberOrder through real boto3 clients and raw HTTP:
namespaces, pagination tokens, regions, scheduled status changes, stats."""

from __future__ import annotations

import base64
import json

import pytest
from chime_emulator import generate_orders
from emulator_testkit import error_of
from emulator_testkit import list_all
from emulator_testkit import make_client
from emulator_testkit import parse_iso
from emulator_testkit import raw_request

# The documented ListPhoneNumberOrders sample response body, byte for byte
# (non-UUID id, "Voice Connector" outside the enum, NextToken null).
SAMPLE_BODY = (
    b'{"NextToken":null,"PhoneNumberOrders":[{"CreatedTimestamp":"2019-08-12T22:10:20.504Z",'
    b'"OrderedPhoneNumbers":[{"E164PhoneNumber":"+12065550100","Status":"Acquired"},'
    b'{"E164PhoneNumber":"+12065550101","Status":"Acquired"}],'
    b'"PhoneNumberOrderId":"abc12345-de67-89f0-123g-h45i678j9012","ProductType":"Voice Connector",'
    b'"Status":"Successful","UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
)


# ---- listing -----------------------------------------------------------------------


@pytest.mark.parametrize("api", ["chime", "chime-sdk-voice"])
def test_lists_1000_generated_orders_in_11_pages_order_by_order(emu_factory, api):
    emu = emu_factory(generate=1000, seed=3)
    expected = generate_orders(1000, seed=3)
    pages, orders = list_all(make_client(emu, api), page_size=99)
    assert [len(page["PhoneNumberOrders"]) for page in pages] == [99] * 10 + [10]
    assert "NextToken" not in pages[-1]
    assert len(orders) == len(expected)
    for got, want in zip(orders, expected):
        assert got["PhoneNumberOrderId"] == want["PhoneNumberOrderId"]
        assert got["Status"] == want["Status"]
        assert got["ProductType"] == want["ProductType"]
        assert got["OrderedPhoneNumbers"] == want["OrderedPhoneNumbers"]
        assert got["CreatedTimestamp"] == parse_iso(want["CreatedTimestamp"])
        assert got["UpdatedTimestamp"] == parse_iso(want["UpdatedTimestamp"])
        # The legacy namespace has no OrderType/FocDate in its model and does not send them.
        assert got.get("OrderType") == (want["OrderType"] if api == "chime-sdk-voice" else None)
    assert emu.stats()["by_api"] == {api: 11}


def test_last_page_carries_a_null_next_token(emu):
    response, body = raw_request(emu, "/phone-number-orders?max-results=99")
    first = json.loads(body)
    assert response.status == 200 and isinstance(first["NextToken"], str)
    token = first["NextToken"]
    for _page in range(5):
        response, body = raw_request(emu, "/phone-number-orders?max-results=99&next-token=" + token)
        page = json.loads(body)
        if page["NextToken"] is None:
            break
        token = page["NextToken"]
    assert b'"NextToken":null' in body
    assert len(page["PhoneNumberOrders"]) == 250 - 2 * 99


@pytest.mark.parametrize("prefix", ["", "/chime", "/chime-sdk-voice"])
def test_sample_response_is_served_byte_for_byte(emu_factory, prefix):
    emu = emu_factory(orders=json.loads(SAMPLE_BODY))
    response, body = raw_request(emu, prefix + "/phone-number-orders")
    assert body == SAMPLE_BODY
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("x-amzn-RequestId")
    order = make_client(emu).list_phone_number_orders()["PhoneNumberOrders"][0]
    assert order["PhoneNumberOrderId"] == "abc12345-de67-89f0-123g-h45i678j9012"
    assert order["ProductType"] == "Voice Connector"
    got = make_client(emu, "chime").get_phone_number_order(PhoneNumberOrderId="abc12345-de67-89f0-123g-h45i678j9012")
    assert got["PhoneNumberOrder"]["UpdatedTimestamp"] == parse_iso("2019-08-12T22:10:31.186Z")


@pytest.mark.parametrize(("api", "maximum"), [("chime", 99), ("chime-sdk-voice", 100)])
def test_max_results_range_is_enforced_per_namespace(emu, api, maximum):
    client = make_client(emu, api)
    assert len(client.list_phone_number_orders(MaxResults=maximum)["PhoneNumberOrders"]) == maximum
    assert len(client.list_phone_number_orders()["PhoneNumberOrders"]) == maximum
    status, code, message = error_of(lambda: client.list_phone_number_orders(MaxResults=maximum + 1))
    assert (status, code) == (400, "BadRequestException")
    assert f"'{maximum + 1}'" in message


@pytest.mark.parametrize(("prefix", "body_code"), [("", None), ("/chime", "BadRequest")])
def test_max_results_zero_and_non_integer_are_rejected_naming_the_value(emu, prefix, body_code):
    for value in ("0", "abc", "-3"):
        response, body = raw_request(emu, f"{prefix}/phone-number-orders?max-results={value}")
        assert response.status == 400
        # The exception name travels in the header (botocore's Error.Code); the legacy body
        # adds its model's ErrorCode enum value, the SDK Voice model has no Code member.
        assert response.getheader("x-amzn-ErrorType") == "BadRequestException"
        assert json.loads(body).get("Code") == body_code
        assert value in json.loads(body)["Message"]


# ---- which namespace -----------------------------------------------------------------


def test_a_bare_endpoint_is_chime_sdk_voice_and_chime_lives_under_a_prefix(emu_factory):
    emu = emu_factory(generate=150)
    assert raw_request(emu, "/phone-number-orders?max-results=100")[0].status == 200
    assert raw_request(emu, "/chime-sdk-voice/phone-number-orders?max-results=100")[0].status == 200
    assert raw_request(emu, "/chime/phone-number-orders?max-results=100")[0].status == 400
    # A bare endpoint_url with the legacy client still answers, as SDK Voice: 100 is accepted.
    assert (
        len(make_client(emu, "chime", endpoint=emu.url).list_phone_number_orders(MaxResults=100)["PhoneNumberOrders"])
        == 100
    )
    assert emu.stats()["by_api"] == {"chime-sdk-voice": 3, "chime": 1}


def test_api_chime_makes_the_root_legacy_again(emu_factory):
    emu = emu_factory(generate=150, api="chime")
    assert raw_request(emu, "/phone-number-orders?max-results=100")[0].status == 400
    assert raw_request(emu, "/chime-sdk-voice/phone-number-orders?max-results=100")[0].status == 200
    orders = json.loads(raw_request(emu, "/phone-number-orders")[1])["PhoneNumberOrders"]
    assert "OrderType" not in orders[0], "--api chime also generates the legacy shape"


def test_namespace_comes_from_a_user_agent_token_without_a_prefix(emu_factory):
    emu = emu_factory(generate=150, api="chime")
    voice_agent = {"User-Agent": "aws-sdk-js/3.600.0 ua/2.1 api/chime-sdk-voice#3.600.0 lang/js"}
    response, body = raw_request(emu, "/phone-number-orders?max-results=100", headers=voice_agent)
    assert response.status == 200 and len(json.loads(body)["PhoneNumberOrders"]) == 100
    legacy_agent = {"User-Agent": "aws-sdk-js/3.600.0 ua/2.1 api/chime#3.600.0 lang/js"}
    voice_root = emu_factory(generate=150)
    assert raw_request(voice_root, "/phone-number-orders?max-results=100", headers=legacy_agent)[0].status == 400


# ---- get -------------------------------------------------------------------------------


def test_get_returns_the_order_and_unknown_ids_get_404(emu):
    wanted = emu.orders()[17]
    for api in ("chime", "chime-sdk-voice"):
        got = make_client(emu, api).get_phone_number_order(PhoneNumberOrderId=wanted["PhoneNumberOrderId"])
        assert got["PhoneNumberOrder"]["OrderedPhoneNumbers"] == wanted["OrderedPhoneNumbers"]
        status, code, message = error_of(
            lambda api=api: make_client(emu, api).get_phone_number_order(PhoneNumberOrderId="no-such-order")
        )
        assert (status, code) == (404, "NotFoundException") and "no-such-order" in message


def test_unknown_operation_gets_404(emu):
    response, body = raw_request(emu, "/phone-number-orders", method="POST")
    assert response.status == 404 and response.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert "No operation matches POST" in json.loads(body)["message"]
    assert raw_request(emu, "/voice-connectors")[0].status == 404


# ---- tokens ------------------------------------------------------------------------------


def test_forged_tampered_and_foreign_tokens_get_400(emu, emu_factory):
    client = make_client(emu)
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[10] ^= 0x01
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    foreign = make_client(emu_factory(generate=250)).list_phone_number_orders(MaxResults=10)["NextToken"]
    numbers_token = client.list_phone_numbers(MaxResults=10)["NextToken"]
    for bad in ("forged", "", tampered, foreign, token + "AA", numbers_token):
        status, code, _message = error_of(lambda bad=bad: client.list_phone_number_orders(MaxResults=10, NextToken=bad))
        assert (status, code) == (400, "BadRequestException"), bad
    assert len(client.list_phone_number_orders(MaxResults=10, NextToken=token)["PhoneNumberOrders"]) == 10


def test_tokens_expire_when_the_data_set_is_replaced(emu):
    client = make_client(emu)
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    emu.set_orders(generate_orders(30, seed=1))
    status, code, message = error_of(lambda: client.list_phone_number_orders(NextToken=token))
    assert (status, code) == (400, "BadRequestException") and "Expired" in message


def test_tokens_never_show_the_access_key(emu):
    token = make_client(emu).list_phone_number_orders(MaxResults=10)["NextToken"]
    assert "AKID" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("latin-1")


# ---- regions, scheduled status, stats, reset ------------------------------------------


def test_per_region_data_and_region_bound_tokens(emu_factory):
    two, one = generate_orders(2, seed=1), generate_orders(1, seed=2)
    emu = emu_factory(
        orders={"Regions": {"us-east-1": {"PhoneNumberOrders": two}, "eu-west-2": {"PhoneNumberOrders": one}}}
    )

    def ids(region):
        return [order["PhoneNumberOrderId"] for order in list_all(make_client(emu, region=region))[1]]

    assert ids("us-east-1") == [order["PhoneNumberOrderId"] for order in two]
    assert ids("eu-west-2") == [one[0]["PhoneNumberOrderId"]]
    assert ids("ap-southeast-1") == []
    emu.set_orders(generate_orders(3, seed=3), region="ap-southeast-1")
    assert len(ids("ap-southeast-1")) == 3 and len(ids("us-east-1")) == 2
    token = make_client(emu, region="us-east-1").list_phone_number_orders(MaxResults=1)["NextToken"]
    assert error_of(lambda: make_client(emu, region="eu-west-2").list_phone_number_orders(NextToken=token))[1] == (
        "BadRequestException"
    )
    emu.set_orders(generate_orders(4, seed=4))
    assert len(ids("eu-west-2")) == 4 and len(ids("ap-southeast-1")) == 4
    assert emu.stats()["by_region"]["eu-west-2"] >= 2


def test_scheduled_status_change_flips_after_n_list_requests(emu_factory):
    orders = generate_orders(3, seed=9)
    target = orders[1]
    target["Status"] = "Processing"
    for number in target["OrderedPhoneNumbers"]:
        number["Status"] = "Processing"
    emu = emu_factory(orders=orders)
    client = make_client(emu)
    emu.schedule_status(target["PhoneNumberOrderId"], after_requests=2)
    token = client.list_phone_number_orders(MaxResults=1)["NextToken"]
    before = client.list_phone_number_orders(MaxResults=1, NextToken=token)["PhoneNumberOrders"][0]
    assert before["Status"] == "Processing"
    # The flip does not invalidate tokens handed out before it.
    after = client.list_phone_number_orders(MaxResults=1, NextToken=token)["PhoneNumberOrders"][0]
    assert after["PhoneNumberOrderId"] == target["PhoneNumberOrderId"]
    assert after["Status"] == "Successful"
    assert {number["Status"] for number in after["OrderedPhoneNumbers"]} == {"Acquired"}
    assert after["UpdatedTimestamp"] > before["UpdatedTimestamp"]
    got = client.get_phone_number_order(PhoneNumberOrderId=target["PhoneNumberOrderId"])["PhoneNumberOrder"]
    assert got["Status"] == "Successful"
    assert orders[1]["Status"] == "Processing", "the caller's data is not mutated"
    assert emu.stats()["scheduled"] == 0


def test_schedule_rejects_unknown_orders_and_bad_counting(emu):
    from chime_emulator import EmulatorConfigError  # pylint: disable=import-outside-toplevel

    with pytest.raises(EmulatorConfigError, match="unknown order id"):
        emu.schedule_status("no-such-order")
    with pytest.raises(EmulatorConfigError, match="counting"):
        emu.schedule_status(emu.orders()[0]["PhoneNumberOrderId"], counting="sometimes")


def test_stats_count_requests_operations_and_keep_alive_connections(emu):
    client = make_client(emu)
    list_all(client, page_size=50)
    client.get_phone_number_order(PhoneNumberOrderId=emu.orders()[0]["PhoneNumberOrderId"])
    client.list_phone_numbers()
    stats = emu.stats()
    assert (stats["requests"], stats["list_requests"], stats["get_requests"]) == (7, 5, 1)
    assert stats["by_operation"] == {"ListPhoneNumberOrders": 5, "GetPhoneNumberOrder": 1, "ListPhoneNumbers": 1}
    assert stats["by_status"] == {"200": 7}
    assert stats["by_account"] == {"AKIDEMULATORTEST": 7}
    assert stats["connections"] == 1, "botocore reuses one keep-alive connection"


def test_reset_restores_start_up_data_and_clears_faults_and_stats(emu):
    emu.set_orders([])
    emu.inject(
        throttle=5, latency=0, repeat_token=True, deny_regions=["us-west-2"], deny_operations=["ListPhoneNumbers"]
    )
    emu.reset()
    stats = emu.stats()
    assert stats["requests"] == 0 and sum(stats["pending"].values()) == 0
    assert not stats["repeat_token"] and stats["deny_regions"] == [] and stats["deny_operations"] == []
    assert len(list_all(make_client(emu))[1]) == 250
