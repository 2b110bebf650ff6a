# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of voiceops.chime.chime_phone_number_compliance: list, (wait,) judge, report.

Runs voiceops.chime.chime_phone_number_order_info once per poll with ``expected``, so the module
judges with the same judge as the ``number_compliance`` filter and returns only the verdict (26,520
values for 10,000 numbers against 30,000 ordered, instead of the 240,001-value ``phone_numbers``:
verify_numbers 2.59 s -> 2.21 s on ansible-core 2.21, docs/performance.md), then writes the reports. Measured on 10,000
orders (30,000 numbers): registering the module's result and judging it with the filter costs
the controller 5 to 8 s more than this, because Ansible post-processes, queues, stores and
(ansible-core 2.19+) lazily wraps every one of the 210,000 values, while only the verdict is
needed. Here the listing never becomes a variable: only the judged result is returned, once;
writing the reports here too saves handing that result to one more task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_MAX_LISTED
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import normalize_expected
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import DEFAULT_SUITE_NAME
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FILE_NAMES
from ansible_collections.voiceops.chime.plugins.module_utils.reports import remove_stale_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FORMATS
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ensure_report_dir
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_reports

LISTING_MODULE = "voiceops.chime.chime_phone_number_order_info"
# Our own options; every other option is the listing module's and is passed to it unchanged
# (it validates them), so module_defaults for group/voiceops.chime.chime reach the module.
# listing_options exists for callers such as the role: a task argument set to "omit" still
# blocks module_defaults for that argument, so the role passes only the options its user set,
# as one dict, and leaves the top-level ones to module_defaults.
JUDGE_SPEC = dict(
    expected=dict(type="list", elements="raw", required=True),
    fail_on_unexpected=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=0),
    poll_interval=dict(type="int", default=10),
    max_listed=dict(type="int", default=DEFAULT_MAX_LISTED),
    report_dir=dict(type="path"),
    report_formats=dict(type="list", elements="str", choices=list(REPORT_FORMATS), default=list(REPORT_FORMATS)),
    suite_name=dict(type="str", default=DEFAULT_SUITE_NAME),
    listing_options=dict(type="dict", default={}),
)
# Listing module options recorded in the reports (scrubbed again by the report builders).
RECORDED_MODULE_OPTIONS = ("api", "region", "profile", "endpoint_url", "page_size", "order_status", "product_type",
                           "phone_number_order_ids")
# Options of the listing module that would make the judgement wrong: phone_numbers hides the
# unexpected numbers, and include_orders only adds weight (it is always false here).
REFUSED_MODULE_OPTIONS = ("phone_numbers", "include_orders")
# The listing module's failure fields worth passing on (never its invocation: module args).
FAILURE_KEYS = ("msg", "error_code", "http_status", "iam_action", "attempts")


class ActionRefused(Exception):
    """Bad input or an unwritable directory: the task fails with this message and nothing else
    (AnsibleActionFail would add a traceback to the result on ansible-core 2.17)."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            return self._run(result, task_vars)
        except ActionRefused as error:
            result.update(failed=True, msg=str(error))
            return result

    def _run(self, result, task_vars):
        judge_args = dict((name, self._task.args[name]) for name in JUDGE_SPEC if name in self._task.args)
        module_args = dict((name, value) for name, value in self._task.args.items() if name not in JUDGE_SPEC)
        validation = ArgumentSpecValidator(JUDGE_SPEC).validate(judge_args)
        if validation.error_messages:
            raise ActionRefused("; ".join(validation.error_messages))
        judge_args = validation.validated_parameters
        module_args.update(judge_args["listing_options"])
        refused = [name for name in REFUSED_MODULE_OPTIONS if name in module_args]
        if refused:
            raise ActionRefused("{0} cannot be used here: the check needs every ordered number".format(
                ", ".join(refused)))
        if judge_args["wait_timeout"] < 0:
            raise ActionRefused("wait_timeout must be 0 or more seconds, got {0}".format(judge_args["wait_timeout"]))
        if judge_args["poll_interval"] < 1:
            raise ActionRefused("poll_interval must be at least 1 second, got {0}".format(judge_args["poll_interval"]))
        try:
            # Before any API call: a typo in the expected list costs nothing.
            normalize_expected(judge_args["expected"])
        except InvalidPhoneNumberError as error:
            raise ActionRefused(str(error))
        report_dir = None
        if judge_args["report_dir"]:
            report_dir = os.path.abspath(os.path.expanduser(judge_args["report_dir"]))
            try:
                # Also before any call: an unwritable directory should not cost a long listing.
                ensure_report_dir(report_dir, check_mode=bool(self._task.check_mode))
            except ReportWriteError as error:
                raise ActionRefused(str(error))
        module_args["include_orders"] = False

        started = time.time()
        deadline = time.monotonic() + judge_args["wait_timeout"]
        polls = 0
        try:
            while True:
                # The module judges (only the verdict crosses, not 30,000 fact entries); the same
                # judge as the filter, so the result is the same.
                listing = self._execute_module(
                    module_name=LISTING_MODULE,
                    module_args=dict(module_args, expected=judge_args["expected"],
                                     fail_on_unexpected=boolean(judge_args["fail_on_unexpected"]),
                                     max_listed=judge_args["max_listed"]),
                    task_vars=task_vars)
                polls += 1
                if listing.get("failed"):
                    result.update((key, listing[key]) for key in FAILURE_KEYS if key in listing)
                    result.update(failed=True, polls=polls)
                    result.setdefault("msg", "{0} failed".format(LISTING_MODULE))
                    if report_dir:
                        # No verdict this run: leave no earlier one for a CI job to publish.
                        result["removed_reports"] = remove_stale_reports(
                            report_dir, check_mode=bool(self._task.check_mode))
                    return result
                listed = time.time()
                compliance = listing["compliance"]
                remaining = deadline - time.monotonic()
                if not compliance["processing"] or remaining <= 0:
                    break
                # Still Processing: wait for the next poll, never past the deadline.
                time.sleep(min(judge_args["poll_interval"], remaining))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

        timing = dict(started=started, listed=listed, judged=time.time(), polls=polls)
        result.update(changed=False, compliance=compliance, polls=polls, pages=listing.get("pages"), timing=timing)
        if report_dir:
            inputs = dict((name, module_args[name]) for name in RECORDED_MODULE_OPTIONS if name in module_args)
            inputs.update(source="module", fail_on_unexpected=compliance["fail_on_unexpected"],
                          wait_timeout=judge_args["wait_timeout"], poll_interval=judge_args["poll_interval"],
                          expected_entries=len(judge_args["expected"]))
            reports = build_reports(compliance, inputs, timing, formats=list(dict.fromkeys(judge_args["report_formats"])),
                                    suite_name=judge_args["suite_name"])
            try:
                paths, changed = write_reports(report_dir, reports, check_mode=bool(self._task.check_mode))
            except ReportWriteError as error:
                # Not a failure of this task: the caller still gets the verdict (and can set it as a
                # fact before failing on this), rather than losing it to a full disk.
                result["report_error"] = str(error)
            else:
                result["changed"] = bool(changed)
                result["report_files"] = dict((name, paths[REPORT_FILE_NAMES[name]]) for name in judge_args["report_formats"])
                result["changed_files"] = changed
        return result
