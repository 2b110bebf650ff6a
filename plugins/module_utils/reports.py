# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compliance reports: pure builders for report.json, junit.xml and summary.md, and an atomic writer.

The builders take a result of ``compliance.number_compliance`` plus the inputs and timings of the
run and return text; only ``write_atomic``/``write_reports`` touch the file system. Nothing here
imports Ansible. Inputs are scrubbed of anything credential-like before they reach a report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import json
import os
import re
import tempfile
from xml.etree import ElementTree

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit, urlunsplit

REPORT_SCHEMA_VERSION = 1
DEFAULT_SUITE_NAME = "voiceops.chime.assert_numbers_acquired"
REPORT_FILE_NAMES = {"json": "report.json", "junit": "junit.xml", "markdown": "summary.md"}
REPORT_FORMATS = ("json", "junit", "markdown")
# summary.md is for people; past this many rows the table points at report.json instead.
DEFAULT_MAX_SUMMARY_ROWS = 500

# Input names that may carry a credential. Reports are uploaded as CI artefacts, so anything
# that looks like a secret is dropped, whatever the caller passed.
_SECRET_NAME = re.compile(r"(secret|password|passwd|token|access_key|session|credential|private)", re.I)
# XML 1.0 cannot carry most control characters, even escaped; a CI parser rejects the whole file.
_XML_INVALID = re.compile(u"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ReportWriteError(Exception):
    """A report could not be written; the message names the directory or file and the cause."""


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


def scrub_inputs(inputs):
    """The inputs worth recording, without credentials: secret-like names are dropped, URLs lose
    their user info, and omitted values (Ansible's omit placeholder) are left out."""
    scrubbed = {}
    for name, value in (inputs or {}).items():
        if _SECRET_NAME.search(str(name)):
            continue
        if isinstance(value, str):
            if value.startswith("__omit_place_holder__"):
                continue
            value = scrub_url(value)
        scrubbed[str(name)] = value
    return scrubbed


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
    """Turn the role's clock readings into report timings.

    ``timing`` holds epoch seconds ``started`` (before the first listing), ``listed`` (after the
    last one) and ``judged`` (after the judge), and ``polls`` (listings made). Returns ISO 8601
    UTC instants and durations in seconds; keys that cannot be computed are None.
    """
    timing = timing or {}
    started, listed, judged = timing.get("started"), timing.get("listed"), timing.get("judged")
    return {
        "started_at": _iso_utc(started),
        "finished_at": _iso_utc(judged),
        "duration_seconds": _seconds_between(started, judged),
        "listing_seconds": _seconds_between(started, listed),
        "judge_seconds": _seconds_between(listed, judged),
        "polls": timing.get("polls"),
    }


def report_json(result, inputs=None, timing=None):
    """report.json: the whole compliance result, the (scrubbed) inputs and the timings."""
    document = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "passed": bool(result["passed"]),
        "message": result.get("message"),
        "counts": result.get("counts"),
        "result": result,
        "inputs": scrub_inputs(inputs),
        "timing": normalize_timing(timing),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _xml_text(value):
    return _XML_INVALID.sub(u"\ufffd", u"{0}".format(value))


def _expected_cases(result):
    """(number, category, problem or None) for every expected number, sorted by number."""
    problems = dict((problem["e164_phone_number"], problem) for problem in result["problems"]
                    if problem["category"] != "unexpected")
    cases = []
    for category in ("acquired", "failed", "processing", "missing"):
        for e164 in result[category]:
            cases.append((e164, category, problems.get(e164)))
    cases.sort(key=lambda case: case[0])
    return cases


def junit_xml(result, inputs=None, timing=None, suite_name=DEFAULT_SUITE_NAME):
    """junit.xml: one test case per expected number; numbers not acquired are failures carrying
    the reason. With fail_on_unexpected, each unexpected number is a failing case too."""
    timings = normalize_timing(timing)
    cases = _expected_cases(result)
    if result.get("fail_on_unexpected"):
        reasons = dict((problem["e164_phone_number"], problem) for problem in result["problems"]
                       if problem["category"] == "unexpected")
        cases.extend((e164, "unexpected", reasons.get(e164)) for e164 in result["unexpected"])
    failures = sum(1 for case in cases if case[1] != "acquired")
    total_time = "{0:.3f}".format(timings["duration_seconds"] or 0.0)

    suites = ElementTree.Element("testsuites", {
        "name": _xml_text(suite_name), "tests": str(len(cases)), "failures": str(failures),
        "errors": "0", "skipped": "0", "time": total_time,
    })
    suite_attributes = {
        "name": _xml_text(suite_name), "tests": str(len(cases)), "failures": str(failures),
        "errors": "0", "skipped": "0", "time": total_time,
    }
    if timings["started_at"]:
        # JUnit's schema wants a timestamp without a zone designator.
        suite_attributes["timestamp"] = timings["started_at"].rstrip("Z")
    suite = ElementTree.SubElement(suites, "testsuite", suite_attributes)
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in sorted(scrub_inputs(inputs).items()):
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, sort_keys=True) if len(value) <= 20 else "({0} items)".format(len(value))
        ElementTree.SubElement(properties, "property", {"name": _xml_text(name), "value": _xml_text(value)})
    for e164, category, problem in cases:
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": _xml_text("{0}.{1}".format(suite_name, "unexpected" if category == "unexpected" else "expected")),
            "name": _xml_text(e164), "time": "0",
        })
        if category != "acquired":
            reason = problem["reason"] if problem else category
            failure = ElementTree.SubElement(case, "failure", {
                "message": _xml_text("{0}: {1}".format(category, reason)), "type": category,
            })
            details = ["{0} {1}: {2}".format(e164, category, reason)]
            if problem:
                for key in ("number_status", "phone_number_order_id", "order_status"):
                    if problem.get(key) is not None:
                        details.append("{0}: {1}".format(key, problem[key]))
            failure.text = _xml_text("\n".join(details))
    system_out = ElementTree.SubElement(suite, "system-out")
    system_out.text = _xml_text(result.get("message") or "")
    body = ElementTree.tostring(suites, encoding="unicode")
    return u'<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _md_cell(value):
    if value is None:
        return ""
    # A pipe ends a table cell and a newline ends the row: escape one, flatten the other.
    return u"{0}".format(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def summary_markdown(result, inputs=None, timing=None, max_rows=DEFAULT_MAX_SUMMARY_ROWS):
    """summary.md: the verdict, a table of counts and a table of the numbers not acquired."""
    counts = result["counts"]
    timings = normalize_timing(timing)
    scrubbed = scrub_inputs(inputs)
    verdict = "PASSED" if result["passed"] else "FAILED"
    lines = [
        u"# Phone number compliance: {0}".format(verdict),
        u"",
        _md_cell(result.get("message", "").split("\n", 1)[0]),
        u"",
        u"| Numbers | Count |",
        u"|---|---:|",
        u"| Expected | {0} |".format(counts["expected"]),
        u"| Acquired | {0} |".format(counts["acquired"]),
        u"| Failed | {0} |".format(counts["failed"]),
        u"| Processing | {0} |".format(counts["processing"]),
        u"| Missing (in no order) | {0} |".format(counts["missing"]),
        u"| Unexpected (acquired, not expected{0}) | {1} |".format(
            "" if result.get("fail_on_unexpected") else "; not checked", counts["unexpected"]),
    ]
    if counts.get("duplicates"):
        lines.append(u"| Listed more than once in expected | {0} |".format(counts["duplicates"]))
    problems = result["problems"]
    if problems:
        lines += [u"", u"## Problems", u"",
                  u"| Number | Category | Number status | Order | Reason |", u"|---|---|---|---|---|"]
        for problem in problems[:max_rows]:
            lines.append(u"| {0} | {1} | {2} | {3} | {4} |".format(
                _md_cell(problem["e164_phone_number"]), _md_cell(problem["category"]),
                _md_cell(problem.get("number_status")), _md_cell(problem.get("phone_number_order_id")),
                _md_cell(problem["reason"])))
        if len(problems) > max_rows:
            lines += [u"", u"... and {0} more; report.json lists them all.".format(len(problems) - max_rows)]
    details = []
    for name in ("source", "api", "region", "profile", "endpoint_url", "fail_on_unexpected", "wait_timeout"):
        value = scrubbed.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        details.append(u"{0} `{1}`".format(name, _md_cell(value)))
    if timings["started_at"]:
        details.append(u"started {0}".format(timings["started_at"]))
    if timings["duration_seconds"] is not None:
        details.append(u"took {0} s".format(timings["duration_seconds"]))
    if timings["polls"]:
        details.append(u"{0} listing{1}".format(timings["polls"], "" if timings["polls"] == 1 else "s"))
    if details:
        lines += [u"", u"Checked with " + u", ".join(details) + u"."]
    return u"\n".join(lines) + u"\n"


def build_reports(result, inputs=None, timing=None, formats=REPORT_FORMATS, suite_name=DEFAULT_SUITE_NAME):
    """{file name: text} for the requested formats."""
    builders = {
        "json": lambda: report_json(result, inputs, timing),
        "junit": lambda: junit_xml(result, inputs, timing, suite_name),
        "markdown": lambda: summary_markdown(result, inputs, timing),
    }
    unknown = [name for name in formats if name not in builders]
    if unknown:
        raise ValueError("unknown report formats {0}; choose from {1}".format(unknown, list(REPORT_FORMATS)))
    return dict((REPORT_FILE_NAMES[name], builders[name]()) for name in formats)


def _current_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _same_content(path, payload):
    try:
        with open(path, "rb") as existing:
            return existing.read() == payload
    except (IOError, OSError):
        return False


def write_atomic(path, text, check_mode=False):
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory and a
    rename, so a reader (or a CI upload) never sees half a report. Returns True when the content
    changed; an identical file is left untouched. In check mode nothing is written."""
    payload = text.encode("utf-8")
    if _same_content(path, payload):
        return False
    if check_mode:
        return True
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except (IOError, OSError) as error:
        raise ReportWriteError("cannot write reports to directory {0}: {1}".format(directory, error.strerror or error))
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
        raise ReportWriteError("cannot write report {0}: {1}".format(path, error.strerror or error))
    return True


def ensure_report_dir(directory, check_mode=False):
    """Create the report directory (and parents) if needed. Raises ReportWriteError naming it."""
    if not directory:
        raise ReportWriteError("no report directory given")
    if os.path.isdir(directory):
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ReportWriteError("cannot write reports to directory {0}: Permission denied".format(directory))
        return False
    if os.path.exists(directory):
        raise ReportWriteError("cannot write reports to directory {0}: it exists and is not a directory".format(directory))
    if check_mode:
        return True
    try:
        os.makedirs(directory)
    except (IOError, OSError) as error:
        if error.errno == errno.EEXIST and os.path.isdir(directory):
            return False
        raise ReportWriteError("cannot create report directory {0}: {1}".format(directory, error.strerror or error))
    return True


def write_reports(directory, reports, check_mode=False):
    """Write {file name: text} into ``directory``. Returns (paths by file name, changed paths)."""
    created = ensure_report_dir(directory, check_mode)
    paths = {}
    changed = []
    for name in sorted(reports):
        path = os.path.join(directory, name)
        paths[name] = path
        if created and check_mode:
            changed.append(path)
        elif write_atomic(path, reports[name], check_mode):
            changed.append(path)
    return paths, changed


def remove_stale_reports(directory, check_mode=False):
    """Remove the reports of an earlier run from ``directory``; return the paths removed.

    Called when a check could not run (the listing failed): a persistent runner must not
    publish the previous verdict as if it were this run's.
    """
    removed = []
    for name in sorted(REPORT_FILE_NAMES.values()):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            if not check_mode:
                os.unlink(path)
            removed.append(path)
    return removed
