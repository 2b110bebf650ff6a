# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/emulator/emulator_sigv4.py: the Authorization header, signature verification, secrets in logs."""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore import UNSIGNED
from botocore.config import Config
from chime_emulator import sigv4_signature
from emulator_testkit import DUMMY_KEY
from emulator_testkit import DUMMY_SECRET
from emulator_testkit import NO_RETRIES
from emulator_testkit import error_of
from emulator_testkit import fake_auth
from emulator_testkit import list_all
from emulator_testkit import make_client
from emulator_testkit import raw_request


def test_request_without_authorization_gets_401(emu):
    response, body = raw_request(emu, "/chime/phone-number-orders", auth=False)
    assert response.status == 401
    assert response.getheader("x-amzn-ErrorType") == "UnauthorizedClientException"
    assert json.loads(body)["Code"] == "Unauthorized"
    unsigned = boto3.client(
        "chime-sdk-voice",
        endpoint_url=emu.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries=NO_RETRIES),
    )
    assert error_of(unsigned.list_phone_number_orders)[:2] == (401, "UnauthorizedClientException")
    assert error_of(unsigned.list_phone_numbers)[:2] == (401, "UnauthorizedClientException")
    stats = emu.stats()
    assert stats["requests"] == 3 and stats["by_operation"] == {"ListPhoneNumberOrders": 2, "ListPhoneNumbers": 1}


def test_credential_scoped_to_another_service_is_rejected(emu):
    response, body = raw_request(emu, "/phone-numbers", headers={"Authorization": fake_auth(service="voice-chime")})
    assert response.status == 403 and response.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    assert "scoped to correct service" in json.loads(body)["message"]


def test_sigv4_signature_matches_botocores_signer():
    credentials = botocore.credentials.Credentials(DUMMY_KEY, DUMMY_SECRET, "session-token")
    url = "http://127.0.0.1:8080/chime/phone-numbers/%2B12065550100?status=Unassigned&next-token=x%2By%2Fz%3D"
    request = botocore.awsrequest.AWSRequest(method="GET", url=url, headers={"User-Agent": "test  agent"})
    botocore.auth.SigV4Auth(credentials, "chime", "eu-west-2").add_auth(request)
    fields = dict(part.strip().split("=", 1) for part in request.headers["Authorization"].split(" ", 1)[1].split(","))
    headers = {name.lower(): [value] for name, value in request.headers.items()}
    headers["host"] = ["127.0.0.1:8080"]
    path, _mark, query = url.split("8080", 1)[1].partition("?")
    signature = sigv4_signature(
        DUMMY_SECRET,
        "GET",
        path,
        query,
        headers,
        fields["SignedHeaders"].split(";"),
        hashlib.sha256(b"").hexdigest(),
        request.headers["X-Amz-Date"],
        fields["Credential"].split("/", 1)[1],
    )
    assert signature == fields["Signature"]


def test_strict_sigv4_accepts_good_and_rejects_bad_signatures(emu_factory):
    emu = emu_factory(generate=150, credentials={DUMMY_KEY: DUMMY_SECRET, "AKIDWITHTOKEN": ["s2", "token-1"]})
    orders = list_all(make_client(emu, region="eu-west-2"), page_size=50)[1]
    assert len(orders) == 150
    assert make_client(emu, "chime").get_phone_number_order(PhoneNumberOrderId=orders[3]["PhoneNumberOrderId"])[
        "PhoneNumberOrder"
    ]["PhoneNumberOrderId"]
    number = emu.numbers(region="eu-west-2")[0]["E164PhoneNumber"]
    assert make_client(emu, "chime").get_phone_number(PhoneNumberId=number)["PhoneNumber"]["E164PhoneNumber"] == number
    assert make_client(emu, key="AKIDWITHTOKEN", secret="s2", token="token-1").list_phone_numbers()
    status, code, message = error_of(make_client(emu, secret="not-the-secret").list_phone_number_orders)
    assert (status, code) == (403, "InvalidSignatureException") and "signature we calculated" in message
    assert error_of(make_client(emu, key="AKIDUNKNOWN").list_phone_numbers)[:2] == (403, "UnrecognizedClientException")
    assert error_of(make_client(emu, key="AKIDWITHTOKEN", secret="s2", token="token-2").list_phone_number_orders)[
        :2
    ] == (403, "UnrecognizedClientException")
    assert raw_request(emu, "/phone-number-orders")[0].status == 403


def test_strict_sigv4_rejects_a_stale_signature(emu_factory):
    emu = emu_factory(generate=5, credentials={DUMMY_KEY: DUMMY_SECRET})
    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    amz_date = stale.strftime("%Y%m%dT%H%M%SZ")
    host = emu.url.split("//")[1]
    scope = f"{amz_date[:8]}/us-east-1/chime/aws4_request"
    signature = sigv4_signature(
        DUMMY_SECRET,
        "GET",
        "/phone-number-orders",
        "",
        {"host": [host], "x-amz-date": [amz_date]},
        ["host", "x-amz-date"],
        hashlib.sha256(b"").hexdigest(),
        amz_date,
        scope,
    )
    auth = f"AWS4-HMAC-SHA256 Credential={DUMMY_KEY}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}"
    response, body = raw_request(emu, "/phone-number-orders", headers={"Authorization": auth, "X-Amz-Date": amz_date})
    assert response.status == 403
    assert response.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    assert "expired" in json.loads(body)["message"]


def test_verbose_log_never_contains_credentials(emu_factory):
    log = io.StringIO()
    emu = emu_factory(generate=5, verbose=True, log_stream=log, credentials={DUMMY_KEY: [DUMMY_SECRET, "tok-SECRET"]})
    make_client(emu, token="tok-SECRET").list_phone_number_orders()
    make_client(emu, token="tok-SECRET").list_phone_numbers()
    error_of(make_client(emu, token="tok-SECRET", secret="wrong-SECRET").list_phone_number_orders)
    text = log.getvalue()
    assert "GET /phone-number-orders -> 200" in text and "GET /phone-numbers -> 200" in text
    assert "InvalidSignatureException" in text
    for secret in (DUMMY_SECRET, "tok-SECRET", "wrong-SECRET", "Signature=", "Credential="):
        assert secret not in text
