# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication and authorization faults: one attempt, the IAM action named, no retries.

A 401/403 is the same answer every time, so a retry only delays the failure and adds load
(and, for a wrong key, failed-signature noise in CloudTrail). The emulator's counters prove
that exactly one request was made even though the retry budget would allow more.
"""

from __future__ import annotations

import re

import fault_harness as fh  # pylint: disable=import-error
import pytest

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
DENIALS = [("unauthorized", "UnauthorizedClientException", 401), ("forbidden", "ForbiddenException", 403)]


@pytest.fixture
def verifying_emulator(aws_env):
    """An emulator that checks every SigV4 signature (and session token) against the fake keys."""
    from chime_emulator import ChimeEmulator  # pylint: disable=import-error,import-outside-toplevel

    credentials = {aws_env["AWS_ACCESS_KEY_ID"]: [aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]]}
    with ChimeEmulator(generate=150, seed=31, credentials=credentials) as emu:
        yield emu


def without_credentials(run_ansible):
    # Only this test's runner loses them; aws_env's empty config files leave no other source.
    for name in CREDENTIAL_VARIABLES:
        run_ansible.env.pop(name, None)


# ---- no credentials ---------------------------------------------------------------------------------


def test_no_credentials_fails_before_any_request(emulator, run_ansible):
    emulator.generate(10)
    without_credentials(run_ansible)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url))
    fh.assert_clean_failure(result, task, "chime:ListPhoneNumberOrders", "no usable AWS credentials")
    assert emulator.stats()["requests"] == 0


def test_inventory_without_credentials_fails_before_any_request(emulator, run_ansible, tmp_path):
    emulator.generate(10)
    without_credentials(run_ansible)
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": emulator.url})
    assert run.returncode != 0
    assert "no usable AWS credentials" in run.output
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["requests"] == 0


# ---- signatures the service does not accept ----------------------------------------------------------


def test_correct_keys_pass_signature_verification(verifying_emulator, run_ansible):
    # The control case: the verifying emulator accepts the fake keys, so the failures below are the keys'.
    result, task = fh.run_module(run_ansible, {"endpoint_url": verifying_emulator.url})
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(task["phone_number_orders"]) == 150
    assert verifying_emulator.stats()["by_status"] == {"200": 2}


@pytest.mark.parametrize(
    "override, error_code",
    [
        ({"AWS_SECRET_ACCESS_KEY": "voiceops-FAKE-wrong-secret"}, "InvalidSignatureException"),
        ({"AWS_SESSION_TOKEN": "voiceops-FAKE-wrong-token"}, "UnrecognizedClientException"),
        ({"AWS_ACCESS_KEY_ID": "AKIAVOICEOPSUNKNOWN01"}, "UnrecognizedClientException"),
    ],
    ids=["wrong-secret", "wrong-session-token", "unknown-access-key"],
)
def test_rejected_signature_fails_after_one_request_naming_the_action(
    verifying_emulator, run_ansible, override, error_code
):
    params = dict(fh.FAST_RETRIES, endpoint_url=verifying_emulator.url, max_attempts=5)
    result, task = fh.run_module(run_ansible, params, env=override)
    fh.assert_clean_failure(
        result,
        task,
        "chime:ListPhoneNumberOrders denied",
        error_code,
        "HTTP 403",
        "IAM policy allows chime:ListPhoneNumberOrders",
    )
    assert (task["iam_action"], task["http_status"], task["attempts"]) == ("chime:ListPhoneNumberOrders", 403, 1)
    assert verifying_emulator.stats()["by_status"] == {"403": 1}


def test_inventory_with_a_wrong_secret_fails_after_one_request(verifying_emulator, run_ansible, tmp_path):
    run = fh.run_inventory(
        run_ansible,
        tmp_path,
        dict(fh.FAST_RETRIES, endpoint_url=verifying_emulator.url, max_attempts=5),
        env={"AWS_SECRET_ACCESS_KEY": "voiceops-FAKE-wrong-secret"},
    )
    assert run.returncode != 0
    assert "InvalidSignatureException" in run.output and "chime:ListPhoneNumberOrders" in run.output
    fh.assert_no_traceback(run.output)
    assert verifying_emulator.stats()["by_status"] == {"403": 1}


# ---- 401 and 403 from the service ------------------------------------------------------------------------


@pytest.mark.parametrize("fault, error_code, http_status", DENIALS)
def test_denied_first_page_fails_after_one_request(emulator, run_ansible, fault, error_code, http_status):
    emulator.generate(150, seed=32)
    # Five denials queued and five attempts allowed: a retry would show as a second request.
    emulator.inject(**{fault: 5})
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=5)
    result, task = fh.run_module(run_ansible, params)
    fh.assert_clean_failure(
        result,
        task,
        "chime:ListPhoneNumberOrders denied",
        error_code,
        "HTTP {0}".format(http_status),
        "IAM policy allows chime:ListPhoneNumberOrders",
    )
    assert (task["error_code"], task["http_status"], task["attempts"]) == (error_code, http_status, 1)
    assert emulator.stats()["requests"] == 1


@pytest.mark.parametrize("fault, error_code, http_status", DENIALS)
def test_denied_later_page_fails_without_the_pages_already_read(emulator, run_ansible, fault, error_code, http_status):
    emulator.generate(300, seed=33)
    emulator.inject(after_requests=2, **{fault: 5})
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=5))
    fh.assert_clean_failure(result, task, error_code, "HTTP {0}".format(http_status))
    assert emulator.stats()["by_status"] == {"200": 2, str(http_status): 1}


@pytest.mark.parametrize("fault, error_code, http_status", DENIALS)
def test_inventory_denied_fails_after_one_request(emulator, run_ansible, tmp_path, fault, error_code, http_status):
    emulator.generate(150, seed=32)
    emulator.inject(**{fault: 5})
    run = fh.run_inventory(run_ansible, tmp_path, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=5))
    assert run.returncode != 0
    for needle in (error_code, "HTTP {0}".format(http_status), "chime:ListPhoneNumberOrders"):
        assert needle in run.output, needle
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["requests"] == 1


MARKERS_PLAY = """
- name: Read the marker groups
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Marker groups
      ansible.builtin.debug:
        msg: "{{ dict(groups | dict2items | selectattr('key', 'match', 'chime_skipped_region_') | items2dict) }}"
"""


def skipped_warnings(text):
    return re.findall(r"skipped region [a-z0-9-]+", fh.flatten(text))


def test_inventory_region_denial_is_skipped_with_a_warning_only_when_not_strict(emulator, run_ansible, tmp_path):
    # Documented behaviour: strict=false skips a denied region and says so three ways (a warning, a
    # marker group the role reads, the other region's hosts only); strict=true fails. Asserted by the
    # outcome, not by substrings of a message that both paths could print.
    emulator.generate(20, api="chime-sdk-voice", region="us-east-1", seed=34)
    emulator.generate(20, api="chime-sdk-voice", region="eu-west-2", seed=35)
    emulator.inject(deny_regions=["eu-west-2"])
    options = {
        "endpoint_url": emulator.url,
        "api": "chime_sdk_voice",
        "regions": ["us-east-1", "eu-west-2"],
        "strict": False,
    }
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0, run.output[-3000:]
    hostvars = run.hostvars()
    assert set(hostvars) == set(fh.served_numbers(emulator.orders("us-east-1")))
    assert {variables["chime_region"] for variables in hostvars.values()} == {"us-east-1"}
    assert skipped_warnings(run.stderr) == ["skipped region eu-west-2"]
    assert "skipped region eu-west-2: chime:ListPhoneNumberOrders denied (ForbiddenException, HTTP 403)" in fh.flatten(
        run.stderr
    )
    assert emulator.stats()["by_region"] == {"us-east-1": 1, "eu-west-2": 1}
    # The marker group has no hosts, so ansible-inventory --list leaves it out: a play sees it.
    source = tmp_path / "faults.chime_phone_numbers.yml"
    result = fh.playbook(run_ansible, MARKERS_PLAY, "-i", str(source))
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.task("Marker groups")["msg"] == {"chime_skipped_region_eu_west_2": []}

    run = fh.run_inventory(run_ansible, tmp_path, dict(options, strict=True))
    assert run.returncode != 0
    assert "region eu-west-2: chime:ListPhoneNumberOrders denied (ForbiddenException" in run.output
    assert skipped_warnings(run.output) == []
    fh.assert_no_traceback(run.output)


def test_inventory_with_its_only_region_denied_fails_instead_of_skipping(emulator, run_ansible, tmp_path):
    # Skipping the only region would leave an empty inventory that looks like an account with no orders.
    emulator.generate(20, api="chime-sdk-voice", region="eu-west-2", seed=35)
    emulator.inject(deny_regions=["eu-west-2"])
    options = {"endpoint_url": emulator.url, "api": "chime_sdk_voice", "regions": ["eu-west-2"], "strict": False}
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode != 0
    assert "region eu-west-2: chime:ListPhoneNumberOrders denied (ForbiddenException, HTTP 403)" in run.output
    assert skipped_warnings(run.output) == [] and "every region denied" not in run.output, run.output[-3000:]
    fh.assert_no_traceback(run.output)

    run = fh.run_inventory(run_ansible, tmp_path, options, unparsed_failed=False)
    assert run.hostvars() == {} and "chime_skipped_region_eu_west_2" not in run.listing()


def test_role_fails_on_a_skipped_region_naming_it(emulator, run_ansible, tmp_path):
    # The marker group is what keeps the role from passing on half the account.
    emulator.generate(20, api="chime-sdk-voice", region="us-east-1", seed=34)
    emulator.generate(20, api="chime-sdk-voice", region="eu-west-2", seed=35)
    emulator.inject(deny_regions=["eu-west-2"])
    source = fh.write_inventory_source(
        tmp_path, {"endpoint_url": emulator.url, "regions": ["us-east-1", "eu-west-2"], "current_state": True}
    )
    expected = fh.acquired_numbers(emulator.orders("us-east-1"), 3)
    result = fh.playbook(
        run_ansible,
        fh.role_play({"assert_numbers_acquired_source": "inventory", "assert_numbers_acquired_expected": expected}),
        "-i",
        str(source),
        env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"},
    )
    message = fh.assert_clean_failure(result, fh.failed_task(result), "eu-west-2")
    assert "skipped" in message, message
    assert fh.role_fact(result)["passed"] is False


@pytest.mark.parametrize("fault, error_code, http_status", DENIALS)
def test_role_denied_fails_naming_the_action_and_replaces_the_pass_with_an_error_set(
    emulator, run_ansible, tmp_path, fault, error_code, http_status
):
    emulator.generate(30, seed=36)
    numbers = fh.acquired_numbers(emulator.orders(), 3)
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": numbers,
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_report_dir": str(report_dir),
    }
    result = fh.playbook(run_ansible, fh.role_play(role_vars))
    assert result.returncode == 0, result.stdout[-3000:]
    fh.assert_passed_report_set(report_dir)

    # The role lists orders and the account's numbers concurrently: the denials are aimed at the
    # orders listing, so that the one request they allow is the one asserted.
    listed_before = fh.operation_counts(emulator)["ListPhoneNumberOrders"]
    emulator.inject(operations=["ListPhoneNumberOrders"], **{fault: 5})
    result = fh.playbook(run_ansible, fh.role_play(role_vars))
    message = fh.assert_clean_failure(
        result, fh.failed_task(result), "chime:ListPhoneNumberOrders", error_code, "HTTP {0}".format(http_status)
    )
    # A dashboard reading the directory sees "could not check", never the first run's PASS.
    fh.assert_error_report_set(report_dir, "chime:ListPhoneNumberOrders denied", error_code=error_code)
    assert fh.role_fact(result) == {
        "passed": False,
        "verdict": "error",
        "message": message,
        "error_code": error_code,
        "iam_action": "chime:ListPhoneNumberOrders",
        "http_status": http_status,
    }
    assert fh.operation_counts(emulator)["ListPhoneNumberOrders"] == listed_before + 1


def test_get_phone_number_order_denied_names_its_own_iam_action(emulator, run_ansible):
    emulator.generate(5, seed=37)
    order_id = emulator.orders()[2]["PhoneNumberOrderId"]
    emulator.inject(forbidden=5)
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, phone_number_order_ids=[order_id], max_attempts=5)
    result, task = fh.run_module(run_ansible, params)
    fh.assert_clean_failure(
        result,
        task,
        "chime:GetPhoneNumberOrder denied",
        "ForbiddenException",
        "IAM policy allows chime:GetPhoneNumberOrder",
    )
    assert task["iam_action"] == "chime:GetPhoneNumberOrder"
    assert emulator.stats()["get_requests"] == 1
