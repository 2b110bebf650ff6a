# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/reports.md stays honest: its samples are what the builders make, its field reference covers the schema.

Each sample in the guide sits between ``<!-- sample: <verdict>/<file> -->`` and the end of the
fenced block that follows. After changing the builders or the inputs below, rewrite them with::

    REGENERATE_REPORT_SAMPLES=1 make unit ARGS="tests/unit/plugins/module_utils/test_reports_doc.py"

and read the diff of docs/reports.md before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from report_schema import SCHEMA_PATH  # tests/report_schema.py
from report_schema import validate_report

from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_aggregate_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_error_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports

DOC_PATH = Path(__file__).resolve().parents[4] / "docs" / "reports.md"
SAMPLE_BLOCK = re.compile(
    r"<!-- sample: (?P<verdict>[a-z]+)/(?P<name>[a-z]+\.[a-z]+) -->\n```(?P<language>[a-z]*)\n(?P<body>.*?)```\n",
    re.S,
)
LANGUAGES = {"report.json": "json", "junit.xml": "xml", "summary.md": "markdown"}

# Fixed inputs: a run on 2026-11-27 against one Chime SDK Voice account in us-east-1.
TIMING = {"started": 1795780828.853, "listed": 1795780830.112, "judged": 1795780830.131, "polls": 1}
INPUTS = {
    "source": "module",
    "api": "chime_sdk_voice",
    "region": "us-east-1",
    "profile": "telephony-prod",
    "endpoint_url": "https://ci-proxy:s3cr3t-proxy-pass@chime-voice.internal.example.com",
    "fail_on_unexpected": False,
    "wait_timeout": 0,
    "poll_interval": 10,
    "expected_entries": 3,
    "secret_key": "never-written-anywhere",
}
ORDER_ID = "6f1c2b0e-5d8a-4c3f-9e7b-2a4d6c8e0f12"
FAILED_ORDER_ID = "b7f3e2d1-4c5a-4e6b-8d7c-9a0b1c2d3e4f"


def result(
    acquired=(),
    released=(),
    failed=(),
    processing=(),
    missing=(),
    unexpected=(),
    problems=(),
    skipped=(),
    ordered=0,
    message="",
):
    lists = dict(
        acquired=list(acquired),
        released=list(released),
        failed=list(failed),
        processing=list(processing),
        missing=list(missing),
        unexpected=list(unexpected),
        duplicates=[],
    )
    numbers = dict((name, len(value)) for name, value in lists.items())
    numbers.update(
        expected=sum(numbers[name] for name in ("acquired", "released", "failed", "processing", "missing")),
        problems=len(problems),
        ordered=ordered,
        skipped=len(skipped),
    )
    return dict(
        lists,
        problems=list(problems),
        skipped=list(skipped),
        counts=numbers,
        fail_on_unexpected=False,
        current_state=True,
        passed=not problems and not skipped,
        message=message,
    )


PASSED_RESULT = result(
    acquired=["+12065550100", "+12065550101", "+12065550102"],
    unexpected=["+12065550150"],
    ordered=4,
    message="All 3 expected phone numbers are acquired. 1 acquired number is not in the expected list (not checked).",
)

FAILED_RESULT = result(
    acquired=["+12065550100"],
    released=["+12065550101"],
    failed=["+13125550123"],
    processing=["+16175550180"],
    missing=["+15035550199"],
    ordered=5,
    problems=[
        {
            "e164_phone_number": "+12065550101",
            "category": "released",
            "reason": "acquired in order %s but the account no longer holds it (deleted 2026-11-20T10:00:00Z)"
            % ORDER_ID,
            "number_status": "Acquired",
            "phone_number_order_id": ORDER_ID,
            "order_status": "Successful",
            "account_status": None,
            "deletion_timestamp": "2026-11-20T10:00:00Z",
        },
        {
            "e164_phone_number": "+13125550123",
            "category": "failed",
            "reason": "number status Failed in order %s (order status Partial)" % FAILED_ORDER_ID,
            "number_status": "Failed",
            "phone_number_order_id": FAILED_ORDER_ID,
            "order_status": "Partial",
            "account_status": None,
        },
        {"e164_phone_number": "+15035550199", "category": "missing", "reason": "not in any phone number order"},
        {
            "e164_phone_number": "+16175550180",
            "category": "processing",
            "reason": "still Processing in order 0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f (order status Processing)",
            "number_status": "Processing",
            "phone_number_order_id": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
            "order_status": "Processing",
            "account_status": None,
        },
    ],
    skipped=[
        {
            "region": "us-west-2",
            "message": "AccessDeniedException: not authorized to perform chime:ListPhoneNumberOrders in us-west-2",
        }
    ],
    message="4 of 5 expected phone numbers are not acquired (1 released, 1 failed, 1 processing, 1 missing), "
    "and 1 region was not listed:\n"
    "  +12065550101 released: acquired in order %s but the account no longer holds it\n"
    "  +13125550123 failed: number status Failed in order %s (order status Partial)\n"
    "  +15035550199 missing: not in any phone number order\n"
    "  +16175550180 processing: still Processing in order 0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f\n"
    "  us-west-2 not listed: AccessDeniedException" % (ORDER_ID, FAILED_ORDER_ID),
)

ERROR = {
    "message": "An error occurred (AccessDeniedException) when calling the ListPhoneNumberOrders operation: "
    "User: arn:aws:sts::123456789012:assumed-role/ci-runner/session is not authorized to perform: "
    "chime:ListPhoneNumberOrders",
    "error_code": "AccessDeniedException",
    "iam_action": "chime:ListPhoneNumberOrders",
    "http_status": 403,
    "attempts": 1,
}
ERROR_TIMING = {"started": 1795780828.853, "finished": 1795780829.204, "polls": 1}

HOSTS = [
    {
        "host": "chime-prod-us",
        "verdict": "passed",
        "result": PASSED_RESULT,
        "error": None,
        "inputs": dict(INPUTS, expected_entries=3),
        "timing": TIMING,
        "report_dir": "/builds/reports/chime-prod-us",
    },
    {
        "host": "chime-prod-eu",
        "verdict": "failed",
        "result": result(
            acquired=["+4930555012345"],
            failed=["+4930555012346"],
            ordered=2,
            problems=[
                {
                    "e164_phone_number": "+4930555012346",
                    "category": "failed",
                    "reason": "number status Failed in order %s (order status Failed)" % FAILED_ORDER_ID,
                    "number_status": "Failed",
                    "phone_number_order_id": FAILED_ORDER_ID,
                    "order_status": "Failed",
                    "account_status": None,
                }
            ],
            message="1 of 2 expected phone numbers is not acquired (1 failed):\n"
            "  +4930555012346 failed: number status Failed in order %s (order status Failed)" % FAILED_ORDER_ID,
        ),
        "error": None,
        "inputs": {"source": "module", "api": "chime_sdk_voice", "region": "eu-central-1"},
        "timing": TIMING,
        "report_dir": "/builds/reports/chime-prod-eu",
    },
    {
        "host": "chime-lab",
        "verdict": "error",
        "result": None,
        "error": {
            "message": "Retries exhausted after 5 attempts: ThrottledClientException (HTTP 429); "
            "lower the request rate or raise the retry budget",
            "error_code": "ThrottledClientException",
            "http_status": 429,
            "attempts": 5,
        },
        "inputs": {"source": "module", "api": "chime", "region": "us-east-1"},
        "timing": {"started": 1795780828.853, "finished": 1795780861.502, "polls": 1},
        "report_dir": None,
    },
]
AGGREGATE_TIMING = {"started": 1795780828.801, "finished": 1795780861.530}


def samples():
    """{verdict: {file name: text}}, each set built from the fixed inputs above."""
    return {
        "passed": build_reports(PASSED_RESULT, INPUTS, TIMING),
        "failed": build_reports(FAILED_RESULT, INPUTS, TIMING),
        "error": build_error_reports(ERROR, INPUTS, ERROR_TIMING),
        "aggregate": build_aggregate_reports(HOSTS, AGGREGATE_TIMING),
    }


def regenerated(text, built):
    def sample(match):
        body = built[match.group("verdict")][match.group("name")]
        return "<!-- sample: {0}/{1} -->\n```{2}\n{3}```\n".format(
            match.group("verdict"), match.group("name"), LANGUAGES[match.group("name")], body
        )

    return SAMPLE_BLOCK.sub(sample, text)


def test_the_guide_shows_every_file_of_every_verdict_once():
    text = DOC_PATH.read_text(encoding="utf-8")
    found = [(match.group("verdict"), match.group("name")) for match in SAMPLE_BLOCK.finditer(text)]
    expected = [
        (verdict, name)
        for verdict in ("passed", "failed", "error", "aggregate")
        for name in ("report.json", "junit.xml", "summary.md")
    ]
    assert sorted(found) == sorted(expected)
    # A marker whose block did not parse would be missed above, and then never checked.
    assert text.count("<!-- sample: ") == len(expected)


def test_the_guide_samples_are_what_the_builders_make():
    built = samples()
    text = DOC_PATH.read_text(encoding="utf-8")
    fresh = regenerated(text, built)
    if os.environ.get("REGENERATE_REPORT_SAMPLES") == "1" and fresh != text:
        DOC_PATH.write_text(fresh, encoding="utf-8")
        text = DOC_PATH.read_text(encoding="utf-8")
    assert fresh == text, (
        "docs/reports.md samples differ from what the builders make; regenerate with "
        'REGENERATE_REPORT_SAMPLES=1 make unit ARGS="%s"' % Path(__file__).name
    )


@pytest.mark.parametrize("verdict", ["passed", "failed", "error", "aggregate"])
def test_the_samples_are_valid_reports_of_their_verdict(verdict):
    document = validate_report(samples()[verdict]["report.json"])
    assert document["verdict"] == ("failed" if verdict == "aggregate" else verdict)
    text = "".join(samples()[verdict].values())
    assert "never-written-anywhere" not in text and "s3cr3t-proxy-pass" not in text


def schema_property_names(node, names=None):
    names = set() if names is None else names
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            names.add(name)
            schema_property_names(value, names)
        for value in node.values():
            if isinstance(value, (dict, list)):
                schema_property_names(value, names)
    elif isinstance(node, list):
        for value in node:
            schema_property_names(value, names)
    return names


def test_the_guide_explains_every_field_of_the_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    text = DOC_PATH.read_text(encoding="utf-8")
    reference = text[text.index("## Field reference") :]
    names = schema_property_names(schema)
    assert {"verdict", "host_counts", "deletion_timestamp", "iam_action", "judge_seconds"} <= names
    unexplained = sorted(name for name in names if "`%s`" % name not in reference)
    assert unexplained == []
