"""Sum up a make test run: one line per nox session (result, time, pytest counts), then the totals.

    python3 scripts/test_summary.py .nox/reports/test.json .nox/reports/formatters.json ...

Reads the nox --report JSON files named and the pytest JUnit files the sessions wrote to
tests/output/pytest/<session>.xml. Ends with "tests: N passed, N failed, N skipped", the plain line CI
reads; nox's own summary has no test counts. Exits 1 when a session did not succeed (a skipped one
only fails under CI, where nox already reports it as failed), when a report is missing (nox did not
get as far as writing it), or when no test ran at all. Standard library only: it runs with the python3 that runs make.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

JUNIT_DIR = Path(__file__).resolve().parent.parent / "tests" / "output" / "pytest"
OK = ("success", "skipped")


def junit_counts(path):
    """(passed, failed, skipped) from a pytest JUnit XML file; errors count as failed."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = sum(int(suite.get("tests", 0)) for suite in suites)
    failed = sum(int(suite.get("failures", 0)) + int(suite.get("errors", 0)) for suite in suites)
    skipped = sum(int(suite.get("skipped", 0)) for suite in suites)
    return total - failed - skipped, failed, skipped


def main(reports):
    found = [Path(report) for report in reports if Path(report).is_file()]
    sessions = [entry for report in found for entry in json.loads(report.read_text())["sessions"]]
    totals = [0, 0, 0]
    print("\n%-24s %-9s %8s  %s" % ("session", "result", "seconds", "pytest"))
    for entry in sessions:
        junit = JUNIT_DIR / f"{entry['name']}.xml"
        counts = junit_counts(junit) if junit.is_file() else None
        totals = [total + count for total, count in zip(totals, counts or (0, 0, 0))]
        pytest = "%d passed, %d failed, %d skipped" % counts if counts else ""
        print("%-24s %-9s %8.1f  %s" % (entry["name"], entry["result"], entry.get("duration") or 0, pytest))
    seconds = sum(entry.get("duration") or 0 for entry in sessions)
    print("%-24s %-9s %8.1f  (the sum; nox prints the wall time)" % ("all sessions", "", seconds))
    problems = ["%s %s" % (entry["name"], entry["result"]) for entry in sessions if entry["result"] not in OK]
    problems += ["no %s (nox did not finish)" % report for report in reports if Path(report) not in found]
    if totals[0] + totals[1] == 0:
        problems.append("no test ran")
    if problems:
        print("FAILED: %s" % "; ".join(problems))
    print("tests: %d passed, %d failed, %d skipped" % tuple(totals))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
