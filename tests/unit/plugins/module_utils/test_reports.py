# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report builders (report.json, junit.xml, summary.md) for the three verdicts and aggregates, and the set writer."""

from __future__ import annotations

import json
import os
import stat
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_schema import report_violations  # tests/report_schema.py
from report_schema import validate_report

from ansible_collections.voiceops.chime.plugins.module_utils import reports
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportAbortedError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_aggregate_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_error_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import junit_xml
from ansible_collections.voiceops.chime.plugins.module_utils.reports import normalize_timing
from ansible_collections.voiceops.chime.plugins.module_utils.reports import remove_stale_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import report_json
from ansible_collections.voiceops.chime.plugins.module_utils.reports import scrub_inputs
from ansible_collections.voiceops.chime.plugins.module_utils.reports import summary_markdown
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_atomic
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_report_set
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_reports

SECRET = "voiceops-FAKE-secret-key-must-never-be-printed"
TOKEN = "voiceops-FAKE-session-token-must-never-be-printed"
REPORT_NAMES = ["junit.xml", "report.json", "summary.md"]


def fact(e164, status="Acquired", order_id="order-1", order_status="Successful"):
    return {
        "e164_phone_number": e164,
        "status": status,
        "phone_number_order_id": order_id,
        "order_status": order_status,
    }


FACTS = [
    fact("+12065550100"),
    fact("+12065550101", "Failed", "order-2", "Partial"),
    fact("+12065550102", "Processing", "order-3", "Processing"),
    fact("+12065550199", order_id="order-9"),
]
EXPECTED = ["+12065550100", "+12065550101", "+12065550102", "+12065550103"]
TIMING = {"started": 1795780828.853, "listed": 1795780832.354, "judged": 1795780832.557, "polls": 2}
INPUTS = {
    "source": "module",
    "api": "chime",
    "region": "us-east-1",
    "profile": None,
    "endpoint_url": "http://127.0.0.1:8080",
    "fail_on_unexpected": False,
    "wait_timeout": 60,
}


def failing_result(fail_on_unexpected=False):
    return number_compliance(FACTS, EXPECTED, fail_on_unexpected=fail_on_unexpected)


def passing_result():
    return number_compliance(FACTS, ["+12065550100"])


def judged(
    acquired=(),
    released=(),
    failed=(),
    processing=(),
    missing=(),
    unexpected=(),
    duplicates=(),
    skipped=(),
    fail_on_unexpected=False,
    current_state=True,
    problems=None,
    ordered=None,
):
    """A result in the shape of the 0.2.0 judge, written out here so these tests check the
    documented shape, not the judge against itself."""
    if problems is None:
        problems = []
        for category, numbers in (
            ("released", released),
            ("failed", failed),
            ("processing", processing),
            ("missing", missing),
        ):
            for e164 in numbers:
                problem = {"e164_phone_number": e164, "category": category, "reason": "%s reason" % category}
                if category != "missing":
                    problem.update(
                        number_status="Acquired" if category == "released" else category.title(),
                        phone_number_order_id="order-%s" % e164[-2:],
                        order_status="Successful",
                        account_status=None if category == "released" else "Assigned",
                    )
                if category == "released":
                    problem["deletion_timestamp"] = "2026-11-20T10:00:00.000Z"
                problems.append(problem)
        if fail_on_unexpected:
            problems += [
                {
                    "e164_phone_number": e164,
                    "category": "unexpected",
                    "reason": "not expected",
                    "number_status": "Acquired",
                    "phone_number_order_id": "order-u",
                    "order_status": "Successful",
                }
                for e164 in unexpected
            ]
        problems.sort(key=lambda problem: problem["e164_phone_number"])
    lists = dict(
        acquired=sorted(acquired),
        released=sorted(released),
        failed=sorted(failed),
        processing=sorted(processing),
        missing=sorted(missing),
        unexpected=sorted(unexpected),
        duplicates=sorted(duplicates),
    )
    skipped = [{"region": region, "message": "region %s was skipped: AccessDenied" % region} for region in skipped]
    counts = dict((name, len(numbers)) for name, numbers in lists.items())
    expected = sum(counts[name] for name in ("acquired", "released", "failed", "processing", "missing"))
    counts.update(
        expected=expected,
        problems=len(problems),
        skipped=len(skipped),
        ordered=expected + len(unexpected) if ordered is None else ordered,
    )
    passed = not problems and not skipped
    result = dict(
        lists,
        problems=problems,
        skipped=skipped,
        counts=counts,
        fail_on_unexpected=fail_on_unexpected,
        current_state=current_state,
        passed=passed,
        message="all fine" if passed else "%d problems:\n  details" % len(problems),
    )
    return result


def parse_junit(text):
    root = ElementTree.fromstring(text.encode("utf-8"))
    suites = root.findall("testsuite")
    cases = {}
    for case in suites[0].findall("testcase"):
        cases[case.get("name")] = case
    return root, suites[0], cases


# --------------------------------------------------------------------------- scrubbing and redaction


def test_scrub_inputs_drops_credentials_and_url_user_info():
    scrubbed = scrub_inputs(
        {
            "secret_key": SECRET,
            "aws_secret_access_key": SECRET,
            "session_token": TOKEN,
            "security_token": TOKEN,
            "access_key": "AKIAVOICEOPSFAKE0001",
            "aws_password": "x",
            "profile": "compliance",
            "endpoint_url": "https://user:" + SECRET + "@chime.example.com:8443/path?q=1",
            "region": "__omit_place_holder__abc",
            "wait_timeout": 0,
        }
    )
    assert scrubbed == {
        "profile": "compliance",
        "endpoint_url": "https://chime.example.com:8443/path?q=1",
        "wait_timeout": 0,
    }


@pytest.mark.parametrize(
    "word", ["secret", "password", "passwd", "token", "access_key", "session", "credential", "private"]
)
def test_each_secret_word_drops_the_input_in_any_case_and_position(word):
    names = [word, word.upper(), "aws_" + word, word + "_file", "My" + word.title() + "Value"]
    scrubbed = scrub_inputs(dict((name, "value-of-%s" % name) for name in names + ["region"]))
    assert scrubbed == {"region": "value-of-region"}


def test_scrub_url_leaves_plain_urls_alone():
    assert reports.scrub_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert reports.scrub_url("mailto:ops@example.com") == "mailto:ops@example.com"
    assert reports.scrub_url(None) is None


def all_report_text(files):
    return "\n".join(files.values())


def test_a_secret_input_value_is_masked_wherever_it_reappears():
    # The service echoed the key into a reason and an order id: the input is dropped by its
    # name, and its value is masked everywhere else, in every format.
    facts = [fact("+12065550101", "Failed", "order-" + SECRET, "Partial")]
    files = build_reports(number_compliance(facts, ["+12065550101"]), dict(INPUTS, aws_secret_key=SECRET), TIMING)
    text = all_report_text(files)
    assert SECRET not in text
    assert "order-********" in files["junit.xml"] and "order-********" in files["summary.md"]
    validate_report(files["report.json"])


def test_named_secrets_url_user_info_and_signing_material_are_cut_from_every_string():
    result = judged(acquired=["+12065550100"], failed=["+12065550101"])
    result["problems"][0]["reason"] = (
        "rejected by https://admin:hunter22@chime.example.com/?X-Amz-Signature=abc123 with token " + TOKEN
    )
    result["message"] = "see " + result["problems"][0]["reason"]
    files = build_reports(
        result, {"endpoint_url": "https://u:hunter22@h", "note": "key AKIAVOICEOPSFAKE0001"}, TIMING, secrets=[TOKEN]
    )
    text = all_report_text(files)
    for leaked in ("hunter22", "abc123", TOKEN, "AKIAVOICEOPSFAKE0001", "admin"):
        assert leaked not in text
    document = json.loads(files["report.json"])
    assert document["result"]["problems"][0]["reason"] == (
        "rejected by https://chime.example.com/?X-Amz-Signature=******** with token ********"
    )
    assert document["inputs"] == {"endpoint_url": "https://h", "note": "key ********"}


# --------------------------------------------------------------------------- timing


def test_normalize_timing_gives_utc_instants_and_durations():
    timings = normalize_timing(TIMING)
    assert timings == {
        "started_at": "2026-11-27T12:00:28.853Z",
        "finished_at": "2026-11-27T12:00:32.557Z",
        "duration_seconds": 3.704,
        "listing_seconds": 3.501,
        "judge_seconds": 0.203,
        "polls": 2,
    }
    assert normalize_timing(None)["duration_seconds"] is None


def test_a_run_without_a_judgement_ends_at_finished():
    timings = normalize_timing({"started": 1795780828.853, "finished": 1795780830.0, "polls": 1})
    assert timings["finished_at"] == "2026-11-27T12:00:30.000Z"
    assert timings["duration_seconds"] == 1.147
    assert timings["judge_seconds"] is None and timings["listing_seconds"] is None


# --------------------------------------------------------------------------- report.json (single)


def test_report_json_holds_verdict_result_inputs_and_timing():
    result = failing_result()
    document = json.loads(report_json(result, dict(INPUTS, secret_key=SECRET), TIMING))
    assert (document["schema_version"], document["kind"], document["verdict"]) == (2, "single", "failed")
    assert document["passed"] is False and document["error"] is None
    for name in ("acquired", "failed", "processing", "missing", "unexpected", "problems"):
        assert document["result"][name] == json.loads(json.dumps(result[name]))
    assert document["counts"]["problems"] == 3
    assert document["counts"] == document["result"]["counts"]
    assert document["inputs"]["endpoint_url"] == "http://127.0.0.1:8080"
    assert "secret_key" not in document["inputs"]
    assert document["timing"]["polls"] == 2
    assert SECRET not in report_json(result, dict(INPUTS, secret_key=SECRET), TIMING)
    validate_report(document)


def test_a_passing_report_says_passed_twice():
    document = validate_report(report_json(passing_result(), INPUTS, TIMING))
    assert (document["verdict"], document["passed"]) == ("passed", True)


def test_a_0_1_0_result_gains_empty_released_and_skipped_and_no_current_state():
    old = {  # what 0.1.0's judge returned, written out: no released, skipped or current_state
        "acquired": ["+12065550100"],
        "failed": ["+12065550101"],
        "processing": [],
        "missing": [],
        "unexpected": [],
        "duplicates": [],
        "problems": [
            {
                "e164_phone_number": "+12065550101",
                "category": "failed",
                "reason": "number status Failed",
                "number_status": "Failed",
                "phone_number_order_id": "o-1",
                "order_status": "Partial",
            }
        ],
        "counts": {
            "expected": 2,
            "acquired": 1,
            "failed": 1,
            "processing": 0,
            "missing": 0,
            "unexpected": 0,
            "duplicates": 0,
            "problems": 1,
            "ordered": 2,
        },
        "fail_on_unexpected": False,
        "passed": False,
        "message": "1 of 2 expected phone numbers is not acquired",
    }
    document = validate_report(build_reports(old, INPUTS, TIMING)["report.json"])
    assert document["result"]["released"] == [] and document["result"]["skipped"] == []
    assert document["result"]["current_state"] is False
    assert document["counts"]["released"] == 0 and document["counts"]["skipped"] == 0
    assert document["counts"]["ordered"] == 2
    assert document["verdict"] == "failed"


def test_the_new_categories_and_fields_reach_report_json():
    result = judged(acquired=["+12065550100"], released=["+12065550105"], skipped=["eu-west-2"])
    document = validate_report(build_reports(result, INPUTS, TIMING)["report.json"])
    assert document["result"]["released"] == ["+12065550105"]
    assert document["counts"]["released"] == 1 and document["counts"]["skipped"] == 1
    problem = document["result"]["problems"][0]
    assert problem["account_status"] is None
    assert problem["deletion_timestamp"] == "2026-11-20T10:00:00.000Z"
    assert document["result"]["skipped"] == [
        {"region": "eu-west-2", "message": "region eu-west-2 was skipped: AccessDenied"}
    ]
    assert document["result"]["current_state"] is True


def test_a_skipped_region_fails_the_report_even_if_the_result_says_passed():
    result = judged(acquired=["+12065550100"], skipped=["eu-west-2"])
    result["passed"] = True  # a judge that forgot the rule
    document = validate_report(build_reports(result)["report.json"])
    assert (document["verdict"], document["passed"], document["result"]["passed"]) == ("failed", False, False)


def test_problem_fields_from_the_service_are_text_whatever_their_type():
    result = judged(failed=["+12065550101"])
    result["problems"][0].update(phone_number_order_id=12345, number_status=None, surprise="dropped")
    document = validate_report(build_reports(result)["report.json"])
    problem = document["result"]["problems"][0]
    assert problem["phone_number_order_id"] == "12345" and problem["number_status"] is None
    assert "surprise" not in problem


ACCOUNT_STATUSES = st.sampled_from(
    [
        None,
        "Unassigned",
        "Assigned",
        "AcquireInProgress",
        "AcquireFailed",
        "ReleaseInProgress",
        "DeleteInProgress",
        "ReleaseFailed",
        "SomethingNew",
    ]
)
HELD_ROWS = st.dictionaries(
    st.integers(min_value=0, max_value=30).map(lambda n: "+1206555%04d" % n),
    st.tuples(
        st.sampled_from(["Acquired", "Failed", "Processing"]),
        ACCOUNT_STATUSES,
        st.one_of(st.none(), st.just("2026-12-08T10:00:00.000Z")),
    ),
    max_size=20,
)


@given(
    HELD_ROWS,
    st.lists(st.integers(min_value=0, max_value=30).map(lambda n: "+1206555%04d" % n), min_size=1, max_size=15),
    st.booleans(),
    st.lists(st.sampled_from(["eu-west-2", "us-west-2"]), unique=True),
)
def test_property_the_judges_result_reaches_report_json_whole_and_valid(rows, expected, fail_on_unexpected, regions):
    facts = [
        dict(
            fact(e164, status=status),
            account_status=account,
            phone_number_id=e164 if account else None,
            deletion_timestamp=deletion,
        )
        for e164, (status, account, deletion) in rows.items()
    ]
    result = number_compliance(
        facts,
        expected,
        fail_on_unexpected=fail_on_unexpected,
        current_state=True,
        skipped=[{"region": region, "message": "denied"} for region in regions],
    )
    document = validate_report(build_reports(result, INPUTS, TIMING)["report.json"])
    # Nothing the judge says is dropped or changed on the way into the report.
    assert document["result"] == json.loads(json.dumps(result))
    assert document["verdict"] == ("passed" if result["passed"] else "failed")


# --------------------------------------------------------------------------- junit.xml (single)


def test_junit_has_one_case_per_expected_number_and_failures_carry_the_reason():
    root, suite, cases = parse_junit(junit_xml(failing_result(), INPUTS, TIMING))
    assert root.tag == "testsuites"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "4",
        "3",
        "0",
        "0",
    )
    assert root.get("tests") == "4" and root.get("failures") == "3" and root.get("errors") == "0"
    assert suite.get("time") == "3.704"
    assert suite.get("timestamp") == "2026-11-27T12:00:28.853"
    assert suite.get("hostname") is None
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
    root, suite, cases = parse_junit(junit_xml(passing_result(), suite_name="prod"))
    assert root.get("name") == "prod"
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    assert cases["+12065550100"].get("classname") == "prod.expected"


def test_junit_has_a_failing_case_for_a_released_number_and_for_each_skipped_region():
    result = judged(acquired=["+12065550100"], released=["+12065550105"], skipped=["eu-west-2", "us-west-2"])
    root, suite, cases = parse_junit(build_reports(result)["junit.xml"])
    assert (suite.get("tests"), suite.get("failures")) == ("4", "3")
    released = cases["+12065550105"].find("failure")
    assert (released.get("type"), released.get("message")) == ("released", "released: released reason")
    assert "deletion_timestamp: 2026-11-20T10:00:00.000Z" in released.text
    skipped = cases["skipped region eu-west-2"]
    assert skipped.get("classname") == "voiceops.chime.assert_numbers_acquired.skipped"
    assert skipped.find("failure").get("type") == "skipped"
    assert skipped.find("failure").get("message") == (
        "region eu-west-2 was not listed: region eu-west-2 was skipped: AccessDenied"
    )
    assert "skipped region us-west-2" in cases


def test_junit_survives_control_characters_and_markup_from_the_service():
    facts = [fact("+12065550101", "Failed", "order-<&>\"'\x00\x1b[31m\u2603", "Fail\x07ed")]
    text = junit_xml(number_compliance(facts, ["+12065550101"]), {"region": "eu-\x01west"})
    root, suite, cases = parse_junit(text)
    message = cases["+12065550101"].find("failure").get("message")
    assert "order-<&>\"'" in message and "\u2603" in message
    assert "\x00" not in text and "\x1b" not in text


def test_every_format_stays_parseable_with_control_characters_in_reasons_and_errors():
    result = judged(failed=["+12065550101"], skipped=["eu-\x0bwest"])
    result["problems"][0]["reason"] = "bad\x00\x08\x1f\ud800 reason \u2028 | pipe\nnext"
    for files in (
        build_reports(result),
        build_error_reports({"message": "boom\x00\x1b[0m\ud800"}),
        build_aggregate_reports([{"host": "h\x01", "result": result}, {"host": "e", "error": "x\x02"}]),
    ):
        ElementTree.fromstring(files["junit.xml"].encode("utf-8"))
        validate_report(files["report.json"])


@given(st.lists(st.text(), max_size=5), st.text())
def test_property_junit_is_always_well_formed(order_ids, region):
    facts = [fact("+1206555%04d" % index, "Failed", order_id) for index, order_id in enumerate(order_ids)]
    result = number_compliance(facts, [f["e164_phone_number"] for f in facts] + ["+12065559999"])
    root, suite, cases = parse_junit(junit_xml(result, {"region": region}))
    assert int(suite.get("tests")) == len(cases) == len(facts) + 1
    assert int(suite.get("failures")) == len(facts) + 1


@given(st.text(), st.text(), st.text())
def test_property_every_report_of_any_text_is_valid(reason, message, region):
    result = judged(acquired=["+12065550100"], failed=["+12065550101"], skipped=[region])
    result["problems"][0]["reason"] = reason
    result["message"] = message
    for files in (
        build_reports(result, {"region": region}),
        build_error_reports({"message": message, "error_code": reason}),
        build_aggregate_reports([{"host": region or "h", "result": result}]),
    ):
        ElementTree.fromstring(files["junit.xml"].encode("utf-8"))
        assert report_violations(files["report.json"]) == []


# --------------------------------------------------------------------------- summary.md (single)


def test_summary_has_counts_and_a_problem_table():
    text = summary_markdown(failing_result(), INPUTS, TIMING)
    lines = text.splitlines()
    assert lines[0] == "# Phone number compliance: FAILED"
    assert "| Expected | 4 |" in lines
    assert "| Failed | 1 |" in lines
    assert "| Released | 0 |" in lines
    assert "| Regions not listed | 0 |" in lines
    assert "| Unexpected (acquired, not expected; not checked) | 1 |" in lines
    assert (
        "| +12065550101 | failed | Failed | order-2 | number status Failed in order order-2 (order status Partial) |"
        in lines
    )
    assert "| +12065550103 | missing |  |  | not in any phone number order |" in lines
    assert "## Not listed" not in text
    assert lines[-1].startswith("Checked with source `module`, api `chime`, region `us-east-1`")
    assert "fail_on_unexpected `false`" in lines[-1]
    assert "took 3.704 s, 2 listings." in lines[-1]


def test_summary_lists_released_numbers_and_the_regions_not_listed():
    result = judged(acquired=["+12065550100"], released=["+12065550105"], skipped=["eu-west-2"])
    lines = build_reports(result)["summary.md"].splitlines()
    assert "| Released | 1 |" in lines
    assert "| Regions not listed | 1 |" in lines
    assert lines[lines.index("## Not listed") + 2].startswith("These parts of the account were not listed")
    assert "| eu-west-2 | region eu-west-2 was skipped: AccessDenied |" in lines
    # The account was cross-checked: its current status has a column.
    assert "| Number | Category | Number status | Account status | Order | Reason |" in lines
    assert "| +12065550105 | released | Acquired |  | order-05 | released reason |" in lines


def test_summary_escapes_table_breaking_characters_and_bounds_rows():
    facts = [fact("+1206555%04d" % index, "Failed", "order|%d\nnext" % index) for index in range(30)]
    result = number_compliance(facts, [f["e164_phone_number"] for f in facts])
    text = summary_markdown(result, max_rows=10)
    rows = [line for line in text.splitlines() if line.startswith("| +1206555")]
    assert len(rows) == 10
    assert "order\\|0 next" in rows[0]
    assert "... and 20 more; report.json lists them all." in text


def test_summary_of_a_passing_result():
    text = summary_markdown(passing_result())
    assert text.startswith("# Phone number compliance: PASSED\n\nThe expected phone number is acquired")
    assert "## Problems" not in text


def test_build_reports_picks_formats_and_rejects_unknown_ones():
    assert sorted(build_reports(failing_result())) == REPORT_NAMES
    assert sorted(build_reports(failing_result(), formats=["junit"])) == ["junit.xml"]
    with pytest.raises(ValueError, match="unknown report formats"):
        build_reports(failing_result(), formats=["html"])
    with pytest.raises(ValueError, match="unknown report formats"):
        build_error_reports({"message": "x"}, formats=["pdf"])


# --------------------------------------------------------------------------- error reports

ACCESS_DENIED = {
    "message": "AccessDeniedException: not authorized to perform chime:ListPhoneNumberOrders",
    "error_code": "AccessDeniedException",
    "iam_action": "chime:ListPhoneNumberOrders",
    "http_status": 403,
}


def test_error_report_json_has_the_error_and_no_category_lists():
    files = build_error_reports(ACCESS_DENIED, INPUTS, {"started": TIMING["started"], "finished": TIMING["listed"]})
    document = validate_report(files["report.json"])
    assert (document["verdict"], document["passed"], document["kind"], document["schema_version"]) == (
        "error",
        False,
        "single",
        2,
    )
    assert document["error"] == dict(ACCESS_DENIED, attempts=None)
    assert document["message"] == ACCESS_DENIED["message"]
    assert document["result"] is None and document["counts"] is None
    assert document["timing"]["duration_seconds"] == 3.501
    assert document["inputs"]["region"] == "us-east-1"


def test_error_junit_has_one_case_named_after_the_check_in_error():
    root, suite, cases = parse_junit(build_error_reports(ACCESS_DENIED, INPUTS, suite_name="nightly")["junit.xml"])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "1")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "1")
    assert list(cases) == ["nightly"]
    case = cases["nightly"]
    assert case.find("failure") is None
    error = case.find("error")
    assert error.get("type") == "AccessDeniedException"
    assert error.get("message") == "could not check: " + ACCESS_DENIED["message"]
    assert "iam_action: chime:ListPhoneNumberOrders" in error.text and "http_status: 403" in error.text


def test_error_summary_says_it_could_not_check_and_why():
    text = build_error_reports(ACCESS_DENIED, INPUTS, TIMING)["summary.md"]
    lines = text.splitlines()
    assert lines[0] == "# Phone number compliance: COULD NOT CHECK"
    assert lines[2] == "Could not check: " + ACCESS_DENIED["message"]
    assert "| IAM action | chime:ListPhoneNumberOrders |" in lines
    assert "| HTTP status | 403 |" in lines
    assert "PASSED" not in text and "FAILED" not in text and "| Acquired |" not in text


def test_error_reports_take_a_module_failure_or_a_plain_message():
    failure = {
        "msg": "Retries exhausted after 5 attempts",
        "attempts": 5,
        "error_code": "ThrottledClientException",
        "http_status": "429",
        "invocation": {"module_args": {"secret_key": SECRET}},
    }
    document = validate_report(build_error_reports(failure)["report.json"])
    assert document["error"] == {
        "message": "Retries exhausted after 5 attempts",
        "attempts": 5,
        "error_code": "ThrottledClientException",
        "http_status": 429,
        "iam_action": None,
    }
    assert validate_report(build_error_reports("boom")["report.json"])["error"]["message"] == "boom"
    assert validate_report(build_error_reports({})["report.json"])["message"] == (
        "the check could not run (no reason given)"
    )


def test_error_messages_are_redacted():
    files = build_error_reports(
        {"message": "Could not connect to https://u:%s@chime.example.com?X-Amz-Security-Token=%s" % (SECRET, TOKEN)},
        {"session_token": TOKEN},
    )
    assert SECRET not in all_report_text(files) and TOKEN not in all_report_text(files)
    assert json.loads(files["report.json"])["message"] == (
        "Could not connect to https://chime.example.com?X-Amz-Security-Token=********"
    )


# --------------------------------------------------------------------------- aggregate reports


def host(name, result=None, error=None, verdict=None, report_dir=None):
    entry = {
        "host": name,
        "result": result,
        "error": error,
        "inputs": {"region": "us-east-1", "api": "chime"},
        "timing": TIMING,
        "report_dir": report_dir,
    }
    if verdict is not None:
        entry["verdict"] = verdict
    return entry


PASSING = judged(acquired=["+12065550100", "+12065550101"])
FAILING = judged(acquired=["+12065550100"], failed=["+12065550101"], missing=["+12065550102"])


@pytest.mark.parametrize(
    "verdicts, expected",
    [
        (["passed", "passed"], "passed"),
        (["passed", "failed"], "failed"),
        (["passed", "error"], "error"),
        (["error", "failed", "passed"], "failed"),
        (["error", "error"], "error"),
        ([], "error"),
    ],
)
def test_aggregate_verdict_failed_outranks_error_outranks_passed(verdicts, expected):
    assert reports.aggregate_verdict(verdicts) == expected
    hosts = [
        (
            host("h%d" % index, error=ACCESS_DENIED)
            if verdict == "error"
            else host("h%d" % index, PASSING if verdict == "passed" else FAILING)
        )
        for index, verdict in enumerate(verdicts)
    ]
    document = validate_report(build_aggregate_reports(hosts, TIMING)["report.json"])
    assert document["verdict"] == expected
    assert document["passed"] is (expected == "passed")


def test_aggregate_report_json_counts_hosts_and_numbers():
    hosts = [
        host("prod-us", PASSING, report_dir="/reports/prod-us"),
        host("prod-eu", FAILING),
        host("lab", error=ACCESS_DENIED),
    ]
    document = validate_report(build_aggregate_reports(hosts, TIMING)["report.json"])
    assert document["kind"] == "aggregate"
    assert document["host_counts"] == {"total": 3, "passed": 1, "failed": 1, "error": 1}
    # Judged targets only: the one that could not be checked adds nothing.
    assert document["counts"]["expected"] == 5 and document["counts"]["acquired"] == 3
    assert document["counts"]["failed"] == 1 and document["counts"]["missing"] == 1
    assert document["counts"]["problems"] == 2
    assert [entry["host"] for entry in document["hosts"]] == ["prod-us", "prod-eu", "lab"]
    us, eu, lab = document["hosts"]
    assert (us["verdict"], us["report_dir"], us["error"]) == ("passed", "/reports/prod-us", None)
    assert eu["result"]["problems"][0]["e164_phone_number"] == "+12065550101"
    assert eu["message"] == FAILING["message"]
    assert (lab["verdict"], lab["result"], lab["counts"]) == ("error", None, None)
    assert lab["error"]["error_code"] == "AccessDeniedException" and lab["message"] == ACCESS_DENIED["message"]
    assert document["message"].splitlines() == [
        "2 of 3 targets did not pass (1 failed, 1 could not be checked):",
        "  prod-eu failed: 2 problems",
        "  lab could not check: " + ACCESS_DENIED["message"],
    ]


def test_aggregate_junit_has_one_suite_per_host():
    hosts = [host("prod-us", PASSING), host("prod-eu", FAILING), host("lab", error=ACCESS_DENIED)]
    root = ElementTree.fromstring(build_aggregate_reports(hosts, TIMING, suite_name="nightly")["junit.xml"])
    assert (root.get("name"), root.get("tests"), root.get("failures"), root.get("errors")) == ("nightly", "6", "2", "1")
    suites = dict((suite.get("name"), suite) for suite in root.findall("testsuite"))
    assert list(suites) == ["prod-us", "prod-eu", "lab"]
    for name, suite in suites.items():
        assert suite.get("hostname") == name
    eu = suites["prod-eu"]
    assert (eu.get("tests"), eu.get("failures"), eu.get("errors")) == ("3", "2", "0")
    classnames = set(case.get("classname") for case in eu.findall("testcase"))
    assert classnames == {"nightly.prod-eu.expected"}
    assert eu.find("testcase[@name='+12065550101']/failure").get("type") == "failed"
    lab = suites["lab"]
    assert (lab.get("tests"), lab.get("failures"), lab.get("errors")) == ("1", "0", "1")
    assert lab.find("testcase/error").get("message") == "could not check: " + ACCESS_DENIED["message"]
    properties = dict((p.get("name"), p.get("value")) for p in suites["prod-us"].find("properties"))
    assert properties == {"region": "us-east-1", "api": "chime"}


def test_aggregate_summary_has_a_row_per_host_then_capped_problems():
    many = judged(missing=["+1206555%04d" % index for index in range(60)])
    hosts = [
        host("prod-us", PASSING),
        host("prod-eu", many, report_dir="/reports/prod-eu"),
        host("lab", error=ACCESS_DENIED),
    ]
    text = build_aggregate_reports(hosts, TIMING)["summary.md"]
    lines = text.splitlines()
    assert lines[0] == "# Phone number compliance: FAILED (3 targets: 1 passed, 1 failed, 1 could not check)"
    assert "| prod-us | PASSED | 2 | 2 | 0 | 0 | all fine |" in lines
    assert "| prod-eu | FAILED | 60 | 0 | 60 | 0 | 60 problems |" in lines
    assert "| lab | COULD NOT CHECK |  |  |  |  | %s |" % ACCESS_DENIED["message"] in lines
    assert "## prod-eu: FAILED" in lines and "## lab: COULD NOT CHECK" in lines
    assert "## prod-us: PASSED" not in lines
    rows = [line for line in lines if line.startswith("| +1206555")]
    assert len(rows) == reports.DEFAULT_MAX_SUMMARY_ROWS_PER_HOST
    assert (
        "... and 10 more; report.json lists them all (so does the target's own `/reports/prod-eu/report.json`)."
    ) in lines


def test_aggregate_of_one_passing_host_passes():
    document = validate_report(build_aggregate_reports([host("only", PASSING)])["report.json"])
    assert (document["verdict"], document["message"]) == ("passed", "The target passed.")


def test_aggregate_of_no_host_is_an_error_not_a_pass():
    files = build_aggregate_reports([])
    document = validate_report(files["report.json"])
    assert (document["verdict"], document["message"]) == ("error", "No target was checked.")
    assert files["summary.md"].startswith("# Phone number compliance: COULD NOT CHECK (0 targets")


def test_a_host_verdict_that_contradicts_its_result_is_refused():
    with pytest.raises(ValueError, match="host prod: verdict passed contradicts its result, which failed"):
        build_aggregate_reports([host("prod", FAILING, verdict="passed")])
    with pytest.raises(ValueError, match="host prod: verdict failed needs the judge's result"):
        build_aggregate_reports([host("prod", verdict="failed")])
    with pytest.raises(ValueError, match="verdict must be one of"):
        build_aggregate_reports([host("prod", PASSING, verdict="ok")])
    with pytest.raises(ValueError, match="repeated: prod"):
        build_aggregate_reports([host("prod", PASSING), host("prod", FAILING)])


def test_a_host_in_error_without_an_error_dict_still_says_why():
    document = validate_report(build_aggregate_reports([host("prod", verdict="error")])["report.json"])
    assert document["hosts"][0]["error"]["message"] == "no compliance result for this target"


def test_aggregate_masks_each_hosts_secret_inputs_everywhere():
    failing = judged(failed=["+12065550101"])
    failing["problems"][0]["reason"] = "echoed " + SECRET
    entry = host("prod", failing)
    entry["inputs"] = {"secret_key": SECRET}
    files = build_aggregate_reports([entry, host("lab", error={"message": "token " + TOKEN})], secrets=[TOKEN])
    assert SECRET not in all_report_text(files) and TOKEN not in all_report_text(files)


# --------------------------------------------------------------------------- the schema


@pytest.mark.parametrize(
    "result",
    [
        judged(acquired=["+12065550100"]),
        judged(acquired=["+12065550100"], current_state=False),
        judged(released=["+12065550105"]),
        judged(failed=["+12065550101"]),
        judged(processing=["+12065550102"]),
        judged(missing=["+12065550103"]),
        judged(acquired=["+12065550100"], unexpected=["+12065550199"], fail_on_unexpected=True),
        judged(acquired=["+12065550100"], unexpected=["+12065550199"]),
        judged(acquired=["+12065550100"], skipped=["eu-west-2"]),
        judged(acquired=["+12065550100"], duplicates=["+12065550100"], ordered=0),
    ],
    ids=[
        "passed",
        "passed-without-current-state",
        "released",
        "failed",
        "processing",
        "missing",
        "unexpected",
        "unexpected-not-checked",
        "skipped",
        "duplicates",
    ],
)
def test_the_schema_accepts_every_category(result):
    document = validate_report(build_reports(result, INPUTS, TIMING)["report.json"])
    assert document["verdict"] == ("passed" if result["passed"] else "failed")


def broken(document, change):
    copy = json.loads(json.dumps(document))
    change(copy)
    return copy


FAILED_DOCUMENT = json.loads(build_reports(judged(failed=["+12065550101"]), INPUTS, TIMING)["report.json"])
ERROR_DOCUMENT = json.loads(build_error_reports(ACCESS_DENIED)["report.json"])
AGGREGATE_DOCUMENT = json.loads(build_aggregate_reports([host("a", PASSING), host("b", FAILING)])["report.json"])


@pytest.mark.parametrize(
    "document, change, place",
    [
        (FAILED_DOCUMENT, lambda d: d.update(passed=True), "passed"),
        (FAILED_DOCUMENT, lambda d: d.update(verdict="passed"), "passed"),
        (FAILED_DOCUMENT, lambda d: d.update(schema_version=1), "schema_version"),
        (FAILED_DOCUMENT, lambda d: d.pop("kind"), "(top)"),
        (FAILED_DOCUMENT, lambda d: d["result"]["problems"][0].update(category="lost"), "result/problems/0/category"),
        (FAILED_DOCUMENT, lambda d: d["result"].pop("released"), "result"),
        (FAILED_DOCUMENT, lambda d: d["counts"].update(failed=-1), "counts/failed"),
        (FAILED_DOCUMENT, lambda d: d["inputs"].update(secret_key="x"), "inputs"),
        (FAILED_DOCUMENT, lambda d: d["timing"].update(started_at="yesterday"), "timing/started_at"),
        (FAILED_DOCUMENT, lambda d: d.update(error=ERROR_DOCUMENT["error"]), "error"),
        (ERROR_DOCUMENT, lambda d: d.update(result=FAILED_DOCUMENT["result"]), "result"),
        (ERROR_DOCUMENT, lambda d: d.update(error=None), "error"),
        (ERROR_DOCUMENT, lambda d: d["error"].pop("message"), "error"),
        (AGGREGATE_DOCUMENT, lambda d: d.update(verdict="passed", passed=True), "host_counts/failed"),
        (AGGREGATE_DOCUMENT, lambda d: d["hosts"][0].update(passed=False), "hosts/0/passed"),
        (AGGREGATE_DOCUMENT, lambda d: d.update(kind="single"), "(top)"),
    ],
)
def test_the_schema_rejects_a_broken_report(document, change, place):
    assert report_violations(document) == []
    violations = report_violations(broken(document, change))
    assert violations, "the schema accepted a broken report"
    assert any(violation.startswith(place + ":") for violation in violations), violations


def test_validate_report_reads_a_path_text_or_document(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(ERROR_DOCUMENT))
    assert validate_report(path) == validate_report(str(path)) == validate_report(path.read_text()) == ERROR_DOCUMENT
    with pytest.raises(AssertionError, match="passed: False was expected"):
        validate_report(broken(FAILED_DOCUMENT, lambda d: d.update(passed=True)))


# --------------------------------------------------------------------------- write_report_set


def current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def old_passing_set(directory):
    """The reports a previous, passing run left."""
    write_report_set(str(directory), build_reports(passing_result(), INPUTS, TIMING))
    assert "PASSED" in (directory / "summary.md").read_text()
    return dict((name, (directory / name).read_bytes()) for name in REPORT_NAMES)


def test_write_report_set_creates_the_directory_and_writes_every_file(tmp_path):
    directory = tmp_path / "reports" / "chime"
    files = build_reports(failing_result(), INPUTS, TIMING)
    paths = write_report_set(str(directory), files)
    assert paths == dict((name, str(directory / name)) for name in REPORT_NAMES)
    assert sorted(os.listdir(directory)) == REPORT_NAMES
    for name in REPORT_NAMES:
        assert (directory / name).read_text(encoding="utf-8") == files[name]
        assert oct(os.stat(directory / name).st_mode & 0o777) == oct(0o666 & ~current_umask())


def test_a_new_verdict_replaces_every_old_report_file(tmp_path):
    old_passing_set(tmp_path)
    inode = os.stat(tmp_path / "junit.xml").st_ino
    write_report_set(str(tmp_path), build_error_reports(ACCESS_DENIED, formats=["junit"]))
    # The old report.json and summary.md said PASSED: they must not stay beside this junit.xml.
    assert sorted(os.listdir(tmp_path)) == ["junit.xml"]
    assert 'errors="1"' in (tmp_path / "junit.xml").read_text()
    assert os.stat(tmp_path / "junit.xml").st_ino != inode  # renamed into place, not rewritten


def test_identical_content_is_rewritten_and_other_files_are_kept(tmp_path):
    (tmp_path / "keep-me.txt").write_text("not ours")
    files = build_reports(passing_result())
    write_report_set(str(tmp_path), files)
    before = os.stat(tmp_path / "report.json").st_ino
    write_report_set(str(tmp_path), files)
    assert os.stat(tmp_path / "report.json").st_ino != before
    assert sorted(os.listdir(tmp_path)) == REPORT_NAMES[:1] + ["keep-me.txt"] + REPORT_NAMES[1:]


def test_a_directory_at_report_json_is_found_before_anything_is_replaced(tmp_path):
    old_passing_set(tmp_path)
    (tmp_path / "report.json").unlink()
    (tmp_path / "report.json").mkdir()
    (tmp_path / "report.json" / "inside").write_text("someone else's")
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(tmp_path), build_reports(failing_result()))
    assert str(raised.value) == ("cannot write report %s: it exists and is a directory" % (tmp_path / "report.json"))
    # No old summary.md saying PASSED beside a new junit.xml, no new junit.xml at all, and the
    # directory we did not make is left as it was.
    assert sorted(os.listdir(tmp_path)) == ["report.json"]
    assert (tmp_path / "report.json" / "inside").read_text() == "someone else's"


def test_a_symlink_at_a_report_name_is_not_ours_to_replace(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    directory = tmp_path / "reports"
    directory.mkdir()
    (directory / "summary.md").symlink_to(target)
    with pytest.raises(ReportWriteError, match="summary.md: it exists and is a symbolic link"):
        write_report_set(str(directory), build_reports(passing_result()))
    assert target.read_text() == "{}"


def test_a_rename_failing_midway_leaves_no_report_at_all(tmp_path, monkeypatch):
    old_passing_set(tmp_path)
    real_rename = os.rename
    renamed = []

    def rename_until_report_json(source, destination):
        if destination.endswith("report.json"):
            raise OSError(28, "No space left on device")
        renamed.append(destination)
        real_rename(source, destination)

    monkeypatch.setattr(reports.os, "rename", rename_until_report_json)
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(tmp_path), build_reports(failing_result()))
    assert str(raised.value) == "cannot write report %s: No space left on device" % (tmp_path / "report.json")
    assert renamed == [str(tmp_path / "summary.md"), str(tmp_path / "junit.xml")]
    assert os.listdir(tmp_path) == []  # neither the new files already renamed nor the old ones


def test_an_old_file_that_cannot_be_removed_is_named(tmp_path, monkeypatch):
    old_passing_set(tmp_path)
    real_unlink = os.unlink
    stuck = str(tmp_path / "summary.md")

    def unlink_all_but_summary(path, **kwargs):  # shutil.rmtree passes dir_fd
        if path == stuck:
            raise OSError(1, "Operation not permitted")
        real_unlink(path, **kwargs)

    monkeypatch.setattr(reports.os, "unlink", unlink_all_but_summary)
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(tmp_path), build_reports(failing_result()))
    message = str(raised.value)
    assert message.startswith("cannot write report %s: Operation not permitted" % stuck)
    assert (
        "could not be removed either, so they may be from another run: %s: Operation not permitted" % stuck in message
    )
    assert (stuck, "Operation not permitted") in raised.value.failures
    # Everything else is gone: what stays is named in the error.
    assert os.listdir(tmp_path) == ["summary.md"]


def test_a_file_that_cannot_be_staged_fails_before_anything_is_replaced_and_leaves_no_temporary(tmp_path, monkeypatch):
    old_passing_set(tmp_path)
    real_fsync = os.fsync
    calls = []

    def fsync_fails_on_the_second_file(handle):
        calls.append(handle)
        if len(calls) == 2:
            raise OSError(122, "Disk quota exceeded")
        real_fsync(handle)

    monkeypatch.setattr(reports.os, "fsync", fsync_fails_on_the_second_file)
    with pytest.raises(ReportWriteError, match="cannot write report .*report.json: Disk quota exceeded"):
        write_report_set(str(tmp_path), build_reports(failing_result()))
    assert os.listdir(tmp_path) == []


def test_still_wanted_is_asked_before_staging_and_after_it_before_any_report_is_touched(tmp_path):
    old = old_passing_set(tmp_path)
    seen = []

    def still_wanted():
        names = sorted(os.listdir(tmp_path))
        staging = [name for name in names if name.startswith(".voiceops-reports-")]
        # First before anything is created (a stopped run leaves not even a staging directory),
        # then with the whole set staged and the old reports still untouched.
        seen.append(
            (
                sorted(os.listdir(tmp_path / staging[0])) if staging else None,
                dict((name, (tmp_path / name).read_bytes()) for name in REPORT_NAMES),
            )
        )
        return True

    write_report_set(str(tmp_path), build_reports(failing_result()), still_wanted=still_wanted)
    assert seen == [(None, old), (REPORT_NAMES, old)]
    assert "FAILED" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize("wanted_answers", [[False], [True, False]])
def test_a_run_that_stops_before_or_after_staging_leaves_the_directory_as_it_was(tmp_path, wanted_answers):
    old = old_passing_set(tmp_path)
    before = os.stat(tmp_path).st_mtime_ns
    answers = iter(wanted_answers)
    with pytest.raises(ReportAbortedError, match="abandoned before any report there was touched"):
        write_report_set(str(tmp_path), build_reports(failing_result()), still_wanted=lambda: next(answers))
    assert sorted(os.listdir(tmp_path)) == REPORT_NAMES
    assert dict((name, (tmp_path / name).read_bytes()) for name in REPORT_NAMES) == old
    if wanted_answers == [False]:
        # Asked first: not even a staging directory came and went.
        assert os.stat(tmp_path).st_mtime_ns == before


def test_an_unwanted_set_writes_nothing_and_leaves_the_old_set_intact(tmp_path):
    old = old_passing_set(tmp_path)
    with pytest.raises(ReportAbortedError, match="abandoned before any report there was touched"):
        write_report_set(str(tmp_path), build_reports(failing_result()), still_wanted=lambda: False)
    # Untouched, not removed: a newer run may be writing this directory now.
    assert sorted(os.listdir(tmp_path)) == REPORT_NAMES
    assert dict((name, (tmp_path / name).read_bytes()) for name in REPORT_NAMES) == old
    assert not issubclass(ReportAbortedError, ReportWriteError)


def test_check_mode_writes_nothing_but_runs_the_same_checks(tmp_path):
    directory = tmp_path / "reports"
    paths = write_report_set(str(directory), build_reports(failing_result()), check_mode=True)
    assert sorted(paths) == REPORT_NAMES
    assert not directory.exists()
    directory.mkdir()
    (directory / "junit.xml").mkdir()
    with pytest.raises(ReportWriteError, match="junit.xml: it exists and is a directory"):
        write_report_set(str(directory), build_reports(failing_result()), check_mode=True)
    assert os.listdir(directory) == ["junit.xml"]


def test_a_report_set_is_made_of_known_files():
    with pytest.raises(ValueError, match="a report set is made of junit.xml, report.json, summary.md; got notes.txt"):
        write_report_set("/nonexistent", {"notes.txt": "x"})
    with pytest.raises(ValueError, match="got nothing"):
        write_report_set("/nonexistent", {})


def test_text_that_is_not_utf_8_encodable_is_written_anyway(tmp_path):
    write_report_set(str(tmp_path), {"summary.md": "lone \ud800 surrogate"})
    assert (tmp_path / "summary.md").read_bytes() == b"lone ? surrogate"


def test_a_file_where_the_directory_should_be_is_named_in_the_error(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(blocker), build_reports(failing_result()))
    assert str(raised.value) == "cannot write reports to directory %s: it exists and is not a directory" % blocker
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(blocker / "chime"), build_reports(failing_result()))
    assert str(raised.value).startswith("cannot create report directory %s: " % (blocker / "chime"))


def test_an_unwritable_directory_is_named_in_the_error(tmp_path, monkeypatch):
    directory = tmp_path / "readonly"
    directory.mkdir()
    # Root ignores permission bits, so the refusal comes from os.access as the OS would answer
    # an unprivileged user; the failing rename and unlink tests cover the writes themselves.
    monkeypatch.setattr(reports.os, "access", lambda path, mode: False)
    with pytest.raises(ReportWriteError) as raised:
        write_report_set(str(directory), build_reports(failing_result()))
    assert str(raised.value) == "cannot write reports to directory %s: Permission denied" % directory


# --------------------------------------------------------------------------- the 0.1.0 writers


def test_write_reports_returns_the_paths_and_the_files_whose_content_changed(tmp_path):
    directory = str(tmp_path / "reports" / "chime")
    paths, changed = write_reports(directory, build_reports(failing_result(), INPUTS, TIMING))
    assert sorted(os.listdir(directory)) == REPORT_NAMES
    assert sorted(changed) == sorted(paths.values())
    paths, changed = write_reports(directory, build_reports(failing_result(), INPUTS, TIMING))
    assert changed == []


def test_write_reports_in_check_mode_creates_nothing(tmp_path):
    directory = str(tmp_path / "reports")
    paths, changed = write_reports(directory, build_reports(failing_result()), check_mode=True)
    assert len(changed) == 3
    assert not os.path.exists(directory)


def test_write_atomic_writes_replaces_and_reports_changes(tmp_path):
    path = str(tmp_path / "report.json")
    assert write_atomic(path, "one \u2603\n") is True
    assert write_atomic(path, "one \u2603\n") is False
    assert open(path, encoding="utf-8").read() == "one \u2603\n"
    inode = os.stat(path).st_ino
    assert write_atomic(path, "two\n") is True
    assert os.stat(path).st_ino != inode
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o666 & ~current_umask())
    assert os.listdir(str(tmp_path)) == ["report.json"]  # no temporary file left behind


def test_write_atomic_cleans_up_when_the_rename_fails(tmp_path, monkeypatch):
    def refuse(source, destination):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(reports.os, "rename", refuse)
    with pytest.raises(ReportWriteError, match="cannot write report .*report.json: Permission denied"):
        write_atomic(str(tmp_path / "report.json"), "x")
    assert os.listdir(str(tmp_path)) == []


# --------------------------------------------------------------------------- remove_stale_reports


def test_remove_stale_reports_removes_only_our_report_files(tmp_path):
    for name in REPORT_NAMES + ["keep-me.txt"]:
        (tmp_path / name).write_text("old")
    assert remove_stale_reports(str(tmp_path), check_mode=True) == [str(tmp_path / name) for name in REPORT_NAMES]
    assert len(list(tmp_path.iterdir())) == 4  # check mode only says what it would remove
    removed = remove_stale_reports(str(tmp_path))
    assert removed == [str(tmp_path / name) for name in REPORT_NAMES]
    assert [path.name for path in tmp_path.iterdir()] == ["keep-me.txt"]
    assert remove_stale_reports(str(tmp_path)) == []
    assert remove_stale_reports(str(tmp_path / "never-made")) == []


def test_remove_stale_reports_names_each_file_it_could_not_remove_and_removes_the_rest(tmp_path, monkeypatch):
    for name in REPORT_NAMES:
        (tmp_path / name).write_text("old")
    real_unlink = os.unlink

    def unlink_refusing_two(path, **kwargs):
        if os.path.basename(path) in ("junit.xml", "summary.md"):
            raise OSError(13, "Permission denied")
        real_unlink(path, **kwargs)

    monkeypatch.setattr(reports.os, "unlink", unlink_refusing_two)
    with pytest.raises(ReportWriteError) as raised:
        remove_stale_reports(str(tmp_path))
    assert str(raised.value) == "cannot remove stale reports: %s: Permission denied; %s: Permission denied" % (
        tmp_path / "junit.xml",
        tmp_path / "summary.md",
    )
    assert sorted(os.listdir(tmp_path)) == ["junit.xml", "summary.md"]


def test_remove_stale_reports_names_an_object_it_did_not_write(tmp_path):
    (tmp_path / "report.json").mkdir()
    (tmp_path / "summary.md").write_text("# Phone number compliance: PASSED")
    with pytest.raises(ReportWriteError, match="report.json: it exists and is a directory"):
        remove_stale_reports(str(tmp_path))
    assert os.listdir(tmp_path) == ["report.json"]  # the stale summary went all the same
    with pytest.raises(ReportWriteError, match="report.json: it exists and is a directory"):
        remove_stale_reports(str(tmp_path), check_mode=True)


def test_no_temporary_file_stays_after_any_outcome(tmp_path, monkeypatch):
    write_report_set(str(tmp_path), build_reports(passing_result()))
    with pytest.raises(ReportAbortedError):
        write_report_set(str(tmp_path), build_reports(failing_result()), still_wanted=lambda: False)

    def refuse(source, destination):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reports.os, "rename", refuse)
    with pytest.raises(ReportWriteError):
        write_report_set(str(tmp_path), build_reports(failing_result()))
    leftovers = [name for name in os.listdir(tmp_path) if name.startswith(".")]
    assert leftovers == []
    assert all(stat.S_ISREG(os.lstat(tmp_path / name).st_mode) for name in os.listdir(tmp_path))


# --------------------------------------------------------------------------- write_atomic and the wrappers, closer


def test_write_atomic_in_check_mode_tells_a_change_and_writes_nothing(tmp_path):
    path = tmp_path / "report.json"
    assert write_atomic(str(path), "new\n", check_mode=True) is True
    assert not path.exists()
    path.write_text("same\n")
    assert write_atomic(str(path), "same\n", check_mode=True) is False
    assert write_atomic(str(path), "other\n", check_mode=True) is True
    assert path.read_text() == "same\n"


def test_write_atomic_stages_a_hidden_temporary_file_beside_the_report(tmp_path, monkeypatch):
    # Beside it, because a rename across file systems fails; hidden and *.tmp, so that a CI job
    # collecting reports/*.json while a report is written never picks up half of one.
    renamed = []
    real_rename = os.rename

    def recording_rename(source, destination):
        renamed.append((source, destination))
        real_rename(source, destination)

    monkeypatch.setattr(reports.os, "rename", recording_rename)
    write_atomic(str(tmp_path / "report.json"), "x\n")
    [(source, destination)] = renamed
    assert destination == str(tmp_path / "report.json") and os.path.dirname(source) == str(tmp_path)
    assert os.path.basename(source).startswith(".report.json.") and source.endswith(".tmp")


def test_write_atomic_into_a_missing_directory_names_the_directory(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(ReportWriteError) as raised:
        write_atomic(str(missing / "report.json"), "x")
    assert str(raised.value) == "cannot write reports to directory {0}: No such file or directory".format(missing)
    assert raised.value.failures == [(str(missing), "No such file or directory")]


def test_write_atomic_onto_a_directory_names_the_report_and_leaves_nothing(tmp_path):
    (tmp_path / "report.json").mkdir()
    with pytest.raises(ReportWriteError) as raised:
        write_atomic(str(tmp_path / "report.json"), "x")
    assert str(raised.value) == "cannot write report {0}: Is a directory".format(tmp_path / "report.json")
    assert raised.value.failures == [(str(tmp_path / "report.json"), "Is a directory")]
    assert os.listdir(tmp_path) == ["report.json"]


def test_remove_stale_reports_hands_each_failure_to_the_caller(tmp_path):
    (tmp_path / "report.json").mkdir()
    with pytest.raises(ReportWriteError) as raised:
        remove_stale_reports(str(tmp_path))
    assert raised.value.failures == [(str(tmp_path / "report.json"), "it exists and is a directory")]


def test_the_single_format_builders_mask_the_secrets_they_are_given():
    result = failing_result()
    result["message"] += " (seen with " + SECRET + ")"
    result["problems"][0]["reason"] += " (seen with " + SECRET + ")"
    for text in (
        report_json(result, INPUTS, TIMING, secrets=[SECRET]),
        junit_xml(result, INPUTS, TIMING, secrets=[SECRET]),
        summary_markdown(result, INPUTS, TIMING, secrets=[SECRET]),
    ):
        assert SECRET not in text and "(seen with ********)" in text
