# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of voiceops.chime.chime_compliance_report: writes the reports on the controller.

An action plugin rather than a module because the reports belong on the controller (where CI
collects them) and because a module would ship the whole result (tens of thousands of numbers)
to a new Python process and back again in its ``invocation``; here it is written in place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.voiceops.chime.plugins.module_utils.reports import DEFAULT_SUITE_NAME
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FILE_NAMES
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FORMATS
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_reports

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    result=dict(type="dict", required=True),
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


class ActionRefused(Exception):
    """Bad input or an unwritable directory: the task fails with this message and nothing else
    (AnsibleActionFail would add a traceback to the result on ansible-core 2.17)."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            return self._run(result)
        except ActionRefused as error:
            result.update(failed=True, msg=str(error))
            return result

    def _run(self, result):
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            raise ActionRefused("; ".join(validation.error_messages))
        args = validation.validated_parameters
        compliance = plain(args["result"])
        missing_keys = [key for key in RESULT_KEYS if key not in compliance]
        if missing_keys:
            raise ActionRefused(
                "result must be the output of the voiceops.chime.number_compliance filter; it lacks {0}".format(
                    ", ".join(missing_keys)))
        directory = os.path.abspath(os.path.expanduser(args["path"]))
        formats = list(dict.fromkeys(args["formats"]))  # keep the order, drop repeats
        reports = build_reports(compliance, plain(args["inputs"]), plain(args["timing"]),
                                formats=formats, suite_name=args["suite_name"])
        try:
            paths, changed = write_reports(directory, reports, check_mode=bool(self._task.check_mode))
        except ReportWriteError as error:
            raise ActionRefused(str(error))
        result.update(
            changed=bool(changed),
            path=directory,
            files=dict((name, paths[REPORT_FILE_NAMES[name]]) for name in formats),
            changed_files=changed,
            passed=bool(compliance["passed"]),
        )
        return result
