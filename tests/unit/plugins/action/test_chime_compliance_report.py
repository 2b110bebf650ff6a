# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.chime_compliance_report action plugin, in-process: one verdict per report set,
from a judged result, an error, or the aggregate of several hosts read from hostvars."""

from __future__ import annotations

import json
import os

import pytest
from action_testkit import ENDPOINT_URL  # tests/unit/plugins/action/action_testkit.py (conftest puts it on sys.path)
from action_testkit import SECRET_KEY
from action_testkit import SESSION_TOKEN
from action_testkit import acquired
from action_testkit import failed
from action_testkit import leaked_secrets
from action_testkit import make_action
from action_testkit import read_reports
from action_testkit import write_old_passed_reports
from report_schema import validate_report  # tests/report_schema.py

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.voiceops.chime.plugins.action import chime_compliance_report as plugin
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance

EXPECTED = ["+12065550100", "+12065550101"]


def judged(*numbers, expected=None):
    """A number_compliance result, as the role hands it over."""
    return number_compliance(list(numbers), EXPECTED if expected is None else expected, current_state=True)


PASSED = judged(acquired("+12065550100"), acquired("+12065550101"))
FAILED = judged(acquired("+12065550100"), failed("+12065550101"))
DENIED = {
    "message": "chime:ListPhoneNumberOrders denied (AccessDeniedException, HTTP 403)",
    "error_code": "AccessDeniedException",
    "iam_action": "chime:ListPhoneNumberOrders",
    "http_status": 403,
}


def run_report(args, task_vars=None, check_mode=False):
    return make_action(plugin, args, check_mode=check_mode).run(task_vars=task_vars or {})


def assert_refused(result, message_part):
    assert result["failed"] is True and message_part in result["msg"]
    assert "files" not in result and "verdict" not in result


# --------------------------------------------------------------------------- a judged result


@pytest.mark.parametrize("compliance, verdict", [(PASSED, "passed"), (FAILED, "failed")])
def test_a_judged_result_is_written_as_one_set(tmp_path, compliance, verdict):
    write_old_passed_reports(tmp_path)
    result = run_report(
        {
            "path": str(tmp_path),
            "result": compliance,
            "inputs": {"api": "chime_sdk_voice"},
            "timing": {"started": 1789000000.0, "judged": 1789000002.5, "polls": 1},
        }
    )
    # Writing reports is not the check: a failed verdict is written, and the caller decides to fail.
    assert not result.get("failed") and result["changed"] is False
    assert (result["verdict"], result["passed"], result["path"]) == (verdict, verdict == "passed", str(tmp_path))
    assert result["files"] == {
        "json": str(tmp_path / "report.json"),
        "junit": str(tmp_path / "junit.xml"),
        "markdown": str(tmp_path / "summary.md"),
    }
    reports = read_reports(tmp_path)
    report = validate_report(reports["report.json"])
    assert report["verdict"] == verdict and report["inputs"] == {"api": "chime_sdk_voice"}
    assert report["timing"]["polls"] == 1
    assert "old" not in reports["junit.xml"] and "old run" not in reports["summary.md"]


def test_values_as_ansible_hands_them_over_are_written_as_plain_json(tmp_path):
    # Registered results and facts arrive wrapped (unsafe text on ansible-core < 2.19), tuples and bytes
    # come from plugins: the reports hold plain JSON values all the same.
    result = run_report(
        {
            "path": str(tmp_path),
            "result": wrap_var(FAILED),
            "inputs": wrap_var(
                {
                    "region": "us-east-1",
                    "page_size": 50,
                    "tags": ("a", "b"),
                    "fail_on_unexpected": True,
                    "profile": None,
                    "raw": b"bytes",
                }
            ),
        }
    )
    assert result["verdict"] == "failed"
    report = validate_report(read_reports(tmp_path)["report.json"])
    assert report["inputs"] == {
        "region": "us-east-1",
        "page_size": 50,
        "tags": ["a", "b"],
        "fail_on_unexpected": True,
        "profile": None,
        "raw": "bytes",
    }
    assert report["result"]["failed"] == ["+12065550101"]


def test_plain_turns_containers_into_json_types_and_keeps_scalars_apart():
    class Odd:
        def __str__(self):
            return "odd value"

    converted = plugin.plain(
        wrap_var(
            {
                "text": "x",
                7: ("a", {"b"}),
                "yes": True,
                "none": None,
                "count": 3,
                "ratio": 0.5,
                "raw": b"\xff",
                "odd": Odd(),
            }
        )
    )
    assert converted == {
        "text": "x",
        "7": ["a", ["b"]],
        "yes": True,
        "none": None,
        "count": 3,
        "ratio": 0.5,
        "raw": "\ufffd",
        "odd": "odd value",
    }
    # (Text stays a str subclass on ansible-core 2.17: str() of its unsafe text returns the same object.)
    assert isinstance(converted["text"], str) and isinstance(converted["7"][0], str)
    # Exact types on purpose: a subclass (unsafe text, an Ansible-typed container) is what must not come back.
    assert converted["yes"] is True and type(converted["count"]) is int  # pylint: disable=unidiomatic-typecheck
    assert type(converted["ratio"]) is float  # pylint: disable=unidiomatic-typecheck
    assert type(converted) is dict and type(converted["7"]) is list  # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize("missing", plugin.RESULT_KEYS)
def test_a_result_lacking_a_key_is_refused_naming_it_and_nothing_is_written(tmp_path, missing):
    old = write_old_passed_reports(tmp_path / "reports")
    malformed = dict((key, value) for key, value in PASSED.items() if key != missing)
    result = run_report({"path": str(tmp_path / "reports"), "result": malformed})
    assert_refused(
        result, "result must be the output of the voiceops.chime.number_compliance filter; it lacks " + missing
    )
    assert read_reports(tmp_path / "reports") == old


def test_a_result_that_is_not_a_compliance_result_is_refused_naming_every_missing_key(tmp_path):
    result = run_report({"path": str(tmp_path / "reports"), "result": {"passed": True, "msg": "ok"}})
    assert_refused(result, "it lacks acquired, failed, processing, missing, unexpected, problems, counts")
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- exactly one of result, error, hosts


@pytest.mark.parametrize(
    "given, named",
    [
        ({}, "got none"),
        ({"result": PASSED, "error": DENIED}, "got result, error"),
        ({"error": DENIED, "hosts": ["h1"]}, "got error, hosts"),
        ({"result": PASSED, "hosts": ["h1"]}, "got result, hosts"),
        ({"result": PASSED, "error": DENIED, "hosts": ["h1"]}, "got result, error, hosts"),
    ],
)
def test_exactly_one_of_result_error_or_hosts_is_required(tmp_path, given, named):
    result = run_report(dict(given, path=str(tmp_path / "reports")))
    assert_refused(result, "give exactly one of result, error or hosts, " + named)
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "args, message_part",
    [
        ({"result": PASSED, "formats": ["pdf"]}, "formats"),
        ({"result": PASSED, "inputs": ["api", "chime"]}, "inputs"),
        ({"result": "passed"}, "result"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, args, message_part):
    result = run_report(dict({"path": str(tmp_path / "reports")}, **args))
    assert_refused(result, message_part)
    assert not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- an error


@pytest.mark.parametrize(
    "error", [DENIED, dict((("msg" if key == "message" else key), value) for key, value in DENIED.items())]
)
def test_an_error_is_written_as_a_could_not_check_set(tmp_path, error):
    write_old_passed_reports(tmp_path)
    result = run_report({"path": str(tmp_path), "error": error})
    assert not result.get("failed") and result["changed"] is False
    assert (result["verdict"], result["passed"]) == ("error", False)
    reports = read_reports(tmp_path)
    report = validate_report(reports["report.json"])
    assert report["verdict"] == "error" and report["error"]["message"] == DENIED["message"]
    assert (report["error"]["error_code"], report["error"]["iam_action"], report["error"]["http_status"]) == (
        "AccessDeniedException",
        "chime:ListPhoneNumberOrders",
        403,
    )
    assert "<error" in reports["junit.xml"] and "COULD NOT CHECK" in reports["summary.md"]


# --------------------------------------------------------------------------- the aggregate of several hosts


def check_of(compliance):
    """assert_numbers_acquired_result as the role sets it from the compliance action's ``check``."""
    return dict(compliance, verdict="passed" if compliance["passed"] else "failed")


HOSTVARS = {
    "h-pass": {"assert_numbers_acquired_result": check_of(PASSED)},
    "h-fail": {"assert_numbers_acquired_result": check_of(FAILED)},
    "h-error": {"assert_numbers_acquired_result": dict(DENIED, passed=False, verdict="error")},
    "h-unjudged": {"inventory_hostname": "h-unjudged"},
}


def aggregate(hosts, tmp_path, hostvars=None, **args):
    return run_report(
        dict({"path": str(tmp_path), "hosts": hosts}, **args),
        task_vars={"hostvars": HOSTVARS if hostvars is None else hostvars},
    )


def host_entries(tmp_path):
    report = validate_report(read_reports(tmp_path)["report.json"])
    assert report["kind"] == "aggregate"
    return report, dict((entry["host"], entry) for entry in report["hosts"])


def test_the_aggregate_reads_each_host_outcome_from_hostvars(tmp_path):
    result = aggregate(["h-pass", "h-fail", "h-error", "h-unjudged", "h-not-in-inventory"], tmp_path)
    assert not result.get("failed") and result["changed"] is False
    assert (result["verdict"], result["passed"]) == ("failed", False)
    assert result["summary"] == {
        "verdict": "failed",
        "passed": False,
        "hosts": {
            "h-pass": "passed",
            "h-fail": "failed",
            "h-error": "error",
            "h-unjudged": "error",
            "h-not-in-inventory": "error",
        },
    }
    report, entries = host_entries(tmp_path)
    assert report["host_counts"] == {"total": 5, "passed": 1, "failed": 1, "error": 3}
    assert entries["h-fail"]["result"]["failed"] == ["+12065550101"]
    assert entries["h-error"]["error"]["error_code"] == "AccessDeniedException"
    assert entries["h-error"]["error"]["iam_action"] == "chime:ListPhoneNumberOrders"
    assert entries["h-error"]["error"]["http_status"] == 403 and entries["h-error"]["error"]["message"] == (
        DENIED["message"]
    )
    # A host without the result variable failed before its check: an error entry, never a pass or a gap.
    for host in ("h-unjudged", "h-not-in-inventory"):
        assert entries[host]["verdict"] == "error" and entries[host]["error"]["error_code"] == "NotJudged"
        assert entries[host]["error"]["message"] == host + " was not judged: it failed before the check could run"


@pytest.mark.parametrize(
    "hosts, verdict",
    [
        (["h-pass"], "passed"),
        (["h-pass", "h-error"], "error"),
        (["h-pass", "h-unjudged"], "error"),
        (["h-error", "h-fail"], "failed"),
    ],
)
def test_the_aggregate_verdict_is_the_worst_host_verdict(tmp_path, hosts, verdict):
    result = aggregate(hosts, tmp_path)
    assert (result["verdict"], result["passed"], result["summary"]["verdict"]) == (
        verdict,
        verdict == "passed",
        verdict,
    )


def test_a_host_listed_twice_is_one_target(tmp_path):
    result = aggregate(["h-pass", "h-pass"], tmp_path)
    assert result["summary"]["hosts"] == {"h-pass": "passed"}
    assert host_entries(tmp_path)[0]["host_counts"]["total"] == 1


def test_a_bare_judge_result_counts_by_its_passed_flag(tmp_path):
    hostvars = {
        "bare-pass": {"assert_numbers_acquired_result": PASSED},
        "bare-fail": {"assert_numbers_acquired_result": FAILED},
    }
    result = aggregate(["bare-pass", "bare-fail"], tmp_path, hostvars=hostvars)
    assert result["summary"]["hosts"] == {"bare-pass": "passed", "bare-fail": "failed"}


def test_result_var_names_the_variable_read(tmp_path):
    hostvars = {"h1": {"assert_numbers_acquired_result": check_of(FAILED), "my_result": check_of(PASSED)}}
    assert aggregate(["h1"], tmp_path, hostvars=hostvars, result_var="my_result")["verdict"] == "passed"


def test_a_host_whose_variables_are_not_a_mapping_is_an_error_entry(tmp_path):
    result = aggregate(["h1"], tmp_path, hostvars={"h1": "not variables"})
    assert result["summary"]["hosts"] == {"h1": "error"}


def test_a_host_verdict_that_contradicts_its_result_is_refused(tmp_path):
    lying = dict(FAILED, verdict="passed")
    result = aggregate(["h1"], tmp_path / "reports", hostvars={"h1": {"assert_numbers_acquired_result": lying}})
    assert_refused(result, "host h1: verdict passed contradicts its result")
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("hosts", [["h-pass"], ["h-pass", "h-fail"]])
def test_host_report_dir_points_at_each_host_reports(tmp_path, hosts):
    aggregate(hosts, tmp_path / "aggregate", host_report_dir=str(tmp_path / "per-host"))
    dummy, entries = host_entries(tmp_path / "aggregate")
    for host in hosts:
        # One target writes its reports in the directory itself; several, one folder each.
        expected = tmp_path / "per-host" / host if len(hosts) > 1 else tmp_path / "per-host"
        assert entries[host]["report_dir"] == str(expected)


def test_without_host_report_dir_no_host_points_anywhere(tmp_path):
    aggregate(["h-pass", "h-fail"], tmp_path)
    assert [entry["report_dir"] for entry in host_entries(tmp_path)[1].values()] == [None, None]


def test_without_hostvars_every_host_is_an_error_entry(tmp_path):
    result = run_report({"path": str(tmp_path), "hosts": ["h1", "h2"]}, task_vars={})
    assert result["summary"]["hosts"] == {"h1": "error", "h2": "error"} and result["verdict"] == "error"


# --------------------------------------------------------------------------- writing


def test_a_report_that_cannot_be_written_fails_the_task_naming_it_and_leaves_no_report(tmp_path):
    write_old_passed_reports(tmp_path)
    (tmp_path / "report.json").unlink()
    (tmp_path / "report.json").mkdir()
    result = run_report({"path": str(tmp_path), "result": PASSED})
    assert_refused(result, str(tmp_path / "report.json"))
    assert "is a directory" in result["msg"]
    assert read_reports(tmp_path) == {}


def test_formats_select_the_files_and_repeats_are_dropped(tmp_path):
    write_old_passed_reports(tmp_path)
    result = run_report({"path": str(tmp_path), "result": PASSED, "formats": ["markdown", "json", "markdown"]})
    assert list(result["files"]) == ["markdown", "json"]
    assert set(read_reports(tmp_path)) == {"summary.md", "report.json"}


def test_check_mode_builds_the_reports_but_writes_nothing(tmp_path):
    result = run_report({"path": str(tmp_path / "reports"), "result": PASSED}, check_mode=True)
    assert not result.get("failed") and result["verdict"] == "passed" and result["changed"] is False
    assert not (tmp_path / "reports").exists()
    # Bad input fails in check mode too.
    refused = run_report({"path": str(tmp_path / "reports"), "result": {"passed": True}}, check_mode=True)
    assert_refused(refused, "it lacks acquired")


def test_a_home_relative_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run_report({"path": "~/reports", "result": PASSED})
    assert result["path"] == str(tmp_path / "reports") and (tmp_path / "reports" / "report.json").is_file()


def test_a_relative_path_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_report({"path": "reports", "result": PASSED})
    assert result["path"] == os.path.join(str(tmp_path), "reports")


@pytest.mark.parametrize("gone_after, written", [(None, True), (1, False), (2, False)])
def test_reports_are_written_only_while_the_controller_is_alive(tmp_path, controller, gone_after, written):
    old = write_old_passed_reports(tmp_path)
    controller.gone_after = gone_after
    result = run_report({"path": str(tmp_path), "result": FAILED})
    # At the start, before staging, and once more just before the first report is touched.
    assert controller.calls == (3 if written else gone_after + 1)
    if written:
        assert (
            result["verdict"] == "failed" and json.loads(read_reports(tmp_path)["report.json"])["verdict"] == "failed"
        )
    else:
        assert_refused(result, "abandoned")
        assert read_reports(tmp_path) == old


def test_secrets_in_inputs_or_messages_never_reach_the_reports(tmp_path):
    inputs = {
        "endpoint_url": ENDPOINT_URL,
        "secret_key": SECRET_KEY,
        "aws_session_token": SESSION_TOKEN,
        "region": "us-east-1",
    }
    error = {"message": "denied for {0} at {1} ({2})".format(SECRET_KEY, ENDPOINT_URL, SESSION_TOKEN)}
    result = run_report({"path": str(tmp_path), "error": error, "inputs": inputs})
    reports = read_reports(tmp_path)
    assert leaked_secrets(result, reports) == []
    report = validate_report(reports["report.json"])
    assert report["inputs"] == {"endpoint_url": "http://127.0.0.1:1", "region": "us-east-1"}
    assert report["error"]["message"].startswith("denied for ")


@pytest.mark.parametrize("kind", [{"result": FAILED}, {"error": DENIED}, {"hosts": ["h-pass", "h-fail"]}])
def test_suite_name_names_the_junit_suite_of_every_kind_of_set(tmp_path, kind):
    run_report(dict(kind, path=str(tmp_path), suite_name="chime.contact-centre"), task_vars={"hostvars": HOSTVARS})
    junit = read_reports(tmp_path)["junit.xml"]
    assert 'name="chime.contact-centre"' in junit and "voiceops.chime.assert_numbers_acquired" not in junit


def test_an_aggregate_is_stamped_with_when_it_was_judged(tmp_path):
    aggregate(["h-pass"], tmp_path / "given", timing={"started": 1789000000.0, "judged": 1789000060.0})
    given = validate_report(read_reports(tmp_path / "given")["report.json"])["timing"]
    assert given["duration_seconds"] == 60.0
    aggregate(["h-pass"], tmp_path / "now")
    now = validate_report(read_reports(tmp_path / "now")["report.json"])["timing"]
    assert now["finished_at"] is not None and now["started_at"] is None
