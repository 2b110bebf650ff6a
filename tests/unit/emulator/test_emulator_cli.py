# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/emulator/emulator_cli.py and the server's lifecycle: the command line as a subprocess,
start/stop, and the promise that the emulator needs nothing but the standard library."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from chime_emulator import ChimeEmulator
from chime_emulator import ChimeEmulatorClient
from chime_emulator import EmulatorConfigError
from chime_emulator import generate_orders
from emulator_testkit import DUMMY_KEY
from emulator_testkit import DUMMY_SECRET
from emulator_testkit import error_of
from emulator_testkit import fake_auth
from emulator_testkit import make_client
from emulator_testkit import raw_request

EMULATOR_SCRIPT = Path(sys.modules["chime_emulator"].__file__)


class _Running:
    """Enough of a ChimeEmulator for make_client(): where a subprocess emulator listens."""

    def __init__(self, url):
        self.url = url


def start_cli(*args, env=None):
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, str(EMULATOR_SCRIPT), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    line = process.stdout.readline()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
    if not match:
        process.kill()
        raise AssertionError(f"first line {line!r}; stderr: {process.communicate()[1]}")
    return process, _Running(match.group(1))


def stop_cli(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    return process.communicate()


def test_cli_prints_the_line_serves_data_and_faults_and_stops_on_sigterm(tmp_path):
    data = tmp_path / "orders.json"
    data.write_text(json.dumps({"Regions": {"eu-west-2": {"PhoneNumberOrders": generate_orders(7)}}}))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=DUMMY_KEY, AWS_SECRET_ACCESS_KEY=DUMMY_SECRET)
    env.pop("AWS_SESSION_TOKEN", None)
    process, running = start_cli("--data", str(data), "--verify-sigv4", "--throttle", "1", env=env)
    try:
        client = make_client(running, region="eu-west-2")
        assert error_of(client.list_phone_number_orders)[1] == "ThrottledClientException"
        assert len(client.list_phone_number_orders()["PhoneNumberOrders"]) == 7
        assert make_client(running, region="us-east-1").list_phone_number_orders()["PhoneNumberOrders"] == []
        assert error_of(make_client(running, secret="wrong", region="eu-west-2").list_phone_number_orders)[1] == (
            "InvalidSignatureException"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        stdout, stderr = process.communicate()
        assert stdout == "" and DUMMY_SECRET not in stderr
    finally:
        stop_cli(process)


def test_cli_numbers_faults_and_legacy_root():
    process, running = start_cli(
        "--generate",
        "30",
        "--api",
        "chime",
        "--fault-operation",
        "ListPhoneNumbers",
        "--http-error",
        "502:SomethingNew:2",
        "--empty-string-token",
        "1",
        "--deny-operation",
        "GetPhoneNumber",
    )
    try:
        control = ChimeEmulatorClient(running.url)
        assert control.health()["api"] == "chime"
        legacy = make_client(running, "chime", endpoint=running.url)
        assert "OrderType" not in legacy.list_phone_number_orders()["PhoneNumberOrders"][0]
        assert error_of(legacy.list_phone_numbers)[:2] == (502, "SomethingNew")
        assert error_of(legacy.list_phone_numbers)[:2] == (502, "SomethingNew")
        assert legacy.list_phone_numbers(MaxResults=5)["NextToken"] == ""
        number_id = control.numbers()[0]["PhoneNumberId"]
        assert error_of(lambda: legacy.get_phone_number(PhoneNumberId=number_id))[:2] == (403, "ForbiddenException")
        stats = control.stats()
        assert stats["faults_served"] == {"http_error": 2, "empty_string_token": 1}
        assert stats["deny_operations"] == ["GetPhoneNumber"]
    finally:
        assert stop_cli(process)[1] == ""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--http-error", "502"], "STATUS:CODE"),
        (["--http-error", "200:Fine"], "http_error status"),
        (["--fault-operation", "DeletePhoneNumber"], "invalid choice"),
        (["--api", "chime_sdk_voice"], "invalid choice"),
    ],
)
def test_cli_rejects_bad_fault_flags(args, needle):
    result = subprocess.run(
        [sys.executable, str(EMULATOR_SCRIPT), *args], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2 and result.stdout == "" and needle in result.stderr


def test_cli_refuses_a_non_loopback_address_unless_allowed():
    result = subprocess.run(
        [sys.executable, str(EMULATOR_SCRIPT), "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "non-loopback" in result.stderr and "--allow-non-loopback" in result.stderr
    with pytest.raises(EmulatorConfigError, match="non-loopback"):
        ChimeEmulator(host="0.0.0.0")
    assert ChimeEmulator(host="0.0.0.0", allow_non_loopback=True).host == "0.0.0.0"


def test_cli_rejects_bad_data_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = subprocess.run(
        [sys.executable, str(EMULATOR_SCRIPT), "--data", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_port_zero_picks_free_ports_and_stop_joins_the_thread():
    first, second = ChimeEmulator(), ChimeEmulator()
    with first, second:
        assert first.port and second.port and first.port != second.port
        response = raw_request(first, "/phone-numbers")[0]
        assert response.status == 200
        thread = first._thread  # pylint: disable=protected-access
    assert not thread.is_alive()
    with pytest.raises(RuntimeError):
        first.url  # pylint: disable=pointless-statement


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


def test_emulator_is_stdlib_only_and_its_modules_import_only_each_other():
    modules = sorted(EMULATOR_SCRIPT.parent.glob("*.py"))
    own = {path.stem for path in modules}
    assert {"chime_emulator", "emulator_data", "emulator_protocol", "emulator_server"} <= own
    for path in modules:
        imported = set(re.findall(r"^(?:from|import) ([\w.]+)", path.read_text(), re.MULTILINE))
        roots = {name.split(".")[0] for name in imported} - own
        assert roots <= set(sys.stdlib_module_names) | {"__future__"}, (path.name, roots)
