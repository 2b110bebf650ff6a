# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: the secret key and the session token appear nowhere a run leaves text.

The module, the inventory plugin and the role run at -vvvv with ANSIBLE_LOG_PATH set and
ansible-core's own JUnit callback (ansible.builtin.junit) on, through success and failure,
with credentials from the environment and as options. Afterwards every file the run wrote
(log, JUnit files, the role's reports, the inventory cache, Ansible's home) and stdout/stderr
are searched for the two values. The emulator verifies every SigV4 signature against the fake
keys, so a successful run proves the secrets were really used.

The failing calls go through a relay that makes the service's 403 look like AWS's own
InvalidSignatureException, whose message quotes the canonical request, session token included.
"""

from __future__ import annotations

import json

import pytest

from ansible.release import __version__ as ANSIBLE_CORE_VERSION

ANSIBLE_CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2])

import fault_harness as fh  # pylint: disable=import-error
from chime_test_data import api_order  # pylint: disable=import-error

# Files the test itself wrote with the secrets in them on purpose (an inventory source with
# literal keys): inputs, not output.
INPUT_FILE_SUFFIX = ".chime_phone_numbers.yml"


def echo_canonical_request(path, status, body, number, headers):
    """Relay rewrite: a 403 carries AWS's full InvalidSignatureException text, as AWS sends it."""
    del number
    if status != 403:
        return body
    token = {name.lower(): value for name, value in headers.items()}.get("x-amz-security-token", "")
    canonical = (
        "GET\n{0}\n\nhost:{1}\nx-amz-date:{2}\nx-amz-security-token:{3}\n\nhost;x-amz-date;"
        "x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".format(
            path.partition("?")[0], headers.get("Host", ""), headers.get("X-Amz-Date", ""), token
        )
    )
    message = (
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.\n\n"
        "The Canonical String for this request should have been\n'{0}'\n\nThe String-to-Sign should have "
        "been\n'AWS4-HMAC-SHA256\n...'\n"
    ).format(canonical)
    return json.dumps({"message": message}).encode("utf-8")


@pytest.fixture
def verifying_emulator(aws_env):
    from chime_emulator import ChimeEmulator  # pylint: disable=import-error,import-outside-toplevel

    credentials = {aws_env["AWS_ACCESS_KEY_ID"]: [aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]]}
    with ChimeEmulator(generate=150, seed=51, credentials=credentials) as emu:
        yield emu


@pytest.fixture
def leak_env(tmp_path):
    """-vvvv companions: the log file and ansible-core's JUnit callback."""
    return {
        "ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"),
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit",
        "JUNIT_OUTPUT_DIR": str(tmp_path / "junit"),
        # Failures are JUnit failures too, so their messages are in the XML.
        "JUNIT_FAIL_ON_IGNORE": "true",
    }


def assert_secrets_nowhere(aws_env, tmp_path, *outputs):
    """Search every output and every file under tmp_path (inputs aside); return how many files."""
    secrets = {"secret key": aws_env["AWS_SECRET_ACCESS_KEY"], "session token": aws_env["AWS_SESSION_TOKEN"]}

    def check(text, where):
        # Also with line wraps undone: ansible-core 2.17 wraps warnings, even after a hyphen.
        for what, value in secrets.items():
            assert value not in text and value not in fh.flatten(text), "the {0} is in {1}".format(what, where)

    for index, text in enumerate(outputs):
        check(text, "output #{0}".format(index))
    searched = 0
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file() and not path.name.endswith(INPUT_FILE_SUFFIX):
            check(path.read_bytes().decode("utf-8", errors="replace"), path)
            searched += 1
    return searched


def junit_text(tmp_path):
    files = sorted((tmp_path / "junit").glob("*.xml"))
    assert files, "the JUnit callback wrote no file"
    return "".join(path.read_text(encoding="utf-8") for path in files)


def test_module_leaks_no_secret_at_vvvv_through_success_and_failure(
    verifying_emulator, run_ansible, aws_env, tmp_path, leak_env
):
    playbook = """
- name: Secrets stay secret (module)
  hosts: localhost
  gather_facts: false
  vars:
    secret_from_env: "{{{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}}}"
    token_from_env: "{{{{ lookup('ansible.builtin.env', 'AWS_SESSION_TOKEN') }}}}"
  tasks:
    - name: Credentials from the environment
      {module}:
        endpoint_url: {url}
      register: from_env

    - name: Credentials as module options
      {module}:
        endpoint_url: {url}
        access_key: "{{{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}}}"
        secret_key: "{{{{ secret_from_env }}}}"
        session_token: "{{{{ token_from_env }}}}"
      register: from_options

    - name: A wrong secret, refused with the canonical request quoted back
      {module}:
        endpoint_url: {relay}
        secret_key: voiceops-FAKE-wrong-secret
        session_token: "{{{{ token_from_env }}}}"
        max_attempts: 1
      ignore_errors: true
      register: refused

    - name: Throttled past the budget with the credentials as options
      {module}:
        endpoint_url: {url}
        secret_key: "{{{{ secret_from_env }}}}"
        session_token: "{{{{ token_from_env }}}}"
        page_size: 5
        max_attempts: 2
        retry_base_delay: 0.01
      ignore_errors: true
      register: throttled

    - name: Every call happened as intended
      ansible.builtin.assert:
        that:
          - from_env.phone_number_orders | length == 150
          - from_options.phone_number_orders | length == 150
          - refused is failed
          - throttled is failed
"""
    with fh.Relay(verifying_emulator.url, rewrite=echo_canonical_request) as relay:
        # The fourth task's first request (the 6th in all) starts a run of 429s.
        verifying_emulator.inject(throttle=10, after_requests=5)
        text = playbook.format(module=fh.MODULE, url=verifying_emulator.url, relay=relay.url)
        result = fh.playbook(run_ansible, text, "-vvvv", json_output=False, env=leak_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # The failures really happened and were shown (with the signing details cut off).
    assert "InvalidSignatureException" in output and "[signing details removed]" in output
    assert "ThrottledClientException" in output
    assert junit_text(tmp_path)
    assert verifying_emulator.stats()["by_status"] == {"200": 4, "403": 1, "429": 2}
    assert assert_secrets_nowhere(aws_env, tmp_path, output) >= 3


def test_inventory_leaks_no_secret_at_vvvv_with_a_cache(verifying_emulator, run_ansible, aws_env, tmp_path, leak_env):
    cache_dir = tmp_path / "inventory-cache"
    # Literal keys in the source file, the way people do write them (the file is an input).
    options = {
        "endpoint_url": verifying_emulator.url,
        "access_key": aws_env["AWS_ACCESS_KEY_ID"],
        "secret_key": aws_env["AWS_SECRET_ACCESS_KEY"],
        "session_token": aws_env["AWS_SESSION_TOKEN"],
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
    }
    run = fh.run_inventory(run_ansible, tmp_path, options, "-vvvv", env=leak_env)
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.hostvars()) == 450
    assert list(cache_dir.iterdir()), "the inventory cache was not written"

    # The same source inside ansible-playbook, with the JUnit callback on.
    playbook = """
- name: Secrets stay secret (inventory)
  hosts: all
  gather_facts: false
  tasks:
    - name: Count the numbers
      ansible.builtin.debug:
        msg: "{{ groups['all'] | length }}"
      run_once: true
"""
    source = tmp_path / "faults.chime_phone_numbers.yml"
    result = fh.playbook(
        run_ansible,
        playbook,
        "-i",
        str(source),
        "-vvvv",
        "--flush-cache",
        json_output=False,
        env=dict(leak_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="true"),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

    # A refused listing, with the canonical request (and so the token) in the service's message.
    with fh.Relay(verifying_emulator.url, rewrite=echo_canonical_request) as relay:
        failing = dict(options, endpoint_url=relay.url, secret_key="voiceops-FAKE-wrong-secret", cache=False)
        refused = fh.run_inventory(run_ansible, tmp_path, failing, "-vvvv", env=leak_env)
    assert refused.returncode != 0
    assert "InvalidSignatureException" in refused.output
    assert assert_secrets_nowhere(aws_env, tmp_path, run.output, result.stdout + result.stderr, refused.output) >= 3


def test_role_leaks_no_secret_at_vvvv_in_output_log_junit_or_reports(
    verifying_emulator, run_ansible, aws_env, tmp_path, leak_env
):
    numbers = sorted(
        number for number, status in fh.served_numbers(verifying_emulator.orders()).items() if status == "Acquired"
    )
    report_dir = tmp_path / "reports"
    passing_vars = {
        "assert_numbers_acquired_expected": numbers[:40],
        "assert_numbers_acquired_endpoint_url": verifying_emulator.url,
        "assert_numbers_acquired_report_dir": str(report_dir / "pass"),
    }
    # Credentials as module_defaults of the action group, templated from the environment.
    defaults = {
        "access_key": "{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}",
        "secret_key": "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}",
        "session_token": "{{ lookup('ansible.builtin.env', 'AWS_SESSION_TOKEN') }}",
    }
    result = fh.playbook(run_ansible, fh.role_play(passing_vars, defaults), "-vvvv", json_output=False, env=leak_env)
    first_output = result.stdout + result.stderr
    assert result.returncode == 0, first_output[-3000:]
    assert sorted(path.name for path in (report_dir / "pass").iterdir()) == ["junit.xml", "report.json", "summary.md"]

    with fh.Relay(verifying_emulator.url, rewrite=echo_canonical_request) as relay:
        refused_vars = dict(
            passing_vars,
            assert_numbers_acquired_endpoint_url=relay.url,
            assert_numbers_acquired_report_dir=str(report_dir / "refused"),
        )
        refused_defaults = dict(defaults, secret_key="voiceops-FAKE-wrong-secret")
        refused = fh.playbook(
            run_ansible, fh.role_play(refused_vars, refused_defaults), "-vvvv", json_output=False, env=leak_env
        )
    refused_output = refused.stdout + refused.stderr
    assert refused.returncode == 2
    assert "InvalidSignatureException" in refused_output
    # The pass listed 2 pages of orders and every page of the account's numbers, all signed with the
    # real keys; the refusal got one 403 per listing that had sent its request before the other's
    # failure stopped it (the two run concurrently, so 1 or 2).
    by_status = verifying_emulator.stats()["by_status"]
    assert by_status["200"] == 2 + fh.number_pages(verifying_emulator) and by_status["403"] in (1, 2), by_status
    assert set(by_status) == {"200", "403"}
    assert sorted(path.name for path in (report_dir / "refused").iterdir()) == fh.REPORT_NAMES
    assert assert_secrets_nowhere(aws_env, tmp_path, first_output, refused_output) >= 4


# ---- credentials in endpoint_url (issue 11, defect 2) ---------------------------------------------------

# User info in an endpoint URL is a credential (a proxy's password, a token as the user name). botocore
# repeats the URL in its exception texts, which 0.1.0 copied into messages, warnings and the log.
URL_USER = "chimeurluser7"
URL_PASSWORD = "S3cr3t%21URL-pass"  # percent-encoded, as a URL carries it
URL_PASSWORD_DECODED = "S3cr3t!URL-pass"
URL_TOKEN = "voiceopsURLTOKEN9"  # a token given as the user name alone
URL_SECRETS = (URL_USER, URL_PASSWORD, URL_PASSWORD_DECODED, URL_TOKEN)


def url_endpoints(closed_port, emulator_url):
    """Unreachable http and https endpoints with user:password, a token-only one, and a reachable one."""
    reachable = emulator_url.replace("http://", "http://{0}:{1}@".format(URL_USER, URL_PASSWORD))
    return {
        "http": "http://{0}:{1}@127.0.0.1:{2}".format(URL_USER, URL_PASSWORD, closed_port),
        "https": "https://{0}:{1}@127.0.0.1:{2}".format(URL_USER, URL_PASSWORD, closed_port),
        "token": "https://{0}@127.0.0.1:{1}/chime-sdk-voice".format(URL_TOKEN, closed_port),
        "reachable": reachable,
    }


def assert_no_url_secret(where, text):
    for secret in URL_SECRETS:
        assert secret not in text and secret not in fh.flatten(text), "{0!r} is in {1}:\n{2}".format(
            secret, where, text[max(0, text.find(secret) - 1500) : text.find(secret) + 500]
        )


def assert_no_url_secret_in_files(directory):
    searched = 0
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            assert_no_url_secret(path, path.read_bytes().decode("utf-8", errors="replace"))
            searched += 1
    return searched


URL_MODULE_PLAY = """
- name: Credentials in endpoint_url (module)
  hosts: localhost
  gather_facts: false
  vars:
    # From the environment, as a secret would be: ansible-core 2.19+ quotes the playbook's source
    # lines around a failed task, so a URL written in the playbook would show by ansible's doing.
    endpoints: "{{{{ lookup('ansible.builtin.env', 'CHIME_TEST_ENDPOINTS') | from_json }}}}"
  tasks:
    - name: Unreachable endpoints
      {module}:
        endpoint_url: "{{{{ endpoints[item] }}}}"
        max_attempts: 2
        retry_base_delay: 0.01
        retry_max_delay: 0.05
      loop: [http, https, token]
      ignore_errors: true
      register: unreachable

    - name: Reachable, listed
      {module}:
        endpoint_url: "{{{{ endpoints.reachable }}}}"
        current_state: true
      register: listed

    - name: Reachable, throttled past the budget
      {module}:
        endpoint_url: "{{{{ endpoints.reachable }}}}"
        max_attempts: 2
        retry_base_delay: 0.01
      ignore_errors: true
      register: throttled

    - name: Every call happened as intended
      ansible.builtin.assert:
        that:
          - unreachable.results | map(attribute='failed') | list == [true, true, true]
          - listed.phone_number_orders | length == 4
          - throttled is failed
"""


@pytest.mark.parametrize("verbosity", [[], ["-vvv"]], ids=["default", "vvv"])
def test_module_never_shows_url_credentials(emulator, run_ansible, tmp_path, verbosity):
    emulator.generate(4, seed=52)
    # The throttled task's two attempts (orders only: it does not list the numbers) are 429s.
    emulator.inject(throttle=2, after_requests=2)
    port = fh.free_closed_port()
    endpoints = url_endpoints(port, emulator.url)
    log = tmp_path / "ansible.log"
    text = URL_MODULE_PLAY.format(module=fh.MODULE)
    result = fh.playbook(
        run_ansible,
        text,
        *verbosity,
        json_output=False,
        env={"ANSIBLE_LOG_PATH": str(log), "CHIME_TEST_ENDPOINTS": json.dumps(endpoints)},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # The failures were shown, naming the endpoint without its user info.
    assert "connection failed" in output and "127.0.0.1:{0}".format(port) in output
    assert "ThrottledClientException" in output
    if verbosity and ANSIBLE_CORE < (2, 19):
        # ansible-core 2.17 echoes each result's invocation at -vvv: there, with the user info masked
        # (2.21 no longer echoes it).
        assert '"invocation":' in output
        assert '"endpoint_url": "http://********:********@127.0.0.1:{0}"'.format(port) in output
    assert_no_url_secret("the output", output)
    assert_no_url_secret("ANSIBLE_LOG_PATH", log.read_text(encoding="utf-8"))
    assert emulator.stats()["by_status"] == {"200": 2, "429": 2}


ROLE_URL_PLAY = """
- name: Credentials in endpoint_url (role)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/voiceops.chime.chime: {max_attempts: 2, retry_base_delay: 0.01, retry_max_delay: 0.05}
  vars:
    endpoints: "{{ lookup('ansible.builtin.env', 'CHIME_TEST_ENDPOINTS') | from_json }}"
  tasks:
    - name: Check through each endpoint
      ansible.builtin.include_tasks: check.yml
      loop: [http, https, token, reachable]
"""

ROLE_URL_TASKS = """
- name: One check
  block:
    - name: Run the role
      ansible.builtin.include_role:
        name: {role}
      vars:
        assert_numbers_acquired_expected: ["+12065550100"]
        assert_numbers_acquired_endpoint_url: "{{{{ endpoints[item] }}}}"
        assert_numbers_acquired_report_dir: "{report_root}/{{{{ item }}}}"
  rescue:
    - name: Show why
      ansible.builtin.debug:
        msg: "{{{{ item }}}}: {{{{ assert_numbers_acquired_result.verdict }}}}: {{{{ assert_numbers_acquired_result.message }}}}"
"""


@pytest.mark.parametrize("verbosity", [[], ["-vvv"]], ids=["default", "vvv"])
def test_role_never_shows_url_credentials_in_output_log_or_reports(emulator, run_ansible, tmp_path, verbosity):
    emulator.set_orders([api_order("o1", "2026-01-01T00:00:00.000Z", [("+12065550100", "Acquired")])])
    emulator.inject(forbidden=2)
    port = fh.free_closed_port()
    report_root = tmp_path / "reports"
    (tmp_path / "check.yml").write_text(ROLE_URL_TASKS.format(role=fh.ROLE, report_root=report_root), encoding="utf-8")
    log = tmp_path / "ansible.log"
    env = {"ANSIBLE_LOG_PATH": str(log), "CHIME_TEST_ENDPOINTS": json.dumps(url_endpoints(port, emulator.url))}
    result = fh.playbook(run_ansible, ROLE_URL_PLAY, *verbosity, json_output=False, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "http: error: chime:ListPhoneNumber" in fh.flatten(output) and "connection failed" in output
    assert "reachable: error: chime:List" in fh.flatten(output) and "ForbiddenException" in output
    assert_no_url_secret("the output", output)
    assert_no_url_secret("ANSIBLE_LOG_PATH", log.read_text(encoding="utf-8"))
    # Every check wrote an error set; the recorded endpoint has no user info either.
    for name in ("http", "https", "token", "reachable"):
        report = fh.assert_error_report_set(report_root / name)
        assert "127.0.0.1:" in report["inputs"]["endpoint_url"]
    assert assert_no_url_secret_in_files(report_root) == 12


@pytest.mark.parametrize("verbosity", [[], ["-vvv"]], ids=["default", "vvv"])
def test_inventory_warnings_never_show_url_credentials(emulator, run_ansible, tmp_path, verbosity):
    emulator.generate(4, seed=53)
    emulator.inject(forbidden=1)
    port = fh.free_closed_port()
    endpoints = url_endpoints(port, emulator.url)
    sources = []
    for name, url in endpoints.items():
        options = dict(fh.FAST_RETRIES, endpoint_url=url, max_attempts=2)
        sources += ["-i", str(fh.write_inventory_source(tmp_path, options, name=name + ".chime_phone_numbers.yml"))]
    log = tmp_path / "ansible.log"
    # unparsed_is_failed off: each failing source is a warning, and every source is tried.
    result = run_ansible(
        "ansible-inventory",
        *sources,
        "--list",
        *verbosity,
        timeout=fh.COMMAND_TIMEOUT,
        env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "false", "ANSIBLE_LOG_PATH": str(log)},
    )
    output = result.stdout + result.stderr
    flat = fh.flatten(output)
    assert flat.count("connection failed") >= 3 and "ForbiddenException" in flat, flat[-3000:]
    assert "127.0.0.1:{0}".format(port) in flat
    assert_no_url_secret("ansible-inventory's output", output)
    assert_no_url_secret("ANSIBLE_LOG_PATH", log.read_text(encoding="utf-8"))
