# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of voiceops.chime.chime_compliance_report: writes the reports on the controller.

An action plugin rather than a module because the reports belong on the controller (where CI
collects them) and because a module would ship the whole result (tens of thousands of numbers)
to a new Python process and back again in its ``invocation``; here it is written in place.

Three kinds of report set, one verdict each: a judged ``result`` (passed or failed), an ``error``
(could not check), or the aggregate of several check targets (``hosts``), read from each host's
``assert_numbers_acquired_result``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.voiceops.chime.plugins.module_utils.reports import DEFAULT_SUITE_NAME
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FILE_NAMES
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FORMATS
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportAbortedError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import aggregate_verdict
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_aggregate_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_error_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_report_set
from ansible_collections.voiceops.chime.plugins.plugin_utils.unsafe import make_unsafe

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    result=dict(type="dict"),
    error=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    result_var=dict(type="str", default="assert_numbers_acquired_result"),
    host_report_dir=dict(type="str"),
    inputs=dict(type="dict", default={}),
    timing=dict(type="dict", default={}),
    formats=dict(type="list", elements="str", choices=list(REPORT_FORMATS), default=list(REPORT_FORMATS)),
    suite_name=dict(type="str", default=DEFAULT_SUITE_NAME),
)
# The keys of a number_compliance result the builders read.
RESULT_KEYS = ("acquired", "failed", "processing", "missing", "unexpected", "problems", "counts", "passed")


def plain(value):
    """A copy with only plain Python types, so the builders and json never see Ansible's
    lazy or tagged containers (ansible-core 2.19+) or unsafe-text wrappers (2.17/2.18)."""
    if isinstance(value, Mapping):
        return dict((str(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def host_entry(host, outcome, report_dir=None):
    """One target of the aggregate from its ``assert_numbers_acquired_result`` (or its absence)."""
    if not isinstance(outcome, Mapping):
        return dict(
            host=host,
            verdict="error",
            result=None,
            report_dir=None,
            error=dict(
                message="{0} was not judged: it failed before the check could run".format(host), error_code="NotJudged"
            ),
        )
    outcome = plain(outcome)
    verdict = outcome.get("verdict") or ("passed" if outcome.get("passed") else "failed")
    if verdict == "error":
        error = dict(
            (key, outcome.get(key))
            for key in ("message", "error_code", "iam_action", "http_status")
            if outcome.get(key) is not None
        )
        return dict(host=host, verdict="error", result=None, error=error, report_dir=report_dir)
    result = dict((key, value) for key, value in outcome.items() if key != "verdict")
    return dict(host=host, verdict=verdict, result=result, error=None, report_dir=report_dir)


class ActionRefused(Exception):
    """Bad input or an unwritable directory: the task fails with this message and nothing else
    (AnsibleActionFail would add a traceback to the result on ansible-core 2.17)."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        controller_pid = os.getppid()
        try:
            return self._run(result, task_vars or {}, lambda: os.getppid() == controller_pid)
        except ActionRefused as error:
            result.update(failed=True, msg=str(error))
            return result

    def _run(self, result, task_vars, still_wanted):
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            raise ActionRefused("; ".join(validation.error_messages))
        args = validation.validated_parameters
        given = [name for name in ("result", "error", "hosts") if args[name] is not None]
        if len(given) != 1:
            raise ActionRefused(
                "give exactly one of result, error or hosts, got {0}".format(", ".join(given) if given else "none")
            )
        directory = os.path.abspath(os.path.expanduser(args["path"]))
        formats = list(dict.fromkeys(args["formats"]))  # keep the order, drop repeats
        inputs, timing = plain(args["inputs"]), plain(args["timing"])
        try:
            if args["result"] is not None:
                compliance = plain(args["result"])
                missing_keys = [key for key in RESULT_KEYS if key not in compliance]
                if missing_keys:
                    raise ActionRefused(
                        "result must be the output of the voiceops.chime.number_compliance filter; it lacks {0}".format(
                            ", ".join(missing_keys)
                        )
                    )
                reports = build_reports(compliance, inputs, timing, formats=formats, suite_name=args["suite_name"])
                verdict = "passed" if compliance["passed"] else "failed"
            elif args["error"] is not None:
                reports = build_error_reports(
                    plain(args["error"]), inputs, timing, formats=formats, suite_name=args["suite_name"]
                )
                verdict = "error"
            else:
                entries = self._aggregate_entries(args, task_vars)
                reports = build_aggregate_reports(
                    entries,
                    dict(timing, judged=timing.get("judged") or time.time()),
                    formats=formats,
                    suite_name=args["suite_name"],
                )
                verdict = aggregate_verdict([entry["verdict"] for entry in entries])
                result["summary"] = make_unsafe(
                    dict(
                        verdict=verdict,
                        passed=verdict == "passed",
                        hosts=dict((entry["host"], entry["verdict"]) for entry in entries),
                    )
                )
        except ValueError as error:
            raise ActionRefused(str(error))
        try:
            paths = write_report_set(
                directory, reports, check_mode=bool(self._task.check_mode), still_wanted=still_wanted
            )
        except (ReportWriteError, ReportAbortedError) as error:
            raise ActionRefused(str(error))
        # Reports are outputs, not managed state: writing them is never a change.
        result.update(
            changed=False,
            path=directory,
            files=dict((name, paths[REPORT_FILE_NAMES[name]]) for name in formats if REPORT_FILE_NAMES[name] in paths),
            verdict=verdict,
            passed=verdict == "passed",
        )
        return result

    def _aggregate_entries(self, args, task_vars):
        hostvars = task_vars.get("hostvars") or {}
        entries = []
        for host in dict.fromkeys(args["hosts"]):
            variables = hostvars[host] if host in hostvars else {}
            outcome = variables.get(args["result_var"]) if hasattr(variables, "get") else None
            report_dir = None
            if args["host_report_dir"] and len(args["hosts"]) > 1:
                report_dir = os.path.join(os.path.abspath(os.path.expanduser(args["host_report_dir"])), host)
            elif args["host_report_dir"]:
                report_dir = os.path.abspath(os.path.expanduser(args["host_report_dir"]))
            entries.append(host_entry(host, outcome, report_dir))
        return entries
