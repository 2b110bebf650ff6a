# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.assert_numbers_acquired role through real ansible-playbook runs.

Every test runs the role against the emulator over HTTP and checks what a user sees: the exit
code, the one assert message, the fact assert_numbers_acquired_result (also after a failure),
the reports parsed back, and what the emulator served (one listing per poll, none on bad input).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from report_schema import validate_report  # tests/report_schema.py

from ansible_collections.voiceops.chime.plugins.module_utils.reports import normalize_result

ROLE = "voiceops.chime.assert_numbers_acquired"
# The JSON callback names a role's tasks "<role> : <task name>".
ASSERT_TASK = ROLE + " : Assert that every expected phone number is acquired"
CHECK_TASK = ROLE + " : List the phone numbers and judge the expected ones"
SHOW_TASK = "Show the result"
RESCUE_SHOW_TASK = "Show the result after the role failed"


def api_order(order_id, numbers, status="Successful", updated="2026-09-14T16:09:40.107Z"):
    return {
        "PhoneNumberOrderId": order_id,
        "ProductType": "VoiceConnector",
        "Status": status,
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers],
        "CreatedTimestamp": "2026-09-14T16:02:11.482Z",
        "UpdatedTimestamp": updated,
    }


ACQUIRED = ["+12065550100", "+12065550101", "+12065550102"]
ORDERS = [
    api_order("order-acquired", [(e164, "Acquired") for e164 in ACQUIRED]),
    api_order("order-partial", [("+13125550120", "Acquired"), ("+13125550123", "Failed")], status="Partial"),
    api_order("order-processing", [("+16175550180", "Processing")], status="Processing"),
]

# The role inside block/rescue, so that a failing run still shows the fact it set before failing.
PLAY = """
- name: Check the expected phone numbers
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run the role
      block:
        - name: Include the role
          ansible.builtin.include_role:
            name: {role}
      rescue:
        - name: {rescue_show}
          ansible.builtin.debug:
            var: assert_numbers_acquired_result
        - name: Fail as the role did
          ansible.builtin.fail:
            msg: "{{{{ ansible_failed_result.msg }}}}"
    - name: {show}
      ansible.builtin.debug:
        var: assert_numbers_acquired_result
""".format(role=ROLE, rescue_show=RESCUE_SHOW_TASK, show=SHOW_TASK)


def run_role(run_ansible, tmp_path, role_vars, *args, play=PLAY, env=None):
    """Run the role with ``role_vars`` as extra vars; return (result, the fact or None)."""
    vars_file = tmp_path / "role_vars.json"
    vars_file.write_text(json.dumps(role_vars), encoding="utf-8")
    result = run_ansible.playbook(play, "-e", "@%s" % vars_file, *args, env=env)
    fact = None
    for name in (SHOW_TASK, RESCUE_SHOW_TASK):
        try:
            fact = result.task(name)["assert_numbers_acquired_result"]
        except AssertionError:
            continue
    if isinstance(fact, str):
        # debug's text for an undefined variable ("VARIABLE IS NOT DEFINED!" or, on 2.19+,
        # "<< error 1 - 'assert_numbers_acquired_result' is undefined >>").
        fact = None
    return result, fact


def assert_message(result):
    return result.task(ASSERT_TASK)["msg"]


# --------------------------------------------------------------------------- verdicts


def test_all_expected_numbers_acquired_passes(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": [
                "+1 (206) 555-0100",
                "+1.206.555.0101",
                "+12065550102",
                "+13125550120",
            ],
            "assert_numbers_acquired_endpoint_url": emulator.url,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert assert_message(result) == "All 4 expected phone numbers are acquired."
    assert fact["passed"] is True
    assert fact["acquired"] == sorted(ACQUIRED + ["+13125550120"])
    assert fact["failed"] == fact["processing"] == fact["missing"] == fact["unexpected"] == []
    # One listing (a single page here), nothing else.
    assert emulator.stats()["list_requests"] == 1


def test_the_listings_warnings_reach_the_role_run_on_every_lane(emulator, run_ansible, tmp_path):
    # The legacy namespace's end of support is a warning of the listing module, which the check task
    # runs. On 2.17 the check task used to drop it (and validate_certs=false's): the run was silent.
    emulator.set_orders(ORDERS)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url + "/chime",
            "assert_numbers_acquired_api": "chime",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert fact["passed"] is True
    warnings = [warning for warning in result.task(CHECK_TASK).get("warnings") or [] if "2026-02-20" in warning]
    assert len(warnings) == 1 and "api=chime_sdk_voice" in warnings[0], result.task(CHECK_TASK).get("warnings")
    assert "DEPRECATION" not in result.stdout + result.stderr, result.stderr
    assert emulator.stats()["by_api"] == {"chime": 2}  # the orders and the account's numbers


def test_failed_processing_and_missing_numbers_fail_each_named_with_its_reason(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED + ["+13125550123", "+16175550180", "+15035550199"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
        },
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = assert_message(result).splitlines()
    assert lines[0] == "3 of 6 expected phone numbers are not acquired (1 failed, 1 processing, 1 missing):"
    assert lines[1:4] == [
        "  +13125550123 failed: number status Failed in order order-partial (order status Partial)",
        "  +15035550199 missing: not in any phone number order and not in the account",
        "  +16175550180 processing: still Processing in order order-processing, and the account shows it as "
        "AcquireInProgress",
    ]
    assert lines[4] == "1 acquired number is not in the expected list (not checked)."
    # The fact was set before the assertion failed.
    assert fact["passed"] is False
    assert (fact["failed"], fact["processing"], fact["missing"]) == (
        ["+13125550123"],
        ["+16175550180"],
        ["+15035550199"],
    )
    assert fact["unexpected"] == ["+13125550120"]
    # wait_timeout 0: judged on the first listing, no second poll.
    assert emulator.stats()["list_requests"] == 1


def test_fail_on_unexpected_fails_on_acquired_numbers_nobody_expected(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    role_vars = {"assert_numbers_acquired_expected": ACQUIRED, "assert_numbers_acquired_endpoint_url": emulator.url}
    result, fact = run_role(run_ansible, tmp_path, role_vars)
    assert result.returncode == 0, result.stdout
    assert fact["unexpected"] == ["+13125550120"]

    result, fact = run_role(run_ansible, tmp_path, dict(role_vars, assert_numbers_acquired_fail_on_unexpected=True))
    assert result.returncode == 2
    assert assert_message(result).splitlines() == [
        "All 3 expected phone numbers are acquired, but 1 acquired number is not in the expected list (1 unexpected):",
        "  +13125550120 unexpected: held by the account (Unassigned) but not in the expected list",
    ]
    assert fact["problems"][0]["category"] == "unexpected"


def test_long_problem_lists_are_truncated_in_the_message_but_complete_in_the_fact(emulator, run_ansible, tmp_path):
    missing = ["+1503555%04d" % index for index in range(80)]
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {"assert_numbers_acquired_expected": missing, "assert_numbers_acquired_endpoint_url": emulator.url},
    )
    assert result.returncode == 2
    lines = assert_message(result).splitlines()
    assert lines[0] == "80 of 80 expected phone numbers are not acquired (80 missing):"
    assert len(lines) == 52 and lines[-1] == "  ... and 30 more"
    assert fact["missing"] == missing and len(fact["problems"]) == 80


# --------------------------------------------------------------------------- waiting


def test_wait_timeout_polls_until_the_processing_order_is_acquired(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    # Two more listings see Processing, the third sees the order acquired.
    emulator.schedule_status("order-processing", after_requests=2, order_status="Successful", number_status="Acquired")
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ["+16175550180", "+12065550100"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_wait_timeout": 120,
            "assert_numbers_acquired_poll_interval": 1,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert fact["acquired"] == ["+12065550100", "+16175550180"]
    # The order flips on the third orders listing; the numbers listing runs beside it and may have
    # been answered just before the flip, in which case one more poll sees both agree.
    polls = emulator.stats()["list_requests"]
    assert polls in (3, 4)
    assert result.task(CHECK_TASK)["polls"] == polls
    # One progress line per wait, on stderr (stdout stays the callback's).
    assert result.stderr.count("still processing; next poll in") == polls - 1
    report = json.loads((report_dir / "report.json").read_text())
    assert report["timing"]["polls"] == polls
    assert report["inputs"]["wait_timeout"] == 120


def test_wait_timeout_passing_judges_what_is_still_processing(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ["+16175550180"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_wait_timeout": 6,
            "assert_numbers_acquired_poll_interval": 1,
        },
    )
    assert result.returncode == 2
    assert "+16175550180 processing: still Processing in order order-processing" in assert_message(result)
    # It did poll again before giving up, and stopped: a bounded number of listings. (6 s leaves room
    # for a slow first listing on a busy machine; one poll a second at most after it.)
    polls = emulator.stats()["list_requests"]
    assert 2 <= polls <= 7
    assert fact["processing"] == ["+16175550180"]


def test_wait_timeout_does_not_wait_for_processing_numbers_nobody_expected(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_wait_timeout": 600,
            "assert_numbers_acquired_poll_interval": 60,
        },
    )
    assert result.returncode == 0
    assert emulator.stats()["list_requests"] == 1


# --------------------------------------------------------------------------- reports


def test_reports_are_written_atomically_and_parse_back(emulator, run_ansible, tmp_path, aws_env):
    emulator.set_orders(ORDERS)
    report_dir = tmp_path / "out" / "chime"  # created by the role
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED + ["+13125550123", "+16175550180", "+15035550199"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_region": "us-east-1",
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
    )
    assert result.returncode == 2
    assert sorted(p.name for p in report_dir.iterdir()) == ["junit.xml", "report.json", "summary.md"]

    report = validate_report(report_dir / "report.json")
    assert report["passed"] is False
    assert report["result"] == normalize_result(fact)
    assert report["inputs"]["endpoint_url"] == emulator.url
    assert report["inputs"]["region"] == "us-east-1"
    assert report["inputs"]["source"] == "module"
    assert report["timing"]["polls"] == 1
    assert report["timing"]["duration_seconds"] >= 0

    root = ElementTree.parse(str(report_dir / "junit.xml")).getroot()
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "3", "0")
    cases = dict((case.get("name"), case) for case in suite.findall("testcase"))
    assert sorted(cases) == sorted(ACQUIRED + ["+13125550123", "+16175550180", "+15035550199"])
    assert cases["+13125550123"].find("failure").get("message") == (
        "failed: number status Failed in order order-partial (order status Partial)"
    )
    assert cases["+15035550199"].find("failure").get("type") == "missing"
    assert cases["+12065550100"].find("failure") is None

    summary = (report_dir / "summary.md").read_text()
    assert summary.startswith("# Phone number compliance: FAILED")
    assert "| +16175550180 | processing | Processing |" in summary

    for path in report_dir.iterdir():
        text = path.read_text()
        assert aws_env["AWS_SECRET_ACCESS_KEY"] not in text
        assert aws_env["AWS_SESSION_TOKEN"] not in text
        assert aws_env["AWS_ACCESS_KEY_ID"] not in text


def test_check_mode_judges_but_writes_no_report(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        "--check",
    )
    assert result.returncode == 0, result.stdout
    assert fact["passed"] is True
    # Reports are outputs, not managed state: never a change, and none is written in check mode.
    assert result.task(CHECK_TASK)["changed"] is False
    assert not report_dir.exists()


def test_unwritable_report_dir_fails_before_listing_naming_the_directory(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    # A regular file where the directory's parent should be: unwritable even for root.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    report_dir = blocker / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
    )
    assert result.returncode == 2
    message = result.task(CHECK_TASK)["msg"]
    assert message.startswith("cannot create report directory %s: " % report_dir), message
    assert "Traceback" not in result.stdout
    assert emulator.stats()["requests"] == 0
    # The fact says why there is no verdict.
    assert fact["verdict"] == "error" and fact["passed"] is False and fact["message"] == message


# --------------------------------------------------------------------------- bad input and errors


def test_invalid_expected_entries_are_named_before_any_call(emulator, run_ansible, tmp_path):
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ["+12065550100", "206-555-0101", "+1 206 555 01OO"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
        },
    )
    assert result.returncode == 2
    message = result.task(CHECK_TASK)["msg"]
    assert message == (
        "expected list has 2 invalid entries (E.164 numbers look like '+12065550100'): "
        "item 2 '206-555-0101': must start with '+' and the country code; "
        "item 3 '+1 206 555 01OO': must be '+' followed by 7 to 15 digits, the first not 0"
    )
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize(
    "role_vars, fragment",
    [
        ({"assert_numbers_acquired_expected": {"+12065550100": "main line"}}, "assert_numbers_acquired_expected"),
        (
            {"assert_numbers_acquired_expected": [], "assert_numbers_acquired_fail_on_unexpected": False},
            "an empty list would check nothing",
        ),
        (
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_source": "spreadsheet"},
            "assert_numbers_acquired_source",
        ),
        (
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_api": "chime_voice"},
            "assert_numbers_acquired_api",
        ),
        (
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_wait_timeout": -5},
            "wait_timeout must be from 0 to 86400 seconds, got -5",
        ),
        (
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_poll_interval": 0},
            "poll_interval must be from 1 to 3600 seconds, got 0",
        ),
        ({"assert_numbers_acquired_expected": ["+12065550100", 12065550101]}, "item 2 12065550101"),
    ],
)
def test_invalid_role_inputs_fail_before_any_call(emulator, run_ansible, tmp_path, role_vars, fragment):
    result, fact = run_role(run_ansible, tmp_path, dict(role_vars, assert_numbers_acquired_endpoint_url=emulator.url))
    assert result.returncode == 2
    assert fragment in result.stdout
    # The message names only the input that is wrong.
    for other in ("wait_timeout must be", "poll_interval must be", "would check nothing"):
        if other not in fragment:
            assert other not in result.stdout, other
    assert emulator.stats()["requests"] == 0


def test_missing_expected_list_is_reported_by_the_argument_spec(emulator, run_ansible, tmp_path):
    result, fact = run_role(run_ansible, tmp_path, {"assert_numbers_acquired_endpoint_url": emulator.url})
    assert result.returncode == 2
    assert "missing required arguments: assert_numbers_acquired_expected" in result.stdout


def assert_error_set(report_dir, message_fragment, error_code=None):
    """The directory holds exactly one error set: report.json (verdict error), junit.xml with an <error>,
    summary.md saying "could not check"; never an earlier verdict."""
    assert sorted(path.name for path in report_dir.iterdir()) == ["junit.xml", "report.json", "summary.md"]
    report = validate_report(report_dir / "report.json")
    assert report["verdict"] == "error" and report["passed"] is False
    assert message_fragment in report["error"]["message"]
    if error_code:
        assert report["error"]["error_code"] == error_code
    root = ElementTree.parse(str(report_dir / "junit.xml")).getroot()
    assert root.findall(".//failure") == []
    (error,) = root.findall(".//error")
    assert message_fragment in error.get("message") + (error.text or "")
    summary = (report_dir / "summary.md").read_text()
    assert "COULD NOT CHECK" in summary and "PASSED" not in summary
    return report


def test_a_run_that_cannot_list_replaces_the_previous_reports_with_an_error_set(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": ACQUIRED,
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_report_dir": str(report_dir),
    }
    result, fact = run_role(run_ansible, tmp_path, role_vars)
    assert result.returncode == 0, result.stdout + result.stderr
    assert validate_report(report_dir / "report.json")["verdict"] == "passed"
    # The next run cannot list: a dashboard must show "could not check", never the first run's PASS.
    emulator.inject(deny_operations=["ListPhoneNumberOrders"])
    result, fact = run_role(run_ansible, tmp_path, role_vars)
    assert result.returncode == 2
    assert result.task(CHECK_TASK)["error_code"] == "ForbiddenException"
    assert_error_set(report_dir, "chime:ListPhoneNumberOrders denied", "ForbiddenException")
    assert fact["verdict"] == "error" and fact["iam_action"] == "chime:ListPhoneNumberOrders"


@pytest.mark.parametrize(
    "bad_vars, fragment",
    [
        ({"assert_numbers_acquired_expected": ["+12065550100", "tbd"]}, "item 2 'tbd'"),
        ({"assert_numbers_acquired_expected": []}, "an empty list would check nothing"),
        ({"assert_numbers_acquired_wait_timeout": 10**6}, "wait_timeout must be from 0 to 86400"),
    ],
)
def test_a_refused_input_once_the_report_dir_is_known_leaves_an_error_set_not_the_old_pass(
    emulator, run_ansible, tmp_path, bad_vars, fragment
):
    emulator.set_orders(ORDERS)
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": ACQUIRED,
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_report_dir": str(report_dir),
    }
    assert run_role(run_ansible, tmp_path, role_vars)[0].returncode == 0
    requests = emulator.stats()["requests"]
    result, fact = run_role(run_ansible, tmp_path, dict(role_vars, **bad_vars))
    assert result.returncode == 2
    assert_error_set(report_dir, fragment, "InvalidInput")
    assert emulator.stats()["requests"] == requests
    assert fact["verdict"] == "error" and fragment in fact["message"]


def test_api_denial_fails_with_the_listing_error_and_no_verdict(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    emulator.inject(deny_operations=["ListPhoneNumberOrders"])
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {"assert_numbers_acquired_expected": ACQUIRED, "assert_numbers_acquired_endpoint_url": emulator.url},
    )
    assert result.returncode == 2
    task = result.task(CHECK_TASK)
    assert task["error_code"] == "ForbiddenException"
    assert task["iam_action"] == "chime:ListPhoneNumberOrders"
    assert "chime:ListPhoneNumberOrders" in task["msg"]
    assert "compliance" not in task
    # No verdict, but the fact says why, on this path too (the role README's promise).
    assert fact == {
        "passed": False,
        "verdict": "error",
        "message": task["msg"],
        "error_code": "ForbiddenException",
        "iam_action": "chime:ListPhoneNumberOrders",
        "http_status": 403,
    }
    # 403 is not retried.
    assert emulator.stats()["list_requests"] == 1


def test_secrets_appear_nowhere_at_high_verbosity(emulator, run_ansible, tmp_path, aws_env):
    emulator.set_orders(ORDERS)
    log = tmp_path / "ansible.log"
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED + ["+15035550199"],
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        "-vvvv",
        env={"ANSIBLE_LOG_PATH": str(log)},
    )
    assert result.returncode == 2
    texts = [result.stdout, result.stderr, log.read_text()] + [p.read_text() for p in report_dir.iterdir()]
    for secret in (aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]):
        assert all(secret not in text for text in texts)


# --------------------------------------------------------------------------- where and how it runs


def test_module_defaults_for_the_action_group_reach_the_listing(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    play = PLAY.replace(
        "  gather_facts: false\n",
        "  gather_facts: false\n  module_defaults:\n"
        "    group/voiceops.chime.chime:\n      endpoint_url: %s\n" % emulator.url,
        1,
    )
    result, fact = run_role(run_ansible, tmp_path, {"assert_numbers_acquired_expected": ACQUIRED}, play=play)
    assert result.returncode == 0, result.stdout
    assert fact["passed"] is True
    assert emulator.stats()["list_requests"] == 1


def test_each_play_host_is_a_check_target_judged_on_the_controller(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    inventory = tmp_path / "hosts.yml"
    # Targets that are not machines to log in to (an ssh connection would fail), and an explicit
    # localhost without an interpreter: each check runs locally, with the controller's Python.
    inventory.write_text(
        "all:\n  hosts:\n    localhost: {}\n    web1: {ansible_connection: ssh, ansible_host: 192.0.2.1}\n"
        "    web2: {ansible_connection: ssh, ansible_host: 192.0.2.2}\n"
    )
    play = """
- name: Check the numbers from a play over many hosts
  hosts: web1,web2
  gather_facts: false
  roles:
    - role: voiceops.chime.assert_numbers_acquired
  post_tasks:
    - name: Show the result
      ansible.builtin.debug:
        var: assert_numbers_acquired_result.passed
"""
    result = run_ansible.playbook(
        play,
        "-i",
        str(inventory),
        "-e",
        json.dumps(
            {"assert_numbers_acquired_expected": ACQUIRED, "assert_numbers_acquired_endpoint_url": emulator.url}
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # One check per target.
    assert emulator.stats()["list_requests"] == 2
    for host in ("web1", "web2"):
        assert result.task(SHOW_TASK, host=host)["assert_numbers_acquired_result.passed"] is True


def test_inventory_source_judges_the_inventory_plugins_hosts_without_calling_the_module(
    emulator, run_ansible, tmp_path
):
    emulator.set_orders(ORDERS)
    inventory = tmp_path / "numbers.chime_phone_numbers.yml"
    inventory.write_text(
        "plugin: voiceops.chime.chime_phone_numbers\nendpoint_url: %s\ncurrent_state: true\n" % emulator.url
    )
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED + ["+13125550123", "+15035550199"],
            "assert_numbers_acquired_source": "inventory",
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        "-i",
        str(inventory),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert assert_message(result).splitlines()[1:3] == [
        "  +13125550123 failed: number status Failed in order order-partial (order status Partial)",
        "  +15035550199 missing: not in any phone number order and not in the account",
    ]
    assert fact["unexpected"] == ["+13125550120"]
    assert fact["counts"]["ordered"] == 6
    # Only the inventory's own listing reached the API.
    assert emulator.stats()["list_requests"] == 1
    report = validate_report(report_dir / "report.json")
    assert report["inputs"]["source"] == "inventory"
    assert report["result"] == normalize_result(fact)


def test_inventory_source_that_failed_to_load_is_not_judged_as_no_orders(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    # Every list call is denied: ansible-inventory only warns, and the play runs with no number hosts.
    emulator.inject(forbidden=50)
    inventory = tmp_path / "numbers.chime_phone_numbers.yml"
    inventory.write_text("plugin: voiceops.chime.chime_phone_numbers\nendpoint_url: %s\n" % emulator.url)
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_source": "inventory",
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        "-i",
        str(inventory),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "No phone numbers inventory was loaded" in result.stdout
    # No verdict, and no report claiming the numbers were never ordered: "could not check".
    assert fact["verdict"] == "error" and fact["message"].startswith("No phone numbers inventory was loaded")
    assert_error_set(report_dir, "No phone numbers inventory was loaded")
    assert "not in any phone number order" not in result.stdout


def test_ansible_doc_shows_every_role_variable(run_ansible):
    result = run_ansible("ansible-doc", "-t", "role", ROLE)
    assert result.returncode == 0, result.stderr
    for name in (
        "expected",
        "source",
        "api",
        "region",
        "profile",
        "endpoint_url",
        "fail_on_unexpected",
        "wait_timeout",
        "poll_interval",
        "hostvars_prefix",
        "report_dir",
        "current_state",
        "summary_dir",
    ):
        assert "assert_numbers_acquired_" + name in result.stdout, name


# --------------------------------------------------------------------------- 0.2.0: the account as it is now


def test_a_number_acquired_and_deleted_since_is_released_not_acquired(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    emulator.delete_number("+12065550101")  # in the deletion queue
    emulator.release_number("+12065550102")  # gone from the account
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
    )
    assert result.returncode == 2
    lines = assert_message(result).splitlines()
    assert lines[0] == "2 of 3 expected phone numbers are not acquired (2 released):"
    assert lines[1].startswith(
        "  +12065550101 released: acquired in order order-acquired but the account shows it as "
        "DeleteInProgress (deletion "
    )
    assert lines[2] == "  +12065550102 released: acquired in order order-acquired but no longer in the account"
    assert fact["released"] == ["+12065550101", "+12065550102"] and fact["current_state"] is True
    report = validate_report(report_dir / "report.json")
    assert report["result"]["released"] == ["+12065550101", "+12065550102"]
    cases = dict((case.get("name"), case) for case in ElementTree.parse(str(report_dir / "junit.xml")).iter("testcase"))
    assert cases["+12065550102"].find("failure").get("type") == "released"
    # Turned off, the check judges order history only: it passes, and its message says what it did not check.
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_current_state": False,
        },
    )
    assert result.returncode == 0
    assert "order history only" in assert_message(result)


def write_inventory_source(tmp_path, name, url, **options):
    path = tmp_path / ("%s.chime_phone_numbers.yml" % name)
    lines = ["plugin: voiceops.chime.chime_phone_numbers", "endpoint_url: " + url]
    lines += ["%s: %s" % (key, json.dumps(value)) for key, value in options.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_inventory_source_without_current_state_is_refused_naming_the_setting(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    source = write_inventory_source(tmp_path, "numbers", emulator.url)
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {"assert_numbers_acquired_expected": ACQUIRED, "assert_numbers_acquired_source": "inventory"},
        "-i",
        str(source),
    )
    assert result.returncode == 2
    assert fact["verdict"] == "error"
    assert "configured without current_state: true" in fact["message"]
    assert "assert_numbers_acquired_current_state: false" in fact["message"]


def test_a_region_the_inventory_skipped_fails_the_role_and_the_reports_name_it(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    emulator.inject(deny_regions=["eu-west-2"])
    source = write_inventory_source(
        tmp_path, "numbers", emulator.url, regions=["us-east-1", "eu-west-2"], strict=False, current_state=True
    )
    report_dir = tmp_path / "reports"
    result, fact = run_role(
        run_ansible,
        tmp_path,
        {
            "assert_numbers_acquired_expected": ACQUIRED,
            "assert_numbers_acquired_source": "inventory",
            "assert_numbers_acquired_fail_on_unexpected": True,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        "-i",
        str(source),
    )
    # Every expected number is held in us-east-1, but eu-west-2 was not listed: no pass.
    assert result.returncode == 2, result.stdout
    assert fact["acquired"] == ACQUIRED and fact["passed"] is False
    assert fact["skipped"] == [{"region": "eu-west-2", "message": "skipped by the inventory source (see its warning)"}]
    message = assert_message(result)
    assert message.splitlines()[0] == "Not every part of the account was listed, so the check cannot pass (1 skipped):"
    assert "region eu-west-2" in message
    report = validate_report(report_dir / "report.json")
    assert report["verdict"] == "failed" and report["result"]["skipped"][0]["region"] == "eu-west-2"
    assert "eu-west-2" in (report_dir / "summary.md").read_text()
    assert "eu-west-2" in (report_dir / "junit.xml").read_text()


def test_two_inventory_sources_that_disagree_are_judged_by_the_latest_order(emulator, run_ansible, tmp_path):
    # Two accounts' sources (here: two regions) report +12065550100: acquired in an old order in one,
    # failed in a newer order in the other. Whichever source loads last, the newer order decides.
    old = api_order("old-acquired", [("+12065550100", "Acquired")], updated="2026-01-01T00:00:00.000Z")
    new = api_order("new-failed", [("+12065550100", "Failed")], status="Failed", updated="2026-06-01T00:00:00.000Z")
    for first, second in (("us-east-1", "us-west-2"), ("us-west-2", "us-east-1")):
        emulator.set_orders([old], region="us-east-1")
        emulator.set_orders([new], region="us-west-2")
        sources = [
            write_inventory_source(tmp_path, "a-" + first, emulator.url, regions=[first], current_state=True),
            write_inventory_source(tmp_path, "b-" + second, emulator.url, regions=[second], current_state=True),
        ]
        result, fact = run_role(
            run_ansible,
            tmp_path,
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_source": "inventory"},
            "-i",
            str(sources[0]),
            "-i",
            str(sources[1]),
        )
        assert result.returncode == 2, (first, result.stdout)
        assert fact["acquired"] == [] and fact["failed"] == ["+12065550100"], first
        assert fact["problems"][0]["phone_number_order_id"] == "new-failed"
        for path in sources:
            path.unlink()


def test_a_cached_inventory_older_than_max_age_is_never_judged(emulator, run_ansible, tmp_path):
    emulator.set_orders(ORDERS)
    cache_dir = tmp_path / "inventory-cache"
    source = write_inventory_source(
        tmp_path,
        "numbers",
        emulator.url,
        current_state=True,
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(cache_dir),
        cache_timeout=86400,
    )
    role_vars = {"assert_numbers_acquired_expected": ACQUIRED, "assert_numbers_acquired_source": "inventory"}
    result, fact = run_role(run_ansible, tmp_path, role_vars, "-i", str(source))
    assert result.returncode == 0, result.stdout
    # Age the cached listing by two hours: the cache plugin still serves it (cache_timeout is a day).
    (entry_path,) = [path for path in cache_dir.iterdir() if path.is_file()]
    entry = json.loads(entry_path.read_text())
    if "__payload__" in entry:  # ansible-core 2.19+ wraps the cached value
        payload = json.loads(entry["__payload__"])
        payload["listed_at"] -= 7200
        entry["__payload__"] = json.dumps(payload)
    else:
        entry["listed_at"] -= 7200
    entry_path.write_text(json.dumps(entry))
    requests = emulator.stats()["requests"]
    result, fact = run_role(run_ansible, tmp_path, role_vars, "-i", str(source))
    assert emulator.stats()["requests"] == requests  # answered from the cache
    assert result.returncode == 2
    assert fact["verdict"] == "error"
    assert "more than max_age 3600 s: the check would judge stale data" in fact["message"]
    # A caller that accepts older data says so.
    result, fact = run_role(
        run_ansible, tmp_path, dict(role_vars, assert_numbers_acquired_max_age=86400), "-i", str(source)
    )
    assert result.returncode == 0 and fact["passed"] is True
