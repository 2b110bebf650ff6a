# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reports never mislead (issue 11, defect 3).

report.json, junit.xml and summary.md are one verdict: a dashboard or a CI upload reading the
directory must see this run's outcome (passed, failed, or "could not check") or nothing of ours,
never an earlier verdict, a mixed set, or files written after the run was cancelled. Every case
starts from a real earlier PASS set in the directory, then breaks one thing: the controller is
killed mid-listing, a report name is taken by a directory, an old report cannot be removed, the
listing raises, the listing fails, the input is refused. Each asserts the directory afterwards,
the task's message (the original error kept, no traceback) and the role's result fact.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import fault_harness as fh  # pylint: disable=import-error
import pytest
from chime_test_data import api_order  # pylint: disable=import-error

ROLE_README = Path(__file__).resolve().parent.parent.parent / "roles" / "assert_numbers_acquired" / "README.md"
EXPECTED = ["+12065550100", "+12065550101"]


def account():
    return [
        api_order("o-1", "2026-04-01T08:00:00.000Z", [("+12065550100", "Acquired"), ("+12065550101", "Acquired")]),
        api_order("o-2", "2026-04-02T08:00:00.000Z", [("+12065550102", "Acquired")]),
    ]


def role_vars(emulator, report_dir, expected=None, **extra):
    return dict(
        {
            "assert_numbers_acquired_expected": expected or EXPECTED,
            "assert_numbers_acquired_endpoint_url": emulator.url,
            "assert_numbers_acquired_report_dir": str(report_dir),
        },
        **extra,
    )


FAST = dict(fh.FAST_RETRIES, max_attempts=2)


def passed_first(run_ansible, emulator, report_dir):
    """An earlier run's PASS set in ``report_dir`` (what a misleading directory would keep showing)."""
    result = fh.playbook(run_ansible, fh.role_play(role_vars(emulator, report_dir), FAST), name="first.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    fh.assert_passed_report_set(report_dir)


# ---- a killed run writes nothing later -----------------------------------------------------------------

LISTING_LATENCY = 4.0


@pytest.mark.parametrize("whole_group", [True, False], ids=["process-group", "controller-only"])
def test_a_killed_run_never_writes_reports_afterwards(emulator, run_ansible, tmp_path, whole_group):
    # A CI runner cancelling a job kills ansible-playbook (or its whole process group) while the
    # listing is slow. 0.1.0's worker finished the listing and wrote new reports about 15 s later,
    # into a directory the next run may already be using.
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    before = fh.directory_state(report_dir)
    requests = emulator.stats()["requests"]

    emulator.inject(latency=LISTING_LATENCY)
    run = fh.BackgroundPlaybook(run_ansible, fh.role_play(role_vars(emulator, report_dir, ["+12065550102"]), FAST))
    try:
        # Killed while its first requests are being served.
        fh.wait_until(lambda: emulator.stats()["requests"] > requests, fh.COMMAND_TIMEOUT, "the listing to start")
        started = time.monotonic()
        run.kill(whole_group)
        assert run.descendants, "the run had no worker when it was killed"
        # Well past the time the listing takes (its two concurrent requests each wait LISTING_LATENCY).
        deadline = started + 3 * LISTING_LATENCY + 4
        while time.monotonic() < deadline:
            assert fh.directory_state(report_dir) == before, "the report directory changed after the kill"
            time.sleep(0.25)
        # Whatever outlived the controller (a worker in a session of its own) has stopped by now.
        assert run.survivors() == [], "processes of the killed run still running: {0}".format(run.survivors())
    finally:
        run.close()
    assert fh.directory_state(report_dir) == before
    # The earlier PASS is still there, untouched: the documented limit of a killed run (nothing can
    # replace it once the controller is gone; pipelines start from an empty directory).
    fh.assert_passed_report_set(report_dir)


# ---- a report name taken by a directory: never a mixed set -----------------------------------------------


@pytest.mark.parametrize("taken", ["report.json", "junit.xml"])
def test_a_report_name_taken_by_a_directory_leaves_no_mixed_set(emulator, run_ansible, tmp_path, taken):
    # 0.1.0 wrote the new failing junit.xml next to the old summary.md that said PASSED.
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    (report_dir / taken).unlink()
    (report_dir / taken).mkdir()
    (report_dir / taken / "keep.txt").write_text("not ours", encoding="utf-8")

    # This run judges: +12065550199 is missing, so the verdict is failed.
    result = fh.playbook(run_ansible, fh.role_play(role_vars(emulator, report_dir, EXPECTED + ["+12065550199"]), FAST))
    message = fh.assert_clean_failure(
        result, fh.failed_task(result), str(report_dir / taken), "it exists and is a directory"
    )
    # The verdict was reached and is kept in the fact, even though its reports could not be written.
    fact = fh.role_fact(result)
    assert (fact["verdict"], fact["missing"]) == ("failed", ["+12065550199"])
    # None of our files is left: neither the old PASS set's nor a part of the new one.
    assert fh.report_set_names(report_dir) == [taken]
    assert (report_dir / taken / "keep.txt").read_text(encoding="utf-8") == "not ours"
    assert "PASSED" not in message


def test_a_taken_report_name_after_a_failed_listing_keeps_the_listing_error(emulator, run_ansible, tmp_path):
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    (report_dir / "summary.md").unlink()
    (report_dir / "summary.md").mkdir()
    emulator.inject(deny_operations=["ListPhoneNumberOrders"])
    result = fh.playbook(run_ansible, fh.role_play(role_vars(emulator, report_dir), FAST))
    output = result.stdout + result.stderr
    message = fh.assert_clean_failure(
        result, fh.failed_task(result), "chime:ListPhoneNumberOrders denied", "ForbiddenException"
    )
    fh.assert_no_traceback(output)
    assert fh.report_set_names(report_dir) == ["summary.md"]
    # The reports' problem is in the failure message too, not only in a registered result nobody
    # reads: the old PASS set is gone and no error set could replace it.
    assert (
        str(report_dir / "summary.md") in message and "it exists and is a directory" in message
    ), "the role's failure message: {0}\nthe check task's registered msg: {1}".format(
        message, result.task(fh.ROLE_CHECK_TASK).get("msg")
    )


# ---- an old report that cannot be removed --------------------------------------------------------------


def make_unremovable(report_dir, name):
    """Make ``report_dir/name`` impossible to remove: immutable for root (chattr +i), a read-only
    directory for anyone else. Returns an undo callable."""
    path = report_dir / name
    if os.geteuid() == 0:
        proc = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False, timeout=30)
        if proc.returncode != 0:
            pytest.skip("this file system cannot make a file immutable (chattr: {0})".format(proc.stderr.strip()))
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=False, timeout=30)
    mode = report_dir.stat().st_mode
    report_dir.chmod(0o555)
    return lambda: report_dir.chmod(mode)


def test_an_unremovable_old_report_gives_a_clear_error_with_the_listing_error(emulator, run_ansible, tmp_path):
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    undo = make_unremovable(report_dir, "report.json")
    try:
        url = "http://127.0.0.1:{0}".format(fh.free_closed_port())
        result = fh.playbook(
            run_ansible, fh.role_play(role_vars(emulator, report_dir, assert_numbers_acquired_endpoint_url=url), FAST)
        )
        output = result.stdout + result.stderr
        task = fh.failed_task(result)
        # The real error, the connection failure, is what the task says, with no traceback.
        fh.assert_clean_failure(result, task, "connection failed", "127.0.0.1")
        fh.assert_no_traceback(output)
        fact = fh.role_fact(result)
        assert fact["verdict"] == "error" and "connection failed" in fact["message"]
        # The stale PASS report.json could not be removed: the failure message must say so, naming
        # it, since a dashboard will keep showing it.
        message = task["msg"]
        diagnosis = "the role's failure message: {0}\nthe check task's registered msg: {1}".format(
            message, result.task(fh.ROLE_CHECK_TASK).get("msg")
        )
        assert str(report_dir / "report.json") in message, diagnosis
        assert re.search(r"could not be removed|cannot remove", message), diagnosis
    finally:
        undo()
    # Everything that could go went: only the unremovable file is left, no half error set beside it.
    assert fh.report_set_names(report_dir) == ["report.json"]


# ---- an exception in the listing step -------------------------------------------------------------------


def test_a_lone_surrogate_from_the_service_ends_in_a_complete_set_not_the_old_pass(emulator, run_ansible, tmp_path):
    # "\ud800" is valid JSON text for a string no UTF-8 can hold; 0.1.0 raised past the report step,
    # leaving the old PASS. Whatever the run makes of it, the directory holds this run's verdict.
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    emulator.set_orders(
        account()
        + [api_order("broken-\ud800-id", "2026-04-03T08:00:00.000Z", [("+12065550101", "Failed")], status="Failed")]
    )
    result = fh.playbook(run_ansible, fh.role_play(role_vars(emulator, report_dir), FAST))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    fh.assert_no_traceback(output)
    fact = fh.role_fact(result)
    assert fact["verdict"] in ("failed", "error"), fact
    assert fh.report_set_names(report_dir) == fh.REPORT_NAMES
    report = fh.validate_report(report_dir / "report.json")
    assert report["verdict"] == fact["verdict"] and report["passed"] is False
    assert "PASSED" not in (report_dir / "summary.md").read_text(encoding="utf-8")
    if fact["verdict"] == "failed":
        # Judged: +12065550101's latest order failed, and the reports say which (the id as text).
        assert [problem["e164_phone_number"] for problem in report["result"]["problems"]] == ["+12065550101"]
    else:
        fh.assert_error_report_set(report_dir)


# ---- "could not check" is a verdict of its own -----------------------------------------------------------


@pytest.mark.parametrize(
    "override, defaults, needle",
    [
        ({"assert_numbers_acquired_expected": ["+12065550100", 12065550101]}, {}, "quote it in YAML"),
        ({"assert_numbers_acquired_expected": []}, {}, "an empty list would check nothing"),
        # A listing filter set for the whole action group: a check must see every order.
        ({}, {"order_status": ["Successful"]}, "order_status cannot be combined with expected"),
        ({}, {"retry_max_delay": "inf"}, "retry_max_delay must be a number of seconds from 0 to 600"),
    ],
    ids=["integer", "empty", "filter-from-module_defaults", "retry-inf-from-module_defaults"],
)
def test_a_refused_input_replaces_the_old_pass_with_an_error_set(
    emulator, run_ansible, tmp_path, override, defaults, needle
):
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    requests = emulator.stats()["requests"]
    result = fh.playbook(
        run_ansible, fh.role_play(dict(role_vars(emulator, report_dir), **override), dict(FAST, **defaults))
    )
    message = fh.assert_clean_failure(result, fh.failed_task(result), needle)
    fh.assert_error_report_set(report_dir, needle)
    fact = fh.role_fact(result)
    assert (fact["verdict"], fact["passed"], fact["message"]) == ("error", False, message)
    assert emulator.stats()["requests"] == requests


@pytest.mark.parametrize(
    "fault, needle, error_code",
    [
        ({"deny_operations": ["ListPhoneNumbers"]}, "chime:ListPhoneNumbers denied", "ForbiddenException"),
        (
            {"fail_503": 10, "operations": ["ListPhoneNumberOrders"]},
            "ServiceUnavailableException (HTTP 503)",
            "ServiceUnavailableException",
        ),
        (
            {"empty_string_token": 10, "operations": ["ListPhoneNumbers"]},
            "returned an empty NextToken",
            "MalformedResponse",
        ),
    ],
    ids=["numbers-denied", "orders-503", "numbers-empty-token"],
)
def test_a_failed_listing_replaces_the_old_pass_with_an_error_set(
    emulator, run_ansible, tmp_path, fault, needle, error_code
):
    emulator.set_orders(account())
    report_dir = tmp_path / "reports"
    passed_first(run_ansible, emulator, report_dir)
    emulator.inject(**fault)
    result = fh.playbook(run_ansible, fh.role_play(role_vars(emulator, report_dir), FAST))
    message = fh.assert_clean_failure(result, fh.failed_task(result), needle)
    fh.assert_error_report_set(report_dir, needle, error_code=error_code)
    fact = fh.role_fact(result)
    assert (fact["verdict"], fact["error_code"], fact["message"]) == ("error", error_code, message)


# ---- the role README's rescue example, as written ----------------------------------------------------


def readme_rescue_example():
    """The YAML of the README's "Keeping going after a failure" example, exactly as documented."""
    text = ROLE_README.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    rescue = [block for block in blocks if "rescue:" in block]
    assert len(rescue) == 1, "the role README should hold one rescue example, found {0}".format(len(rescue))
    return rescue[0]


@pytest.mark.parametrize(
    "fault, error_code",
    [
        ({"deny_operations": ["ListPhoneNumberOrders"]}, "ForbiddenException"),
        ({"unauthorized": 2}, "UnauthorizedClientException"),
    ],
    ids=["denied-403", "unauthorized-401"],
)
def test_the_readme_rescue_example_works_when_the_listing_fails(emulator, run_ansible, tmp_path, fault, error_code):
    # 0.1.0: the fact was never set when the listing failed, so the README's own rescue died with
    # "'assert_numbers_acquired_result' is undefined" and hid the real 403.
    emulator.set_orders(account())
    emulator.inject(**fault)
    extra_vars = {"assert_numbers_acquired_expected": EXPECTED, "assert_numbers_acquired_endpoint_url": emulator.url}
    result = fh.playbook(run_ansible, readme_rescue_example(), "-e", json.dumps(extra_vars))
    output = result.stdout + result.stderr
    fh.assert_no_traceback(output)
    assert "is undefined" not in output, output[-3000:]
    assert result.returncode == 0, "the README's rescue did not complete:\n" + output[-3000:]
    fact = fh.role_fact(result)
    assert fact["verdict"] == "error" and fact["passed"] is False
    assert fact["iam_action"] and fact["iam_action"].startswith("chime:ListPhoneNumber")
    assert fact["error_code"] == error_code and error_code in fact["message"]
