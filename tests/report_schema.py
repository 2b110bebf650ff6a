# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate report.json files against docs/schemas/report.schema.json (tests/conftest.py puts tests/ on sys.path).

Any suite that writes reports can check each one::

    from report_schema import validate_report
    report = validate_report(report_dir / "report.json")   # returns the parsed document
    assert report["verdict"] == "error"
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "report.schema.json"


class ReportSchemaError(AssertionError):
    """A report.json does not match the schema; the message lists every violation with its place."""


@lru_cache(maxsize=1)
def report_validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _document(path_or_text):
    if isinstance(path_or_text, dict):
        return path_or_text
    if isinstance(path_or_text, bytes):
        path_or_text = path_or_text.decode("utf-8")
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith("{"):
        return json.loads(path_or_text)
    if isinstance(path_or_text, (str, os.PathLike)):
        return json.loads(Path(path_or_text).read_text(encoding="utf-8"))
    raise TypeError(
        "validate_report takes a path, JSON text or a parsed document, got %s" % type(path_or_text).__name__
    )


def report_violations(path_or_text):
    """Every violation as 'place: message', best match first; empty for a valid report."""
    document = _document(path_or_text)
    errors = sorted(report_validator().iter_errors(document), key=jsonschema.exceptions.relevance)
    return [
        "%s: %s" % ("/".join(str(part) for part in error.absolute_path) or "(top)", _shortened(error.message))
        for error in errors
    ]


def _shortened(message, keep=120):
    # jsonschema quotes the offending value whole, before what is wrong with it ("... is not of
    # type 'null'"); a whole report in a message hides the point, so keep both ends.
    return message if len(message) <= 3 * keep else message[:keep] + " ... " + message[-keep:]


def validate_report(path_or_text):
    """Parse a report.json (a path, its text or the parsed dict) and check it against the schema.

    Returns the parsed document; raises ReportSchemaError (an AssertionError, so pytest shows it
    as a test failure) listing every violation.
    """
    document = _document(path_or_text)
    violations = report_violations(document)
    if violations:
        raise ReportSchemaError("report.json does not match %s:\n  %s" % (SCHEMA_PATH.name, "\n  ".join(violations)))
    return document
