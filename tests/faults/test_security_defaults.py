# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe defaults: a loopback-only emulator, and TLS certificates verified unless the user says otherwise.

The TLS cases put a TLS terminator with a throw-away self-signed certificate in front of the
emulator, so the real botocore/urllib3 certificate checks run exactly as against AWS.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import fault_harness as fh  # pylint: disable=import-error
import pytest

EMULATOR_SCRIPT = str(Path(__file__).resolve().parent.parent / "emulator" / "chime_emulator.py")


# ---- the emulator binds loopback only ----------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_emulator_refuses_a_non_loopback_address_from_python(host):
    from chime_emulator import ChimeEmulator  # pylint: disable=import-error,import-outside-toplevel
    from chime_emulator import EmulatorConfigError

    with pytest.raises(EmulatorConfigError, match="refusing to bind non-loopback address"):
        ChimeEmulator(host=host)


def test_emulator_refuses_a_non_loopback_address_from_the_command_line():
    proc = subprocess.run(
        [sys.executable, EMULATOR_SCRIPT, "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "refusing to bind non-loopback address '0.0.0.0'" in proc.stderr
    assert "--allow-non-loopback" in proc.stderr
    fh.assert_no_traceback(proc.stderr)


def test_emulator_binds_a_non_loopback_address_only_when_told():
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, EMULATOR_SCRIPT, "--host", "0.0.0.0", "--port", "0", "--allow-non-loopback"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert first_line.startswith("listening on http://0.0.0.0:")


def test_emulator_accepts_localhost_by_name():
    from chime_emulator import ChimeEmulator  # pylint: disable=import-error,import-outside-toplevel

    with ChimeEmulator(host="localhost") as emu:
        assert emu.stats()["requests"] == 0


# ---- TLS certificate verification ------------------------------------------------------------------------


@pytest.fixture
def tls_emulator(emulator, tls_certificate):
    """(emulator, TlsFront) with 120 orders, behind https://127.0.0.1:PORT and a self-signed certificate."""
    emulator.generate(120, seed=61)
    cert_path, key_path = tls_certificate
    with fh.TlsFront(emulator.port, cert_path, key_path) as front:
        yield emulator, front


def test_tls_certificates_are_verified_by_default(tls_emulator, run_ansible):
    emulator, front = tls_emulator
    result, task = fh.run_module(run_ansible, {"endpoint_url": front.url})
    fh.assert_clean_failure(result, task, "chime:ListPhoneNumberOrders failed", "CERTIFICATE_VERIFY_FAILED")
    assert front.handshakes_failed >= 1
    assert emulator.stats()["requests"] == 0


def test_aws_ca_bundle_trusts_the_certificate_without_a_warning(tls_emulator, run_ansible, tls_certificate):
    emulator, front = tls_emulator
    result, task = fh.run_module(run_ansible, {"endpoint_url": front.url, "aws_ca_bundle": str(tls_certificate[0])})
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    assert not task.get("warnings")


def test_validate_certs_false_connects_and_warns(tls_emulator, run_ansible):
    # Turning verification off must never be silent: the run says so in its warnings.
    emulator, front = tls_emulator
    result, task = fh.run_module(run_ansible, {"endpoint_url": front.url, "validate_certs": False})
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    warnings = task.get("warnings") or []
    assert any("validate_certs" in warning for warning in warnings), warnings
    # Only our warning: amazon.aws 11 used to add a DEPRECATION WARNING to every run that warned.
    assert not task.get("deprecations") and "DEPRECATION" not in result.stderr, result.stderr

    # The compliance check lists through the same module: its warning reaches the check's result too.
    acquired = fh.acquired_numbers(emulator.orders(), 2)
    params = {"endpoint_url": front.url, "validate_certs": False, "expected": acquired}
    result = fh.playbook(run_ansible, fh.module_play(params).replace(fh.MODULE, fh.COMPLIANCE_MODULE))
    task = result.task(fh.TASK)
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["compliance"]["passed"] is True, task["compliance"]
    assert any("validate_certs" in warning for warning in task.get("warnings") or []), task.get("warnings")
    assert not task.get("deprecations") and "DEPRECATION" not in result.stderr, result.stderr


def test_inventory_verifies_tls_and_trusts_aws_ca_bundle(tls_emulator, run_ansible, tmp_path, tls_certificate):
    # The inventory plugin has no validate_certs option at all (amazon.aws's plugin options):
    # verification cannot be switched off; AWS_CA_BUNDLE is how a private CA is trusted.
    emulator, front = tls_emulator
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": front.url})
    assert run.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in run.output
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["requests"] == 0

    run = fh.run_inventory(
        run_ansible, tmp_path, {"endpoint_url": front.url}, env={"AWS_CA_BUNDLE": str(tls_certificate[0])}
    )
    assert run.returncode == 0, run.output[-3000:]
    assert set(run.hostvars()) == set(fh.served_numbers(emulator.orders()))


# ---- the emulator's control API refuses what a web page can send (issue 11, defect 9) ------------------


def raw_exchange(url, request, timeout=10):
    """Send ``request`` bytes to the emulator at ``url`` on a fresh connection; return the whole reply."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def reply_status(reply):
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
    assert match, reply[:300]
    return int(match.group(1))


@pytest.mark.parametrize("emulator_process", [["--generate", "20", "--seed", "91"]], indirect=True)
def test_a_web_page_cannot_inject_faults_and_bad_framing_is_a_400(emulator_process, run_ansible):
    # A page open in the developer's browser may POST cross-origin without a preflight only as a
    # "simple request": text/plain, with the browser's Origin header. Sent byte for byte here.
    body = b'{"throttle": 1000, "deny_operations": ["ListPhoneNumberOrders"]}'
    browser_post = (
        b"POST /_emulator/inject HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://attacker.example\r\n"
        b"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    assert reply_status(raw_exchange(emulator_process.url, browser_post)) in (403, 415)
    # The same without Origin (a form or an old client): still not JSON, still refused.
    plain_post = browser_post.replace(b"Origin: http://attacker.example\r\n", b"")
    assert reply_status(raw_exchange(emulator_process.url, plain_post)) == 415
    # A Content-Length that is not a number, on the control API and on the service API.
    for request in (
        b"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 12abc\r\n\r\n{}",
        b"GET /phone-number-orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    ):
        reply = raw_exchange(emulator_process.url, request)
        assert reply_status(reply) == 400 and b"Connection: close" in reply, reply[:300]

    stats = emulator_process.client.stats()
    assert stats["pending"]["throttle"] == 0 and stats["deny_operations"] == []
    # The collection still gets every order from it: nothing the page sent took effect.
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator_process.url})
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(task["phone_number_orders"]) == 20
    assert emulator_process.stderr_text() == "", emulator_process.stderr_text()
