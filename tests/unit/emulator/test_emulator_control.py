# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/emulator/emulator_control.py: the /_emulator/ HTTP API, ChimeEmulatorClient, and how the
server refuses requests a web page could send or whose framing it cannot trust."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from chime_emulator import ChimeEmulatorClient
from chime_emulator import EmulatorConfigError
from chime_emulator import generate_orders
from emulator_testkit import error_of
from emulator_testkit import list_numbers
from emulator_testkit import make_client
from emulator_testkit import raw_exchange
from emulator_testkit import raw_request

EMULATOR_SCRIPT = sys.modules["chime_emulator"].__file__


def test_control_api_drives_the_emulator_over_http(emu):
    control = ChimeEmulatorClient(emu.url)
    client = make_client(emu)
    assert control.health() == {"ok": True, "api": "chime-sdk-voice"}
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
        control._call("POST", "explode", {})  # pylint: disable=protected-access
    with pytest.raises(EmulatorConfigError, match="use POST"):
        control._call("GET", "inject")  # pylint: disable=protected-access
    with pytest.raises(EmulatorConfigError, match="use GET"):
        control._call("POST", "numbers", {})  # pylint: disable=protected-access
    with pytest.raises(EmulatorConfigError, match="unknown control action"):
        control._call("GET", "explode")  # pylint: disable=protected-access
    control.reset()
    assert control.stats()["requests"] == 0


def test_control_api_number_calls_match_the_python_ones(emu):
    control = ChimeEmulatorClient(emu.url)
    client = make_client(emu)
    held = control.numbers()
    assert held == emu.numbers()
    assert [record["PhoneNumberId"] for record in list_numbers(client)[1]] == [
        record["PhoneNumberId"] for record in held
    ]
    first, second, third = (record["E164PhoneNumber"] for record in held[:3])
    control.delete_number(first)
    control.release_number(second, region="us-east-1")
    control.set_number_status(third, "ReleaseFailed")
    control.add_number("+18005550199", status="Assigned", members={"Name": "lobby"})
    by_id = {record["PhoneNumberId"]: record for record in control.numbers()}
    assert by_id[first]["Status"] == "DeleteInProgress" and "DeletionTimestamp" in by_id[first]
    assert second not in by_id
    assert by_id[third]["Status"] == "ReleaseFailed"
    assert by_id["+18005550199"]["Name"] == "lobby" and by_id["+18005550199"]["Type"] == "TollFree"
    assert "Name" not in control.numbers(api="chime")[-1], "the legacy shape has no Name"
    assert control.numbers(region="eu-west-1")[0]["PhoneNumberArn"].startswith("arn:aws:chime:eu-west-1:")
    with pytest.raises(EmulatorConfigError, match="not held"):
        control.delete_number("+19995550100")


def test_control_api_serves_accounts(emu):
    control = ChimeEmulatorClient(emu.url)
    control.generate(4, seed=8, account="AKIAEXAMPLE1")
    assert control.orders(account="AKIAEXAMPLE1") == generate_orders(4, seed=8)
    assert len(control.orders()) == 250
    control.set_orders(
        {"PhoneNumbers": [{"E164PhoneNumber": "+12065550100", "Status": "Assigned"}]}, account="AKIAEXAMPLE2"
    )
    assert [record["Status"] for record in control.numbers(account="AKIAEXAMPLE2")] == ["Assigned"]


# ---- refusing what a web page could send ----------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_control_post_without_json_content_type_gets_415_and_changes_nothing(emu, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    response, body = raw_request(
        emu, "/_emulator/inject", headers=headers, auth=False, method="POST", body=b'{"throttle": 3}'
    )
    assert response.status == 415 and "application/json" in json.loads(body)["error"]
    assert emu.stats()["pending"]["throttle"] == 0


def test_control_post_with_json_content_type_and_charset_is_accepted(emu):
    response, _body = raw_request(
        emu,
        "/_emulator/inject",
        headers={"Content-Type": "application/json; charset=utf-8"},
        auth=False,
        method="POST",
        body=b'{"throttle": 3}',
    )
    assert response.status == 200 and emu.stats()["pending"]["throttle"] == 3


def test_control_requests_from_a_web_page_get_403(emu):
    for method, path, body in (("POST", "/_emulator/reset", b"{}"), ("GET", "/_emulator/stats", None)):
        response, _body = raw_request(
            emu,
            path,
            auth=False,
            method=method,
            body=body,
            headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
        )
        assert response.status == 403
    assert emu.stats()["control_requests"] == 2


# ---- framing: Content-Length over a raw socket ---------------------------------------------


@pytest.fixture
def emulator_process(tmp_path):
    """The emulator as a separate process, so its real stderr can be checked for tracebacks."""
    stderr_path = tmp_path / "stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, EMULATOR_SCRIPT, "--port", "0", "--generate", "20"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", process.stdout.readline())
        assert match, stderr_path.read_text()

        class Running:
            url = match.group(1)
            stderr_file = stderr_path

        yield Running
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def _status_of(reply):
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", reply)
    assert match, reply[:200]
    return int(match.group(1))


@pytest.mark.parametrize("path", ["/_emulator/inject", "/phone-numbers"])
@pytest.mark.parametrize(
    "length_header",
    [
        b"Content-Length: abc",
        b"Content-Length: -5",
        b"Content-Length: +5",
        b"Content-Length: 1e3",
        b"Content-Length: 5\r\nContent-Length: 6",
        b"Content-Length: \xd9\xa3",
    ],
)
def test_a_bad_content_length_gets_400_and_a_closed_connection_never_a_traceback(emulator_process, path, length_header):
    method = b"POST" if path.startswith("/_emulator") else b"GET"
    request = (
        method
        + b" "
        + path.encode()
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + length_header
        + b"\r\n\r\n{}"
    )
    reply = raw_exchange(emulator_process, request)
    assert _status_of(reply) == 400
    assert b"Connection: close" in reply
    head, _blank, body = reply.partition(b"\r\n\r\n")
    document = json.loads(body)
    assert ("error" in document) if path.startswith("/_emulator") else "Content-Length" in document["Message"], head
    assert emulator_process.stderr_file.read_text() == ""


def test_an_oversized_or_chunked_body_is_refused_before_it_is_read(emulator_process):
    huge = raw_exchange(
        emulator_process,
        b"POST /_emulator/orders HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{}",
    )
    assert _status_of(huge) == 413
    chunked = raw_exchange(
        emulator_process,
        b"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
    )
    assert _status_of(chunked) == 400
    assert ChimeEmulatorClient(emulator_process.url).stats()["control_requests"] == 3
    assert emulator_process.stderr_file.read_text() == ""
