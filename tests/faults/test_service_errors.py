# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server faults, timeouts, refused connections and broken bodies, through real Ansible runs.

Each fault is tried twice: a burst the retry budget absorbs (the data must come back complete
and in order) and one that outlasts it (a failed task naming the fault, with no data at all).
"""

from __future__ import annotations

from xml.etree import ElementTree

import fault_harness as fh  # pylint: disable=import-error
import pytest

# fault -> (the words the failure message must contain, the error_code returned)
SERVER_FAULTS = {
    "fail_500": ("ServiceFailureException (HTTP 500)", "ServiceFailureException"),
    "fail_503": ("ServiceUnavailableException (HTTP 503)", "ServiceUnavailableException"),
}
# botocore hands a 200 body that is not JSON to the caller as {"message": body}, so all three
# end up as "a page without a PhoneNumberOrders list".
BODY_FAULTS = {
    # A proxy's HTML error page with status 200.
    "malformed": ("without a PhoneNumberOrders list", "MalformedResponse"),
    # The connection delivered half the JSON.
    "truncated": ("without a PhoneNumberOrders list", "MalformedResponse"),
    # Valid JSON with a NextToken but no PhoneNumberOrders: the most dangerous shape, since
    # reading it as "no orders on this page" would silently drop orders.
    "missing_key": ("without a PhoneNumberOrders list", "MalformedResponse"),
}
ALL_FAULTS = dict(SERVER_FAULTS, **BODY_FAULTS)


@pytest.mark.parametrize("emulator", [{"generate": 650, "seed": 11}], indirect=True)
def test_a_burst_of_each_fault_within_the_budget_loses_nothing(emulator, run_ansible):
    # 7 pages; after each of pages 1 to 5 comes a burst of 3 of one fault (500, 503, malformed,
    # truncated, missing key), which max_attempts=4 absorbs. Each burst starts right after the
    # page before it: request 1 is page 1, 2-4 the first burst, 5 page 2, 6-8 the second, ...
    for index, fault in enumerate(["fail_500", "fail_503", "malformed", "truncated", "missing_key"]):
        emulator.inject(after_requests=1 + 4 * index, **{fault: 3})
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=4))
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["pages"] == 7
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    stats = emulator.stats()
    assert stats["faults_served"] == {fault: 3 for fault in ALL_FAULTS}
    assert stats["list_requests"] == 7 + 15


@pytest.mark.parametrize("emulator", [{"generate": 300, "seed": 11}], indirect=True)
@pytest.mark.parametrize("fault", sorted(ALL_FAULTS))
def test_a_burst_beyond_the_budget_mid_listing_fails_with_no_data(emulator, run_ansible, fault):
    needle, error_code = ALL_FAULTS[fault]
    emulator.inject(after_requests=1, **{fault: 100})
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3))
    fh.assert_clean_failure(result, task, "chime:ListPhoneNumberOrders failed after 3 attempt(s)", needle)
    assert task["error_code"] == error_code
    stats = emulator.stats()
    assert stats["list_requests"] == 4 and stats["faults_served"] == {fault: 3}


def test_500_and_503_mixed_in_one_burst_are_retried_as_one_budget(emulator, run_ansible):
    # inject() serves 500s first, then 503s: four consecutive failures of one call.
    emulator.generate(50, seed=12)
    emulator.inject(fail_500=2, fail_503=2)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=5))
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    assert emulator.stats()["by_status"] == {"500": 2, "503": 2, "200": 1}

    emulator.reset()
    emulator.inject(fail_500=2, fail_503=2)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=4))
    # The message names the last failure seen.
    fh.assert_clean_failure(result, task, "failed after 4 attempt(s)", "ServiceUnavailableException (HTTP 503)")


def test_read_timeout_is_retried_then_recovers(emulator, run_ansible):
    # Only the first request is slow (3 s against a 1 s read timeout): the retry gets the page.
    # Wide margins: the lanes run side by side on two cores, and a fast answer must stay under 1 s.
    emulator.generate(20, seed=13)
    emulator.inject(latency=3.0, latency_requests=1)
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2, aws_config={"read_timeout": 1.0})
    result, task = fh.run_module(run_ansible, params)
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    assert emulator.stats()["list_requests"] == 2


def test_read_timeout_on_every_attempt_fails_naming_the_timeout(emulator, run_ansible):
    emulator.generate(20, seed=13)
    emulator.inject(latency=3.0)
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2, aws_config={"read_timeout": 1.0})
    result, task = fh.run_module(run_ansible, params)
    fh.assert_clean_failure(result, task, "failed after 2 attempt(s)", "timeout: ReadTimeoutError", "read_timeout")
    # botocore's own retries are off: exactly our two attempts reached the server.
    assert emulator.stats()["list_requests"] == 2


def test_connection_refused_fails_clearly_after_the_budget(run_ansible):
    url = "http://127.0.0.1:{0}".format(fh.free_closed_port())
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=url, max_attempts=3))
    fh.assert_clean_failure(result, task, "failed after 3 attempt(s)", "connection failed", "endpoint_url")
    assert task["error_code"] == "ConnectionError"


def test_inventory_connection_refused_fails_the_source(run_ansible, tmp_path):
    url = "http://127.0.0.1:{0}".format(fh.free_closed_port())
    run = fh.run_inventory(run_ansible, tmp_path, dict(fh.FAST_RETRIES, endpoint_url=url, max_attempts=2))
    assert run.returncode != 0
    assert "failed after 2 attempt(s)" in run.output and "connection failed" in run.output
    fh.assert_no_traceback(run.output)


@pytest.mark.parametrize("fault", ["malformed", "missing_key", "fail_503"])
def test_inventory_broken_page_beyond_the_budget_fails_with_no_hosts(emulator, run_ansible, tmp_path, fault):
    emulator.generate(200, seed=14)
    emulator.inject(after_requests=1, **{fault: 100})
    run = fh.run_inventory(run_ansible, tmp_path, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2))
    assert run.returncode != 0
    assert "failed after 2 attempt(s)" in run.output and ALL_FAULTS[fault][0] in run.output
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["list_requests"] == 3


@pytest.mark.parametrize("emulator", [{"generate": 200, "seed": 15}], indirect=True)
def test_role_with_a_page_missing_its_orders_fails_with_an_error_set(emulator, run_ansible, tmp_path):
    # If the role read that page as "no orders", every number on it would be reported missing
    # (or, with a different page, a pass would rest on half the account).
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": fh.acquired_numbers(emulator.orders(), 5),
        "assert_numbers_acquired_report_dir": str(report_dir),
        "assert_numbers_acquired_endpoint_url": emulator.url,
    }
    defaults = dict(fh.FAST_RETRIES, max_attempts=2)
    result = fh.playbook(run_ansible, fh.role_play(role_vars, defaults))
    assert result.returncode == 0, result.stdout[-3000:]
    fh.assert_passed_report_set(report_dir)

    # Page 2 of the orders (and every retry) lacks its list; the numbers listing is left alone.
    emulator.inject(missing_key=100, after_requests=1, operations=["ListPhoneNumberOrders"])
    result = fh.playbook(run_ansible, fh.role_play(role_vars, defaults))
    fh.assert_clean_failure(result, fh.failed_task(result), "without a PhoneNumberOrders list")
    fh.assert_error_report_set(
        report_dir,
        "ListPhoneNumberOrders returned a page without a PhoneNumberOrders list",
        error_code="MalformedResponse",
    )
    assert fh.role_fact(result)["verdict"] == "error"


def test_junit_callback_reports_the_message_of_a_failed_task_not_a_traceback(emulator, run_ansible, tmp_path):
    # CI systems show JUnit files (ansible.builtin.junit) to people; a debugging run at -vvv
    # must still show them what failed, not only where in our code it was raised.
    emulator.generate(10)
    emulator.inject(forbidden=1)
    junit_dir = tmp_path / "junit"
    env = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit", "JUNIT_OUTPUT_DIR": str(junit_dir)}
    result = fh.playbook(
        run_ansible, fh.module_play({"endpoint_url": emulator.url}), "-vvv", json_output=False, env=env
    )
    assert result.returncode == 2
    [report] = list(junit_dir.glob("*.xml"))
    cases = [case for case in ElementTree.parse(str(report)).getroot().iter("testcase") if fh.TASK in case.get("name")]
    assert len(cases) == 1
    problems = [child for child in cases[0] if child.tag in ("failure", "error")]
    assert len(problems) == 1
    message = problems[0].get("message") or ""
    assert "ForbiddenException" in message and "chime:ListPhoneNumberOrders" in message, message
    fh.assert_no_traceback(problems[0].text or "")


def test_inventory_never_caches_a_failed_listing(emulator, run_ansible, tmp_path):
    # A failed run must leave no cache entry: the next run lists again and gets everything.
    emulator.generate(150, seed=16)
    emulator.inject(fail_503=100, after_requests=1)
    cache_dir = tmp_path / "cache"
    options = dict(
        fh.FAST_RETRIES,
        endpoint_url=emulator.url,
        max_attempts=2,
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(cache_dir),
        cache_timeout=3600,
    )
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode != 0
    assert not cache_dir.exists() or not list(cache_dir.iterdir())

    emulator.clear_faults()
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0, run.output[-3000:]
    assert set(run.hostvars()) == set(fh.served_numbers(emulator.orders()))
    # The good listing is cached: a third run makes no request at all.
    requests_before = emulator.stats()["requests"]
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0 and len(run.hostvars()) == 450
    assert emulator.stats()["requests"] == requests_before


# ---- retrying on the HTTP status alone, with an error code the client has never seen ------------------

# A code nobody knows ("SomethingNew") is what a new front end or a proxy may send. Retrying must follow
# the HTTP status (429 and 5xx), not a list of known codes; a 4xx with an unknown code is the same answer
# every time and is not retried. Each fault starts at the request its task is the first to make.
RETRIED_STATUSES = (429, 500, 502, 503, 504)
NOT_RETRIED_STATUSES = (400, 409, 418)


def unknown_code(status, count):
    return {"status": status, "code": "SomethingNew", "count": count, "message": "Injected {0}.".format(status)}


def test_unknown_error_codes_are_retried_by_http_status_alone(emulator, run_ansible):
    emulator.generate(30, seed=17)
    # Request numbers: recoveries take 3 each (2 faults, then the page), the exhausted case 2, refusals 1.
    after = 0
    for status in RETRIED_STATUSES:
        emulator.inject(http_error=unknown_code(status, 2), after_requests=after)
        after += 3
    emulator.inject(http_error=unknown_code(502, 2), after_requests=after)
    after += 2
    for status in NOT_RETRIED_STATUSES:
        emulator.inject(http_error=unknown_code(status, 1), after_requests=after)
        after += 1
    cases = {
        "recover-{0}".format(status): dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3)
        for status in RETRIED_STATUSES
    }
    cases["exhausted-502"] = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2)
    cases.update(
        ("refused-{0}".format(status), dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=5))
        for status in NOT_RETRIED_STATUSES
    )
    result = fh.playbook(run_ansible, fh.cases_play(cases))
    assert result.returncode == 0, result.stdout[-3000:]
    served = [fh.expected_order(order) for order in emulator.orders()]
    for status in RETRIED_STATUSES:
        task = result.task("case recover-{0}".format(status))
        assert task.get("failed") is not True, (status, task.get("msg"))
        assert task["phone_number_orders"] == served, status
    task = result.task("case exhausted-502")
    assert fh.task_failure_problems(task, "failed after 2 attempt(s)", "SomethingNew (HTTP 502)") == []
    assert (task["error_code"], task["http_status"], task["attempts"]) == ("SomethingNew", 502, 2)
    for status in NOT_RETRIED_STATUSES:
        task = result.task("case refused-{0}".format(status))
        assert fh.task_failure_problems(task, "SomethingNew, HTTP {0}".format(status)) == [], status
        assert (task["http_status"], task["attempts"]) == (status, 1), task
    # 2 faults + 1 page for each recovery, 2 for the exhausted one, 1 for each refusal: nothing else.
    stats = emulator.stats()
    assert stats["list_requests"] == 3 * len(RETRIED_STATUSES) + 2 + len(NOT_RETRIED_STATUSES)
    assert stats["pending"]["http_error"] == 0
