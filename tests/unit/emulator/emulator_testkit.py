# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the emulator's unit tests: real boto3 clients, raw HTTP, error unpacking."""

from __future__ import annotations

import datetime
import http.client
import socket

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

DUMMY_KEY, DUMMY_SECRET = "AKIDEMULATORTEST", "emulator-test-secret-value"
# botocore's "max_attempts" counts retries; "total_max_attempts" counts the first try too.
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
# Where each namespace lives on an emulator with the default root (chime-sdk-voice).
PREFIX = {"chime": "/chime", "chime-sdk-voice": ""}


def fake_auth(region="us-east-1", service="chime", key=DUMMY_KEY):
    return (
        f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )


def make_client(
    emu,
    api="chime-sdk-voice",
    region="us-east-1",
    key=DUMMY_KEY,
    secret=DUMMY_SECRET,
    token=None,
    retries=None,
    endpoint=None,
    **config,
):
    """A real boto3 client for ``api``. botocore sends the same request for both namespaces, so
    the legacy one is reached through the emulator's /chime path prefix, which botocore keeps in
    front of the request URI; chime-sdk-voice is the bare endpoint_url."""
    return boto3.client(
        api,
        endpoint_url=endpoint or emu.url + PREFIX[api],
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries=retries or NO_RETRIES, **config),
    )


def list_all(client, page_size=None, operation="list_phone_number_orders", items="PhoneNumberOrders", **params):
    """Every page of a listing, following NextToken: (pages, items)."""
    pages, found, kwargs = [], [], dict(params)
    if page_size:
        kwargs["MaxResults"] = page_size
    call = getattr(client, operation)
    for _page in range(10_000):
        response = call(**kwargs)
        pages.append(response)
        found.extend(response[items])
        if not response.get("NextToken"):
            return pages, found
        kwargs["NextToken"] = response["NextToken"]
    raise AssertionError("the listing did not end")


def list_numbers(client, page_size=None, **params):
    return list_all(client, page_size, "list_phone_numbers", "PhoneNumbers", **params)


def address(emu):
    host, port = emu.url.rsplit("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def raw_request(emu, path, headers=None, auth=True, method="GET", body=None):
    """One request over a fresh connection: (response, body bytes)."""
    host, port = address(emu)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    all_headers = {"Authorization": fake_auth()} if auth else {}
    all_headers.update(headers or {})
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response, payload


def raw_exchange(emu, request_bytes, timeout=5):
    """Send raw bytes, read until the server closes the connection (or times out): the reply bytes."""
    chunks = []
    with socket.create_connection(address(emu), timeout=timeout) as sock:
        sock.sendall(request_bytes)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
    return b"".join(chunks)


def error_of(call):
    """(HTTP status, Error.Code, Error.Message) of a call that must fail with ClientError."""
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def parse_iso(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def make_order(
    order_id,
    numbers,
    status="Successful",
    updated="2026-01-01T00:00:00.000Z",
    product_type="VoiceConnector",
    created="2025-12-31T00:00:00.000Z",
):
    """A hand-made order: ``numbers`` maps E.164 -> ordered number status."""
    return {
        "CreatedTimestamp": created,
        "OrderedPhoneNumbers": [
            {"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers.items()
        ],
        "PhoneNumberOrderId": order_id,
        "ProductType": product_type,
        "Status": status,
        "UpdatedTimestamp": updated,
    }
