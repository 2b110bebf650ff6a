# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of tests/emulator/chime_emulator.py against real boto3/botocore clients."""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

EMULATOR_DIR = Path(__file__).resolve().parents[2] / "emulator"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

import chime_emulator  # noqa: E402
from chime_emulator import (  # noqa: E402
    ChimeEmulator,
    ChimeEmulatorClient,
    EmulatorConfigError,
    generate_orders,
    sigv4_signature,
)

EMULATOR_SCRIPT = EMULATOR_DIR / "chime_emulator.py"

# The documented ListPhoneNumberOrders sample response body, byte for byte
# (non-UUID id, "Voice Connector" outside the enum, NextToken null).
SAMPLE_BODY = (
    b'{"NextToken":null,"PhoneNumberOrders":[{"CreatedTimestamp":"2019-08-12T22:10:20.504Z",'
    b'"OrderedPhoneNumbers":[{"E164PhoneNumber":"+12065550100","Status":"Acquired"},'
    b'{"E164PhoneNumber":"+12065550101","Status":"Acquired"}],'
    b'"PhoneNumberOrderId":"abc12345-de67-89f0-123g-h45i678j9012","ProductType":"Voice Connector",'
    b'"Status":"Successful","UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
)

ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
NANP_E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")
DUMMY_KEY, DUMMY_SECRET = "AKIDEMULATORTEST", "emulator-test-secret-value"
# botocore's "max_attempts" counts retries; "total_max_attempts" counts the first try too.
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}


def fake_auth(region="us-east-1", service="chime"):
    return (f"AWS4-HMAC-SHA256 Credential={DUMMY_KEY}/20260101/{region}/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def make_client(emu, api="chime", region="us-east-1", key=DUMMY_KEY, secret=DUMMY_SECRET, token=None,
                retries=None, **config):
    # botocore sends no namespace hint, so chime-sdk-voice is selected with an
    # endpoint path prefix, which botocore keeps in front of the request URI.
    endpoint = emu.url + ("/chime-sdk-voice" if api == "chime-sdk-voice" else "")
    return boto3.client(
        api, endpoint_url=endpoint, region_name=region, aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token, config=Config(retries=retries or NO_RETRIES, **config))


def list_all(client, page_size=None):
    pages, orders, kwargs = [], [], {}
    if page_size:
        kwargs["MaxResults"] = page_size
    while True:
        response = client.list_phone_number_orders(**kwargs)
        pages.append(response)
        orders.extend(response["PhoneNumberOrders"])
        if not response.get("NextToken"):
            return pages, orders
        kwargs["NextToken"] = response["NextToken"]


def raw_get(emu, path, headers=None, auth=True, method="GET"):
    host, port = emu.url.rsplit("//", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    all_headers = {"Authorization": fake_auth()} if auth else {}
    all_headers.update(headers or {})
    connection.request(method, path, headers=all_headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def parse_iso(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


@pytest.fixture
def emu_factory():
    started = []

    def factory(**kwargs):
        emu = ChimeEmulator(**kwargs).start()
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(emu_factory):
    return emu_factory(generate=250)


# ---- data ------------------------------------------------------------------

def test_generate_orders_is_deterministic_and_shaped_like_the_api():
    orders = generate_orders(1000, seed=7)
    assert orders == generate_orders(1000, seed=7)
    assert orders != generate_orders(1000, seed=8)
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
            frozenset({"Acquired"}): "Successful", frozenset({"Failed"}): "Failed",
            frozenset({"Processing"}): "Processing", frozenset({"Acquired", "Failed"}): "Partial",
        }[frozenset(statuses)]
        assert order["Status"] == expected_status
        assert "OrderType" not in order
    by_status = {status: sum(order["Status"] == status for order in orders) for status in
                 ("Successful", "Partial", "Failed", "Processing")}
    assert by_status["Successful"] > 700 and by_status["Failed"] > 10 and by_status["Processing"] > 10
    assert all(a["CreatedTimestamp"] < b["CreatedTimestamp"] for a, b in zip(orders, orders[1:]))


def test_generate_orders_for_chime_sdk_voice_adds_order_type():
    orders = generate_orders(400, api="chime-sdk-voice")
    assert {order["OrderType"] for order in orders} == {"New", "Porting"}
    assert all(("FocDate" in order) == (order["OrderType"] == "Porting") for order in orders)
    assert "BusinessCalling" not in {order["ProductType"] for order in orders}


def test_orders_without_an_id_are_rejected():
    with pytest.raises(EmulatorConfigError, match="PhoneNumberOrderId"):
        ChimeEmulator(orders=[{"Status": "Successful"}])
    with pytest.raises(EmulatorConfigError, match="PhoneNumberOrders or Regions"):
        ChimeEmulator(orders={"Orders": []})


# ---- listing -----------------------------------------------------------------

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
    assert emu.stats()["by_api"] == {api: 11}


def test_last_page_carries_a_null_next_token(emu):
    response, body = raw_get(emu, "/phone-number-orders?max-results=99")
    first = json.loads(body)
    assert response.status == 200 and isinstance(first["NextToken"], str)
    token = first["NextToken"]
    for _page in range(5):
        response, body = raw_get(emu, "/phone-number-orders?max-results=99&next-token=" + token)
        page = json.loads(body)
        if page["NextToken"] is None:
            break
        token = page["NextToken"]
    assert b'"NextToken":null' in body
    assert len(page["PhoneNumberOrders"]) == 250 - 2 * 99


def test_sample_response_is_served_byte_for_byte(emu_factory):
    emu = emu_factory(orders=json.loads(SAMPLE_BODY))
    response, body = raw_get(emu, "/phone-number-orders")
    assert body == SAMPLE_BODY
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("x-amzn-RequestId")
    order = make_client(emu).list_phone_number_orders()["PhoneNumberOrders"][0]
    assert order["PhoneNumberOrderId"] == "abc12345-de67-89f0-123g-h45i678j9012"
    assert order["ProductType"] == "Voice Connector"
    got = make_client(emu).get_phone_number_order(PhoneNumberOrderId="abc12345-de67-89f0-123g-h45i678j9012")
    assert got["PhoneNumberOrder"]["UpdatedTimestamp"] == parse_iso("2019-08-12T22:10:31.186Z")


@pytest.mark.parametrize(("api", "maximum"), [("chime", 99), ("chime-sdk-voice", 100)])
def test_max_results_range_is_enforced_per_namespace(emu, api, maximum):
    client = make_client(emu, api)
    assert len(client.list_phone_number_orders(MaxResults=maximum)["PhoneNumberOrders"]) == maximum
    assert len(client.list_phone_number_orders()["PhoneNumberOrders"]) == maximum
    status, code, message = error_of(lambda: client.list_phone_number_orders(MaxResults=maximum + 1))
    assert (status, code) == (400, "BadRequestException")
    assert f"'{maximum + 1}'" in message


def test_max_results_zero_and_non_integer_are_rejected_naming_the_value(emu):
    for value in ("0", "abc", "-3"):
        response, body = raw_get(emu, f"/phone-number-orders?max-results={value}")
        assert response.status == 400
        assert response.getheader("x-amzn-ErrorType") == "BadRequestException"
        assert json.loads(body)["Code"] == "BadRequestException"
        assert value in json.loads(body)["Message"]


def test_namespace_comes_from_user_agent_token_or_default(emu_factory):
    emu = emu_factory(generate=150)
    voice_agent = {"User-Agent": "aws-sdk-js/3.600.0 ua/2.1 api/chime-sdk-voice#3.600.0 lang/js"}
    response, body = raw_get(emu, "/phone-number-orders?max-results=100", headers=voice_agent)
    assert response.status == 200 and len(json.loads(body)["PhoneNumberOrders"]) == 100
    response, _body = raw_get(emu, "/phone-number-orders?max-results=100")
    assert response.status == 400
    voice_default = emu_factory(generate=150, api="chime-sdk-voice")
    assert len(make_client(voice_default, "chime").list_phone_number_orders(MaxResults=100)["PhoneNumberOrders"]) == 100


# ---- tokens --------------------------------------------------------------------

def test_forged_tampered_and_foreign_tokens_get_400(emu, emu_factory):
    client = make_client(emu)
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[10] ^= 0x01
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    foreign = make_client(emu_factory(generate=250)).list_phone_number_orders(MaxResults=10)["NextToken"]
    for bad in ("forged", "", tampered, foreign, token + "AA"):
        status, code, _message = error_of(lambda bad=bad: client.list_phone_number_orders(MaxResults=10, NextToken=bad))
        assert (status, code) == (400, "BadRequestException"), bad
    assert len(client.list_phone_number_orders(MaxResults=10, NextToken=token)["PhoneNumberOrders"]) == 10


def test_tokens_expire_when_the_data_set_is_replaced(emu):
    client = make_client(emu)
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    emu.set_orders(generate_orders(30, seed=1))
    status, code, message = error_of(lambda: client.list_phone_number_orders(NextToken=token))
    assert (status, code) == (400, "BadRequestException") and "Expired" in message


# ---- auth ------------------------------------------------------------------------

def test_request_without_authorization_gets_401(emu):
    response, body = raw_get(emu, "/phone-number-orders", auth=False)
    assert response.status == 401
    assert response.getheader("x-amzn-ErrorType") == "UnauthorizedClientException"
    assert json.loads(body)["Code"] == "UnauthorizedClientException"
    unsigned = boto3.client("chime", endpoint_url=emu.url, region_name="us-east-1",
                            config=Config(signature_version=UNSIGNED, retries=NO_RETRIES))
    assert error_of(unsigned.list_phone_number_orders)[:2] == (401, "UnauthorizedClientException")


def test_credential_scoped_to_another_service_is_rejected(emu):
    response, body = raw_get(emu, "/phone-number-orders", headers={"Authorization": fake_auth(service="voice-chime")})
    assert response.status == 403 and json.loads(body)["Code"] == "InvalidSignatureException"


def test_sigv4_signature_matches_botocores_signer():
    credentials = botocore.credentials.Credentials(DUMMY_KEY, DUMMY_SECRET, "session-token")
    url = "http://127.0.0.1:8080/chime-sdk-voice/phone-number-orders/a%20b?max-results=5&next-token=x%2By%2Fz%3D"
    request = botocore.awsrequest.AWSRequest(method="GET", url=url, headers={"User-Agent": "test  agent"})
    botocore.auth.SigV4Auth(credentials, "chime", "eu-west-2").add_auth(request)
    fields = dict(part.strip().split("=", 1) for part in request.headers["Authorization"].split(" ", 1)[1].split(","))
    headers = {name.lower(): [value] for name, value in request.headers.items()}
    headers["host"] = ["127.0.0.1:8080"]
    path, _mark, query = url.split("8080", 1)[1].partition("?")
    signature = sigv4_signature(
        DUMMY_SECRET, "GET", path, query, headers, fields["SignedHeaders"].split(";"),
        hashlib.sha256(b"").hexdigest(), request.headers["X-Amz-Date"], fields["Credential"].split("/", 1)[1])
    assert signature == fields["Signature"]


def test_strict_sigv4_accepts_good_and_rejects_bad_signatures(emu_factory):
    emu = emu_factory(generate=150, credentials={DUMMY_KEY: DUMMY_SECRET, "AKIDWITHTOKEN": ["s2", "token-1"]})
    orders = list_all(make_client(emu, region="eu-west-2"), page_size=50)[1]
    assert len(orders) == 150
    assert make_client(emu, "chime-sdk-voice").get_phone_number_order(
        PhoneNumberOrderId=orders[3]["PhoneNumberOrderId"])["PhoneNumberOrder"]["PhoneNumberOrderId"]
    assert make_client(emu, key="AKIDWITHTOKEN", secret="s2", token="token-1").list_phone_number_orders()
    status, code, message = error_of(make_client(emu, secret="not-the-secret").list_phone_number_orders)
    assert (status, code) == (403, "InvalidSignatureException") and "signature we calculated" in message
    assert error_of(make_client(emu, key="AKIDUNKNOWN").list_phone_number_orders)[:2] == (
        403, "UnrecognizedClientException")
    assert error_of(make_client(emu, key="AKIDWITHTOKEN", secret="s2", token="token-2").list_phone_number_orders)[
        :2] == (403, "UnrecognizedClientException")
    response = raw_get(emu, "/phone-number-orders")[0]
    assert response.status == 403


def test_strict_sigv4_rejects_a_stale_signature(emu_factory):
    emu = emu_factory(generate=5, credentials={DUMMY_KEY: DUMMY_SECRET})
    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    amz_date = stale.strftime("%Y%m%dT%H%M%SZ")
    host = emu.url.split("//")[1]
    scope = f"{amz_date[:8]}/us-east-1/chime/aws4_request"
    signature = sigv4_signature(DUMMY_SECRET, "GET", "/phone-number-orders", "",
                                {"host": [host], "x-amz-date": [amz_date]}, ["host", "x-amz-date"],
                                hashlib.sha256(b"").hexdigest(), amz_date, scope)
    auth = f"AWS4-HMAC-SHA256 Credential={DUMMY_KEY}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}"
    response, body = raw_get(emu, "/phone-number-orders", headers={"Authorization": auth, "X-Amz-Date": amz_date})
    assert response.status == 403
    assert json.loads(body)["Code"] == "InvalidSignatureException" and "expired" in json.loads(body)["Message"]


def test_verbose_log_never_contains_credentials(emu_factory):
    log = io.StringIO()
    emu = emu_factory(generate=5, verbose=True, log_stream=log, credentials={DUMMY_KEY: [DUMMY_SECRET, "tok-SECRET"]})
    make_client(emu, token="tok-SECRET").list_phone_number_orders()
    error_of(make_client(emu, token="tok-SECRET", secret="wrong-SECRET").list_phone_number_orders)
    text = log.getvalue()
    assert "GET /phone-number-orders -> 200" in text and "InvalidSignatureException" in text
    for secret in (DUMMY_SECRET, "tok-SECRET", "wrong-SECRET", "Signature=", "Credential="):
        assert secret not in text


# ---- errors and faults -------------------------------------------------------------

@pytest.mark.parametrize(("fault", "status", "code"), [
    ("throttle", 429, "ThrottledClientException"),
    ("fail_500", 500, "ServiceFailureException"),
    ("fail_503", 503, "ServiceUnavailableException"),
    ("forbidden", 403, "ForbiddenException"),
    ("unauthorized", 401, "UnauthorizedClientException"),
])
def test_counted_error_faults_hit_exactly_k_list_and_get_requests(emu, fault, status, code):
    client = make_client(emu)
    order_id = emu.orders()[0]["PhoneNumberOrderId"]
    emu.inject(**{fault: 2})
    assert error_of(client.list_phone_number_orders)[:2] == (status, code)
    assert error_of(lambda: client.get_phone_number_order(PhoneNumberOrderId=order_id))[:2] == (status, code)
    assert client.list_phone_number_orders()["PhoneNumberOrders"]
    stats = emu.stats()
    assert stats["faults_served"] == {fault: 2}
    assert stats["by_status"] == {str(status): 2, "200": 1}
    assert stats["by_error_code"] == {code: 2}


def test_unknown_order_id_gets_404_not_found(emu):
    for api in ("chime", "chime-sdk-voice"):
        status, code, message = error_of(
            lambda api=api: make_client(emu, api).get_phone_number_order(PhoneNumberOrderId="no-such-order"))
        assert (status, code) == (404, "NotFoundException") and "no-such-order" in message


def test_unknown_operation_gets_404(emu):
    response, body = raw_get(emu, "/phone-number-orders", method="POST")
    assert response.status == 404 and json.loads(body)["Code"] == "UnknownOperationException"


def test_faults_are_served_in_precedence_order(emu):
    client = make_client(emu)
    emu.inject(fail_503=1, fail_500=1, throttle=1)
    codes = [error_of(client.list_phone_number_orders)[1] for _attempt in range(3)]
    assert codes == ["ThrottledClientException", "ServiceFailureException", "ServiceUnavailableException"]
    assert client.list_phone_number_orders()["PhoneNumberOrders"]


def test_legacy_retry_mode_retries_a_throttle_burst(emu):
    client = make_client(emu, retries={"mode": "legacy", "total_max_attempts": 4})
    emu.inject(throttle=2)
    response = client.list_phone_number_orders()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert emu.stats()["by_status"] == {"429": 2, "200": 1}


def test_faults_can_start_later_and_target_one_region(emu):
    client = make_client(emu)
    emu.inject(throttle=1, after_requests=2)
    client.list_phone_number_orders()
    client.list_phone_number_orders()
    assert error_of(client.list_phone_number_orders)[1] == "ThrottledClientException"
    emu.inject(forbidden=1, region="eu-west-1")
    assert client.list_phone_number_orders()["PhoneNumberOrders"]
    assert error_of(make_client(emu, region="eu-west-1").list_phone_number_orders)[1] == "ForbiddenException"
    assert make_client(emu, region="eu-west-1").list_phone_number_orders()["PhoneNumberOrders"]


def test_denied_regions_always_get_403(emu_factory):
    emu = emu_factory(generate=5, deny_regions=["eu-central-1"])
    denied = make_client(emu, "chime-sdk-voice", region="eu-central-1")
    for _attempt in range(3):
        assert error_of(denied.list_phone_number_orders)[:2] == (403, "ForbiddenException")
    assert len(make_client(emu, "chime-sdk-voice", region="eu-west-2").list_phone_number_orders()[
        "PhoneNumberOrders"]) == 5
    emu.inject(deny_regions=[])
    assert denied.list_phone_number_orders()["PhoneNumberOrders"]


def test_malformed_truncated_and_missing_key_bodies(emu):
    page = json.loads(raw_get(emu, "/phone-number-orders?max-results=10")[1])
    emu.inject(malformed=1, truncated=1, missing_key=1)
    bodies = [raw_get(emu, "/phone-number-orders?max-results=10") for _attempt in range(3)]
    assert all(response.status == 200 for response, _body in bodies)
    malformed, truncated, missing = (body for _response, body in bodies)
    with pytest.raises(ValueError):
        json.loads(malformed)
    with pytest.raises(ValueError):
        json.loads(truncated)
    assert truncated.startswith(b'{"NextToken":"')
    missing_doc = json.loads(missing)
    assert "PhoneNumberOrders" not in missing_doc and isinstance(missing_doc["NextToken"], str)
    assert len(page["PhoneNumberOrders"]) == 10
    # What the collection's API layer has to guard against: botocore turns each
    # of these 200 responses into a result without PhoneNumberOrders, no error.
    emu.inject(malformed=1, truncated=1, missing_key=1)
    client = make_client(emu)
    results = [client.list_phone_number_orders(MaxResults=10) for _attempt in range(3)]
    assert all("PhoneNumberOrders" not in result for result in results)
    assert "NextToken" in results[2]


def test_missing_key_on_get_returns_an_empty_object(emu):
    order_id = emu.orders()[0]["PhoneNumberOrderId"]
    emu.inject(missing_key=1)
    assert "PhoneNumberOrder" not in make_client(emu).get_phone_number_order(PhoneNumberOrderId=order_id)


def test_repeat_token_hands_back_the_token_it_was_given(emu):
    client = make_client(emu)
    emu.inject(repeat_token=True)
    token = client.list_phone_number_orders(MaxResults=10)["NextToken"]
    second = client.list_phone_number_orders(MaxResults=10, NextToken=token)
    assert second["NextToken"] == token and len(second["PhoneNumberOrders"]) == 10
    emu.inject(repeat_token=False)
    assert client.list_phone_number_orders(MaxResults=10, NextToken=token)["NextToken"] != token


def test_empty_first_page_with_a_next_token_then_everything(emu):
    emu.inject(empty_first_page=True)
    client = make_client(emu)
    pages, orders = list_all(client, page_size=99)
    assert pages[0]["PhoneNumberOrders"] == [] and pages[0]["NextToken"]
    assert [order["PhoneNumberOrderId"] for order in orders] == [
        order["PhoneNumberOrderId"] for order in generate_orders(250)]


def test_latency_makes_a_read_timeout_then_recovers(emu):
    client = make_client(emu, read_timeout=0.2, connect_timeout=1)
    emu.inject(latency=0.6, latency_requests=1)
    with pytest.raises(ReadTimeoutError):
        client.list_phone_number_orders()
    assert client.list_phone_number_orders()["PhoneNumberOrders"]
    assert emu.stats()["latency_requests"] == 0


def test_bad_fault_values_are_rejected(emu):
    with pytest.raises(EmulatorConfigError, match="throttle"):
        emu.inject(throttle=-1)
    with pytest.raises(TypeError):
        emu.inject(explode=1)


# ---- regions, scheduled status, stats, reset ------------------------------------------

def test_per_region_data_and_region_bound_tokens(emu_factory):
    two, one = generate_orders(2, seed=1), generate_orders(1, seed=2)
    emu = emu_factory(orders={"Regions": {"us-east-1": {"PhoneNumberOrders": two},
                                          "eu-west-2": {"PhoneNumberOrders": one}}})

    def ids(region):
        return [order["PhoneNumberOrderId"] for order in
                list_all(make_client(emu, "chime-sdk-voice", region=region))[1]]

    assert ids("us-east-1") == [order["PhoneNumberOrderId"] for order in two]
    assert ids("eu-west-2") == [one[0]["PhoneNumberOrderId"]]
    assert ids("ap-southeast-1") == []
    emu.set_orders(generate_orders(3, seed=3), region="ap-southeast-1")
    assert len(ids("ap-southeast-1")) == 3 and len(ids("us-east-1")) == 2
    token = make_client(emu, region="us-east-1").list_phone_number_orders(MaxResults=1)["NextToken"]
    assert error_of(lambda: make_client(emu, region="eu-west-2").list_phone_number_orders(NextToken=token))[1] == (
        "BadRequestException")
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
    with pytest.raises(EmulatorConfigError, match="unknown order id"):
        emu.schedule_status("no-such-order")


def test_stats_count_requests_and_keep_alive_connections(emu):
    client = make_client(emu)
    list_all(client, page_size=50)
    client.get_phone_number_order(PhoneNumberOrderId=emu.orders()[0]["PhoneNumberOrderId"])
    stats = emu.stats()
    assert (stats["requests"], stats["list_requests"], stats["get_requests"]) == (6, 5, 1)
    assert stats["by_status"] == {"200": 6}
    assert stats["connections"] == 1, "botocore reuses one keep-alive connection"


def test_reset_restores_start_up_data_and_clears_faults_and_stats(emu):
    emu.set_orders([])
    emu.inject(throttle=5, latency=0, repeat_token=True, deny_regions=["us-west-2"])
    emu.reset()
    stats = emu.stats()
    assert stats["requests"] == 0 and sum(stats["pending"].values()) == 0
    assert not stats["repeat_token"] and stats["deny_regions"] == []
    assert len(list_all(make_client(emu))[1]) == 250


# ---- control API over HTTP, CLI, lifecycle --------------------------------------------

def test_control_api_drives_the_emulator_over_http(emu):
    control = ChimeEmulatorClient(emu.url)
    client = make_client(emu)
    control.inject(throttle=1)
    assert error_of(client.list_phone_number_orders)[1] == "ThrottledClientException"
    control.set_orders(generate_orders(3, seed=5), region="eu-west-1")
    assert len(make_client(emu, region="eu-west-1").list_phone_number_orders()["PhoneNumberOrders"]) == 3
    control.generate(120, seed=2)
    assert control.orders() == generate_orders(120, seed=2)
    order_id = control.orders()[0]["PhoneNumberOrderId"]
    control.schedule_status(order_id, after_requests=0, order_status="Failed", number_status="Failed")
    assert client.list_phone_number_orders()["PhoneNumberOrders"][0]["Status"] == "Failed"
    stats = control.stats()
    assert stats["list_requests"] == 3 and stats["control_requests"] >= 5
    with pytest.raises(EmulatorConfigError, match="non-negative"):
        control.inject(fail_500=-2)
    with pytest.raises(EmulatorConfigError, match="unknown control action"):
        control._call("POST", "explode", {})
    control.reset()
    assert control.stats()["requests"] == 0


def test_cli_prints_the_line_serves_data_and_faults_and_stops_on_sigterm(tmp_path):
    data = tmp_path / "orders.json"
    data.write_text(json.dumps({"Regions": {"eu-west-2": {"PhoneNumberOrders": generate_orders(7)}}}))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=DUMMY_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_SECRET)
    env.pop("AWS_SESSION_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, str(EMULATOR_SCRIPT), "--port", "0", "--data", str(data), "--verify-sigv4", "--throttle", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match and int(match.group(2)) > 0

        class Running:
            url = match.group(1)

        client = make_client(Running, region="eu-west-2")
        assert error_of(client.list_phone_number_orders)[1] == "ThrottledClientException"
        assert len(client.list_phone_number_orders()["PhoneNumberOrders"]) == 7
        assert make_client(Running, region="us-east-1").list_phone_number_orders()["PhoneNumberOrders"] == []
        assert error_of(make_client(Running, secret="wrong", region="eu-west-2").list_phone_number_orders)[1] == (
            "InvalidSignatureException")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
        assert DUMMY_SECRET not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_refuses_a_non_loopback_address_unless_allowed():
    result = subprocess.run([sys.executable, str(EMULATOR_SCRIPT), "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "non-loopback" in result.stderr and "--allow-non-loopback" in result.stderr
    with pytest.raises(EmulatorConfigError, match="non-loopback"):
        ChimeEmulator(host="0.0.0.0")
    assert ChimeEmulator(host="0.0.0.0", allow_non_loopback=True).host == "0.0.0.0"


def test_cli_rejects_bad_data_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = subprocess.run([sys.executable, str(EMULATOR_SCRIPT), "--data", str(bad)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_port_zero_picks_free_ports_and_stop_joins_the_thread():
    first, second = ChimeEmulator(), ChimeEmulator()
    with first, second:
        assert first.port and second.port and first.port != second.port
        response = raw_get(first, "/phone-number-orders")[0]
        assert response.status == 200
        thread = first._thread
    assert not thread.is_alive()
    with pytest.raises(RuntimeError):
        first.url


def test_stop_closes_idle_keep_alive_connections():
    emu = ChimeEmulator(generate=3).start()
    host, port = emu.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", "/phone-number-orders", headers={"Authorization": fake_auth()})
    connection.getresponse().read()
    done = threading.Event()
    threading.Thread(target=lambda: (emu.stop(), done.set()), daemon=True).start()
    assert done.wait(5), "stop() must not wait for idle keep-alive clients"
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.request("GET", "/phone-number-orders", headers={"Authorization": fake_auth()})
        connection.getresponse().read()


def test_module_is_stdlib_only():
    source = EMULATOR_SCRIPT.read_text()
    imported = set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE))
    roots = {name.split(".")[0] for name in imported}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}, roots - set(sys.stdlib_module_names)
    assert chime_emulator.__file__ and time.time()
