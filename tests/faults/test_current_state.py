# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults on ListPhoneNumbers, the second listing of 0.2.0 (current_state).

The module (current_state: true), the compliance action and the role list the account's numbers
next to its orders, concurrently, through the same loop. Every fault the suite applies to
ListPhoneNumberOrders is applied here to ListPhoneNumbers only (``operations=["ListPhoneNumbers"]``),
so the orders listing is healthy and any failure is the numbers listing's: within the retry budget
the result must equal a fault-free listing of the same account; past it the task fails naming
``chime:ListPhoneNumbers`` and returns no data and no verdict (never one from half the data).

Each playbook queues its faults so that each task meets its own: counted faults start at the task's
first request (``after_requests``), and switches (latency, repeat_token, empty_first_page) are set
between tasks through the emulator's HTTP control API.
"""

from __future__ import annotations

import json

import fault_harness as fh  # pylint: disable=import-error
import pytest

NUMBERS = ["ListPhoneNumbers"]
FAST = dict(fh.FAST_RETRIES)


def listing_task(name, emulator, extra=None):
    params = dict(FAST, endpoint_url=emulator.url, current_state=True, include_orders=False, **(extra or {}))
    return """
    - name: "{0}"
      {1}: {2}
      ignore_errors: true
""".format(name, fh.MODULE, json.dumps(params))


def switch_task(name, emulator, faults):
    """A task that changes the emulator's faults through its control API (a POST from the controller)."""
    return """
    - name: "{0}"
      ansible.builtin.uri:
        url: {1}/_emulator/inject
        method: POST
        body_format: json
        body: {2}
""".format(name, emulator.url, json.dumps(faults))


def play(tasks):
    return "\n- name: ListPhoneNumbers under faults\n  hosts: localhost\n  gather_facts: false\n  tasks:" + "".join(
        tasks
    )


def requests_per_listing(emulator):
    """API requests of one fault-free module run with current_state (orders pages + numbers pages)."""
    return -(-len(emulator.orders()) // 100) + fh.number_pages(emulator)


# Within the budget (max_attempts 4): a burst of 3 on the numbers listing, then the rest of it.
COUNTED_BURSTS = {
    "throttle": {"throttle": 3},
    "fail_500": {"fail_500": 3},
    "fail_503": {"fail_503": 3},
    "http-502-unknown-code": {"http_error": {"status": 502, "code": "SomethingNew", "count": 3}},
    "malformed": {"malformed": 3},
    "truncated": {"truncated": 3},
    "missing_key": {"missing_key": 3},
    "empty_string_token": {"empty_string_token": 3},
}


@pytest.mark.parametrize("emulator", [{"generate": 250, "seed": 81}], indirect=True)
def test_numbers_listing_faults_within_the_budget_give_the_complete_listing(emulator, run_ansible):
    per_run = requests_per_listing(emulator)
    tasks = [listing_task("control", emulator)]
    after = per_run
    for case_id, fault in COUNTED_BURSTS.items():
        emulator.inject(operations=NUMBERS, after_requests=after, **fault)
        tasks.append(listing_task(case_id, emulator, {"max_attempts": 4}))
        after += per_run + 3
    # Switches, each on for one task.
    tasks += [
        switch_task("empty first page on", emulator, {"empty_first_page": True, "operations": NUMBERS}),
        listing_task("empty_first_page", emulator),
        switch_task("empty first page off", emulator, {"empty_first_page": False}),
        switch_task("one slow answer", emulator, {"latency": 3.0, "latency_requests": 1, "operations": NUMBERS}),
        listing_task("read-timeout-once", emulator, {"max_attempts": 2, "aws_config": {"read_timeout": 1.0}}),
    ]
    result = fh.playbook(run_ansible, play(tasks))
    assert result.returncode == 0, result.stdout[-3000:]
    control = result.task("control")
    assert control.get("failed") is not True, control.get("msg")
    assert control["phone_numbers"] and all("account_status" in entry for entry in control["phone_numbers"])
    problems = []
    for case_id in list(COUNTED_BURSTS) + ["empty_first_page", "read-timeout-once"]:
        task = result.task(case_id)
        if task.get("failed"):
            problems.append("{0}: failed: {1}".format(case_id, task.get("msg")))
            continue
        if task["phone_numbers"] != control["phone_numbers"]:
            problems.append("{0}: the per-number view differs from the fault-free listing".format(case_id))
        extra_page = 1 if case_id == "empty_first_page" else 0
        if (task["pages"], task["phone_number_pages"]) != (
            control["pages"],
            control["phone_number_pages"] + extra_page,
        ):
            problems.append("{0}: pages {1}/{2}".format(case_id, task["pages"], task["phone_number_pages"]))
    assert not problems, "\n".join(problems)
    served = emulator.stats()["faults_served"]
    assert all(
        served.get(kind) == 3
        for kind in (
            "throttle",
            "fail_500",
            "fail_503",
            "http_error",
            "malformed",
            "truncated",
            "missing_key",
            "empty_string_token",
        )
    ), served


# Past the budget (max_attempts 2): (fault, the words the message must contain). Counts match the
# attempts each uses, so that nothing is left for the next task.
EXHAUSTING = {
    "throttle": ({"throttle": 2}, "ThrottledClientException (HTTP 429)"),
    "fail_500": ({"fail_500": 2}, "ServiceFailureException (HTTP 500)"),
    "fail_503": ({"fail_503": 2}, "ServiceUnavailableException (HTTP 503)"),
    "http-504-unknown-code": (
        {"http_error": {"status": 504, "code": "SomethingNew", "count": 2}},
        "SomethingNew (HTTP 504)",
    ),
    "malformed": ({"malformed": 2}, "without a PhoneNumbers list"),
    "truncated": ({"truncated": 2}, "without a PhoneNumbers list"),
    "missing_key": ({"missing_key": 2}, "without a PhoneNumbers list"),
    "empty_string_token": ({"empty_string_token": 2}, "returned an empty NextToken"),
    # Denials are not retried: one request each.
    "forbidden": ({"forbidden": 1}, "chime:ListPhoneNumbers denied (ForbiddenException, HTTP 403)"),
    "unauthorized": ({"unauthorized": 1}, "chime:ListPhoneNumbers denied (UnauthorizedClientException, HTTP 401)"),
}
# How to keep checking without the permission: said on every denial of ListPhoneNumbers.
CROSS_CHECK_OFF_HINT = "turn the cross-check off (current_state: false)"


@pytest.mark.parametrize("emulator", [{"generate": 250, "seed": 82}], indirect=True)
def test_numbers_listing_faults_past_the_budget_fail_the_whole_check_naming_it(emulator, run_ansible):
    expected = fh.acquired_numbers(emulator.orders(), 5)
    judge = {"max_attempts": 2, "expected": expected}
    tasks = []
    # A failing task's orders listing may be stopped part-way when its sibling fails: each fault
    # therefore waits for its own task's first numbers request, counted from the control API.
    for case_id, (fault, dummy) in EXHAUSTING.items():
        tasks.append(switch_task("arm " + case_id, emulator, dict(fault, operations=NUMBERS)))
        tasks.append(listing_task(case_id, emulator, judge))
    tasks += [
        switch_task("arm repeat_token", emulator, {"repeat_token": True, "operations": NUMBERS}),
        listing_task("repeat_token", emulator, judge),
        switch_task("disarm repeat_token", emulator, {"repeat_token": False}),
        switch_task("arm latency", emulator, {"latency": 3.0, "operations": NUMBERS}),
        listing_task("read-timeout-always", emulator, dict(judge, aws_config={"read_timeout": 1.0})),
    ]
    result = fh.playbook(run_ansible, play(tasks))
    assert result.returncode == 0, result.stdout[-3000:]
    cases = dict((case_id, needle) for case_id, (dummy, needle) in EXHAUSTING.items())
    cases["repeat_token"] = "ListPhoneNumbers repeated a NextToken"
    cases["read-timeout-always"] = "timeout: ReadTimeoutError"
    problems = []
    for case_id, needle in cases.items():
        task = result.task(case_id)
        # No verdict from half the data: no compliance, no phone_numbers, no pages.
        problems.extend(
            "{0}: {1}".format(case_id, problem)
            for problem in fh.task_failure_problems(task, "chime:ListPhoneNumbers", needle)
        )
        if task.get("iam_action") != fh.LIST_NUMBERS_ACTION:
            problems.append("{0}: iam_action {1!r}".format(case_id, task.get("iam_action")))
        if case_id in ("forbidden", "unauthorized") and CROSS_CHECK_OFF_HINT not in task.get("msg", ""):
            problems.append(
                "{0}: the denial does not say how to turn the cross-check off: {1}".format(case_id, task.get("msg"))
            )
    assert not problems, "\n".join(problems)
    fh.assert_no_traceback(result.stdout + result.stderr)


def test_a_denied_numbers_listing_fails_the_role_and_the_inventory_saying_how_to_turn_it_off(
    emulator, run_ansible, tmp_path
):
    emulator.generate(30, seed=83)
    emulator.inject(deny_operations=NUMBERS)
    report_dir = tmp_path / "reports"
    result = fh.playbook(
        run_ansible,
        fh.role_play(
            {
                "assert_numbers_acquired_expected": fh.acquired_numbers(emulator.orders(), 3),
                "assert_numbers_acquired_endpoint_url": emulator.url,
                "assert_numbers_acquired_report_dir": str(report_dir),
            }
        ),
    )
    message = fh.assert_clean_failure(
        result, fh.failed_task(result), "chime:ListPhoneNumbers denied", CROSS_CHECK_OFF_HINT
    )
    fh.assert_error_report_set(report_dir, "chime:ListPhoneNumbers denied", error_code="ForbiddenException")
    assert fh.role_fact(result)["iam_action"] == fh.LIST_NUMBERS_ACTION

    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": emulator.url, "current_state": True})
    assert run.returncode != 0
    assert "chime:ListPhoneNumbers denied" in run.output and CROSS_CHECK_OFF_HINT in run.output, run.output[-3000:]
    fh.assert_no_traceback(run.output)
    # Turned off as the message says, the same account is checked on order history alone.
    result = fh.playbook(
        run_ansible,
        fh.role_play(
            {
                "assert_numbers_acquired_expected": fh.acquired_numbers(emulator.orders(), 3),
                "assert_numbers_acquired_endpoint_url": emulator.url,
                "assert_numbers_acquired_current_state": False,
            }
        ),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "order history" in fh.role_fact(result)["message"], message
