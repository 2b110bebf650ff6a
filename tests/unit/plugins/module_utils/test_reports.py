# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report builders (report.json, junit.xml, summary.md) and the atomic writer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils import reports
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import junit_xml
from ansible_collections.voiceops.chime.plugins.module_utils.reports import normalize_timing
from ansible_collections.voiceops.chime.plugins.module_utils.reports import report_json
from ansible_collections.voiceops.chime.plugins.module_utils.reports import scrub_inputs
from ansible_collections.voiceops.chime.plugins.module_utils.reports import summary_markdown
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_atomic
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_reports

SECRET = "voiceops-FAKE-secret-key-must-never-be-printed"
TOKEN = "voiceops-FAKE-session-token-must-never-be-printed"


def fact(e164, status="Acquired", order_id="order-1", order_status="Successful"):
    return {"e164_phone_number": e164, "status": status, "phone_number_order_id": order_id,
            "order_status": order_status}


FACTS = [fact("+12065550100"), fact("+12065550101", "Failed", "order-2", "Partial"),
         fact("+12065550102", "Processing", "order-3", "Processing"), fact("+12065550199", order_id="order-9")]
EXPECTED = ["+12065550100", "+12065550101", "+12065550102", "+12065550103"]
TIMING = {"started": 1795780828.853, "listed": 1795780832.354, "judged": 1795780832.557, "polls": 2}
INPUTS = {"source": "module", "api": "chime", "region": "us-east-1", "profile": None,
          "endpoint_url": "http://127.0.0.1:8080", "fail_on_unexpected": False, "wait_timeout": 60}


def failing_result(fail_on_unexpected=False):
    return number_compliance(FACTS, EXPECTED, fail_on_unexpected=fail_on_unexpected)


# --------------------------------------------------------------------------- scrubbing


def test_scrub_inputs_drops_credentials_and_url_user_info():
    scrubbed = scrub_inputs({
        "secret_key": SECRET, "aws_secret_access_key": SECRET, "session_token": TOKEN, "security_token": TOKEN,
        "access_key": "AKIAVOICEOPSFAKE0001", "aws_password": "x", "profile": "compliance",
        "endpoint_url": "https://user:" + SECRET + "@chime.example.com:8443/path?q=1",
        "region": "__omit_place_holder__abc", "wait_timeout": 0,
    })
    assert scrubbed == {"profile": "compliance", "endpoint_url": "https://chime.example.com:8443/path?q=1",
                        "wait_timeout": 0}


def test_scrub_url_leaves_plain_urls_alone():
    assert reports.scrub_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert reports.scrub_url("mailto:ops@example.com") == "mailto:ops@example.com"
    assert reports.scrub_url(None) is None


# --------------------------------------------------------------------------- timing


def test_normalize_timing_gives_utc_instants_and_durations():
    timings = normalize_timing(TIMING)
    assert timings == {"started_at": "2026-11-27T12:00:28.853Z", "finished_at": "2026-11-27T12:00:32.557Z",
                       "duration_seconds": 3.704, "listing_seconds": 3.501, "judge_seconds": 0.203, "polls": 2}
    assert normalize_timing(None)["duration_seconds"] is None


# --------------------------------------------------------------------------- report.json


def test_report_json_holds_result_inputs_and_timing():
    result = failing_result()
    document = json.loads(report_json(result, dict(INPUTS, secret_key=SECRET), TIMING))
    assert document["schema_version"] == 1
    assert document["passed"] is False
    assert document["result"] == json.loads(json.dumps(result))
    assert document["counts"]["problems"] == 3
    assert document["inputs"]["endpoint_url"] == "http://127.0.0.1:8080"
    assert "secret_key" not in document["inputs"]
    assert document["timing"]["polls"] == 2
    assert SECRET not in report_json(result, dict(INPUTS, secret_key=SECRET), TIMING)


# --------------------------------------------------------------------------- junit.xml


def parse_junit(text):
    root = ElementTree.fromstring(text.encode("utf-8"))
    suite = root.find("testsuite")
    cases = {}
    for case in suite.findall("testcase"):
        cases[case.get("name")] = case
    return root, suite, cases


def test_junit_has_one_case_per_expected_number_and_failures_carry_the_reason():
    root, suite, cases = parse_junit(junit_xml(failing_result(), INPUTS, TIMING))
    assert root.tag == "testsuites"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("4", "3", "0", "0")
    assert root.get("tests") == "4" and root.get("failures") == "3"
    assert suite.get("time") == "3.704"
    assert suite.get("timestamp") == "2026-11-27T12:00:28.853"
    assert sorted(cases) == EXPECTED
    assert cases["+12065550100"].find("failure") is None
    failure = cases["+12065550101"].find("failure")
    assert failure.get("type") == "failed"
    assert failure.get("message") == "failed: number status Failed in order order-2 (order status Partial)"
    assert "phone_number_order_id: order-2" in failure.text
    assert cases["+12065550102"].find("failure").get("type") == "processing"
    assert cases["+12065550103"].find("failure").get("message") == "missing: not in any phone number order"
    # The unexpected number is not a test case unless it is a problem.
    assert "+12065550199" not in cases
    properties = dict((p.get("name"), p.get("value")) for p in suite.find("properties"))
    assert properties["api"] == "chime"
    assert properties["fail_on_unexpected"] == "false"
    assert "profile" not in properties  # None is left out
    assert suite.find("system-out").text.startswith("3 of 4 expected phone numbers are not acquired")


def test_junit_lists_unexpected_numbers_as_failing_cases_when_they_count():
    root, suite, cases = parse_junit(junit_xml(failing_result(fail_on_unexpected=True), INPUTS, TIMING))
    assert suite.get("tests") == "5" and suite.get("failures") == "4"
    unexpected = cases["+12065550199"]
    assert unexpected.get("classname") == "voiceops.chime.assert_numbers_acquired.unexpected"
    assert unexpected.find("failure").get("type") == "unexpected"


def test_junit_of_a_passing_result_has_no_failures():
    root, suite, cases = parse_junit(junit_xml(number_compliance(FACTS, ["+12065550100"]), suite_name="prod"))
    assert root.get("name") == "prod"
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    assert cases["+12065550100"].get("classname") == "prod.expected"


def test_junit_survives_control_characters_and_markup_from_the_service():
    facts = [fact("+12065550101", "Failed", u"order-<&>\"'\x00\x1b[31m\u2603", u"Fail\x07ed")]
    text = junit_xml(number_compliance(facts, ["+12065550101"]), {"region": u"eu-\x01west"})
    root, suite, cases = parse_junit(text)
    message = cases["+12065550101"].find("failure").get("message")
    assert u"order-<&>\"'" in message and u"\u2603" in message
    assert "\x00" not in text and "\x1b" not in text


# --------------------------------------------------------------------------- summary.md


def test_summary_has_counts_and_a_problem_table():
    text = summary_markdown(failing_result(), INPUTS, TIMING)
    lines = text.splitlines()
    assert lines[0] == "# Phone number compliance: FAILED"
    assert "| Expected | 4 |" in lines
    assert "| Failed | 1 |" in lines
    assert "| Unexpected (acquired, not expected; not checked) | 1 |" in lines
    assert "| +12065550101 | failed | Failed | order-2 | number status Failed in order order-2 (order status Partial) |" \
        in lines
    assert "| +12065550103 | missing |  |  | not in any phone number order |" in lines
    assert lines[-1].startswith("Checked with source `module`, api `chime`, region `us-east-1`")
    assert "fail_on_unexpected `false`" in lines[-1]
    assert "took 3.704 s, 2 listings." in lines[-1]


def test_summary_escapes_table_breaking_characters_and_bounds_rows():
    facts = [fact("+1206555%04d" % index, "Failed", "order|%d\nnext" % index) for index in range(30)]
    result = number_compliance(facts, [f["e164_phone_number"] for f in facts])
    text = summary_markdown(result, max_rows=10)
    rows = [line for line in text.splitlines() if line.startswith("| +1206555")]
    assert len(rows) == 10
    assert "order\\|0 next" in rows[0]
    assert "... and 20 more; report.json lists them all." in text


def test_summary_of_a_passing_result():
    text = summary_markdown(number_compliance(FACTS, ["+12065550100"]))
    assert text.startswith("# Phone number compliance: PASSED\n\nThe expected phone number is acquired.")
    assert "## Problems" not in text


def test_build_reports_picks_formats_and_rejects_unknown_ones():
    assert sorted(build_reports(failing_result())) == ["junit.xml", "report.json", "summary.md"]
    assert sorted(build_reports(failing_result(), formats=["junit"])) == ["junit.xml"]
    with pytest.raises(ValueError, match="unknown report formats"):
        build_reports(failing_result(), formats=["html"])


@given(st.lists(st.text(), max_size=5), st.text())
def test_property_junit_is_always_well_formed(order_ids, region):
    facts = [fact("+1206555%04d" % index, "Failed", order_id) for index, order_id in enumerate(order_ids)]
    result = number_compliance(facts, [f["e164_phone_number"] for f in facts] + ["+12065559999"])
    root, suite, cases = parse_junit(junit_xml(result, {"region": region}))
    assert int(suite.get("tests")) == len(cases) == len(facts) + 1
    assert int(suite.get("failures")) == len(facts) + 1


# --------------------------------------------------------------------------- writing


def test_write_atomic_writes_replaces_and_reports_changes(tmp_path):
    path = str(tmp_path / "report.json")
    assert write_atomic(path, u"one \u2603\n") is True
    assert write_atomic(path, u"one \u2603\n") is False
    assert open(path, encoding="utf-8").read() == u"one \u2603\n"
    inode = os.stat(path).st_ino
    assert write_atomic(path, u"two\n") is True
    # A rename, not an in-place rewrite: readers holding the old file keep a whole old file.
    assert os.stat(path).st_ino != inode
    assert open(path).read() == "two\n"
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o666 & ~current_umask())
    assert os.listdir(str(tmp_path)) == ["report.json"]  # no temporary file left behind


def current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_write_atomic_in_check_mode_writes_nothing(tmp_path):
    path = str(tmp_path / "summary.md")
    assert write_atomic(path, "x", check_mode=True) is True
    assert not os.path.exists(path)


def test_write_atomic_cleans_up_when_the_rename_fails(tmp_path, monkeypatch):
    def refuse(source, destination):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(reports.os, "rename", refuse)
    with pytest.raises(ReportWriteError, match="cannot write report .*report.json: Permission denied"):
        write_atomic(str(tmp_path / "report.json"), "x")
    assert os.listdir(str(tmp_path)) == []


def test_write_reports_creates_the_directory_and_writes_every_file(tmp_path):
    directory = str(tmp_path / "reports" / "chime")
    paths, changed = write_reports(directory, build_reports(failing_result(), INPUTS, TIMING))
    assert sorted(os.listdir(directory)) == ["junit.xml", "report.json", "summary.md"]
    assert sorted(changed) == sorted(paths.values())
    paths, changed = write_reports(directory, build_reports(failing_result(), INPUTS, TIMING))
    assert changed == []


def test_write_reports_in_check_mode_creates_nothing(tmp_path):
    directory = str(tmp_path / "reports")
    paths, changed = write_reports(directory, build_reports(failing_result()), check_mode=True)
    assert len(changed) == 3
    assert not os.path.exists(directory)


def test_a_file_where_the_directory_should_be_is_named_in_the_error(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    with pytest.raises(ReportWriteError) as raised:
        write_reports(str(blocker), build_reports(failing_result()))
    assert str(raised.value) == "cannot write reports to directory %s: it exists and is not a directory" % blocker
    with pytest.raises(ReportWriteError) as raised:
        write_reports(str(blocker / "chime"), build_reports(failing_result()))
    assert str(raised.value).startswith("cannot create report directory %s: " % (blocker / "chime"))


def test_an_unwritable_directory_is_named_in_the_error(tmp_path, monkeypatch):
    directory = tmp_path / "readonly"
    directory.mkdir()
    # Root ignores permission bits, so the refusal comes from os.access as the OS would answer
    # an unprivileged user; test_write_atomic_cleans_up_when_the_rename_fails covers the
    # write itself failing.
    monkeypatch.setattr(reports.os, "access", lambda path, mode: False)
    with pytest.raises(ReportWriteError) as raised:
        write_reports(str(directory), build_reports(failing_result()))
    assert str(raised.value) == "cannot write reports to directory %s: Permission denied" % directory


def test_remove_stale_reports_removes_only_our_report_files(tmp_path):
    from ansible_collections.voiceops.chime.plugins.module_utils.reports import remove_stale_reports
    for name in ("report.json", "junit.xml", "summary.md", "keep-me.txt"):
        (tmp_path / name).write_text("old")
    assert remove_stale_reports(str(tmp_path), check_mode=True) == [
        str(tmp_path / name) for name in ("junit.xml", "report.json", "summary.md")]
    # Check mode only reports what it would remove.
    assert len(list(tmp_path.iterdir())) == 4
    removed = remove_stale_reports(str(tmp_path))
    assert len(removed) == 3
    assert [path.name for path in tmp_path.iterdir()] == ["keep-me.txt"]
    assert remove_stale_reports(str(tmp_path)) == []
