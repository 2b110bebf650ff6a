# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compliance reports: pure builders for report.json, junit.xml and summary.md, and a writer that
puts one verdict's files in place as a set.

A run ends in one of three verdicts: ``passed`` and ``failed`` (the judge ran), or ``error`` (it
could not run: the listing failed, the input was refused, an exception). Each verdict has its
report set (``build_reports``, ``build_error_reports``); a run over many targets has an aggregate
set (``build_aggregate_reports``). Every builder first makes the report.json document (the schema
is docs/schemas/report.schema.json, the guide docs/reports.md), redacts every string in it, and
renders the JUnit and Markdown files from that document, so the three files always agree and
nothing unredacted reaches any of them.

Only ``write_report_set`` (and the older ``write_reports``/``write_atomic``),
``ensure_report_dir`` and ``remove_stale_reports`` touch the file system. Nothing here imports
Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping
from urllib.parse import urlsplit
from urllib.parse import urlunsplit
from xml.etree import ElementTree

from ansible_collections.voiceops.chime.plugins.module_utils.redact import Redactor

# 2: verdict, kind, error, released, skipped, current_state (docs/reports.md, "Changes").
REPORT_SCHEMA_VERSION = 2
DEFAULT_SUITE_NAME = "voiceops.chime.assert_numbers_acquired"
REPORT_FILE_NAMES = {"json": "report.json", "junit": "junit.xml", "markdown": "summary.md"}
REPORT_FORMATS = ("json", "junit", "markdown")
# summary.md is for people; past this many rows the table points at report.json instead.
DEFAULT_MAX_SUMMARY_ROWS = 500
# An aggregate summary lists this many problems per target (report.json has them all).
DEFAULT_MAX_SUMMARY_ROWS_PER_HOST = 50
# The aggregate message names this many targets that did not pass.
MAX_HOSTS_IN_MESSAGE = 50

VERDICT_PASSED = "passed"
VERDICT_FAILED = "failed"
VERDICT_ERROR = "error"
VERDICTS = (VERDICT_PASSED, VERDICT_FAILED, VERDICT_ERROR)
KIND_SINGLE = "single"
KIND_AGGREGATE = "aggregate"

# Every expected number is in exactly one of these.
EXPECTED_CATEGORIES = ("acquired", "released", "failed", "processing", "missing")
PROBLEM_CATEGORIES = ("released", "failed", "processing", "missing", "unexpected")
RESULT_LISTS = EXPECTED_CATEGORIES + ("unexpected", "duplicates")
COUNT_KEYS = RESULT_LISTS + ("expected", "problems", "ordered", "skipped")
# Problem fields beside number, category and reason, present when the judge knew them.
PROBLEM_DETAIL_FIELDS = (
    "number_status",
    "phone_number_order_id",
    "order_status",
    "account_status",
    "deletion_timestamp",
)
ERROR_DETAIL_FIELDS = ("error_code", "iam_action", "http_status", "attempts")
# Renamed into place in this order: report.json last, so a reader that finds this run's
# report.json finds the rest of this run's set beside it.
_WRITE_ORDER = ("summary.md", "junit.xml", "report.json")

# Input names that may carry a credential. Reports are uploaded as CI artefacts, so anything
# that looks like a secret is dropped, whatever the caller passed.
_SECRET_NAME = re.compile(r"(secret|password|passwd|token|access_key|session|credential|private)", re.I)
# XML 1.0 cannot carry most control characters, even escaped; a CI parser rejects the whole file.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ReportWriteError(Exception):
    """A report could not be written or removed; the message names each path and cause.

    ``failures`` holds ``(path, cause)`` for each of them, the first being the one that stopped
    the write.
    """

    def __init__(self, message, failures=None):
        super(ReportWriteError, self).__init__(message)
        self.failures = list(failures or [])


class ReportAbortedError(Exception):
    """``still_wanted`` said no: nothing in the report directory was touched.

    Not a ReportWriteError on purpose: a caller that answers a write error by removing the old
    reports must not do that here, where a newer run may be writing the same directory.
    """


# --------------------------------------------------------------------------- inputs and secrets


def scrub_url(url):
    """Drop user:password@ from a URL (an endpoint URL may carry them)."""
    if not isinstance(url, str) or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = "{0}:{1}".format(host, parts.port)
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _is_omitted(value):
    return isinstance(value, str) and value.startswith("__omit_place_holder__")


def scrub_inputs(inputs):
    """The inputs worth recording, without credentials: secret-like names are dropped, URLs lose
    their user info, and omitted values (Ansible's omit placeholder) are left out."""
    scrubbed = {}
    for name, value in (inputs or {}).items():
        if _SECRET_NAME.search(str(name)) or _is_omitted(value):
            continue
        if isinstance(value, str):
            value = scrub_url(value)
        scrubbed[str(name)] = value
    return scrubbed


def secret_input_values(inputs):
    """The values of the inputs scrub_inputs drops for their names: a secret passed as an input
    must not come back inside a message either."""
    values = []
    for name, value in (inputs or {}).items():
        if _SECRET_NAME.search(str(name)) and isinstance(value, (str, bytes)) and not _is_omitted(value):
            values.append(value)
    return values


# --------------------------------------------------------------------------- timing


def _iso_utc(epoch_seconds):
    if epoch_seconds is None:
        return None
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=float(epoch_seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "{0:03d}Z".format(moment.microsecond // 1000)


def _seconds_between(start, end):
    if start is None or end is None:
        return None
    return round(float(end) - float(start), 3)


def normalize_timing(timing):
    """Turn the caller's clock readings into report timings.

    ``timing`` holds epoch seconds ``started`` (before the first listing), ``listed`` (after the
    last one), ``judged`` (after the judge) and, for a run that ended without a judgement (an
    error report) or a run over many targets, ``finished``; and ``polls`` (listings made).
    Returns ISO 8601 UTC instants and durations in seconds; keys that cannot be computed are None.
    """
    timing = timing or {}
    started, listed, judged = timing.get("started"), timing.get("listed"), timing.get("judged")
    finished = judged if judged is not None else timing.get("finished")
    polls = timing.get("polls")
    return {
        "started_at": _iso_utc(started),
        "finished_at": _iso_utc(finished),
        "duration_seconds": _seconds_between(started, finished),
        "listing_seconds": _seconds_between(started, listed),
        "judge_seconds": _seconds_between(listed, judged),
        "polls": None if polls is None else int(polls),
    }


# --------------------------------------------------------------------------- normalising the judge's result


def _text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "{0}".format(value)


def _normalize_problem(problem):
    normalized = {
        "e164_phone_number": _text(problem.get("e164_phone_number")) or "",
        "category": _text(problem.get("category")) or "",
        "reason": _text(problem.get("reason")) or "",
    }
    for field in PROBLEM_DETAIL_FIELDS:
        if field in problem:
            normalized[field] = _text(problem[field])
    return normalized


def _normalize_skipped(part):
    if isinstance(part, Mapping):
        return {"region": _text(part.get("region")) or "", "message": _text(part.get("message")) or ""}
    return {"region": "", "message": _text(part) or ""}


def _count(value):
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def normalize_result(result):
    """The judge's result in the shape report.json promises (schema version 2).

    Accepts 0.1.0 results too: a missing ``released`` or ``skipped`` is empty, a missing
    ``current_state`` is false. Counts of lists come from the lists; ``expected`` and ``ordered``
    from the result's counts (``expected`` falls back to the sum of the five categories).
    ``passed`` is false whenever a problem or a skipped part is listed, whatever the result says:
    a report must never say PASSED above a list of problems.
    """
    lists = dict((name, sorted(_text(e164) for e164 in (result.get(name) or ()))) for name in RESULT_LISTS)
    problems = sorted(
        (_normalize_problem(problem) for problem in (result.get("problems") or ())),
        key=lambda problem: (problem["e164_phone_number"], problem["category"]),
    )
    skipped = [_normalize_skipped(part) for part in (result.get("skipped") or ())]
    given_counts = result.get("counts") or {}
    counts = dict((name, len(lists[name])) for name in RESULT_LISTS)
    counts["problems"] = len(problems)
    counts["skipped"] = len(skipped)
    expected = _count(given_counts.get("expected"))
    counts["expected"] = expected if expected is not None else sum(counts[name] for name in EXPECTED_CATEGORIES)
    counts["ordered"] = _count(given_counts.get("ordered"))
    normalized = dict(lists)
    normalized.update(
        problems=problems,
        skipped=skipped,
        counts=counts,
        fail_on_unexpected=bool(result.get("fail_on_unexpected")),
        current_state=bool(result.get("current_state")),
        passed=bool(result.get("passed")) and not problems and not skipped,
        message=_text(result.get("message")) or "",
    )
    return normalized


def normalize_error(error):
    """``error`` (``message``, or a module failure's ``msg``; optionally ``error_code``,
    ``iam_action``, ``http_status``, ``attempts``) as report.json carries it: every field present,
    None when unknown."""
    if isinstance(error, Mapping):
        message = error.get("message")
        if message is None:
            message = error.get("msg")
    else:
        message, error = error, {}
    normalized = {"message": _text(message) or "the check could not run (no reason given)"}
    normalized["error_code"] = _text(error.get("error_code"))
    normalized["iam_action"] = _text(error.get("iam_action"))
    normalized["http_status"] = _count(error.get("http_status"))
    normalized["attempts"] = _count(error.get("attempts"))
    return normalized


def _redactor(secrets, *input_sets):
    collected = list(secrets or ())
    for inputs in input_sets:
        collected.extend(secret_input_values(inputs))
    return Redactor(collected)


# --------------------------------------------------------------------------- report.json documents


def single_report_document(result, inputs=None, timing=None, secrets=()):
    """The report.json document of a judged run (verdict passed or failed), redacted."""
    normalized = normalize_result(result)
    document = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": KIND_SINGLE,
        "verdict": VERDICT_PASSED if normalized["passed"] else VERDICT_FAILED,
        "passed": normalized["passed"],
        "message": normalized["message"],
        "counts": normalized["counts"],
        "result": normalized,
        "error": None,
        "inputs": scrub_inputs(inputs),
        "timing": normalize_timing(timing),
    }
    return _redactor(secrets, inputs).value(document)


def error_report_document(error, inputs=None, timing=None, secrets=()):
    """The report.json document of a run that could not check (verdict error), redacted."""
    normalized = normalize_error(error)
    document = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": KIND_SINGLE,
        "verdict": VERDICT_ERROR,
        "passed": False,
        "message": normalized["message"],
        "counts": None,
        "result": None,
        "error": normalized,
        "inputs": scrub_inputs(inputs),
        "timing": normalize_timing(timing),
    }
    return _redactor(secrets, inputs).value(document)


def _host_entry(host):
    """One target of an aggregate: its verdict checked against its result and error."""
    name = _text(host.get("host")) or ""
    result = host.get("result")
    error = host.get("error")
    normalized = normalize_result(result) if result is not None else None
    verdict = host.get("verdict")
    if verdict is None:
        if error is not None or normalized is None:
            verdict = VERDICT_ERROR
        else:
            verdict = VERDICT_PASSED if normalized["passed"] else VERDICT_FAILED
    if verdict not in VERDICTS:
        raise ValueError("host {0}: verdict must be one of {1}, got {2!r}".format(name, ", ".join(VERDICTS), verdict))
    if verdict != VERDICT_ERROR:
        if normalized is None:
            raise ValueError("host {0}: verdict {1} needs the judge's result".format(name, verdict))
        judged = VERDICT_PASSED if normalized["passed"] else VERDICT_FAILED
        if judged != verdict:
            raise ValueError("host {0}: verdict {1} contradicts its result, which {2}".format(name, verdict, judged))
    if verdict == VERDICT_ERROR:
        normalized_error = normalize_error(
            error if error is not None else {"message": "no compliance result for this target"}
        )
        message = normalized_error["message"]
    else:
        normalized_error = normalize_error(error) if error is not None else None
        message = normalized["message"]
    return {
        "host": name,
        "verdict": verdict,
        "passed": verdict == VERDICT_PASSED,
        "message": message,
        "counts": normalized["counts"] if normalized else None,
        "result": normalized,
        "error": normalized_error,
        "report_dir": _text(host.get("report_dir")),
        "inputs": scrub_inputs(host.get("inputs")),
        "timing": normalize_timing(host.get("timing")),
    }


def aggregate_verdict(verdicts):
    """failed if any target failed, else error if any could not be checked, else passed.

    A failure outranks an error because it is a finding about numbers, which is what the run
    is for; both make the run fail. No target at all is an error: nothing was checked.
    """
    verdicts = list(verdicts)
    if not verdicts:
        return VERDICT_ERROR
    if VERDICT_FAILED in verdicts:
        return VERDICT_FAILED
    if VERDICT_ERROR in verdicts:
        return VERDICT_ERROR
    return VERDICT_PASSED


def _first_line(text):
    """The headline of a message; the judge ends it with ":" before the list that follows."""
    line = (text or "").split("\n", 1)[0]
    return line[:-1] if line.endswith(":") else line


def _aggregate_message(entries, verdict):
    total = len(entries)
    if not total:
        return "No target was checked."
    noun = "target" if total == 1 else "targets"
    if verdict == VERDICT_PASSED:
        return "All {0} {1} passed.".format(total, noun) if total > 1 else "The target passed."
    failed = sum(1 for entry in entries if entry["verdict"] == VERDICT_FAILED)
    errored = sum(1 for entry in entries if entry["verdict"] == VERDICT_ERROR)
    parts = []
    if failed:
        parts.append("{0} failed".format(failed))
    if errored:
        parts.append("{0} could not be checked".format(errored))
    lines = ["{0} of {1} {2} did not pass ({3}):".format(failed + errored, total, noun, ", ".join(parts))]
    offending = [entry for entry in entries if entry["verdict"] != VERDICT_PASSED]
    for entry in offending[:MAX_HOSTS_IN_MESSAGE]:
        lines.append(
            "  {0} {1}: {2}".format(
                entry["host"],
                "could not check" if entry["verdict"] == VERDICT_ERROR else "failed",
                _first_line(entry["message"]),
            )
        )
    if len(offending) > MAX_HOSTS_IN_MESSAGE:
        lines.append("  ... and {0} more".format(len(offending) - MAX_HOSTS_IN_MESSAGE))
    return "\n".join(lines)


def aggregate_report_document(hosts, timing=None, secrets=()):
    """The report.json document of a run over many targets, redacted.

    ``hosts``: one dict per target: ``host`` (inventory_hostname), ``verdict`` (optional; checked
    against the rest), ``result`` (the judge's result or None), ``error`` (an error dict or None),
    ``inputs``, ``timing`` and ``report_dir`` (where its own reports went, or None).
    """
    hosts = list(hosts or ())
    entries = [_host_entry(host) for host in hosts]
    names = [entry["host"] for entry in entries]
    repeated = sorted(set(name for name in names if names.count(name) > 1))
    if repeated:
        raise ValueError("each target may appear once; repeated: {0}".format(", ".join(repeated)))
    verdict = aggregate_verdict(entry["verdict"] for entry in entries)
    counts = dict((name, 0) for name in COUNT_KEYS)
    for entry in entries:
        # Only judged targets have numbers to add; one that could not be checked adds nothing.
        if entry["verdict"] == VERDICT_ERROR or entry["counts"] is None:
            continue
        for name in COUNT_KEYS:
            counts[name] += entry["counts"][name] or 0
    document = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": KIND_AGGREGATE,
        "verdict": verdict,
        "passed": verdict == VERDICT_PASSED,
        "message": _aggregate_message(entries, verdict),
        "host_counts": {
            "total": len(entries),
            "passed": sum(1 for entry in entries if entry["verdict"] == VERDICT_PASSED),
            "failed": sum(1 for entry in entries if entry["verdict"] == VERDICT_FAILED),
            "error": sum(1 for entry in entries if entry["verdict"] == VERDICT_ERROR),
        },
        "counts": counts,
        "hosts": entries,
        "timing": normalize_timing(timing),
    }
    return _redactor(secrets, *(host.get("inputs") for host in hosts)).value(document)


def render_json(document):
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- junit.xml


def _xml_text(value):
    return _XML_INVALID.sub("\ufffd", "{0}".format(value))


def _property_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True) if len(value) <= 20 else "({0} items)".format(len(value))
    return value


def _indent_children(element, level):
    """Indent the children of ``element`` (at depth ``level``) and theirs, as ElementTree.indent
    would, for people reading the artefact: only whitespace between elements, which JUnit
    readers ignore. Not ElementTree.indent: it also inspects every text and tail, which made
    large reports (100,000 numbers) noticeably slower to build."""
    children = list(element)
    if not children:
        return
    inner = "\n" + "  " * (level + 1)
    element.text = inner
    for child in children:
        child.tail = inner
        _indent_children(child, level + 1)
    children[-1].tail = "\n" + "  " * level


def _add_properties(suite, inputs):
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in sorted(inputs.items()):
        if value is None:
            continue
        ElementTree.SubElement(
            properties, "property", {"name": _xml_text(name), "value": _xml_text(_property_value(value))}
        )


def _judged_cases(result):
    """(name, category, failure message or None, failure details) for every case of a judged
    result: each expected number, each unexpected one that counts, each skipped region."""
    problems = dict(
        (problem["e164_phone_number"], problem) for problem in result["problems"] if problem["category"] != "unexpected"
    )
    cases = []
    for category in EXPECTED_CATEGORIES:
        for e164 in result[category]:
            cases.append((e164, category, problems.get(e164)))
    cases.sort(key=lambda case: case[0])
    if result["fail_on_unexpected"]:
        reasons = dict(
            (problem["e164_phone_number"], problem)
            for problem in result["problems"]
            if problem["category"] == "unexpected"
        )
        cases.extend((e164, "unexpected", reasons.get(e164)) for e164 in result["unexpected"])
    rendered = []
    for e164, category, problem in cases:
        if category == "acquired":
            rendered.append((e164, "expected", None, None, None))
            continue
        reason = problem["reason"] if problem else category
        details = ["{0} {1}: {2}".format(e164, category, reason)]
        for key in PROBLEM_DETAIL_FIELDS:
            if problem and problem.get(key) is not None:
                details.append("{0}: {1}".format(key, problem[key]))
        rendered.append(
            (
                e164,
                "unexpected" if category == "unexpected" else "expected",
                category,
                "{0}: {1}".format(category, reason),
                "\n".join(details),
            )
        )
    for part in result["skipped"]:
        message = "region {0} was not listed: {1}".format(part["region"], part["message"])
        rendered.append(("skipped region {0}".format(part["region"]), "skipped", "skipped", message, message))
    return rendered


def _error_details(error):
    details = [error["message"]]
    for key in ERROR_DETAIL_FIELDS:
        if error.get(key) is not None:
            details.append("{0}: {1}".format(key, error[key]))
    return "\n".join(details)


def _add_suite(suites, document, suite_name, classname_prefix, name, hostname=None):
    """One <testsuite> for a single-target document or one target of an aggregate.

    Returns (tests, failures, errors) for the totals of <testsuites>.
    """
    timings = document["timing"]
    attributes = {"name": _xml_text(name), "skipped": "0", "time": "{0:.3f}".format(timings["duration_seconds"] or 0.0)}
    if hostname is not None:
        attributes["hostname"] = _xml_text(hostname)
    if timings["started_at"]:
        # JUnit's schema wants a timestamp without a zone designator.
        attributes["timestamp"] = timings["started_at"].rstrip("Z")
    suite = ElementTree.SubElement(suites, "testsuite", attributes)
    _add_properties(suite, document["inputs"])
    tests = failures = errors = 0
    if document["verdict"] == VERDICT_ERROR:
        # No numbers were judged, so there is nothing to fail: one case, named after the check,
        # in error. CI tools show an error apart from a failure ("could not check").
        error = document["error"]
        case = ElementTree.SubElement(
            suite, "testcase", {"classname": _xml_text(classname_prefix), "name": _xml_text(suite_name), "time": "0"}
        )
        element = ElementTree.SubElement(
            case,
            "error",
            {
                "message": _xml_text("could not check: {0}".format(error["message"])),
                "type": _xml_text(error["error_code"] or "error"),
            },
        )
        element.text = _xml_text(_error_details(error))
        tests = errors = 1
    else:
        for case_name, group, category, message, details in _judged_cases(document["result"]):
            tests += 1
            case = ElementTree.SubElement(
                suite,
                "testcase",
                {
                    "classname": _xml_text("{0}.{1}".format(classname_prefix, group)),
                    "name": _xml_text(case_name),
                    "time": "0",
                },
            )
            if category is not None:
                failures += 1
                failure = ElementTree.SubElement(
                    case, "failure", {"message": _xml_text(message), "type": _xml_text(category)}
                )
                failure.text = _xml_text(details)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    system_out = ElementTree.SubElement(suite, "system-out")
    system_out.text = _xml_text(document["message"] or "")
    return tests, failures, errors


def render_junit(document, suite_name=DEFAULT_SUITE_NAME):
    """junit.xml of a report.json document.

    Single target: one <testsuite> named ``suite_name``; one case per expected number (a number
    not acquired is a <failure> whose type is its category and whose message is the reason),
    each unexpected number when it counts, each skipped region (``skipped region <name>``); an
    error report has one <error> case instead. Aggregate: one <testsuite> per target, named and
    ``hostname``-d after it, with that target's cases; their classnames carry the target's name
    because CI tools (Jenkins) group cases by classname, and one number on two targets must not
    merge into one.
    """
    suites = ElementTree.Element("testsuites", {"name": _xml_text(suite_name), "skipped": "0"})
    totals = [0, 0, 0]
    if document["kind"] == KIND_AGGREGATE:
        for entry in document["hosts"]:
            counts = _add_suite(
                suites,
                entry,
                suite_name,
                "{0}.{1}".format(suite_name, entry["host"]),
                entry["host"],
                hostname=entry["host"],
            )
            totals = [total + count for total, count in zip(totals, counts)]
    else:
        totals = list(_add_suite(suites, document, suite_name, suite_name, suite_name))
    suites.set("tests", str(totals[0]))
    suites.set("failures", str(totals[1]))
    suites.set("errors", str(totals[2]))
    suites.set("time", "{0:.3f}".format(document["timing"]["duration_seconds"] or 0.0))
    _indent_children(suites, 0)
    body = ElementTree.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# --------------------------------------------------------------------------- summary.md

_HEADLINES = {VERDICT_PASSED: "PASSED", VERDICT_FAILED: "FAILED", VERDICT_ERROR: "COULD NOT CHECK"}


def _md_cell(value):
    if value is None:
        return ""
    # A pipe ends a table cell and a newline ends the row: escape one, flatten the other.
    return "{0}".format(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_line(value):
    """Text for a heading or a paragraph line: one line, no table escapes needed."""
    return "{0}".format(value or "").replace("\r", " ").replace("\n", " ")


def _count_rows(counts, fail_on_unexpected):
    rows = [
        "| Numbers | Count |",
        "|---|---:|",
        "| Expected | {0} |".format(counts["expected"]),
        "| Acquired | {0} |".format(counts["acquired"]),
        "| Released | {0} |".format(counts["released"]),
        "| Failed | {0} |".format(counts["failed"]),
        "| Processing | {0} |".format(counts["processing"]),
        "| Missing (in no order) | {0} |".format(counts["missing"]),
        "| Unexpected (acquired, not expected{0}) | {1} |".format(
            "" if fail_on_unexpected else "; not checked", counts["unexpected"]
        ),
    ]
    if counts["duplicates"]:
        rows.append("| Listed more than once in expected | {0} |".format(counts["duplicates"]))
    rows.append("| Regions not listed | {0} |".format(counts["skipped"]))
    return rows


def _problem_rows(result, max_rows, more_note):
    """The problems table (an Account status column when the account was cross-checked)."""
    problems = result["problems"]
    if not problems:
        return []
    with_account = result["current_state"]
    header = "| Number | Category | Number status | {0}Order | Reason |".format(
        "Account status | " if with_account else ""
    )
    rows = [header, "|---|---|---|{0}---|---|".format("---|" if with_account else "")]
    for problem in problems[:max_rows]:
        cells = [problem["e164_phone_number"], problem["category"], problem.get("number_status")]
        if with_account:
            cells.append(problem.get("account_status"))
        cells += [problem.get("phone_number_order_id"), problem["reason"]]
        rows.append("| " + " | ".join(_md_cell(cell) for cell in cells) + " |")
    if len(problems) > max_rows:
        rows += ["", "... and {0} more; {1}".format(len(problems) - max_rows, more_note)]
    return rows


def _skipped_rows(result):
    if not result["skipped"]:
        return []
    rows = [
        "These parts of the account were not listed, so the check is incomplete and fails:",
        "",
        "| Region | Why |",
        "|---|---|",
    ]
    for part in result["skipped"]:
        rows.append("| {0} | {1} |".format(_md_cell(part["region"]), _md_cell(part["message"])))
    return rows


def _error_rows(error):
    rows = ["| Error | |", "|---|---|", "| Message | {0} |".format(_md_cell(error["message"]))]
    labels = {
        "error_code": "Error code",
        "iam_action": "IAM action",
        "http_status": "HTTP status",
        "attempts": "Attempts",
    }
    for key in ERROR_DETAIL_FIELDS:
        if error.get(key) is not None:
            rows.append("| {0} | {1} |".format(labels[key], _md_cell(error[key])))
    return rows


def _checked_with(inputs, timings, current_state=False):
    details = []
    for name in ("source", "api", "region", "profile", "endpoint_url", "fail_on_unexpected", "wait_timeout"):
        value = inputs.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        details.append("{0} `{1}`".format(name, _md_cell(value)))
    if current_state:
        details.append("the account's current numbers cross-checked")
    if timings["started_at"]:
        details.append("started {0}".format(timings["started_at"]))
    if timings["duration_seconds"] is not None:
        details.append("took {0} s".format(timings["duration_seconds"]))
    if timings["polls"]:
        details.append("{0} listing{1}".format(timings["polls"], "" if timings["polls"] == 1 else "s"))
    if not details:
        return []
    return ["", "Checked with " + ", ".join(details) + "."]


def _single_summary(document, max_rows):
    verdict = document["verdict"]
    lines = ["# Phone number compliance: {0}".format(_HEADLINES[verdict]), ""]
    if verdict == VERDICT_ERROR:
        lines += [
            "Could not check: {0}".format(_md_line(_first_line(document["message"]))),
            "",
            "No number was judged, so this run has no verdict on the numbers.",
            "",
        ]
        lines += _error_rows(document["error"])
        lines += _checked_with(document["inputs"], document["timing"])
        return lines
    result = document["result"]
    lines += [_md_cell(_first_line(result["message"])), ""]
    lines += _count_rows(result["counts"], result["fail_on_unexpected"])
    skipped = _skipped_rows(result)
    if skipped:
        lines += ["", "## Not listed", ""] + skipped
    problems = _problem_rows(result, max_rows, "report.json lists them all.")
    if problems:
        lines += ["", "## Problems", ""] + problems
    lines += _checked_with(document["inputs"], document["timing"], result["current_state"])
    return lines


def _aggregate_summary(document, max_rows_per_host):
    verdict = document["verdict"]
    host_counts = document["host_counts"]
    parts = [
        "{0} passed".format(host_counts["passed"]),
        "{0} failed".format(host_counts["failed"]),
        "{0} could not check".format(host_counts["error"]),
    ]
    lines = [
        "# Phone number compliance: {0} ({1} target{2}: {3})".format(
            _HEADLINES[verdict], host_counts["total"], "" if host_counts["total"] == 1 else "s", ", ".join(parts)
        ),
        "",
        _md_cell(_first_line(document["message"])),
        "",
    ]
    if document["hosts"]:
        lines += [
            "| Target | Verdict | Expected | Acquired | Problems | Regions not listed | Message |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for entry in document["hosts"]:
            counts = entry["counts"] or {}
            lines.append(
                "| {0} | {1} | {2} | {3} | {4} | {5} | {6} |".format(
                    _md_cell(entry["host"]),
                    _HEADLINES[entry["verdict"]],
                    *[_md_cell(counts.get(name)) for name in ("expected", "acquired", "problems", "skipped")]
                    + [_md_cell(_first_line(entry["message"]))]
                )
            )
        lines += ["", "## Numbers across the targets that were checked", ""]
        lines += _count_rows(
            document["counts"],
            any(entry["result"] and entry["result"]["fail_on_unexpected"] for entry in document["hosts"]),
        )
    for entry in document["hosts"]:
        if entry["verdict"] == VERDICT_PASSED:
            continue
        lines += ["", "## {0}: {1}".format(_md_line(entry["host"]), _HEADLINES[entry["verdict"]]), ""]
        if entry["verdict"] == VERDICT_ERROR:
            lines += ["Could not check: {0}".format(_md_line(_first_line(entry["error"]["message"]))), ""]
            lines += _error_rows(entry["error"])
            continue
        more_note = "report.json lists them all"
        if entry["report_dir"]:
            more_note += " (so does the target's own `{0}`)".format(
                _md_cell(os.path.join(entry["report_dir"], REPORT_FILE_NAMES["json"]))
            )
        more_note += "."
        skipped = _skipped_rows(entry["result"])
        problems = _problem_rows(entry["result"], max_rows_per_host, more_note)
        lines += skipped + ([""] if skipped and problems else []) + problems
    timings = document["timing"]
    run = []
    if timings["started_at"]:
        run.append("started {0}".format(timings["started_at"]))
    if timings["duration_seconds"] is not None:
        run.append("took {0} s".format(timings["duration_seconds"]))
    if run:
        lines += ["", "The run " + ", ".join(run) + "."]
    return lines


def render_summary(document, max_rows=None):
    """summary.md of a report.json document: the verdict, counts, problems (at most
    ``max_rows``, per target in an aggregate), the regions not listed; or why it could not check."""
    if document["kind"] == KIND_AGGREGATE:
        lines = _aggregate_summary(document, DEFAULT_MAX_SUMMARY_ROWS_PER_HOST if max_rows is None else max_rows)
    else:
        lines = _single_summary(document, DEFAULT_MAX_SUMMARY_ROWS if max_rows is None else max_rows)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the report sets


def _render_formats(document, formats, suite_name):
    renderers = {
        "json": lambda: render_json(document),
        "junit": lambda: render_junit(document, suite_name),
        "markdown": lambda: render_summary(document),
    }
    formats = list(formats)
    unknown = [name for name in formats if name not in renderers]
    if unknown:
        raise ValueError("unknown report formats {0}; choose from {1}".format(unknown, list(REPORT_FORMATS)))
    return dict((REPORT_FILE_NAMES[name], renderers[name]()) for name in formats)


def build_reports(result, inputs=None, timing=None, formats=REPORT_FORMATS, suite_name=DEFAULT_SUITE_NAME, secrets=()):
    """{file name: text} of a judged run (verdict passed or failed) for the requested formats.

    ``secrets``: values to mask wherever they appear (the values of secret-like inputs are
    masked anyway).
    """
    return _render_formats(single_report_document(result, inputs, timing, secrets), formats, suite_name)


def build_error_reports(
    error, inputs=None, timing=None, formats=REPORT_FORMATS, suite_name=DEFAULT_SUITE_NAME, secrets=()
):
    """{file name: text} of a run that could not check (verdict error).

    ``error``: ``message`` (or ``msg``, as a failed module returns it) and optionally
    ``error_code``, ``iam_action``, ``http_status``, ``attempts``; a plain string is the message.
    """
    return _render_formats(error_report_document(error, inputs, timing, secrets), formats, suite_name)


def build_aggregate_reports(hosts, timing=None, formats=REPORT_FORMATS, suite_name=DEFAULT_SUITE_NAME, secrets=()):
    """{file name: text} of a run over many targets; see aggregate_report_document for ``hosts``.
    Raises ValueError for a target whose verdict contradicts its result, or a repeated target."""
    return _render_formats(aggregate_report_document(hosts, timing, secrets), formats, suite_name)


def report_json(result, inputs=None, timing=None, secrets=()):
    """report.json of a judged run."""
    return render_json(single_report_document(result, inputs, timing, secrets))


def junit_xml(result, inputs=None, timing=None, suite_name=DEFAULT_SUITE_NAME, secrets=()):
    """junit.xml of a judged run."""
    return render_junit(single_report_document(result, inputs, timing, secrets), suite_name)


def summary_markdown(result, inputs=None, timing=None, max_rows=DEFAULT_MAX_SUMMARY_ROWS, secrets=()):
    """summary.md of a judged run."""
    return render_summary(single_report_document(result, inputs, timing, secrets), max_rows)


# --------------------------------------------------------------------------- writing


def _current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _payload(text):
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (JSON from the service may carry "\ud800") cannot be UTF-8; a "?" can.
        return text.encode("utf-8", "replace")


def _cause(error):
    return error.strerror or str(error)


def _same_content(path, payload):
    try:
        with open(path, "rb") as existing:
            return existing.read() == payload
    except (IOError, OSError):
        return False


def write_atomic(path, text, check_mode=False):
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory and a
    rename, so a reader (or a CI upload) never sees half a report. Returns True when the content
    changed; an identical file is left untouched. In check mode nothing is written.

    One file on its own; a report set goes through write_report_set."""
    payload = _payload(text)
    if _same_content(path, payload):
        return False
    if check_mode:
        return True
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except (IOError, OSError) as error:
        raise ReportWriteError(
            "cannot write reports to directory {0}: {1}".format(directory, _cause(error)), [(directory, _cause(error))]
        )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0600; a report is meant to be read, so use the usual 0644 minus umask.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.rename(temporary, path)
    except (IOError, OSError) as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise ReportWriteError("cannot write report {0}: {1}".format(path, _cause(error)), [(path, _cause(error))])
    return True


def ensure_report_dir(directory, check_mode=False):
    """Create the report directory (and parents) if needed; return True if it was (or, in check
    mode, would be) created. Raises ReportWriteError naming it."""
    if not directory:
        raise ReportWriteError("no report directory given")
    if os.path.isdir(directory):
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ReportWriteError(
                "cannot write reports to directory {0}: Permission denied".format(directory),
                [(directory, "Permission denied")],
            )
        return False
    if os.path.exists(directory):
        raise ReportWriteError(
            "cannot write reports to directory {0}: it exists and is not a directory".format(directory),
            [(directory, "it exists and is not a directory")],
        )
    if check_mode:
        return True
    try:
        os.makedirs(directory)
    except (IOError, OSError) as error:
        if error.errno == errno.EEXIST and os.path.isdir(directory):
            return False
        raise ReportWriteError(
            "cannot create report directory {0}: {1}".format(directory, _cause(error)), [(directory, _cause(error))]
        )
    return True


def _object_kind(mode):
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _report_paths(directory):
    """(name, path, lstat mode or None when absent) of every report file name in ``directory``."""
    found = []
    for name in sorted(REPORT_FILE_NAMES.values()):
        path = os.path.join(directory, name)
        try:
            mode = os.lstat(path).st_mode
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.ENOTDIR):
                mode = None
            else:
                raise ReportWriteError(
                    "cannot read report {0}: {1}".format(path, _cause(error)), [(path, _cause(error))]
                )
        found.append((name, path, mode))
    return found


def _foreign_objects(directory):
    """(path, cause) for each report name taken by something that is not a regular file: we
    neither replace nor remove what we did not write."""
    return [
        (path, "it exists and is {0}".format(_object_kind(mode)))
        for dummy, path, mode in _report_paths(directory)
        if mode is not None and not stat.S_ISREG(mode)
    ]


def _remove_regular_reports(directory):
    """Remove every report file (regular file) in ``directory``; return (removed, failures)."""
    removed, failures = [], []
    try:
        listed = _report_paths(directory)
    except ReportWriteError as error:
        return removed, error.failures
    for dummy, path, mode in listed:
        if mode is None or not stat.S_ISREG(mode):
            continue
        try:
            os.unlink(path)
        except OSError as error:
            if error.errno != errno.ENOENT:
                failures.append((path, _cause(error)))
            continue
        removed.append(path)
    return removed, failures


def _failure_message(failures):
    return "; ".join("{0}: {1}".format(path, cause) for path, cause in failures)


def _fail_without_reports(directory, first_failure):
    """A set could not be put in place: leave no report of ours (old or new) in ``directory``
    and return the ReportWriteError naming the first failure and any file left behind."""
    path, cause = first_failure
    dummy, leftovers = _remove_regular_reports(directory)
    message = "cannot write report {0}: {1}".format(path, cause)
    if leftovers:
        message += "; these reports could not be removed either, so they may be from another run: {0}".format(
            _failure_message(leftovers)
        )
    return ReportWriteError(message, [first_failure] + leftovers)


def _fsync_directory(directory):
    # The renames are durable once the directory is; not every file system can sync one.
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _abandon_unless_wanted(directory, still_wanted):
    """Raise ReportAbortedError when ``still_wanted`` (if given) says the run has stopped."""
    if still_wanted is not None and not still_wanted():
        raise ReportAbortedError(
            "report writing to {0} was abandoned before any report there was touched: "
            "the run that wanted them has stopped".format(directory)
        )


def write_report_set(directory, reports, check_mode=False, still_wanted=None):
    """Put one verdict's report files in ``directory`` as a set; return {file name: path}.

    ``reports`` is {file name: text} from one of the build_*reports functions. The directory
    and its parents are created. Every file is written first to a temporary directory inside
    ``directory``; every report name is checked to be a regular file or absent; ``still_wanted()``
    (when given) is asked just before the first file in ``directory`` is touched, and if it
    returns False nothing is touched and ReportAbortedError is raised. Then the old report files
    are removed (all of them, so no earlier verdict stays beside this one, and a file of a format
    not written this time goes too) and the new ones renamed into place, report.json last.

    If anything fails, no report of ours is left in the directory (neither new nor old) and
    ReportWriteError names the path and the cause (and any file that could not be removed).
    Temporary files never stay behind. Files are rewritten even when their content is the same:
    reports are outputs, not managed state, so writing them is never reported as a change.
    In check mode nothing is written, but the same checks run.
    """
    unknown = sorted(set(reports) - set(REPORT_FILE_NAMES.values()))
    if unknown or not reports:
        raise ValueError(
            "a report set is made of {0}; got {1}".format(
                ", ".join(sorted(REPORT_FILE_NAMES.values())), ", ".join(sorted(reports)) or "nothing"
            )
        )
    ensure_report_dir(directory, check_mode)
    paths = dict((name, os.path.join(directory, name)) for name in reports)
    if check_mode:
        if os.path.isdir(directory):
            foreign = _foreign_objects(directory)
            if foreign:
                raise ReportWriteError("cannot write report {0}".format(_failure_message(foreign)), foreign)
        return paths
    try:
        foreign = _foreign_objects(directory)
    except ReportWriteError as error:
        raise _fail_without_reports(directory, error.failures[0])
    if foreign:
        raise _fail_without_reports(directory, foreign[0])
    # Asked before the staging directory exists too: a run that has stopped leaves no trace at all,
    # not even a short-lived temporary directory (the directory's own mtime stays as it was).
    _abandon_unless_wanted(directory, still_wanted)
    try:
        staging = tempfile.mkdtemp(prefix=".voiceops-reports-", suffix=".tmp", dir=directory)
    except OSError as error:
        raise _fail_without_reports(directory, (directory, _cause(error)))
    try:
        staged = {}
        mode = 0o666 & ~_current_umask()
        for name in sorted(reports):
            staged[name] = os.path.join(staging, name)
            try:
                with open(staged[name], "wb") as stream:
                    stream.write(_payload(reports[name]))
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(staged[name], mode)
            except OSError as error:
                raise _fail_without_reports(directory, (paths[name], _cause(error)))
        _abandon_unless_wanted(directory, still_wanted)
        removed, failures = _remove_regular_reports(directory)
        if failures:
            raise _fail_without_reports(directory, failures[0])
        for name in _WRITE_ORDER:
            if name not in staged:
                continue
            try:
                os.rename(staged[name], paths[name])
            except OSError as error:
                raise _fail_without_reports(directory, (paths[name], _cause(error)))
        _fsync_directory(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths


def write_reports(directory, reports, check_mode=False):
    """write_report_set for callers of 0.1.0: returns (paths by file name, paths whose content
    differs from what was there, or would in check mode). New callers use write_report_set and
    report ``changed: false``: writing reports is not a change."""
    created = not os.path.isdir(directory)
    changed = sorted(
        os.path.join(directory, name)
        for name in reports
        if created or not _same_content(os.path.join(directory, name), _payload(reports[name]))
    )
    paths = write_report_set(directory, reports, check_mode)
    return paths, changed


def remove_stale_reports(directory, check_mode=False):
    """Remove the report files of an earlier run from ``directory``; return the paths removed
    (in check mode: that would be removed).

    For a run that has no verdict and cannot even write an error report set (write_report_set
    with build_error_reports is preferred: it says why). Raises ReportWriteError naming each
    report that could not be removed and why, including a report name taken by a directory or
    another object we did not write (it is never removed); the files that could be removed are
    removed all the same.
    """
    if not os.path.isdir(directory):
        return []
    listed = _report_paths(directory)
    foreign = [
        (path, "it exists and is {0}".format(_object_kind(mode)))
        for dummy, path, mode in listed
        if mode is not None and not stat.S_ISREG(mode)
    ]
    if check_mode:
        removed = [path for dummy, path, mode in listed if mode is not None and stat.S_ISREG(mode)]
        failures = foreign
    else:
        removed, failures = _remove_regular_reports(directory)
        failures = failures + foreign
    if failures:
        raise ReportWriteError(
            "cannot remove stale reports: {0}".format(_failure_message(sorted(failures))), sorted(failures)
        )
    return removed
