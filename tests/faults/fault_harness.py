# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the fault-injection suite (tests/faults, issue 6); tests ``import fault_harness``.

The shared fixtures (``emulator``, ``emulator_process``, ``aws_env``, ``run_ansible``) come from
tests/conftest.py. This module adds what only this suite needs:

- builders for the three user-facing entry points: a one-task module playbook, an inventory
  source file for ``ansible-inventory``, and a playbook running the role;
- ``assert_clean_failure``: the outcome every failing case must have (a failed task with a
  clear message, no data, no traceback);
- ``Relay``: a tiny HTTP relay in front of the emulator that records when each request
  arrived and can rewrite a response (to forge a NextToken);
- ``TlsFront``: a TLS terminator in front of the emulator with a throw-away self-signed
  certificate, for the certificate verification cases;
- report set checks (``assert_error_report_set``, ``assert_passed_report_set``) and the role's
  result fact (``role_fact``): 0.2.0 replaces the previous reports with an error set whenever a run
  that knows its report directory could not check;
- ``BackgroundPlaybook``: ansible-playbook in a session of its own, to be killed mid-run.

Every command runs with a timeout (``COMMAND_TIMEOUT``): a pagination loop or a retry loop
that never ends fails the test instead of hanging the suite.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree

import pytest

# Re-exported for the fault tests (fh.expected_order); defined in tests/chime_test_data.py.
from chime_test_data import expected_order  # noqa: F401 pylint: disable=unused-import
from report_schema import validate_report

MODULE = "voiceops.chime.chime_phone_number_order_info"
ROLE = "voiceops.chime.assert_numbers_acquired"
INVENTORY_PLUGIN = "voiceops.chime.chime_phone_numbers"
TASK = "Read phone number orders"
LIST_ACTION = "chime:ListPhoneNumberOrders"
LIST_NUMBERS_ACTION = "chime:ListPhoneNumbers"
# The JSON callback names a role's tasks "<role> : <task name>".
ROLE_FACT_TASK = ROLE + " : Set assert_numbers_acquired_result"
ROLE_CHECK_TASK = ROLE + " : List the phone numbers and judge the expected ones"
REPORT_NAMES = ["junit.xml", "report.json", "summary.md"]

# Real backoff code paths with waits of milliseconds: a case with 10 retries stays well under a second.
FAST_RETRIES = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}

# Generous for one ansible-playbook run on a busy 2-core machine (start-up alone is ~1.5 s);
# only a run that never ends reaches it.
COMMAND_TIMEOUT = 120

# Shown by Python when an exception escapes; must never be what the user gets.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "MODULE FAILURE", "Unexpected Exception")


# --------------------------------------------------------------------------- playbooks


def module_play(params, task=TASK, extra_task_keys=""):
    """A playbook with one task calling the module with ``params`` (JSON is valid YAML)."""
    return """
- name: Fault-injection case
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {task}
      {module}: {params}
{extra}""".format(task=task, module=MODULE, params=json.dumps(params), extra=extra_task_keys)


def run_module(run_ansible, params, *args, env=None, timeout=COMMAND_TIMEOUT):
    """Run the module once; return (result, the task's result)."""
    result = playbook(run_ansible, module_play(params), *args, env=env, timeout=timeout)
    return result, result.task(TASK)


def playbook(run_ansible, text, *args, env=None, timeout=COMMAND_TIMEOUT, json_output=True, name="playbook.yml"):
    try:
        return run_ansible.playbook(text, *args, env=env, timeout=timeout, json_output=json_output, name=name)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "ansible-playbook did not finish within {0} s: a retry or pagination loop that never "
            "ends?".format(timeout)
        )


def role_play(role_vars, module_defaults=None):
    """A playbook applying the role with ``role_vars``; ``module_defaults`` for the collection's group."""
    defaults = ""
    if module_defaults:
        defaults = "  module_defaults:\n    group/voiceops.chime.chime: {0}\n".format(json.dumps(module_defaults))
    return """
- name: Role under faults
  hosts: localhost
  gather_facts: false
{defaults}  roles:
    - role: {role}
      vars: {role_vars}
""".format(defaults=defaults, role=ROLE, role_vars=json.dumps(role_vars))


def role_fact(result, host="localhost"):
    """``assert_numbers_acquired_result`` as the role set it (0.2.0: on every path, before failing)."""
    return result.task(ROLE_FACT_TASK, host=host)["ansible_facts"]["assert_numbers_acquired_result"]


def failed_task(result):
    """The one failed task's result on localhost (the role's task names are its own business)."""
    failed = [
        (task["task"]["name"], task["hosts"]["localhost"])
        for play in result.json()["plays"]
        for task in play["tasks"]
        if task["hosts"].get("localhost", {}).get("failed")
    ]
    assert len(failed) == 1, "expected exactly one failed task, got {0}".format([name for name, dummy in failed])
    return failed[0][1]


# --------------------------------------------------------------------------- inventory


def write_inventory_source(tmp_path, options, name="faults.chime_phone_numbers.yml"):
    """An inventory source file for the plugin (JSON is valid YAML)."""
    path = tmp_path / name
    path.write_text(json.dumps(dict({"plugin": INVENTORY_PLUGIN}, **options)), encoding="utf-8")
    return path


class InventoryRun:
    """``ansible-inventory --list`` on one source: exit status, output, parsed hosts."""

    def __init__(self, result):
        self.result = result
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr

    @property
    def output(self):
        """stdout + stderr as one line of text: ansible-core 2.17 wraps warnings at 80 columns,
        also after a hyphen inside a word, so a message is searched for with the wraps undone."""
        return flatten(self.stdout + self.stderr)

    def listing(self):
        # With -v..-vvvv, ansible-inventory prints its progress lines on stdout before the JSON.
        start = 0 if self.stdout.startswith("{") else self.stdout.find("\n{") + 1
        try:
            return json.loads(self.stdout[start:])
        except ValueError:
            raise AssertionError(
                "ansible-inventory printed no JSON (exit {0})\nstdout:\n{1}\nstderr:\n{2}".format(
                    self.returncode, self.stdout[-3000:], self.stderr[-3000:]
                )
            ) from None

    def hostvars(self):
        return plain_inventory_value(self.listing()["_meta"]["hostvars"])


def plain_inventory_value(value):
    """ansible-inventory 2.19+ prints inventory-sourced strings as {"__ansible_unsafe": text}
    (ansible-core's trust marking, not ours); 2.17 prints the text. Compare the text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain_inventory_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_inventory_value(item) for item in value]
    return value


def flatten(text):
    return " ".join(re.sub(r"(?<=-)\n\s*", "", text).split())


def run_inventory(run_ansible, tmp_path, options, *args, env=None, timeout=COMMAND_TIMEOUT, unparsed_failed=True):
    """Run ``ansible-inventory --list`` on a plugin source with ``options``.

    ``unparsed_failed``: what a pipeline should set (the plugin's docs say so). Without it
    ansible-inventory only warns when the source fails and prints an empty inventory.
    """
    source = write_inventory_source(tmp_path, options)
    extra = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true" if unparsed_failed else "false"}
    extra.update(env or {})
    try:
        result = run_ansible("ansible-inventory", "-i", str(source), "--list", *args, env=extra, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("ansible-inventory did not finish within {0} s".format(timeout))
    return InventoryRun(result)


def inventory_cache_file(cache_dir):
    """The one jsonfile cache entry an inventory run wrote under ``cache_dir``."""
    files = [path for path in Path(cache_dir).iterdir() if path.is_file()]
    assert len(files) == 1, "expected one cache entry, found {0}".format([path.name for path in files])
    return files[0]


def read_inventory_cache(path):
    """The cached value in a jsonfile cache file: ansible-core 2.19+ wraps it as {"__payload__": json text}."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(stored, dict) and set(stored) == {"__payload__"}:
        return json.loads(stored["__payload__"])
    return stored


def write_inventory_cache(path, value):
    """Replace the cached value, in the wrapping the file already had (what someone editing it would do)."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(stored, dict) and set(stored) == {"__payload__"}:
        value = {"__payload__": json.dumps(value)}
    Path(path).write_text(json.dumps(value), encoding="utf-8")


# --------------------------------------------------------------------------- outcomes


def assert_no_traceback(text):
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, "found {0!r} in output:\n{1}".format(marker, text[-3000:])


def task_failure_problems(task, *needles):
    """What is wrong with ``task`` as a clean failure naming ``needles`` ([] when nothing)."""
    if task.get("failed") is not True:
        return ["the task did not fail: {0}".format(json.dumps(task)[:500])]
    problems = [
        "a failed task returned {0}: partial data".format(key)
        for key in ("phone_numbers", "phone_number_orders", "pages", "compliance")
        if key in task
    ]
    message = task.get("msg") or ""
    if not message.strip():
        problems.append("empty failure message: {0}".format(json.dumps(task)[:500]))
    problems.extend(
        "{0!r} not in the message: {1}".format(needle, message) for needle in needles if needle not in message
    )
    problems.extend(
        "{0!r} in the message: {1}".format(marker, message) for marker in TRACEBACK_MARKERS if marker in message
    )
    return problems


def assert_clean_failure(result, task, *needles):
    """A failed play and task with a clear message naming ``needles``, no (partial) data, no traceback."""
    assert result.returncode == 2, "expected a failed play (exit 2), got {0}:\n{1}".format(
        result.returncode, result.stdout[-3000:]
    )
    problems = task_failure_problems(task, *needles)
    assert not problems, "\n".join(problems)
    assert_no_traceback(result.stdout + result.stderr)
    return task["msg"]


COMPLIANCE_MODULE = "voiceops.chime.chime_phone_number_compliance"


def cases_play(cases, module=MODULE):
    """One play, one ``module`` task per case (``{case id: params}``), failures ignored so all run."""
    tasks = "".join("""
    - name: "case {0}"
      {1}: {2}
      ignore_errors: true
""".format(case_id, module, json.dumps(params)) for case_id, params in cases.items())
    return """
- name: Fault-injection cases
  hosts: localhost
  gather_facts: false
  tasks:{0}""".format(tasks)


def served_numbers(api_orders):
    """{e164: status} of generated orders (their numbers are distinct, one order each)."""
    return {
        number["E164PhoneNumber"]: number["Status"] for order in api_orders for number in order["OrderedPhoneNumbers"]
    }


def operation_counts(emulator):
    """{operation: requests} of every API operation the emulator was asked (denied ones included)."""
    return dict(emulator.stats()["by_operation"])


def acquired_numbers(api_orders, count=None):
    """Sorted numbers of generated orders that are Acquired (and so held by the account)."""
    numbers = sorted(number for number, status in served_numbers(api_orders).items() if status == "Acquired")
    return numbers if count is None else numbers[:count]


def number_pages(emulator, page_size=100, region="us-east-1"):
    """How many ListPhoneNumbers pages the account's numbers take (an empty account: one page)."""
    held = len(emulator.numbers(region))
    return max(1, -(-held // page_size))


# --------------------------------------------------------------------------- reports


def report_set_names(report_dir):
    """Names in the report directory, hidden staging left-overs included (there must be none)."""
    return sorted(path.name for path in Path(report_dir).iterdir())


def assert_error_report_set(report_dir, *needles, error_code=None):
    """The directory holds exactly one error set ("could not check") naming ``needles``: report.json
    with verdict error (valid against the schema), junit.xml with one <error> and no <failure>,
    summary.md saying COULD NOT CHECK. No earlier verdict survives next to it. Returns report.json."""
    assert report_set_names(report_dir) == REPORT_NAMES, report_set_names(report_dir)
    report = validate_report(Path(report_dir) / "report.json")
    assert (report["verdict"], report["passed"], report["result"]) == ("error", False, None), report
    for needle in needles:
        assert needle in report["error"]["message"], (needle, report["error"]["message"])
    if error_code is not None:
        assert report["error"]["error_code"] == error_code, report["error"]
    root = ElementTree.parse(str(Path(report_dir) / "junit.xml")).getroot()
    assert root.findall(".//failure") == []
    errors = root.findall(".//error")
    assert len(errors) == 1, ElementTree.tostring(root)
    for needle in needles:
        assert needle in errors[0].get("message", "") + (errors[0].text or ""), needle
    summary = (Path(report_dir) / "summary.md").read_text(encoding="utf-8")
    assert "COULD NOT CHECK" in summary and "PASSED" not in summary and "FAILED" not in summary, summary
    for text in (json.dumps(report), summary, ElementTree.tostring(root, encoding="unicode")):
        assert_no_traceback(text)
    return report


def assert_passed_report_set(report_dir):
    assert report_set_names(report_dir) == REPORT_NAMES, report_set_names(report_dir)
    report = validate_report(Path(report_dir) / "report.json")
    assert (report["verdict"], report["passed"]) == ("passed", True), report["message"]
    assert "PASSED" in (Path(report_dir) / "summary.md").read_text(encoding="utf-8")
    return report


def directory_state(directory):
    """{name: (bytes, mtime_ns)} of every entry (files only read), and under "." the directory's own
    mtime: an entry created and removed again between two looks still changes it."""
    state = {".": (None, Path(directory).stat().st_mtime_ns)}
    for path in sorted(Path(directory).iterdir()):
        info = path.lstat()
        state[path.name] = (path.read_bytes() if path.is_file() else None, info.st_mtime_ns)
    return state


# --------------------------------------------------------------------------- a playbook to kill


class BackgroundPlaybook:
    """ansible-playbook started in a session (and process group) of its own, so that the test can
    kill the controller, or the controller with every process of its group, as a CI runner
    cancelling a job does, without touching pytest."""

    def __init__(self, run_ansible, text, *args, env=None, name="background.yml"):
        path = run_ansible.tmp_path / name
        path.write_text(text, encoding="utf-8")
        full_env = dict(run_ansible.env, **(env or {}))
        # The lane's venv, as tests/conftest.py's runner uses (sys.executable is the lane's Python).
        executable = Path(sys.executable).parent / "ansible-playbook"
        self.output_path = run_ansible.tmp_path / (name + ".out")
        with self.output_path.open("wb") as output:
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [str(executable), str(path)] + [str(arg) for arg in args],
                env=full_env,
                cwd=str(run_ansible.tmp_path),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pgid = self.proc.pid

    def kill(self, whole_group):
        """SIGKILL the controller (``whole_group``: every process of its process group too).

        Its descendants are recorded first: ansible-core's workers may sit in sessions of their own,
        out of reach of the group kill, and close() must not leave them running."""
        self.descendants = descendant_processes(self.proc.pid)
        if whole_group:
            os.killpg(self.pgid, signal.SIGKILL)
        else:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=COMMAND_TIMEOUT)

    def survivors(self):
        """The recorded descendants still running (same pid and start time)."""
        return [(pid, start) for pid, start in getattr(self, "descendants", []) if process_start(pid) == start]

    def output(self):
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def close(self):
        """Kill whatever is left (the group, and recorded descendants elsewhere) and reap the controller."""
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid, dummy in self.survivors():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=COMMAND_TIMEOUT)


def process_start(pid):
    """The start time of ``pid`` (clock ticks since boot, from /proc), None when it is gone or a zombie."""
    try:
        fields = Path("/proc/{0}/stat".format(pid)).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[19])


def descendant_processes(root_pid):
    """[(pid, start time)] of every descendant of ``root_pid`` now (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            start = process_start(child)
            if start is not None:
                found.append((child, start))
                todo.append(child)
    return found


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out after {0} s waiting for {1}".format(timeout, what))
        time.sleep(0.05)


# --------------------------------------------------------------------------- relay


class Relay:
    """An HTTP relay in front of the emulator: records each API request, may rewrite responses.

    ``requests``: [(monotonic time, path, status)] in arrival order. ``rewrite(path, status,
    body, number, headers)`` returns the body to send (``number`` counts requests from 1,
    ``headers`` are the client's request headers). The request goes on unchanged, Host header
    included, so a signature-verifying emulator still accepts it.
    """

    def __init__(self, target_url, rewrite=None):
        self.target_url = target_url.rstrip("/")
        self.rewrite = rewrite
        self.requests = []
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's naming
                arrived = time.monotonic()
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                request = urllib.request.Request(relay.target_url + self.path, headers=headers, method="GET")
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, body, reply_headers = response.status, response.read(), response.headers
                except urllib.error.HTTPError as error:
                    status, body, reply_headers = error.code, error.read(), error.headers
                with relay._lock:
                    relay.requests.append((arrived, self.path, status))
                    number = len(relay.requests)
                if relay.rewrite is not None:
                    body = relay.rewrite(self.path, status, body, number, dict(self.headers.items()))
                self.send_response(status)
                for name in ("Content-Type", "x-amzn-RequestId", "x-amzn-ErrorType"):
                    if reply_headers.get(name):
                        self.send_header(name, reply_headers[name])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = "http://127.0.0.1:{0}".format(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


# --------------------------------------------------------------------------- TLS


def make_self_signed_certificate(directory):
    """A throw-away key and certificate for 127.0.0.1 (cryptography ships with ansible-core)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "voiceops-chime-faults")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "faults-cert.pem"
    key_path = directory / "faults-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class TlsFront:
    """Terminates TLS on 127.0.0.1 with a self-signed certificate and pipes bytes to the emulator."""

    def __init__(self, target_port, cert_path, key_path):
        self.target_port = target_port
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert_path), str(key_path))
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = "https://127.0.0.1:{0}".format(self._listener.getsockname()[1])
        self.handshakes_failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def _accept_loop(self):
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                raw, dummy = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            raw.settimeout(30)
            client = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            # The client refused our certificate: exactly what verification is for.
            self.handshakes_failed += 1
            raw.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)

        def pump(source, sink):
            try:
                while True:
                    chunk = source.recv(65536)
                    if not chunk:
                        break
                    sink.sendall(chunk)
            except OSError:
                pass
            finally:
                for sock in (source, sink):
                    try:
                        sock.close()
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._listener.close()
        self._thread.join()


def free_closed_port():
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
