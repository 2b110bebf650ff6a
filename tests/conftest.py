# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest fixtures for the unit and integration tests of voiceops.chime.

Tests run in a lane's nox session (``make unit``, ``make integration``, ``make test``), which sets
``ANSIBLE_COLLECTIONS_PATH`` to the session's collections root: amazon.aws beside voiceops.chime,
which is the installed tarball for integration and faults and a link to the work tree for unit
tests. Its first entry goes on ``sys.path``, so tests import our code the way Ansible does:
``from ansible_collections.voiceops.chime.plugins.module_utils import listing``.
``tests/emulator`` goes on ``sys.path`` too (``from chime_emulator import ChimeEmulator``).

Fixtures:

- ``emulator``: an in-process ``ChimeEmulator`` on a free port, stopped after the test.
  Options through indirect parametrisation:
  ``@pytest.mark.parametrize('emulator', [{'generate': 1000}], indirect=True)``.
- ``emulator_process``: the emulator as a separate process (``--port 0``); ``.url``,
  ``.client`` (HTTP control API), ``.stderr_text()``. Extra command line arguments through
  indirect parametrisation: ``[['--generate', '50']]``.
- ``aws_env``: fake credentials and region, in this process's environment and returned as a
  dict; no real AWS configuration file is read. The fake secrets are recognisable so that
  tests can assert that they never show up in output.
- ``run_ansible``: runs ``ansible-playbook``/``ansible-inventory``/``ansible-doc`` from the
  lane's venv with ``aws_env`` and an isolated Ansible home; ``run_ansible.playbook(text)``
  writes a playbook and runs it with JSON output (``result.json()``, ``result.task(name)``).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
EMULATOR_DIR = TESTS_DIR / "emulator"
EMULATOR_SCRIPT = EMULATOR_DIR / "chime_emulator.py"
# The venv's bin dir, not resolved: sys.executable may be a symlink into the base interpreter.
LANE_BIN = Path(sys.executable).parent

# Recognisable fakes: a leak test greps command output for the secret and token values.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAVOICEOPSFAKE0001",
    "AWS_SECRET_ACCESS_KEY": "voiceops-FAKE-secret-key-must-never-be-printed",
    "AWS_SESSION_TOKEN": "voiceops-FAKE-session-token-must-never-be-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # No instance-metadata lookups: there is no EC2 here, and a lookup would only add delay.
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Anything in a developer's shell that would make boto3 or amazon.aws use other credentials or endpoints.
AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CHIME",
    "AWS_ENDPOINT_URL_CHIME_SDK_VOICE",
    "AWS_CA_BUNDLE",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_SECURITY_TOKEN",
    "EC2_ACCESS_KEY",
    "EC2_SECRET_KEY",
    "EC2_SECURITY_TOKEN",
    "EC2_REGION",
    "EC2_URL",
    "AWS_URL",
    "S3_URL",
)


def _collections_root():
    """The lane's collections root: the first entry of ANSIBLE_COLLECTIONS_PATH."""
    value = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
    first = value.split(os.pathsep)[0] if value else ""
    if not first:
        raise pytest.UsageError(
            "ANSIBLE_COLLECTIONS_PATH is not set: run the tests through `make unit`, `make integration`, "
            "`make faults` or `make test` (nox sessions such as unit-current set it)"
        )
    root = Path(first).resolve()
    if root.name == "ansible_collections":
        root = root.parent
    if not (root / "ansible_collections" / "voiceops" / "chime").is_dir():
        raise pytest.UsageError(
            "%s has no ansible_collections/voiceops/chime: run the tests through `make unit`" % root
        )
    return root


def pytest_configure(config):
    del config
    try:
        from hypothesis import settings  # pylint: disable=import-outside-toplevel
    except ImportError:
        pass
    else:
        # No per-example deadline: a busy 2-core CI machine must not turn slow examples into failures.
        settings.register_profile("voiceops", deadline=None, print_blob=True)
        settings.load_profile("voiceops")
    for path in (str(_collections_root()), str(EMULATOR_DIR), str(TESTS_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)


# --------------------------------------------------------------------------- emulator


@pytest.fixture
def emulator(request):
    """An in-process ChimeEmulator on 127.0.0.1 and a free port; ``.url`` is its endpoint_url."""
    from chime_emulator import ChimeEmulator  # pylint: disable=import-outside-toplevel,import-error

    emu = ChimeEmulator(**getattr(request, "param", {}))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


class EmulatorProcess:
    """A running ``chime_emulator.py`` subprocess (see the ``emulator_process`` fixture)."""

    def __init__(self, proc, url, stderr_path):
        from chime_emulator import ChimeEmulatorClient  # pylint: disable=import-outside-toplevel,import-error

        self.proc = proc
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        self.stderr_path = stderr_path
        self.client = ChimeEmulatorClient(url)

    def stderr_text(self):
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def _read_first_line(proc, timeout):
    """The emulator's first stdout line, without blocking forever if it never comes."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    try:
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
    finally:
        selector.close()
    return line.decode("utf-8", errors="replace").strip()


@pytest.fixture
def emulator_process(request, tmp_path):
    """The emulator started as ``python chime_emulator.py --port 0 [ARGS]``; terminated after the test."""
    stderr_path = tmp_path / "emulator.stderr"
    args = [str(arg) for arg in getattr(request, "param", [])]
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, str(EMULATOR_SCRIPT), "--port", "0"] + args,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    try:
        line = _read_first_line(proc, timeout=30)
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            proc.kill()
            proc.wait()
            pytest.fail(
                "emulator did not announce itself (first line %r); stderr:\n%s"
                % (line, stderr_path.read_text(errors="replace"))
            )
        yield EmulatorProcess(proc, match.group(1), stderr_path)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()


# --------------------------------------------------------------------------- credentials


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake AWS credentials and region, set in os.environ for this test and returned as a dict.

    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at empty files, so nothing from the
    developer's ~/.aws is used.
    """
    config = tmp_path / "aws-config"
    credentials = tmp_path / "aws-credentials"
    config.write_text("")
    credentials.write_text("")
    env = dict(FAKE_AWS_ENV, AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    for name in AWS_VARS_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


# --------------------------------------------------------------------------- ansible commands


class AnsibleResult(subprocess.CompletedProcess):
    """CompletedProcess with helpers for the ``ansible.posix.json`` stdout callback."""

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError:
            raise AssertionError(
                "stdout is not JSON (exit %s)\nstdout:\n%s\nstderr:\n%s" % (self.returncode, self.stdout, self.stderr)
            ) from None

    def task(self, name, host="localhost"):
        """The result of the task called ``name`` on ``host`` (the last one, if several share the name)."""
        found = [
            task["hosts"][host]
            for play in self.json()["plays"]
            for task in play["tasks"]
            if task["task"]["name"] == name and host in task["hosts"]
        ]
        if not found:
            raise AssertionError("no result for task %r on %s in:\n%s" % (name, host, self.stdout))
        return found[-1]


class AnsibleRunner:
    """Runs the lane's Ansible commands in an isolated environment (see ``run_ansible``)."""

    def __init__(self, tmp_path, aws_env):
        self.tmp_path = tmp_path
        home = tmp_path / "ansible-home"
        home.mkdir(exist_ok=True)
        config = tmp_path / "ansible.cfg"
        config.write_text("")
        # Start from the caller's environment without its Ansible settings, so a developer's
        # ANSIBLE_* variables or ansible.cfg cannot change what the tests see.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
        env.update(aws_env)
        env.update(
            {
                "PATH": str(LANE_BIN) + os.pathsep + env.get("PATH", ""),
                "ANSIBLE_CONFIG": str(config),
                "ANSIBLE_COLLECTIONS_PATH": str(_collections_root()),
                "ANSIBLE_HOME": str(home),
                "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
                "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                # Hosts in test inventories run locally with the lane's Python; interpreter discovery
                # would otherwise find a pyenv shim that fails (see the brief).
                "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            }
        )
        self.env = env

    def __call__(self, command, *args, env=None, cwd=None, timeout=300, input_text=None):
        """Run ``command`` (e.g. 'ansible-playbook') from the lane venv; return an AnsibleResult."""
        executable = LANE_BIN / command
        if not executable.exists():
            pytest.fail("%s not found next to %s: run the tests with a lane venv" % (command, sys.executable))
        full_env = dict(self.env, **(env or {}))
        proc = subprocess.run(
            [str(executable)] + [str(a) for a in args],
            env=full_env,
            cwd=str(cwd or self.tmp_path),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            check=False,
        )
        return AnsibleResult(proc.args, proc.returncode, proc.stdout, proc.stderr)

    def playbook(self, text, *args, env=None, name="playbook.yml", json_output=True, timeout=300):
        """Write ``text`` to tmp_path/name and run ansible-playbook on it (JSON stdout by default)."""
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        extra = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"} if json_output else {}
        extra.update(env or {})
        return self("ansible-playbook", str(path), *args, env=extra, timeout=timeout)


@pytest.fixture
def run_ansible(tmp_path, aws_env):
    """Callable: ``run_ansible('ansible-doc', 'voiceops.chime.chime_phone_number_order_info')``,
    ``run_ansible.playbook(yaml_text, '-e', 'x=1')``; ``run_ansible.env`` is the environment used."""
    return AnsibleRunner(tmp_path, aws_env)
