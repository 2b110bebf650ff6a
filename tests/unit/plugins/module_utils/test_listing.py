# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API layer against real botocore clients.

Requests go through real botocore clients (real serialisation, SigV4 signing, rest-json
parsing and real ClientError objects); only the HTTP send is replaced, by a ``before-send``
handler that answers with the bytes the service would send. Timeouts and refused connections
use real sockets. Retries sleep through an injected function, so nothing here waits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading
import urllib.parse

import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils import listing
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeAccessDeniedError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeApiError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeConnectionError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeRequestError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeRetriesExhaustedError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import InvalidOptionError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import MalformedResponseError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import OrderNotFoundError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import PaginationLoopError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import RetryPolicy
from ansible_collections.voiceops.chime.plugins.module_utils.listing import client_config
from ansible_collections.voiceops.chime.plugins.module_utils.listing import create_client
from ansible_collections.voiceops.chime.plugins.module_utils.listing import get_orders
from ansible_collections.voiceops.chime.plugins.module_utils.listing import iter_order_pages
from ansible_collections.voiceops.chime.plugins.module_utils.listing import keep_timestamps_as_text
from ansible_collections.voiceops.chime.plugins.module_utils.listing import list_orders
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_page_size

ACCESS_KEY = "AKIDUNITTEST00000000"
SECRET_KEY = "unit-test-secret-key-0123456789abcdefABCD"
SESSION_TOKEN = "unit-test-session-token-zyxwvutsrqponmlkjihgfedcba"

ERROR_STATUS = {
    "BadRequestException": 400,
    "UnauthorizedClientException": 401,
    "ForbiddenException": 403,
    "NotFoundException": 404,
    "ThrottledClientException": 429,
    "ServiceFailureException": 500,
    "ServiceUnavailableException": 503,
}


def make_orders(count, prefix="order"):
    """API-shape orders with millisecond ISO timestamps, as the service sends them."""
    return [
        {
            "PhoneNumberOrderId": "{0}-{1:05d}".format(prefix, index),
            "ProductType": "VoiceConnector",
            "Status": "Successful",
            "OrderedPhoneNumbers": [{"E164PhoneNumber": "+1206555{0:04d}".format(index % 10000), "Status": "Acquired"}],
            "CreatedTimestamp": "2026-01-01T00:00:00.{0:03d}Z".format(index % 1000),
            "UpdatedTimestamp": "2026-01-02T00:00:00.{0:03d}Z".format(index % 1000),
        }
        for index in range(count)
    ]


class _Body:
    def __init__(self, content):
        self._content = content

    def stream(self, **kwargs):
        yield self._content


class FakeChimeWire:
    """Answers ListPhoneNumberOrders/GetPhoneNumberOrder at the HTTP level, like the service.

    ``script`` is consumed one entry per request before normal service: an int is an error
    code's HTTP answer, an exception instance is raised (as urllib3/botocore would), bytes
    are sent as a 200 body. Tokens are opaque strings; ``full_page_token`` makes a page that
    ends exactly at the last order still carry a NextToken (followed by an empty page).
    """

    def __init__(self, orders=(), max_results=99, full_page_token=False, numbers=()):
        self.orders = list(orders)
        self.numbers = list(numbers)
        self.max_results = max_results
        self.full_page_token = full_page_token
        self.script = []
        self.requests = []
        self.repeat_token = False
        self.empty_first_page = False

    def __call__(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.requests.append({"path": url.path, "query": query, "headers": dict(request.headers)})
        if self.script:
            action = self.script.pop(0)
            if isinstance(action, BaseException):
                raise action
            if isinstance(action, bytes):
                return self._response(request, 200, action)
            if isinstance(action, tuple):
                # (HTTP status, error code): any code, including one no client has ever seen.
                status, code = action
                body = json.dumps({"Code": code, "Message": "injected"}).encode()
                return self._response(request, status, body, {"x-amzn-ErrorType": code})
            return self._error(request, action, "injected {0}".format(action))
        if url.path.startswith("/phone-number-orders/"):
            order_id = urllib.parse.unquote(url.path.rsplit("/", 1)[1])
            for order in self.orders:
                if order["PhoneNumberOrderId"] == order_id:
                    return self._response(request, 200, json.dumps({"PhoneNumberOrder": order}).encode())
            return self._error(request, "NotFoundException", "The phone number order does not exist.")
        if url.path == "/phone-numbers":
            return self._numbers_page(request, query)
        page_size = int(query.get("max-results", self.max_results))
        if not 1 <= page_size <= self.max_results:
            return self._error(request, "BadRequestException", "max-results out of range")
        token = query.get("next-token")
        if token is None and self.empty_first_page:
            return self._page(request, [], "t-0")
        offset = int(token[2:]) if token else 0
        end = min(offset + page_size, len(self.orders))
        if end < len(self.orders) or (
            self.full_page_token and end == offset + page_size and token != "t-{0}".format(end)
        ):
            next_token = "t-{0}".format(end)
        else:
            next_token = None
        if self.repeat_token and token:
            next_token = token
        return self._page(request, self.orders[offset:end], next_token)

    def _numbers_page(self, request, query):
        page_size = int(query.get("max-results", self.max_results))
        offset = int(query.get("next-token", "n-0")[2:])
        end = min(offset + page_size, len(self.numbers))
        next_token = "n-{0}".format(end) if end < len(self.numbers) else None
        body = json.dumps({"NextToken": next_token, "PhoneNumbers": self.numbers[offset:end]}).encode()
        return self._response(request, 200, body)

    def _page(self, request, orders, next_token):
        # Key order and compact separators as the service writes them; "NextToken": null at the end.
        body = '{{"NextToken":{0},"PhoneNumberOrders":{1}}}'.format(
            json.dumps(next_token), json.dumps(orders, separators=(",", ":"))
        )
        return self._response(request, 200, body.encode())

    def _error(self, request, code, message):
        if isinstance(code, int):
            status = code
            code = {v: k for k, v in ERROR_STATUS.items()}.get(status, "ServiceFailureException")
        else:
            status = ERROR_STATUS[code]
        body = json.dumps({"Code": code, "Message": message}).encode()
        return self._response(request, status, body, {"x-amzn-ErrorType": code})

    @staticmethod
    def _response(request, status, body, headers=None):
        all_headers = {"Content-Type": "application/json", "x-amzn-RequestId": "unit-test"}
        all_headers.update(headers or {})
        return botocore.awsrequest.AWSResponse(request.url, status, all_headers, _Body(body))

    @property
    def list_requests(self):
        return [r for r in self.requests if r["path"] == "/phone-number-orders"]

    @property
    def number_requests(self):
        return [r for r in self.requests if r["path"] == "/phone-numbers"]


@pytest.fixture(scope="module")
def botocore_session():
    # One session for the module: loading the service models is the slow part of a client.
    return botocore.session.get_session()


def make_client(session, wire, api="chime", region="us-east-1", config=None, endpoint_url="https://chime.unit.test"):
    client = session.create_client(
        listing.BOTO3_SERVICE[api],
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=SESSION_TOKEN,
        config=config or client_config(),
    )
    if wire is not None:
        service_id = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register("before-send.{0}".format(service_id), wire)
    return keep_timestamps_as_text(client)


class RecordingSleep:
    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def quick_policy(max_attempts=4, jitter=lambda: 1.0):
    sleep = RecordingSleep()
    return RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=10.0, sleep=sleep, jitter=jitter), sleep


# ---- pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize("count, expected_pages", [(0, 1), (1, 1), (98, 1), (99, 1), (100, 2), (1000, 11)])
def test_every_order_is_listed_once_in_service_order(botocore_session, count, expected_pages):
    wire = FakeChimeWire(make_orders(count))
    orders, pages = list_orders(make_client(botocore_session, wire), "chime")
    assert pages == expected_pages == len(wire.list_requests)
    assert [order["phone_number_order_id"] for order in orders] == [
        "order-{0:05d}".format(index) for index in range(count)
    ]
    assert all(r["query"]["max-results"] == "99" for r in wire.list_requests)


@pytest.mark.parametrize("count, page_size, expected_pages", [(99, 99, 2), (100, 100, 2), (10, 5, 3), (0, 99, 1)])
def test_a_page_of_exactly_page_size_followed_by_an_empty_page_ends_cleanly(
    botocore_session, count, page_size, expected_pages
):
    # Some services hand out a NextToken when a page is exactly full, then an empty last page.
    wire = FakeChimeWire(make_orders(count), max_results=100, full_page_token=True)
    api = "chime_sdk_voice" if page_size == 100 else "chime"
    orders, pages = list_orders(
        make_client(botocore_session, wire, api=api, region="us-west-2"), api, page_size=page_size
    )
    assert len(orders) == count
    assert len({order["phone_number_order_id"] for order in orders}) == count
    assert pages == expected_pages


def test_chime_sdk_voice_pages_by_100_by_default(botocore_session):
    wire = FakeChimeWire(make_orders(1000), max_results=100)
    orders, pages = list_orders(
        make_client(botocore_session, wire, api="chime_sdk_voice", region="eu-central-1"), "chime_sdk_voice"
    )
    assert (len(orders), pages) == (1000, 10)
    assert {r["query"]["max-results"] for r in wire.list_requests} == {"100"}
    assert "eu-central-1" in wire.requests[0]["headers"]["Authorization"].decode()


def test_explicit_page_size_is_sent(botocore_session):
    wire = FakeChimeWire(make_orders(10))
    orders, pages = list_orders(make_client(botocore_session, wire), "chime", page_size=3)
    assert (len(orders), pages) == (10, 4)
    assert [r["query"].get("next-token") for r in wire.list_requests] == [None, "t-3", "t-6", "t-9"]


def test_default_page_size_is_the_api_maximum():
    assert validate_page_size("chime", None) == 99
    assert validate_page_size("chime_sdk_voice", None) == 100


@pytest.mark.parametrize(
    "api, page_size",
    [
        ("chime", 0),
        ("chime", 100),
        ("chime", -1),
        ("chime_sdk_voice", 101),
        ("chime_sdk_voice", 0),
        ("chime", "abc"),
        ("chime", "50"),
        ("chime", True),
        ("chime", 9.5),
    ],
)
def test_page_size_out_of_range_fails_before_any_call(botocore_session, api, page_size):
    wire = FakeChimeWire(make_orders(5), max_results=100)
    with pytest.raises(InvalidOptionError) as caught:
        list_orders(make_client(botocore_session, wire, api=api, region="us-west-2"), api, page_size=page_size)
    assert "page_size" in caught.value.message and repr(page_size) in caught.value.message
    assert str(listing.MAX_PAGE_SIZE[api]) in caught.value.message
    assert wire.requests == []


def test_unknown_api_fails_before_any_call(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    with pytest.raises(InvalidOptionError, match="api must be one of chime, chime_sdk_voice"):
        list_orders(make_client(botocore_session, wire), "chime-sdk-voice")
    assert wire.requests == []


def test_null_next_token_ends_the_listing(botocore_session):
    wire = FakeChimeWire()
    wire.script = [b'{"NextToken":null,"PhoneNumberOrders":[]}']
    assert list_orders(make_client(botocore_session, wire), "chime") == ([], 1)
    assert len(wire.requests) == 1


def test_empty_string_or_absent_next_token_ends_the_listing(botocore_session):
    for body in (b'{"NextToken":"","PhoneNumberOrders":[]}', b'{"PhoneNumberOrders":[]}'):
        wire = FakeChimeWire()
        wire.script = [body]
        assert list_orders(make_client(botocore_session, wire), "chime") == ([], 1)


def test_empty_first_page_with_a_token_keeps_going(botocore_session):
    wire = FakeChimeWire(make_orders(150))
    wire.empty_first_page = True
    orders, pages = list_orders(make_client(botocore_session, wire), "chime")
    assert (len(orders), pages) == (150, 3)


def test_repeated_next_token_fails_instead_of_looping(botocore_session):
    wire = FakeChimeWire(make_orders(500))
    wire.repeat_token = True
    with pytest.raises(PaginationLoopError) as caught:
        list_orders(make_client(botocore_session, wire), "chime")
    assert "repeated a NextToken on page 2" in caught.value.message
    assert caught.value.action == "chime:ListPhoneNumberOrders"
    assert len(wire.requests) == 2


def test_looping_page_is_not_handed_to_a_page_by_page_consumer(botocore_session):
    wire = FakeChimeWire(make_orders(300))
    wire.repeat_token = True
    seen = []
    with pytest.raises(PaginationLoopError):
        for page in iter_order_pages(make_client(botocore_session, wire), "chime"):
            seen.append(page)
    assert len(seen) == 1


def test_a_token_seen_earlier_than_the_last_page_is_also_a_loop(botocore_session):
    wire = FakeChimeWire()
    orders = make_orders(3)
    page = '{{"NextToken":"{0}","PhoneNumberOrders":[{1}]}}'
    wire.script = [
        page.format("A", json.dumps(orders[0])).encode(),
        page.format("B", json.dumps(orders[1])).encode(),
        page.format("A", json.dumps(orders[2])).encode(),
    ]
    with pytest.raises(PaginationLoopError, match="page 3"):
        list_orders(make_client(botocore_session, wire), "chime")


# ---- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ThrottledClientException", "ServiceFailureException", "ServiceUnavailableException"])
def test_throttling_and_server_faults_are_retried_then_succeed(botocore_session, code):
    wire = FakeChimeWire(make_orders(250))
    wire.script = [code, code, code]
    policy, sleep = quick_policy(max_attempts=4)
    orders, pages = list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert (len(orders), pages) == (250, 3)
    # Three failures + three pages: botocore's own retries are off, ours did the retrying.
    assert len(wire.requests) == 6
    assert sleep.calls == [0.5, 1.0, 2.0]


def test_http_429_is_retried_even_with_an_unknown_error_code(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [429, 502, 504]
    policy, sleep = quick_policy(max_attempts=4)
    assert len(list_orders(make_client(botocore_session, wire), "chime", policy=policy)[0]) == 5
    assert len(sleep.calls) == 3


def test_faults_in_the_middle_of_a_listing_lose_nothing(botocore_session):
    wire = FakeChimeWire(make_orders(500))
    policy = quick_policy(max_attempts=3)[0]
    client = make_client(botocore_session, wire)
    pages = iter_order_pages(client, "chime", policy=policy)
    collected = list(next(pages))
    wire.script = ["ThrottledClientException", b'{"NextToken":"t-99"}']  # a throttle, then a page without orders
    for page in pages:
        collected.extend(page)
    assert [order["PhoneNumberOrderId"] for order in collected] == [o["PhoneNumberOrderId"] for o in wire.orders]


@pytest.mark.parametrize("code", ["ThrottledClientException", "ServiceUnavailableException"])
def test_retries_exhausted_fail_with_no_partial_data(botocore_session, code):
    wire = FakeChimeWire(make_orders(300))
    policy, sleep = quick_policy(max_attempts=3)
    client = make_client(botocore_session, wire)
    # The first page succeeds, then the service keeps failing: nothing may come back.
    first_page_served = []

    def fail_after_first_page(request, **kwargs):
        if first_page_served:
            wire.script = [code]
        first_page_served.append(True)

    client.meta.events.register_first("before-send.chime", fail_after_first_page)
    result = None
    with pytest.raises(ChimeRetriesExhaustedError) as caught:
        result = list_orders(client, "chime", policy=policy)
    assert result is None
    error = caught.value
    assert error.code == code and error.http_status == ERROR_STATUS[code] and error.attempts == 3
    assert "failed after 3 attempt(s)" in error.message and code in error.message
    assert "chime:ListPhoneNumberOrders" in error.message
    assert len(wire.requests) == 1 + 3
    assert len(sleep.calls) == 2  # no sleep after the last attempt
    # The hint fits the cause: only throttling is helped by a lower request rate.
    assert ("lower the request rate" in error.message) == (code == "ThrottledClientException")


@pytest.mark.parametrize(
    "code, http_status",
    [("BadRequestException", 400), ("UnauthorizedClientException", 401), ("ForbiddenException", 403)],
)
def test_client_errors_fail_after_one_attempt_naming_the_code(botocore_session, code, http_status):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [code]
    policy, sleep = quick_policy()
    with pytest.raises(ChimeApiError) as caught:
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    error = caught.value
    assert len(wire.requests) == 1 and sleep.calls == []
    assert code in error.message and "HTTP {0}".format(http_status) in error.message
    assert (error.code, error.http_status, error.attempts) == (code, http_status, 1)
    if http_status in (401, 403):
        assert isinstance(error, ChimeAccessDeniedError)
        assert "chime:ListPhoneNumberOrders" in error.message
        assert "IAM policy allows chime:ListPhoneNumberOrders" in error.message
        assert error.action == "chime:ListPhoneNumberOrders"
    else:
        assert isinstance(error, ChimeRequestError)


def test_access_denied_by_code_even_without_401_or_403(botocore_session):
    def expired(request, **kwargs):
        body = json.dumps({"__type": "ExpiredTokenException", "message": "The security token has expired."})
        return FakeChimeWire._response(request, 400, body.encode(), {"x-amzn-ErrorType": "ExpiredTokenException"})

    client = make_client(botocore_session, None)
    client.meta.events.register("before-send.chime", expired)
    with pytest.raises(ChimeAccessDeniedError, match="ExpiredTokenException"):
        list_orders(client, "chime", policy=quick_policy()[0])


def test_signing_details_and_tokens_are_cut_from_service_messages(botocore_session):
    canonical = (
        "The request signature we calculated does not match the signature you provided. "
        "The Canonical String for this request should have been 'GET\n/phone-number-orders\n\n"
        "x-amz-security-token:{0}\n' The String-to-Sign should have been ..."
    ).format(SESSION_TOKEN)

    def bad_signature(request, **kwargs):
        body = json.dumps({"Code": "InvalidSignatureException", "Message": canonical})
        return FakeChimeWire._response(request, 403, body.encode(), {"x-amzn-ErrorType": "InvalidSignatureException"})

    client = make_client(botocore_session, None)
    client.meta.events.register("before-send.chime", bad_signature)
    with pytest.raises(ChimeAccessDeniedError) as caught:
        list_orders(client, "chime", policy=quick_policy()[0])
    text = caught.value.message + repr(caught.value.as_dict()) + str(caught.value)
    assert "does not match the signature" in text and "[signing details removed]" in text
    assert SESSION_TOKEN not in text and SECRET_KEY not in text


def test_long_service_messages_are_shortened():
    assert len(listing.safe_service_message("x" * 10000)) < 320


# ---- timeouts, connections, malformed pages ----------------------------------------------------


def test_read_timeouts_are_retried_then_succeed(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [
        botocore.exceptions.ReadTimeoutError(endpoint_url="https://chime.unit.test"),
        botocore.exceptions.ConnectTimeoutError(endpoint_url="https://chime.unit.test"),
    ]
    policy, sleep = quick_policy()
    assert len(list_orders(make_client(botocore_session, wire), "chime", policy=policy)[0]) == 5
    assert len(sleep.calls) == 2


def test_connection_errors_are_retried_then_succeed(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [
        botocore.exceptions.EndpointConnectionError(endpoint_url="https://chime.unit.test"),
        botocore.exceptions.ConnectionClosedError(endpoint_url="https://chime.unit.test"),
    ]
    policy, sleep = quick_policy()
    assert len(list_orders(make_client(botocore_session, wire), "chime", policy=policy)[0]) == 5


def _unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_fails_as_a_connection_error_after_the_budget(botocore_session):
    # A real refused TCP connection: nothing listens on the port.
    client = make_client(botocore_session, None, endpoint_url="http://127.0.0.1:{0}".format(_unused_port()))
    policy, sleep = quick_policy(max_attempts=3)
    with pytest.raises(ChimeConnectionError) as caught:
        list_orders(client, "chime", policy=policy)
    assert caught.value.code == "ConnectionError" and caught.value.attempts == 3
    assert "failed after 3 attempt(s)" in caught.value.message and "endpoint_url" in caught.value.message
    assert len(sleep.calls) == 2


class SilentServer:
    """Accepts connections and never answers: a real read timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.connections = []
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:{0}".format(self.sock.getsockname()[1])

    def _accept(self):
        while True:
            try:
                connection = self.sock.accept()[0]
            except OSError:
                return
            self.accepted += 1
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.sock.close()


def test_real_read_timeout_is_retried_and_reported(botocore_session):
    server = SilentServer()
    try:
        config = client_config().merge(botocore.config.Config(read_timeout=0.2, connect_timeout=1))
        client = make_client(botocore_session, None, endpoint_url=server.url, config=config)
        policy, sleep = quick_policy(max_attempts=2)
        with pytest.raises(ChimeConnectionError) as caught:
            list_orders(client, "chime", policy=policy)
    finally:
        server.close()
    assert caught.value.code == "Timeout"
    assert "timeout: ReadTimeoutError" in caught.value.message
    assert len(sleep.calls) == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"NextToken":null}',  # missing PhoneNumberOrders
        b'{"NextToken":"t-99"}',  # ... with a token: the dangerous one
        b"<html><head><title>502 Bad Gateway</title></head></html>",  # a proxy's page
        b'{"NextToken":null,"PhoneNumberOrders":[{"PhoneNumberOrderId":"a"',  # truncated
        b"",  # empty
    ],
)
def test_malformed_pages_are_retried_then_fail_without_data(botocore_session, body):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [body] * 3
    policy, sleep = quick_policy(max_attempts=3)
    with pytest.raises(MalformedResponseError) as caught:
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert "PhoneNumberOrders" in caught.value.message
    assert len(wire.requests) == 3 and len(sleep.calls) == 2


@pytest.mark.parametrize(
    "body",
    [
        b'{"NextToken":null,"PhoneNumberOrders":[1,2]}',
        b'{"NextToken":null,"PhoneNumberOrders":"abc"}',
        b'{"NextToken":null,"PhoneNumberOrders":[{"OrderedPhoneNumbers":{"E164PhoneNumber":5}}]}',
        b'{"NextToken":null,"PhoneNumberOrders":[{"OrderedPhoneNumbers":["+12065550100"]}]}',
        b'{"NextToken":null,"PhoneNumberOrders":[null]}',
        b'{"NextToken":null,"PhoneNumberOrders":[{"OrderedPhoneNumbers":[{"E164PhoneNumber":12065550100}]}]}',
        b'{"NextToken":null,"PhoneNumberOrders":[{"OrderedPhoneNumbers":[{"E164PhoneNumber":["+1"]}]}]}',
        b"[1,2,3]",
        b'"just a string"',
        b"\xff\xfe not utf-8",
    ],
)
def test_json_of_the_wrong_shape_is_a_malformed_page_not_a_traceback(botocore_session, body):
    # botocore's parser trusts the model and fails on these with plain AttributeError/TypeError.
    wire = FakeChimeWire(make_orders(5))
    wire.script = [body] * 2
    policy, sleep = quick_policy(max_attempts=2)
    with pytest.raises(MalformedResponseError) as caught:
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert caught.value.code == "MalformedResponse" and "failed after 2 attempt(s)" in caught.value.message


def test_a_malformed_page_then_a_good_one_succeeds(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    wire.script = [b'{"NextToken":null}']
    orders, pages = list_orders(make_client(botocore_session, wire), "chime", policy=quick_policy()[0])
    assert (len(orders), pages) == (5, 1)


def test_non_string_next_token_is_malformed(botocore_session):
    class StubClient:
        calls = 0

        def list_phone_number_orders(self, **params):
            StubClient.calls += 1
            return {"PhoneNumberOrders": [], "NextToken": 7}

    with pytest.raises(MalformedResponseError, match="NextToken that is not a string"):
        list_orders(StubClient(), "chime", policy=quick_policy(max_attempts=2)[0])
    assert StubClient.calls == 2


def test_missing_credentials_fail_once_with_a_clear_message(botocore_session, monkeypatch, tmp_path):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    wire = FakeChimeWire(make_orders(1))
    client = botocore.session.get_session().create_client(
        "chime", region_name="us-east-1", endpoint_url="https://chime.unit.test", config=client_config()
    )
    client.meta.events.register("before-send.chime", wire)
    policy, sleep = quick_policy()
    with pytest.raises(ChimeAccessDeniedError) as caught:
        list_orders(client, "chime", policy=policy)
    assert caught.value.code == "NoCredentials" and "no usable AWS credentials" in caught.value.message
    assert wire.requests == [] and sleep.calls == []


# ---- get_orders -----------------------------------------------------------------------------


def test_get_orders_returns_the_named_orders_in_the_given_order_once_each(botocore_session):
    wire = FakeChimeWire(make_orders(5))
    orders = get_orders(make_client(botocore_session, wire), ["order-00003", "order-00001", "order-00003"])
    assert [order["phone_number_order_id"] for order in orders] == ["order-00003", "order-00001"]
    assert orders[0]["updated_timestamp"] == "2026-01-02T00:00:00.003Z"
    assert len(wire.requests) == 2


def test_get_orders_unknown_id_names_the_id(botocore_session):
    wire = FakeChimeWire(make_orders(2))
    with pytest.raises(OrderNotFoundError) as caught:
        get_orders(make_client(botocore_session, wire), ["order-00000", "no-such-order-42"])
    assert "'no-such-order-42'" in caught.value.message and "not found" in caught.value.message
    assert caught.value.code == "NotFoundException" and caught.value.action == "chime:GetPhoneNumberOrder"


def test_get_orders_bad_request_names_the_id(botocore_session):
    wire = FakeChimeWire(make_orders(2))
    wire.script = ["BadRequestException"]
    with pytest.raises(ChimeRequestError) as caught:
        get_orders(make_client(botocore_session, wire), ["not a uuid"])
    assert "'not a uuid'" in caught.value.message and "BadRequestException" in caught.value.message


def test_get_orders_is_retried_like_listing(botocore_session):
    wire = FakeChimeWire(make_orders(2))
    wire.script = ["ThrottledClientException", "ServiceUnavailableException"]
    policy, sleep = quick_policy()
    assert len(get_orders(make_client(botocore_session, wire), ["order-00001"], policy=policy)) == 1
    assert len(sleep.calls) == 2


def test_get_orders_denied_names_the_get_action(botocore_session):
    wire = FakeChimeWire(make_orders(2))
    wire.script = ["ForbiddenException"]
    with pytest.raises(ChimeAccessDeniedError, match="chime:GetPhoneNumberOrder"):
        get_orders(make_client(botocore_session, wire), ["order-00001"])


@pytest.mark.parametrize("bad_id", ["", "   ", None, 42])
def test_get_orders_rejects_empty_ids_before_any_call(botocore_session, bad_id):
    wire = FakeChimeWire(make_orders(2))
    with pytest.raises(InvalidOptionError, match="non-empty strings"):
        get_orders(make_client(botocore_session, wire), [bad_id])
    assert wire.requests == []


# ---- timestamps, clients ------------------------------------------------------------------------


def test_timestamps_come_back_as_the_exact_text_the_service_sent(botocore_session):
    body = (
        b'{"NextToken":null,"PhoneNumberOrders":[{"CreatedTimestamp":"2019-08-12T22:10:20.504Z",'
        b'"OrderedPhoneNumbers":[],"PhoneNumberOrderId":"abc12345-de67-89f0-123g-h45i678j9012",'
        b'"ProductType":"Voice Connector","Status":"Successful","UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
    )
    wire = FakeChimeWire()
    wire.script = [body]
    [order], pages = list_orders(make_client(botocore_session, wire), "chime")
    assert order["created_timestamp"] == "2019-08-12T22:10:20.504Z"
    assert order["updated_timestamp"] == "2019-08-12T22:10:31.186Z"
    assert order["phone_number_order_id"] == "abc12345-de67-89f0-123g-h45i678j9012"


def test_order_pages_come_back_as_sent_with_response_metadata(botocore_session):
    # Keys the model of this namespace lacks (the legacy chime model has no OrderType/FocDate)
    # and keys no model has yet are kept, so order_from_api can pass them on snake_cased.
    body = (
        b'{"NextToken":null,"PhoneNumberOrders":[{"PhoneNumberOrderId":"x","OrderType":"Porting",'
        b'"FocDate":"2026-02-01T00:00:00.000Z","CarrierNote":"new field","OrderedPhoneNumbers":[],'
        b'"UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
    )
    client = make_client(botocore_session, None)
    client.meta.events.register(
        "before-send.chime", lambda request, **kwargs: FakeChimeWire._response(request, 200, body)
    )
    response = client.list_phone_number_orders(MaxResults=99)
    assert response["PhoneNumberOrders"][0]["CarrierNote"] == "new field"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["RequestId"] == "unit-test"
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"
    [order] = list_orders(client, "chime")[0]
    assert (order["order_type"], order["foc_date"], order["carrier_note"]) == (
        "Porting",
        "2026-02-01T00:00:00.000Z",
        "new field",
    )


def test_create_client_keeps_timestamps_as_text(botocore_session):
    client = create_client(FakeAWSModule("us-east-1", botocore_session), "chime")
    assert listing.client_keeps_timestamps_as_text(client)
    assert not listing.client_keeps_timestamps_as_text(
        botocore_session.create_client(
            "chime", region_name="us-east-1", aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
        )
    )


def test_keeping_timestamps_as_text_does_not_change_other_clients_of_the_session(botocore_session):
    body = b'{"PhoneNumberOrders":[{"PhoneNumberOrderId":"x","UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
    ours = make_client(botocore_session, None)
    theirs = botocore_session.create_client(
        "chime",
        region_name="us-east-1",
        endpoint_url="https://chime.unit.test",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    for client in (ours, theirs):
        client.meta.events.register(
            "before-send.chime", lambda request, **kwargs: FakeChimeWire._response(request, 200, body)
        )
    assert ours.list_phone_number_orders()["PhoneNumberOrders"][0]["UpdatedTimestamp"] == "2019-08-12T22:10:31.186Z"
    parsed = theirs.list_phone_number_orders()["PhoneNumberOrders"][0]["UpdatedTimestamp"]
    assert not isinstance(parsed, str) and parsed.microsecond == 186000


def test_client_config_turns_botocore_retries_off(botocore_session):
    wire = FakeChimeWire(make_orders(1))
    wire.script = ["ServiceUnavailableException"]
    client = make_client(botocore_session, wire)
    with pytest.raises(botocore.exceptions.ClientError):
        client.list_phone_number_orders()
    assert len(wire.requests) == 1


class FakeAWSModule:
    """Stands in for AnsibleAWSModule: region and client() are all create_client uses."""

    def __init__(self, region, session):
        self.region = region
        self.session = session
        self.calls = []

    def client(self, service, region=None, config=None):
        self.calls.append((service, region, config))
        return self.session.create_client(
            service,
            region_name=region,
            endpoint_url="https://chime.unit.test",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=config,
        )


def test_create_client_pins_legacy_chime_to_us_east_1(botocore_session):
    module = FakeAWSModule("eu-west-1", botocore_session)
    client = create_client(module, "chime")
    service, region, config = module.calls[0]
    assert (service, region) == ("chime", "us-east-1")
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert client.meta.region_name == "us-east-1"


def test_create_client_for_chime_sdk_voice_uses_the_region(botocore_session):
    module = FakeAWSModule("eu-central-1", botocore_session)
    create_client(module, "chime_sdk_voice")
    assert module.calls[0][:2] == ("chime-sdk-voice", "eu-central-1")


def test_create_client_for_chime_sdk_voice_without_region_fails_before_a_client(botocore_session):
    module = FakeAWSModule(None, botocore_session)
    with pytest.raises(InvalidOptionError, match="no region is set"):
        create_client(module, "chime_sdk_voice")
    assert module.calls == []


# ---- the retry policy ---------------------------------------------------------------------


def test_default_retry_budget_is_bounded_as_documented():
    policy = RetryPolicy()
    assert policy.max_attempts == 8
    # 0.5 + 1 + 2 + 4 + 8 + 10 + 10: the module documentation quotes this figure.
    assert policy.max_total_wait() == 35.5


@given(st.integers(1, 40), st.floats(0, 5), st.floats(0, 60), st.floats(0, 1))
def test_sleeps_never_exceed_max_total_wait(max_attempts, base_delay, max_delay, jitter):
    sleep = RecordingSleep()
    policy = RetryPolicy(max_attempts, base_delay, max_delay, sleep=sleep, jitter=lambda: jitter)

    def always_throttled(**params):
        raise botocore.exceptions.ClientError(
            {
                "Error": {"Code": "ThrottledClientException", "Message": "slow down"},
                "ResponseMetadata": {"HTTPStatusCode": 429},
            },
            "ListPhoneNumberOrders",
        )

    with pytest.raises(ChimeRetriesExhaustedError):
        listing.call_with_retries(always_throttled, {}, policy, listing.LIST_ACTION)
    assert len(sleep.calls) == max_attempts - 1
    assert all(0 <= seconds <= max_delay for seconds in sleep.calls)
    assert sum(sleep.calls) <= policy.max_total_wait() + 1e-9


def test_huge_retry_numbers_do_not_overflow_the_backoff():
    policy = RetryPolicy(max_attempts=100, base_delay=0.5, max_delay=3.0)
    assert policy.cap(4000) == 3.0
    assert policy.max_total_wait() == pytest.approx(0.5 + 1 + 2 + 3 * (99 - 3))


def test_the_largest_retry_budget_is_bounded():
    # The bounds keep the worst case finite and documented: 100 attempts of at most 600 s each.
    policy = RetryPolicy(max_attempts=100, base_delay=600, max_delay=600)
    assert policy.max_total_wait() == 99 * 600


def test_full_jitter_waits_between_zero_and_the_cap():
    assert RetryPolicy(jitter=lambda: 0.0).delay(3) == 0.0
    assert RetryPolicy(jitter=lambda: 0.5).delay(3) == 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(max_attempts=0),
        dict(max_attempts="3"),
        dict(max_attempts=True),
        dict(max_attempts=101),
        dict(max_attempts=5000),
        dict(base_delay=-1),
        dict(max_delay="x"),
        dict(base_delay=True),
        dict(base_delay=float("nan")),
        dict(max_delay=float("nan")),
        dict(base_delay=float("inf")),
        dict(max_delay=float("-inf")),
        dict(max_delay=1e300),
        dict(base_delay=1e9),
        dict(max_delay=600.5),
    ],
)
def test_bad_retry_settings_are_rejected(kwargs):
    with pytest.raises(InvalidOptionError):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    "body", [b"{}", b'{"PhoneNumberOrder":[]}', b'{"PhoneNumberOrder":{"OrderedPhoneNumbers":"x"}}']
)
def test_get_orders_malformed_response_fails_without_data(botocore_session, body):
    wire = FakeChimeWire(make_orders(2))
    wire.script = [body, body]
    policy, sleep = quick_policy(max_attempts=2)
    with pytest.raises(MalformedResponseError) as caught:
        get_orders(make_client(botocore_session, wire), ["order-00001"], policy=policy)
    assert "GetPhoneNumberOrder" in caught.value.message and len(sleep.calls) == 1


# ---- 0.2.0: ListPhoneNumbers, the shared loop, local errors, secrets ------------------------------


def make_numbers(count, status="Unassigned"):
    return [
        {
            "PhoneNumberId": "+1206555{0:04d}".format(index),
            "E164PhoneNumber": "+1206555{0:04d}".format(index),
            "Status": status,
            "ProductType": "VoiceConnector",
            "Type": "Local",
            "Country": "US",
            "UpdatedTimestamp": "2026-01-03T00:00:00.000Z",
        }
        for index in range(count)
    ]


def test_list_account_lists_orders_and_numbers_with_the_same_loop(botocore_session):
    wire = FakeChimeWire(make_orders(250), max_results=100, numbers=make_numbers(310))
    listing_result = listing.list_account(
        make_client(botocore_session, wire, api="chime_sdk_voice"), "chime_sdk_voice", current_state=True
    )
    assert (len(listing_result.api_orders), listing_result.order_pages) == (250, 3)
    assert (len(listing_result.api_numbers), listing_result.number_pages) == (310, 4)
    assert [r["query"].get("next-token") for r in wire.number_requests] == [None, "n-100", "n-200", "n-300"]
    assert {r["query"]["max-results"] for r in wire.number_requests} == {"100"}


def test_list_account_without_current_state_never_calls_list_phone_numbers(botocore_session):
    wire = FakeChimeWire(make_orders(5), numbers=make_numbers(5))
    result = listing.list_account(make_client(botocore_session, wire), "chime")
    assert result.api_numbers is None and wire.number_requests == []


def test_a_failure_of_the_numbers_listing_fails_the_whole_listing(botocore_session):
    wire = FakeChimeWire(make_orders(5), numbers=make_numbers(5))
    original = wire.__call__

    def deny_numbers(request, **kwargs):
        if urllib.parse.urlsplit(request.url).path == "/phone-numbers":
            return wire._error(request, "ForbiddenException", "denied")
        return original(request, **kwargs)

    client = make_client(botocore_session, None)
    client.meta.events.register("before-send.chime", deny_numbers)
    with pytest.raises(ChimeAccessDeniedError) as caught:
        listing.list_account(client, "chime", current_state=True)
    assert caught.value.action == "chime:ListPhoneNumbers"
    assert "chime:ListPhoneNumbers denied (ForbiddenException, HTTP 403)" in caught.value.message
    assert "current_state: false" in caught.value.message


def test_numbers_pages_are_validated_like_order_pages(botocore_session):
    for body in (
        b'{"PhoneNumbers": [1]}',
        b'{"PhoneNumbers": [{"E164PhoneNumber": 12065550100}]}',
        b'{"PhoneNumbers": [{"E164PhoneNumber": "+12065550100", "Status": ["Assigned"]}]}',
        b'{"PhoneNumbers": {}}',
        b'{"NextToken": "x"}',
    ):
        wire = FakeChimeWire(make_orders(1))
        wire.script = [body, body]
        policy, dummy = quick_policy(max_attempts=2)
        with pytest.raises(MalformedResponseError, match="ListPhoneNumbers"):
            list(listing.iter_number_pages(make_client(botocore_session, wire), "chime", policy=policy))


def test_http_status_alone_is_retried_even_with_an_error_code_nobody_has_seen(botocore_session):
    # Neither the code nor the message is known to the retry rule: only the 5xx/429 status says "retry".
    for status in (429, 500, 502, 503, 504):
        wire = FakeChimeWire(make_orders(3))
        wire.script = [(status, "SomethingNewException"), (status, "AnotherUnknownCode")]
        policy, sleep = quick_policy(max_attempts=3)
        orders, pages = list_orders(make_client(botocore_session, wire), "chime", policy=policy)
        assert len(orders) == 3 and len(sleep.calls) == 2, status
    # And a 4xx with an unknown code is not retried.
    wire = FakeChimeWire(make_orders(3))
    wire.script = [(418, "SomethingNewException")]
    policy, sleep = quick_policy(max_attempts=3)
    with pytest.raises(ChimeRequestError):
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert sleep.calls == []


def test_an_empty_next_token_is_a_malformed_page_not_the_end(botocore_session):
    # The API documents an absent or null NextToken on the last page; "" taken as the end could
    # stop half way and judge part of the account.
    body = b'{"NextToken":"","PhoneNumberOrders":[]}'
    wire = FakeChimeWire(make_orders(3))
    wire.script = [body, body, body]
    policy, sleep = quick_policy(max_attempts=3)
    with pytest.raises(MalformedResponseError, match="empty NextToken"):
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert len(sleep.calls) == 2
    # Transient: a good page after it completes the listing.
    wire = FakeChimeWire(make_orders(3))
    wire.script = [body]
    policy, sleep = quick_policy(max_attempts=3)
    assert len(list_orders(make_client(botocore_session, wire), "chime", policy=policy)[0]) == 3


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://127.0.0.1:99999", "Port out of range"),
        ("http://127.0.0.1:0", "port 0"),
        ("ftp://127.0.0.1:8080", "scheme must be http or https"),
        ("127.0.0.1:8080", "scheme"),
        ("http://", "no host"),
        ("http://user:hunter2@127.0.0.1:99999", "Port out of range"),
    ],
)
def test_an_unusable_endpoint_fails_before_any_call_naming_it_without_credentials(url, problem):
    with pytest.raises(InvalidOptionError) as caught:
        listing.validate_endpoint_url(url)
    assert problem.lower() in caught.value.message.lower()
    assert "hunter2" not in caught.value.message
    assert "127.0.0.1" in caught.value.message or "http://" in caught.value.message


def test_a_local_error_before_any_response_is_not_retried_as_a_bad_page(botocore_session):
    wire = FakeChimeWire(make_orders(3))
    wire.script = [ValueError("cannot use this endpoint")] * 4
    policy, sleep = quick_policy(max_attempts=4)
    with pytest.raises(ChimeConnectionError) as caught:
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert sleep.calls == [] and len(wire.requests) == 1
    assert "could not be sent" in caught.value.message
    assert "not the documented shape" not in caught.value.message


def test_url_credentials_in_botocore_errors_never_reach_the_message(botocore_session):
    wire = FakeChimeWire(make_orders(3))
    wire.script = [
        botocore.exceptions.EndpointConnectionError(
            endpoint_url="https://admin:s3cr3t-pw@chime.unit.test/phone-number-orders"
        )
    ] * 2
    policy, dummy = quick_policy(max_attempts=2)
    with pytest.raises(ChimeConnectionError) as caught:
        list_orders(make_client(botocore_session, wire), "chime", policy=policy)
    assert "s3cr3t-pw" not in caught.value.message and "admin" not in caught.value.message
    assert "chime.unit.test" in caught.value.message
    assert "s3cr3t-pw" not in str(caught.value)


def test_endpoint_secrets_are_the_user_info():
    assert listing.endpoint_secrets("https://admin:s3cr3t@host:1/x") == ["s3cr3t", "admin"]
    assert listing.endpoint_secrets("https://host:1/x") == []
    assert listing.endpoint_secrets(None) == []


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "us-west-2"])
def test_a_known_region_is_signed_for(region):
    assert listing.connection_region("chime_sdk_voice", region) == region


@pytest.mark.parametrize("region", ["mars-north-1", "us-east-10", "eu-south-2", "US-EAST-1"])
def test_a_region_without_an_sdk_voice_endpoint_fails_naming_the_valid_ones(region):
    with pytest.raises(InvalidOptionError) as caught:
        listing.connection_region("chime_sdk_voice", region)
    assert repr(region) in caught.value.message
    assert "us-east-1" in caught.value.message and "eu-central-1" in caught.value.message
    assert caught.value.code == "UnknownRegion"


def test_the_legacy_namespace_is_always_signed_for_us_east_1():
    assert listing.connection_region("chime", "eu-central-1") == "us-east-1"
    assert listing.connection_region("chime", None) == "us-east-1"


# ---- service messages: each signing marker on its own -------------------------------------------


@pytest.mark.parametrize(
    "marker", ["x-amz-security-token", "X-Amz-Security-Token", "The Canonical String", "The String-to-Sign"]
)
def test_each_signing_marker_alone_cuts_the_message_there(marker):
    # Without the canonical-request text around it: the marker alone must cut what follows.
    message = "Request rejected; {0}:{1}\nmore".format(marker, SESSION_TOKEN)
    assert listing.safe_service_message(message) == "Request rejected; [signing details removed]"


def test_a_message_that_starts_with_the_bare_token_header_keeps_nothing_of_it():
    text = listing.safe_service_message("x-amz-security-token:{0}".format(SESSION_TOKEN))
    assert text.strip() == "[signing details removed]"


def test_a_message_of_exactly_the_limit_is_kept_whole_and_one_more_character_is_cut():
    assert listing.safe_service_message("x" * 300) == "x" * 300
    assert listing.safe_service_message("x" * 301) == "x" * 300 + "..."


def test_no_service_message_is_an_empty_text():
    assert listing.safe_service_message(None) == "" and listing.safe_service_message("") == ""


def test_api_errors_give_fail_json_their_machine_readable_fields():
    error = ChimeAccessDeniedError(
        "denied", code="AccessDeniedException", http_status=403, action="chime:ListPhoneNumberOrders", attempts=2
    )
    assert error.as_dict() == {
        "error_code": "AccessDeniedException",
        "http_status": 403,
        "iam_action": "chime:ListPhoneNumberOrders",
        "attempts": 2,
    }
    assert ChimeApiError("failed").as_dict() == {
        "error_code": None,
        "http_status": None,
        "iam_action": None,
        "attempts": None,
    }


def test_an_object_that_is_not_a_botocore_client_is_left_alone():
    thing = object()
    assert keep_timestamps_as_text(thing) is thing
    assert listing.client_keeps_timestamps_as_text(thing) is False


# ---- how each service error becomes one of our errors, message and fields exactly ---------------


def client_error(code=None, message=None, http_status=None, operation="ListPhoneNumberOrders"):
    details = dict((key, value) for key, value in (("Code", code), ("Message", message)) if value is not None)
    return botocore.exceptions.ClientError(
        {"Error": details, "ResponseMetadata": {"HTTPStatusCode": http_status}}, operation
    )


@pytest.mark.parametrize(
    "error, action, expected_class, message, fields",
    [
        (
            client_error("AccessDeniedException", "User is not authorized. ", 403),
            listing.LIST_ACTION,
            ChimeAccessDeniedError,
            "chime:ListPhoneNumberOrders denied (AccessDeniedException, HTTP 403): User is not authorized. Check the "
            "credentials and that the IAM policy allows chime:ListPhoneNumberOrders.",
            ("AccessDeniedException", 403, "chime:ListPhoneNumberOrders", 3),
        ),
        # ListPhoneNumbers denied: the message says what the call is for and how to do without it.
        (
            client_error("AccessDeniedException", "Denied.", 403),
            listing.LIST_NUMBERS_ACTION,
            ChimeAccessDeniedError,
            "chime:ListPhoneNumbers denied (AccessDeniedException, HTTP 403): Denied. Check the credentials and that the "
            "IAM policy allows chime:ListPhoneNumbers. chime:ListPhoneNumbers lists the account's current numbers for the "
            "cross-check; allow it, or turn the cross-check off (current_state: false), which judges on order history "
            "alone.",
            ("AccessDeniedException", 403, "chime:ListPhoneNumbers", 3),
        ),
        (
            client_error("NotFoundException", "Order not found.", 404, "GetPhoneNumberOrder"),
            listing.GET_ACTION,
            OrderNotFoundError,
            "chime:GetPhoneNumberOrder: not found (NotFoundException): Order not found",
            ("NotFoundException", 404, "chime:GetPhoneNumberOrder", 3),
        ),
        # Either sign of "not found" is enough: the code without the status, or the status with another code.
        (
            client_error("NotFoundException", "gone", 400),
            listing.GET_ACTION,
            OrderNotFoundError,
            "chime:GetPhoneNumberOrder: not found (NotFoundException): gone",
            ("NotFoundException", 400, "chime:GetPhoneNumberOrder", 3),
        ),
        (
            client_error("ResourceNotFound", "gone", 404),
            listing.GET_ACTION,
            OrderNotFoundError,
            "chime:GetPhoneNumberOrder: not found (ResourceNotFound): gone",
            ("ResourceNotFound", 404, "chime:GetPhoneNumberOrder", 3),
        ),
        (
            client_error("BadRequestException", "Invalid NextToken.", 400),
            listing.LIST_ACTION,
            ChimeRequestError,
            "chime:ListPhoneNumberOrders failed (BadRequestException, HTTP 400): Invalid NextToken",
            ("BadRequestException", 400, "chime:ListPhoneNumberOrders", 3),
        ),
        # Nothing to go by: the code stands in for the message.
        (
            client_error(http_status=409),
            listing.LIST_ACTION,
            ChimeRequestError,
            "chime:ListPhoneNumberOrders failed (Unknown, HTTP 409): Unknown",
            ("Unknown", 409, "chime:ListPhoneNumberOrders", 3),
        ),
        (
            RuntimeError("no response at all"),
            listing.LIST_ACTION,
            ChimeRequestError,
            "chime:ListPhoneNumberOrders failed (Unknown, HTTP None): Unknown",
            ("Unknown", None, "chime:ListPhoneNumberOrders", 3),
        ),
    ],
)
def test_service_errors_become_typed_errors_with_exact_messages(error, action, expected_class, message, fields):
    converted = listing._error_from_client_error(error, action, 3)
    # Exactly this class, not a subclass.
    assert type(converted) is expected_class  # pylint: disable=unidiomatic-typecheck
    assert converted.message == message
    assert (converted.code, converted.http_status, converted.action, converted.attempts) == fields


@pytest.mark.parametrize(
    "member", ["PhoneNumberId", "Status", "DeletionTimestamp", "UpdatedTimestamp", "OrderId", "ProductType"]
)
def test_a_phone_number_member_that_is_not_text_is_named(member):
    page = {"PhoneNumbers": [{"E164PhoneNumber": "+12065550100", member: 7}]}
    with pytest.raises(MalformedResponseError) as raised:
        listing.validate_numbers_page(page)
    assert (
        raised.value.message
        == "ListPhoneNumbers returned a page with a phone number whose {0} is not a string".format(member)
    )
