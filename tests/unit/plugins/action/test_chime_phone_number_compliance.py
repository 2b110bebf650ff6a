# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.chime_phone_number_compliance action plugin, in-process.

The listing module is replaced by a fake that answers with the real judge's verdict (see
action_testkit.py), so every branch of the action can be driven: refused inputs, polling and its
deadline, failed listings, exceptions, report-write failures and a controller that has gone.
"""

from __future__ import annotations

import json
import shutil

import pytest
from action_testkit import ENDPOINT_URL  # tests/unit/plugins/action/action_testkit.py (conftest puts it on sys.path)
from action_testkit import LISTING_MODULE
from action_testkit import SECRET_ARGS
from action_testkit import SECRET_KEY
from action_testkit import SESSION_TOKEN
from action_testkit import TASK_NAME
from action_testkit import Account
from action_testkit import FakeListing
from action_testkit import acquired
from action_testkit import failed
from action_testkit import leaked_secrets
from action_testkit import listing_failure
from action_testkit import make_action
from action_testkit import never_called
from action_testkit import processing
from action_testkit import read_reports
from action_testkit import trusted
from action_testkit import write_old_passed_reports
from report_schema import validate_report  # tests/report_schema.py

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.voiceops.chime.plugins.action import chime_phone_number_compliance as plugin

EXPECTED = ["+12065550100", "+12065550101"]
ALL_ACQUIRED = Account(acquired("+12065550100"), acquired("+12065550101"))
ONE_PROCESSING = Account(processing("+12065550100"), acquired("+12065550101"))
DENIED = listing_failure(
    "chime:ListPhoneNumberOrders denied (AccessDeniedException, HTTP 403): not authorized. "
    "Check the credentials and that the IAM policy allows chime:ListPhoneNumberOrders.",
    error_code="AccessDeniedException",
    http_status=403,
    iam_action="chime:ListPhoneNumberOrders",
    attempts=1,
)


@pytest.fixture(autouse=True)
def no_real_waiting(fake_clock):
    """Every test runs on the fake clock: a broken poll loop fails a test instead of sleeping for real."""
    return fake_clock


def run_check(args, *steps, check_mode=False, clock=None, seconds_per_listing=0):
    """Run the action with ``args``; the listing module answers ``steps`` (see FakeListing)."""
    listing = FakeListing(*steps, clock=clock, seconds_per_listing=seconds_per_listing)
    action = make_action(plugin, args, check_mode=check_mode, execute_module=listing)
    return action.run(task_vars={}), listing


def run_refused(args):
    """Run the action with input it must refuse: the listing module must never run."""
    return make_action(plugin, args, execute_module=never_called).run(task_vars={})


def assert_error_verdict(result, message_part, error_code):
    assert result["failed"] is True and result["changed"] is False
    assert message_part in result["msg"]
    assert result["check"]["verdict"] == "error" and result["check"]["passed"] is False
    assert result["check"]["error_code"] == error_code
    assert result["check"]["message"] == result["msg"].split(" (reports: ")[0]


def assert_error_set(directory, message_part, error_code):
    reports = read_reports(directory)
    assert set(reports) == {"report.json", "junit.xml", "summary.md"}
    report = validate_report(reports["report.json"])
    assert report["verdict"] == "error" and report["passed"] is False
    assert report["error"]["error_code"] == error_code
    assert message_part in report["error"]["message"]
    assert "<error" in reports["junit.xml"] and "<failure" not in reports["junit.xml"]
    assert "COULD NOT CHECK" in reports["summary.md"] and "PASSED" not in reports["summary.md"]
    return report


# --------------------------------------------------------------------------- a judged run


def test_a_passing_check_lists_once_and_returns_the_verdict():
    result, listing = run_check(
        {"expected": EXPECTED, "region": "us-east-1", "endpoint_url": "http://127.0.0.1:1"},
        Account(acquired("+12065550100"), acquired("+12065550101"), pages=3, phone_number_pages=2),
    )
    assert not result.get("failed") and result["changed"] is False
    assert result["compliance"]["passed"] is True and result["compliance"]["acquired"] == EXPECTED
    assert result["check"] == dict(result["compliance"], verdict="passed")
    assert (result["polls"], result["pages"], result["phone_number_pages"]) == (1, 3, 2)
    assert set(result["timing"]) == {"started", "listed", "judged", "polls"} and result["timing"]["polls"] == 1
    assert result["timing"]["started"] <= result["timing"]["listed"] <= result["timing"]["judged"]
    assert "report_files" not in result and "report_error" not in result
    # Exactly these options reach the module: the judge's own (wait_timeout, report_dir, ...) never do,
    # and the module never returns the orders.
    [call] = listing.calls
    assert call["module_name"] == LISTING_MODULE
    assert call["module_args"] == {
        "region": "us-east-1",
        "endpoint_url": "http://127.0.0.1:1",
        "expected": EXPECTED,
        "fail_on_unexpected": False,
        "max_listed": 50,
        "current_state": True,
        "include_orders": False,
    }


def test_a_failing_verdict_is_returned_without_failing_the_task():
    result, dummy = run_check({"expected": EXPECTED}, Account(acquired("+12065550100"), failed("+12065550101")))
    assert not result.get("failed") and result["changed"] is False
    assert result["compliance"]["passed"] is False and result["compliance"]["failed"] == ["+12065550101"]
    assert result["check"]["verdict"] == "failed" and result["check"]["passed"] is False


def test_judge_options_reach_the_module_as_typed_values():
    result, listing = run_check(
        {"expected": EXPECTED, "fail_on_unexpected": "yes", "current_state": "no", "max_listed": "7"}, ALL_ACQUIRED
    )
    module_args = listing.calls[0]["module_args"]
    assert (module_args["fail_on_unexpected"], module_args["current_state"], module_args["max_listed"]) == (
        True,
        False,
        7,
    )
    # Judged on order history: no account listing was made, so no page count for it either.
    assert result["compliance"]["current_state"] is False and "phone_number_pages" not in result


def test_listing_options_override_the_task_options():
    dummy, listing = run_check(
        {
            "expected": EXPECTED,
            "endpoint_url": "http://127.0.0.1:9",
            "listing_options": {"endpoint_url": "http://127.0.0.1:10", "page_size": 50},
        },
        ALL_ACQUIRED,
    )
    module_args = listing.calls[0]["module_args"]
    assert module_args["endpoint_url"] == "http://127.0.0.1:10" and module_args["page_size"] == 50
    assert "listing_options" not in module_args


def test_an_empty_expected_list_with_fail_on_unexpected_asserts_an_empty_account():
    empty, dummy = run_check({"expected": [], "fail_on_unexpected": True}, Account())
    assert empty["compliance"]["passed"] is True
    holding, dummy = run_check({"expected": [], "fail_on_unexpected": True}, Account(acquired("+12065550199")))
    assert holding["compliance"]["passed"] is False and holding["compliance"]["unexpected"] == ["+12065550199"]


def test_service_text_in_the_verdict_is_never_templated():
    # An order id is the service's text: a later task that templates the registered result must see it as
    # written (on ansible-core < 2.19 only the unsafe mark stops the templar; see plugin_utils/unsafe.py).
    result, dummy = run_check(
        {"expected": EXPECTED}, Account(acquired("+12065550100"), failed("+12065550101", order_id="{{ 6 * 7 }}"))
    )
    templar = Templar(loader=DataLoader(), variables={"check": result["check"], "compliance": result["compliance"]})
    assert templar.template(trusted("{{ check.problems[0].phone_number_order_id }}")) == "{{ 6 * 7 }}"
    assert templar.template(trusted("{{ compliance.problems[0].phone_number_order_id }}")) == "{{ 6 * 7 }}"


# --------------------------------------------------------------------------- inputs refused before any listing


@pytest.mark.parametrize(
    "args, message_part",
    [
        ({"expected": []}, "expected is empty"),
        ({"expected": ["+12065550100", 2065550101]}, "quote it in YAML"),
        ({"expected": ["+1 206 CALL NOW"]}, "expected list has 1 invalid entry"),
        ({"expected": EXPECTED, "phone_numbers": ["+12065550100"]}, "phone_numbers cannot be combined with expected"),
        ({"expected": EXPECTED, "order_status": ["Successful"]}, "order_status cannot be combined with expected"),
        ({"expected": EXPECTED, "product_type": ["VoiceConnector"]}, "product_type cannot be combined with expected"),
        ({"expected": EXPECTED, "phone_number_order_ids": ["o-1"]}, "phone_number_order_ids cannot be combined"),
        (
            {"expected": EXPECTED, "listing_options": {"phone_numbers": ["+12065550100"]}},
            "phone_numbers cannot be combined with expected",
        ),
        ({"expected": EXPECTED, "include_orders": True}, "include_orders cannot be used here"),
        ({}, "missing required arguments: expected"),
        ({"expected": EXPECTED, "wait_timeout": "soon"}, "wait_timeout"),
        ({"expected": EXPECTED, "report_formats": ["pdf"]}, "report_formats"),
        ({"expected": EXPECTED, "wait_timeout": -1}, "wait_timeout must be from 0 to 86400 seconds, got -1"),
        ({"expected": EXPECTED, "wait_timeout": 86401}, "wait_timeout must be from 0 to 86400 seconds, got 86401"),
        ({"expected": EXPECTED, "poll_interval": 0}, "poll_interval must be from 1 to 3600 seconds, got 0"),
        ({"expected": EXPECTED, "poll_interval": 3601}, "poll_interval must be from 1 to 3600 seconds, got 3601"),
    ],
)
def test_input_that_would_make_the_check_meaningless_is_refused_before_any_listing(args, message_part):
    result = run_refused(args)
    assert_error_verdict(result, message_part, "InvalidInput")
    assert "polls" not in result and "compliance" not in result


@pytest.mark.parametrize(
    "option, value", [("wait_timeout", 0), ("wait_timeout", 86400), ("poll_interval", 1), ("poll_interval", 3600)]
)
def test_the_bounds_of_the_waiting_options_are_accepted(option, value):
    result, listing = run_check({"expected": EXPECTED, option: value}, ALL_ACQUIRED)
    assert not result.get("failed") and result["compliance"]["passed"] is True and len(listing.calls) == 1


def test_refused_input_replaces_the_old_reports_with_an_error_set(tmp_path):
    write_old_passed_reports(tmp_path)
    result = run_refused({"expected": [], "report_dir": str(tmp_path)})
    assert_error_verdict(result, "expected is empty", "InvalidInput")
    assert_error_set(tmp_path, "expected is empty", "InvalidInput")
    assert sorted(result["report_files"]) == ["json", "junit", "markdown"]


def test_a_report_directory_that_cannot_be_used_is_refused_before_any_listing(tmp_path):
    taken = tmp_path / "reports"
    taken.write_text("a file where the directory should be\n")
    result = run_refused({"expected": EXPECTED, "report_dir": str(taken)})
    assert_error_verdict(result, "it exists and is not a directory", "ReportDirectory")
    assert taken.read_text() == "a file where the directory should be\n"


# --------------------------------------------------------------------------- reports of a judged run


def test_reports_of_a_judged_run_are_one_new_set(tmp_path):
    write_old_passed_reports(tmp_path)
    result, dummy = run_check(
        {"expected": EXPECTED, "report_dir": str(tmp_path), "region": "us-east-1"},
        Account(acquired("+12065550100"), failed("+12065550101")),
    )
    assert not result.get("failed") and result["changed"] is False
    assert result["report_files"] == {
        "json": str(tmp_path / "report.json"),
        "junit": str(tmp_path / "junit.xml"),
        "markdown": str(tmp_path / "summary.md"),
    }
    reports = read_reports(tmp_path)
    report = validate_report(reports["report.json"])
    assert report["verdict"] == "failed" and report["result"]["failed"] == ["+12065550101"]
    assert report["inputs"]["region"] == "us-east-1" and report["inputs"]["source"] == "module"
    assert report["inputs"]["expected_entries"] == 2 and report["timing"]["polls"] == 1
    assert "<failure" in reports["junit.xml"] and "old" not in reports["junit.xml"]
    assert "FAILED" in reports["summary.md"]


def test_the_reports_record_what_the_check_was_run_with_and_nothing_else(tmp_path):
    run_check(
        {
            "expected": EXPECTED + ["+12065550100"],
            "report_dir": str(tmp_path),
            "api": "chime_sdk_voice",
            "region": "eu-central-1",
            "profile": "compliance",
            "endpoint_url": "http://127.0.0.1:1",
            "page_size": 99,
            "max_attempts": 3,
            "fail_on_unexpected": True,
            "current_state": False,
            "wait_timeout": 60,
            "poll_interval": 5,
        },
        ALL_ACQUIRED,
    )
    report = validate_report(read_reports(tmp_path)["report.json"])
    assert report["inputs"] == {
        "api": "chime_sdk_voice",
        "region": "eu-central-1",
        "profile": "compliance",
        "endpoint_url": "http://127.0.0.1:1",
        "page_size": 99,
        "source": "module",
        "fail_on_unexpected": True,
        "current_state": False,
        "wait_timeout": 60,
        "poll_interval": 5,
        "expected_entries": 3,
    }


@pytest.mark.parametrize("step, verdict", [(ALL_ACQUIRED, "passed"), (DENIED, "error")])
def test_suite_name_names_the_junit_suite(tmp_path, step, verdict):
    result, dummy = run_check(
        {"expected": EXPECTED, "report_dir": str(tmp_path), "suite_name": "chime.contact-centre"}, step
    )
    assert result["check"]["verdict"] == verdict
    junit = read_reports(tmp_path)["junit.xml"]
    assert 'name="chime.contact-centre"' in junit and "voiceops.chime.assert_numbers_acquired" not in junit


def test_a_home_relative_report_dir_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result, dummy = run_check({"expected": EXPECTED, "report_dir": "~/reports"}, ALL_ACQUIRED)
    assert result["report_files"]["json"] == str(tmp_path / "reports" / "report.json")
    assert (tmp_path / "reports" / "report.json").is_file()


def test_check_mode_writes_no_error_set_either(tmp_path):
    old = write_old_passed_reports(tmp_path)
    result = make_action(
        plugin, {"expected": [], "report_dir": str(tmp_path)}, check_mode=True, execute_module=never_called
    ).run(task_vars={})
    assert_error_verdict(result, "expected is empty", "InvalidInput")
    assert read_reports(tmp_path) == old and "report_files" not in result


def test_a_format_left_out_is_not_left_behind_from_an_earlier_run(tmp_path):
    write_old_passed_reports(tmp_path)
    result, dummy = run_check(
        {"expected": EXPECTED, "report_dir": str(tmp_path), "report_formats": ["json"]}, ALL_ACQUIRED
    )
    assert result["report_files"] == {"json": str(tmp_path / "report.json")}
    assert set(read_reports(tmp_path)) == {"report.json"}


def test_check_mode_writes_nothing_and_creates_no_directory(tmp_path):
    report_dir = tmp_path / "not-yet"
    result, listing = run_check({"expected": EXPECTED, "report_dir": str(report_dir)}, ALL_ACQUIRED, check_mode=True)
    assert result["compliance"]["passed"] is True and len(listing.calls) == 1
    assert not report_dir.exists()


@pytest.mark.parametrize(
    "account, verdict",
    [(ALL_ACQUIRED, "passed"), (Account(acquired("+12065550100"), failed("+12065550101")), "failed")],
)
def test_a_report_write_failure_after_the_listing_still_returns_the_verdict(tmp_path, account, verdict):
    (tmp_path / "summary.md").write_text("# PASSED (old run)\n")
    (tmp_path / "report.json").mkdir()  # a name we did not write: never replaced, so the set cannot be written
    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, account)
    assert not result.get("failed") and result["changed"] is False
    assert result["check"]["verdict"] == verdict and result["compliance"]["passed"] is (verdict == "passed")
    assert "report.json" in result["report_error"] and "is a directory" in result["report_error"]
    assert "report_files" not in result
    # All or none: no part of the new set, and no old verdict beside the name that blocked it.
    assert read_reports(tmp_path) == {}


# --------------------------------------------------------------------------- a failed listing, an exception


def test_a_failed_listing_returns_an_error_verdict_and_replaces_the_reports(tmp_path):
    write_old_passed_reports(tmp_path)
    result, listing = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, DENIED)
    assert_error_verdict(result, "chime:ListPhoneNumberOrders denied", "AccessDeniedException")
    assert (result["error_code"], result["http_status"], result["iam_action"], result["attempts"]) == (
        "AccessDeniedException",
        403,
        "chime:ListPhoneNumberOrders",
        1,
    )
    assert result["check"]["iam_action"] == "chime:ListPhoneNumberOrders" and result["check"]["http_status"] == 403
    # The module's echoed arguments are never passed on.
    assert "invocation" not in result and len(listing.calls) == 1
    report = assert_error_set(tmp_path, "chime:ListPhoneNumberOrders denied", "AccessDeniedException")
    assert report["error"]["iam_action"] == "chime:ListPhoneNumberOrders" and report["error"]["http_status"] == 403
    assert report["error"]["attempts"] == 1
    # When it started is known; there is no judgement, so no listing or poll count.
    assert report["timing"]["started_at"] is not None and report["timing"]["polls"] is None


def test_a_failed_listing_without_a_message_is_still_named():
    result, dummy = run_check({"expected": EXPECTED}, {"failed": True})
    assert_error_verdict(result, LISTING_MODULE + " failed", None)


@pytest.mark.parametrize(
    "step, message_part, error_code",
    [
        (
            RuntimeError("the connection plugin exploded"),
            "the compliance check stopped on an unexpected RuntimeError: the connection plugin exploded",
            "RuntimeError",
        ),
        # A result that is neither a failure nor a verdict (a module from another version, say).
        ({"changed": False, "pages": 1}, "the compliance check stopped on an unexpected KeyError", "KeyError"),
    ],
)
def test_an_unexpected_exception_ends_in_an_error_set_not_a_traceback(tmp_path, step, message_part, error_code):
    write_old_passed_reports(tmp_path)
    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, step)
    assert_error_verdict(result, message_part, error_code)
    assert "exception" not in result
    assert_error_set(tmp_path, message_part, error_code)


def test_an_exception_while_building_the_reports_ends_in_an_error_set(tmp_path, monkeypatch):
    def broken_build_reports(*args, **kwargs):
        raise ZeroDivisionError("report builder bug")

    monkeypatch.setattr(plugin, "build_reports", broken_build_reports)
    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, ALL_ACQUIRED)
    assert_error_verdict(result, "unexpected ZeroDivisionError: report builder bug", "ZeroDivisionError")
    assert_error_set(tmp_path, "report builder bug", "ZeroDivisionError")


def test_when_not_even_an_error_set_can_be_written_no_old_verdict_stays(tmp_path):
    write_old_passed_reports(tmp_path)
    (tmp_path / "junit.xml").unlink()
    (tmp_path / "junit.xml").mkdir()
    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, DENIED)
    assert_error_verdict(result, "chime:ListPhoneNumberOrders denied", "AccessDeniedException")
    # The message keeps the real error first and names the report problem after it.
    assert result["msg"].startswith("chime:ListPhoneNumberOrders denied")
    blocked = tmp_path / "junit.xml"
    assert result["report_error"] == (
        "cannot write report {0}: it exists and is a directory; cannot remove stale "
        "reports: {0}: it exists and is a directory".format(blocked)
    )
    assert result["msg"] == "{0} (reports: {1})".format(result["check"]["message"], result["report_error"])
    assert read_reports(tmp_path) == {}


def test_a_report_directory_replaced_during_the_listing_is_named_and_nothing_else_is_touched(tmp_path):
    report_dir = tmp_path / "reports"

    def replace_directory_then_fail(module_args):
        shutil.rmtree(report_dir)
        report_dir.write_text("not a directory\n")
        return dict(DENIED)

    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(report_dir)}, replace_directory_then_fail)
    assert_error_verdict(result, "chime:ListPhoneNumberOrders denied", "AccessDeniedException")
    assert "it exists and is not a directory" in result["report_error"] and result["removed_reports"] == []
    assert report_dir.read_text() == "not a directory\n"


# --------------------------------------------------------------------------- waiting for processing numbers


def progress_lines(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_polling_stops_as_soon_as_no_expected_number_is_processing(fake_clock, capsys):
    result, listing = run_check(
        {"expected": EXPECTED, "wait_timeout": 300, "poll_interval": 10}, ONE_PROCESSING, ONE_PROCESSING, ALL_ACQUIRED
    )
    assert result["compliance"]["passed"] is True and result["polls"] == 3 and len(listing.calls) == 3
    assert fake_clock.sleeps == [10, 10]
    lines = progress_lines(capsys)
    assert len(lines) == 2
    for poll, line in enumerate(lines, start=1):
        assert line.startswith(
            "{0}: poll {1}: 1 expected phone number(s) still processing; next poll in 10 s".format(TASK_NAME, poll)
        )


def test_an_unexpected_processing_number_does_not_keep_the_check_waiting(fake_clock, capsys):
    account = Account(acquired("+12065550100"), acquired("+12065550101"), processing("+12065550199"))
    result, dummy = run_check({"expected": EXPECTED, "wait_timeout": 300}, account)
    assert result["polls"] == 1 and fake_clock.sleeps == [] and progress_lines(capsys) == []


def test_without_a_wait_timeout_a_processing_number_is_judged_at_once(fake_clock, capsys):
    result, dummy = run_check({"expected": EXPECTED}, ONE_PROCESSING)
    assert result["polls"] == 1 and fake_clock.sleeps == [] and progress_lines(capsys) == []
    assert result["compliance"]["processing"] == ["+12065550100"] and result["check"]["verdict"] == "failed"


def test_polling_never_waits_past_the_deadline(fake_clock, capsys):
    result, listing = run_check({"expected": EXPECTED, "wait_timeout": 25, "poll_interval": 10}, ONE_PROCESSING)
    # 10 + 10 + the 5 s left, then one last listing at the deadline, judged as it stands.
    assert fake_clock.sleeps == [10, 10, 5] and fake_clock.now == 25
    assert result["polls"] == 4 and len(listing.calls) == 4
    assert result["compliance"]["processing"] == ["+12065550100"] and result["check"]["verdict"] == "failed"
    lines = progress_lines(capsys)
    assert len(lines) == 3 and "next poll in 5 s, deadline in 5 s" in lines[-1]


def test_slow_listings_count_against_the_deadline(fake_clock):
    listing = FakeListing(ONE_PROCESSING, clock=fake_clock, seconds_per_listing=4)
    result = make_action(
        plugin, {"expected": EXPECTED, "wait_timeout": 25, "poll_interval": 10}, execute_module=listing
    ).run(task_vars={})
    # Listings end at 4, 18 and 29 s; each wait is cut so the next listing starts by the deadline (25 s).
    assert fake_clock.sleeps == [10, 7] and result["polls"] == 3


def test_a_listing_that_fails_while_waiting_is_an_error_verdict(fake_clock):
    result, listing = run_check({"expected": EXPECTED, "wait_timeout": 300}, ONE_PROCESSING, DENIED)
    assert_error_verdict(result, "denied", "AccessDeniedException")
    assert len(listing.calls) == 2 and fake_clock.sleeps == [10]


# --------------------------------------------------------------------------- the controller is gone


def test_a_controller_gone_while_waiting_stops_polling_and_touches_no_report(tmp_path, fake_clock, controller):
    old = write_old_passed_reports(tmp_path)
    controller.gone_after = 1  # the pid recorded at the start, then the worker is re-parented
    result, listing = run_check(
        {"expected": EXPECTED, "wait_timeout": 300, "report_dir": str(tmp_path)}, ONE_PROCESSING
    )
    assert_error_verdict(result, "the controller stopped while waiting", "ControllerGone")
    assert len(listing.calls) == 1 and fake_clock.sleeps == []
    assert "abandoned" in result["report_error"]
    # A newer run may already use this directory: nothing in it is touched.
    assert read_reports(tmp_path) == old


@pytest.mark.parametrize("gone_after, written", [(None, True), (1, False), (2, False)])
def test_reports_are_written_only_while_the_controller_is_alive(tmp_path, controller, gone_after, written):
    old = write_old_passed_reports(tmp_path)
    controller.gone_after = gone_after
    result, dummy = run_check({"expected": EXPECTED, "report_dir": str(tmp_path)}, ALL_ACQUIRED)
    assert not result.get("failed") and result["check"]["verdict"] == "passed" and result["changed"] is False
    # At the start, before staging, and once more just before the first report is touched.
    assert controller.calls == (3 if written else gone_after + 1)
    if written:
        assert "report_error" not in result
        assert validate_report(read_reports(tmp_path)["report.json"])["verdict"] == "passed"
    else:
        assert "abandoned" in result["report_error"] and "report_files" not in result
        assert read_reports(tmp_path) == old


# --------------------------------------------------------------------------- secrets


def secret_args(**extra):
    args = dict(SECRET_ARGS, expected=EXPECTED)
    # One secret through listing_options, as the role passes them.
    del args["session_token"]
    args["listing_options"] = {"session_token": SESSION_TOKEN}
    args.update(extra)
    return args


LEAKY_MESSAGE = "denied for {0} signed with {1} and {2} at {3}".format(
    SECRET_ARGS["access_key"], SECRET_KEY, SESSION_TOKEN, ENDPOINT_URL
)


@pytest.mark.parametrize(
    "step", [listing_failure(LEAKY_MESSAGE, error_code="AccessDeniedException"), RuntimeError(LEAKY_MESSAGE)]
)
def test_secrets_never_reach_the_message_or_the_error_reports(tmp_path, step):
    result, listing = run_check(secret_args(report_dir=str(tmp_path)), step)
    assert result["failed"] is True and "denied for" in result["msg"]
    assert leaked_secrets(result, read_reports(tmp_path)) == []
    # The secrets did reach the module, which needs them.
    assert listing.calls[0]["module_args"]["secret_key"] == SECRET_KEY


def test_secrets_never_reach_the_reports_of_a_judged_run(tmp_path):
    result, dummy = run_check(secret_args(report_dir=str(tmp_path)), ALL_ACQUIRED)
    reports = read_reports(tmp_path)
    assert leaked_secrets(result, reports) == []
    inputs = json.loads(reports["report.json"])["inputs"]
    assert inputs["endpoint_url"] == "http://127.0.0.1:1"
    assert not set(inputs) & {"access_key", "secret_key", "session_token"}
