# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/emulator/emulator_faults.py: injected faults as real boto3 clients and raw HTTP see them."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ReadTimeoutError
from chime_emulator import FAULT_KINDS
from chime_emulator import OPERATIONS
from chime_emulator import EmulatorConfigError
from chime_emulator import generate_orders
from emulator_testkit import error_of
from emulator_testkit import list_all
from emulator_testkit import list_numbers
from emulator_testkit import make_client
from emulator_testkit import raw_request


def operation_calls(emu, client):
    """One call per operation, each asking for something that exists."""
    order_id = emu.orders()[0]["PhoneNumberOrderId"]
    number_id = emu.numbers()[0]["PhoneNumberId"]
    return {
        "ListPhoneNumberOrders": lambda: client.list_phone_number_orders(MaxResults=10),
        "GetPhoneNumberOrder": lambda: client.get_phone_number_order(PhoneNumberOrderId=order_id),
        "ListPhoneNumbers": lambda: client.list_phone_numbers(MaxResults=10),
        "GetPhoneNumber": lambda: client.get_phone_number(PhoneNumberId=number_id),
    }


def test_fault_kinds_keep_their_precedence_order():
    assert FAULT_KINDS == (
        "unauthorized",
        "forbidden",
        "throttle",
        "fail_500",
        "fail_503",
        "http_error",
        "malformed",
        "truncated",
        "missing_key",
        "empty_string_token",
    )
    assert OPERATIONS == ("ListPhoneNumberOrders", "GetPhoneNumberOrder", "ListPhoneNumbers", "GetPhoneNumber")


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("throttle", 429, "ThrottledClientException"),
        ("fail_500", 500, "ServiceFailureException"),
        ("fail_503", 503, "ServiceUnavailableException"),
        ("forbidden", 403, "ForbiddenException"),
        ("unauthorized", 401, "UnauthorizedClientException"),
    ],
)
def test_counted_error_faults_hit_exactly_k_requests_of_every_operation(emu, fault, status, code):
    calls = operation_calls(emu, make_client(emu))
    emu.inject(**{fault: 4})
    for operation, call in calls.items():
        assert error_of(call)[:2] == (status, code), operation
    for call in calls.values():
        call()
    stats = emu.stats()
    assert stats["faults_served"] == {fault: 4}
    assert stats["by_status"] == {str(status): 4, "200": 4}
    assert stats["by_error_code"] == {code: 4}


def test_faults_are_served_in_precedence_order(emu):
    client = make_client(emu)
    emu.inject(malformed=1, fail_503=1, http_error={"status": 502, "code": "SomethingNew"}, fail_500=1, throttle=1)
    codes = [error_of(client.list_phone_numbers)[1] for _attempt in range(4)]
    assert codes == [
        "ThrottledClientException",
        "ServiceFailureException",
        "ServiceUnavailableException",
        "SomethingNew",
    ]
    assert "PhoneNumbers" not in client.list_phone_numbers(), "then the malformed body"
    assert client.list_phone_numbers()["PhoneNumbers"]


def test_legacy_retry_mode_retries_a_throttle_burst(emu):
    client = make_client(emu, retries={"mode": "legacy", "total_max_attempts": 4})
    emu.inject(throttle=2)
    response = client.list_phone_number_orders()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert emu.stats()["by_status"] == {"429": 2, "200": 1}


# ---- caller-chosen HTTP errors -----------------------------------------------------


def test_http_error_answers_the_chosen_status_and_a_code_botocore_never_saw(emu):
    emu.inject(http_error={"status": 502, "code": "SomethingNew", "count": 1, "message": "new in 2027"})
    response, body = raw_request(emu, "/phone-numbers")
    assert response.status == 502 and response.getheader("x-amzn-ErrorType") == "SomethingNew"
    assert response.getheader("x-emulator-fault") == "http_error"
    assert json.loads(body) == {"message": "new in 2027"}
    emu.inject(http_error=[{"status": 418, "code": "Teapot"}, {"status": 599, "code": "Weird.Code:x", "count": 2}])
    client = make_client(emu)
    assert error_of(client.list_phone_number_orders)[:2] == (418, "Teapot")
    assert error_of(client.list_phone_numbers)[:2] == (599, "Weird.Code")
    assert emu.stats()["pending"]["http_error"] == 1


def test_standard_retry_mode_retries_a_5xx_by_status_alone(emu):
    emu.inject(http_error={"status": 502, "code": "SomethingNew", "count": 2})
    client = make_client(emu, retries={"mode": "standard", "total_max_attempts": 3})
    response = client.list_phone_numbers()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2 and response["PhoneNumbers"]
    assert emu.stats()["by_error_code"] == {"SomethingNew": 2}


def test_http_error_with_a_modeled_code_gets_the_modeled_body(emu):
    emu.inject(http_error={"status": 502, "code": "ServiceFailureException", "count": 2})
    response, body = raw_request(emu, "/chime/phone-number-orders")
    assert response.status == 502 and json.loads(body)["Code"] == "ServiceFailure"
    response, body = raw_request(emu, "/phone-number-orders")
    assert response.status == 502 and set(json.loads(body)) == {"Message"}


@pytest.mark.parametrize(
    "http_error",
    [
        {"status": 302, "code": "Moved"},
        {"status": 502},
        {"status": 502, "code": "bad code\r\nX-Injected: 1"},
        {"status": 502, "code": "X", "count": 0},
        {"status": 502, "code": "X", "colour": "red"},
        "502",
    ],
)
def test_bad_http_errors_are_rejected(emu, http_error):
    with pytest.raises(EmulatorConfigError, match="http_error"):
        emu.inject(http_error=http_error)
    assert emu.stats()["pending"]["http_error"] == 0


# ---- scoping: operations, regions, accounts, time ------------------------------------


def test_operations_limit_counted_faults_to_those_operations(emu):
    calls = operation_calls(emu, make_client(emu))
    emu.inject(throttle=2, operations=["ListPhoneNumbers"])
    for operation in ("ListPhoneNumberOrders", "GetPhoneNumberOrder", "GetPhoneNumber"):
        calls[operation]()
    assert error_of(calls["ListPhoneNumbers"])[1] == "ThrottledClientException"
    assert emu.stats()["pending"]["throttle"] == 1
    emu.inject(fail_500=1, operations="GetPhoneNumber")
    assert error_of(calls["GetPhoneNumber"])[1] == "ServiceFailureException"


def test_denied_operations_always_get_403_and_keep_counted_faults_for_others(emu):
    calls = operation_calls(emu, make_client(emu))
    emu.inject(deny_operations=["ListPhoneNumbers"], throttle=1)
    for _attempt in range(3):
        status, code, message = error_of(calls["ListPhoneNumbers"])
        assert (status, code) == (403, "ForbiddenException") and "ListPhoneNumbers" in message
    # A denied request does not use up the throttle: the next allowed request gets it.
    assert error_of(calls["GetPhoneNumber"])[1] == "ThrottledClientException"
    calls["ListPhoneNumberOrders"]()
    assert emu.stats()["deny_operations"] == ["ListPhoneNumbers"]
    emu.inject(deny_operations=[])
    calls["ListPhoneNumbers"]()


def test_faults_can_start_later_and_target_one_region_or_account(emu):
    client = make_client(emu)
    emu.inject(throttle=1, after_requests=2)
    client.list_phone_number_orders()
    client.list_phone_numbers()
    assert error_of(client.list_phone_number_orders)[1] == "ThrottledClientException"
    emu.inject(forbidden=1, region="eu-west-1")
    assert client.list_phone_number_orders()["PhoneNumberOrders"]
    assert error_of(make_client(emu, region="eu-west-1").list_phone_numbers)[1] == "ForbiddenException"
    assert make_client(emu, region="eu-west-1").list_phone_number_orders()["PhoneNumberOrders"]
    emu.inject(fail_503=1, account="AKIAOTHERACCOUNT")
    assert client.list_phone_numbers()["PhoneNumbers"]
    other = make_client(emu, key="AKIAOTHERACCOUNT")
    assert error_of(other.list_phone_numbers)[1] == "ServiceUnavailableException"
    assert other.list_phone_numbers()["PhoneNumbers"]


def test_denied_regions_always_get_403(emu_factory):
    emu = emu_factory(generate=5, deny_regions=["eu-central-1"])
    denied = make_client(emu, region="eu-central-1")
    for _attempt in range(3):
        assert error_of(denied.list_phone_number_orders)[:2] == (403, "ForbiddenException")
        assert error_of(denied.list_phone_numbers)[:2] == (403, "ForbiddenException")
    assert len(make_client(emu, region="eu-west-2").list_phone_number_orders()["PhoneNumberOrders"]) == 5
    emu.inject(deny_regions=[])
    assert denied.list_phone_number_orders()["PhoneNumberOrders"]


# ---- broken bodies and pagination faults ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "items"), [("/phone-number-orders", "PhoneNumberOrders"), ("/phone-numbers", "PhoneNumbers")]
)
def test_malformed_truncated_and_missing_key_bodies(emu, path, items):
    page = json.loads(raw_request(emu, path + "?max-results=10")[1])
    emu.inject(malformed=1, truncated=1, missing_key=1)
    bodies = [raw_request(emu, path + "?max-results=10") for _attempt in range(3)]
    assert all(response.status == 200 for response, _body in bodies)
    malformed, truncated, missing = (body for _response, body in bodies)
    with pytest.raises(ValueError):
        json.loads(malformed)
    with pytest.raises(ValueError):
        json.loads(truncated)
    assert truncated.startswith(b'{"NextToken":"')
    missing_doc = json.loads(missing)
    assert items not in missing_doc and isinstance(missing_doc["NextToken"], str)
    assert len(page[items]) == 10
    # What a client's API layer has to guard against: botocore turns each
    # of these 200 responses into a result without the items member, no error.
    emu.inject(malformed=1, truncated=1, missing_key=1)
    client = make_client(emu)
    call = client.list_phone_number_orders if items == "PhoneNumberOrders" else client.list_phone_numbers
    results = [call(MaxResults=10) for _attempt in range(3)]
    assert all(items not in result for result in results)
    assert "NextToken" in results[2]


def test_missing_key_on_get_returns_an_empty_object(emu):
    order_id = emu.orders()[0]["PhoneNumberOrderId"]
    number_id = emu.numbers()[0]["PhoneNumberId"]
    emu.inject(missing_key=2)
    client = make_client(emu)
    assert "PhoneNumberOrder" not in client.get_phone_number_order(PhoneNumberOrderId=order_id)
    assert "PhoneNumber" not in client.get_phone_number(PhoneNumberId=number_id)


def test_repeat_token_hands_back_the_token_it_was_given(emu):
    client = make_client(emu)
    emu.inject(repeat_token=True)
    for call, items in (
        (client.list_phone_number_orders, "PhoneNumberOrders"),
        (client.list_phone_numbers, "PhoneNumbers"),
    ):
        token = call(MaxResults=10)["NextToken"]
        second = call(MaxResults=10, NextToken=token)
        assert second["NextToken"] == token and len(second[items]) == 10
    emu.inject(repeat_token=False)
    token = client.list_phone_numbers(MaxResults=10)["NextToken"]
    assert client.list_phone_numbers(MaxResults=10, NextToken=token)["NextToken"] != token


def test_repeat_token_can_be_limited_to_one_operation(emu):
    client = make_client(emu)
    emu.inject(repeat_token=True, operations=["ListPhoneNumbers"])
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    assert client.list_phone_number_orders(MaxResults=10, NextToken=token)["NextToken"] != token
    token = client.list_phone_numbers(MaxResults=10)["NextToken"]
    assert client.list_phone_numbers(MaxResults=10, NextToken=token)["NextToken"] == token


def test_empty_first_page_with_a_next_token_then_everything(emu):
    emu.inject(empty_first_page=True)
    client = make_client(emu)
    pages, orders = list_all(client, page_size=99)
    assert pages[0]["PhoneNumberOrders"] == [] and pages[0]["NextToken"]
    assert [order["PhoneNumberOrderId"] for order in orders] == [
        order["PhoneNumberOrderId"] for order in generate_orders(250)
    ]
    pages, numbers = list_numbers(client, page_size=100)
    assert pages[0]["PhoneNumbers"] == [] and pages[0]["NextToken"]
    assert [number["PhoneNumberId"] for number in numbers] == [number["PhoneNumberId"] for number in emu.numbers()]


def test_empty_string_token_ends_a_listing_early_on_list_requests_only(emu):
    client = make_client(emu)
    number_id = emu.numbers()[0]["PhoneNumberId"]
    emu.inject(empty_string_token=1)
    # A get request never takes it.
    assert client.get_phone_number(PhoneNumberId=number_id)["PhoneNumber"]
    response, body = raw_request(emu, "/phone-numbers?max-results=10")
    document = json.loads(body)
    assert response.getheader("x-emulator-fault") == "empty_string_token"
    assert document["NextToken"] == "" and len(document["PhoneNumbers"]) == 10
    assert len(emu.numbers()) > 10, "more data exists"
    assert emu.stats()["faults_served"] == {"empty_string_token": 1}
    assert isinstance(json.loads(raw_request(emu, "/phone-numbers?max-results=10")[1])["NextToken"], str)


def test_latency_makes_a_read_timeout_then_recovers(emu):
    client = make_client(emu, read_timeout=0.2, connect_timeout=1)
    emu.inject(latency=0.6, latency_requests=1)
    with pytest.raises(ReadTimeoutError):
        client.list_phone_numbers()
    assert client.list_phone_numbers()["PhoneNumbers"]
    assert emu.stats()["latency_requests"] == 0


def test_latency_can_be_limited_to_one_operation(emu):
    client = make_client(emu, read_timeout=0.2, connect_timeout=1)
    emu.inject(latency=0.6, operations=["GetPhoneNumberOrder"])
    assert client.list_phone_numbers()["PhoneNumbers"]
    with pytest.raises(ReadTimeoutError):
        client.get_phone_number_order(PhoneNumberOrderId=emu.orders()[0]["PhoneNumberOrderId"])


@pytest.mark.parametrize(
    ("faults", "needle"),
    [
        ({"throttle": -1}, "throttle"),
        ({"empty_string_token": "2"}, "empty_string_token"),
        ({"after_requests": -1}, "after_requests"),
        ({"latency": -0.5}, "latency"),
        ({"operations": ["ListPhoneNumber"]}, "unknown operation 'ListPhoneNumber'"),
        ({"deny_operations": ["DeletePhoneNumber"]}, "deny_operations"),
    ],
)
def test_bad_fault_values_are_rejected_without_adding_anything(emu, faults, needle):
    with pytest.raises(EmulatorConfigError, match=needle):
        emu.inject(**dict({"throttle": 3}, **faults))
    assert sum(emu.stats()["pending"].values()) == 0
    with pytest.raises(TypeError):
        emu.inject(explode=1)
