# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of voiceops.chime.chime_phone_number_compliance: list, (wait,) judge, report.

Runs voiceops.chime.chime_phone_number_order_info once per poll with ``expected``, so the module
judges with the same judge as the ``number_compliance`` filter and returns only the verdict: the
listing of a large account never becomes a variable (docs/performance.md has the figures). Writing
the reports here too saves handing the verdict to one more task.

Every run that gets as far as knowing its report directory leaves one complete report set there:
passed or failed after a judgement, or an error set ("could not check") after a refused input, a
failed listing or an unexpected exception, so that a dashboard always shows this run's outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_MAX_LISTED
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import validate_check_inputs
from ansible_collections.voiceops.chime.plugins.module_utils.listing import endpoint_secrets
from ansible_collections.voiceops.chime.plugins.module_utils.redact import redact_text
from ansible_collections.voiceops.chime.plugins.module_utils.reports import DEFAULT_SUITE_NAME
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FILE_NAMES
from ansible_collections.voiceops.chime.plugins.module_utils.reports import REPORT_FORMATS
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportAbortedError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ReportWriteError
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_error_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import build_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import ensure_report_dir
from ansible_collections.voiceops.chime.plugins.module_utils.reports import remove_stale_reports
from ansible_collections.voiceops.chime.plugins.module_utils.reports import secret_input_values
from ansible_collections.voiceops.chime.plugins.module_utils.reports import write_report_set
from ansible_collections.voiceops.chime.plugins.plugin_utils.unsafe import make_unsafe

display = Display()

LISTING_MODULE = "voiceops.chime.chime_phone_number_order_info"
# Bounds of the waiting options (documented): a day of waiting, polls at most an hour apart.
MAX_WAIT_TIMEOUT = 86400
MAX_POLL_INTERVAL = 3600
# Our own options; every other option is the listing module's and is passed to it unchanged
# (it validates them), so module_defaults for group/voiceops.chime.chime reach the module.
# listing_options exists for callers such as the role: a task argument set to "omit" still
# blocks module_defaults for that argument, so the role passes only the options its user set,
# as one dict, and leaves the top-level ones to module_defaults.
JUDGE_SPEC = dict(
    expected=dict(type="list", elements="raw", required=True),
    fail_on_unexpected=dict(type="bool", default=False),
    current_state=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=0),
    poll_interval=dict(type="int", default=10),
    max_listed=dict(type="int", default=DEFAULT_MAX_LISTED),
    report_dir=dict(type="path"),
    report_formats=dict(type="list", elements="str", choices=list(REPORT_FORMATS), default=list(REPORT_FORMATS)),
    suite_name=dict(type="str", default=DEFAULT_SUITE_NAME),
    listing_options=dict(type="dict", default={}),
)
# Listing module options recorded in the reports (scrubbed again by the report builders).
RECORDED_MODULE_OPTIONS = ("api", "region", "profile", "endpoint_url", "page_size")
# A listing module option that means nothing here (the check never needs the orders).
REFUSED_MODULE_OPTIONS = ("include_orders",)
# Module options whose values are credentials: masked in every message and report.
SECRET_MODULE_OPTIONS = ("secret_key", "session_token", "access_key")
# The listing module's failure fields worth passing on (never its invocation: module args).
FAILURE_KEYS = ("error_code", "http_status", "iam_action", "attempts")


class ActionRefused(Exception):
    """Bad input: the task fails with this message (and an error report set when the report
    directory is known). Raised instead of AnsibleActionFail, which would add a traceback to the
    result on ansible-core 2.17."""

    def __init__(self, message, error_code="InvalidInput"):
        super(ActionRefused, self).__init__(message)
        self.error_code = error_code


class ListingFailed(Exception):
    """The listing module failed: ``failure`` holds its message and error fields."""

    def __init__(self, failure):
        super(ListingFailed, self).__init__(failure.get("message"))
        self.failure = failure


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        # The worker runs under the controller (ansible-playbook). If the controller is killed, the
        # worker is re-parented: it must then stop, and above all never write reports later into a
        # directory the next run may already use.
        self._controller_pid = os.getppid()
        self._started = time.time()
        self._report_dir = None
        self._inputs = {}
        self._secrets = []
        self._notices = dict(warnings=[], deprecations=[])
        try:
            outcome = self._run(result, task_vars)
        except ActionRefused as error:
            outcome = self._could_not_check(result, dict(message=str(error), error_code=error.error_code))
        except ListingFailed as error:
            outcome = self._could_not_check(result, error.failure)
        except Exception as error:  # pylint: disable=broad-except
            # Still a verdict ("could not check") and a clear message, never a traceback or old reports.
            outcome = self._could_not_check(
                result,
                dict(
                    message="the compliance check stopped on an unexpected {0}: {1}".format(
                        type(error).__name__, error
                    ),
                    error_code=type(error).__name__,
                ),
            )
        for kind, notices in self._notices.items():
            if notices:
                outcome[kind] = list(outcome.get(kind) or []) + notices
        return outcome

    def _keep_notices(self, listing):
        """The listing module's warnings and deprecations, once each however many polls repeat them.

        ansible-core 2.19 and later deliver a module's warnings to the task by itself (the listing's
        own lists arrive empty); 2.17 leaves them in the module's result, where only this task can pass
        them on. Without this, validate_certs=false and the legacy namespace's end of support were
        silent on 2.17 whenever the listing ran inside the check.
        """
        for kind, notices in self._notices.items():
            for notice in listing.get(kind) or []:
                if notice not in notices:
                    notices.append(notice)

    def _controller_alive(self):
        return os.getppid() == self._controller_pid

    def _run(self, result, task_vars):
        judge_args = dict((name, self._task.args[name]) for name in JUDGE_SPEC if name in self._task.args)
        module_args = dict((name, value) for name, value in self._task.args.items() if name not in JUDGE_SPEC)
        validation = ArgumentSpecValidator(JUDGE_SPEC).validate(judge_args)
        if validation.error_messages:
            raise ActionRefused("; ".join(validation.error_messages))
        judge_args = validation.validated_parameters
        module_args.update(judge_args["listing_options"])
        self._secrets = [
            str(module_args[name]) for name in SECRET_MODULE_OPTIONS if module_args.get(name)
        ] + endpoint_secrets(module_args.get("endpoint_url"))

        # The report directory first: from here on, every outcome leaves a report set in it.
        if judge_args["report_dir"]:
            report_dir = os.path.abspath(os.path.expanduser(judge_args["report_dir"]))
            try:
                # Before any call: an unwritable directory should not cost a long listing.
                ensure_report_dir(report_dir, check_mode=bool(self._task.check_mode))
            except ReportWriteError as error:
                raise ActionRefused(str(error), error_code="ReportDirectory")
            self._report_dir = report_dir
            self._formats = list(dict.fromkeys(judge_args["report_formats"]))
            self._suite_name = judge_args["suite_name"]
        self._inputs = dict((name, module_args[name]) for name in RECORDED_MODULE_OPTIONS if name in module_args)
        self._inputs.update(
            source="module",
            fail_on_unexpected=judge_args["fail_on_unexpected"],
            current_state=judge_args["current_state"],
            wait_timeout=judge_args["wait_timeout"],
            poll_interval=judge_args["poll_interval"],
            expected_entries=len(judge_args["expected"]),
        )

        self._check_inputs(judge_args, module_args)
        module_args["include_orders"] = False
        compliance, listing, polls, listed = self._poll(judge_args, module_args, task_vars)
        timing = dict(started=self._started, listed=listed, judged=time.time(), polls=polls)
        check = dict(compliance, verdict="passed" if compliance["passed"] else "failed")
        # The verdict quotes service data (order ids, statuses): never a template for a later task.
        result.update(
            changed=False,
            compliance=make_unsafe(compliance),
            check=make_unsafe(check),
            polls=polls,
            pages=listing.get("pages"),
            timing=timing,
        )
        if listing.get("phone_number_pages") is not None:
            result["phone_number_pages"] = listing["phone_number_pages"]
        if self._report_dir:
            reports = build_reports(
                compliance,
                self._inputs,
                timing,
                formats=self._formats,
                suite_name=self._suite_name,
                secrets=self._report_secrets(),
            )
            try:
                paths = write_report_set(
                    self._report_dir,
                    reports,
                    check_mode=bool(self._task.check_mode),
                    still_wanted=self._controller_alive,
                )
            except (ReportWriteError, ReportAbortedError) as error:
                # Not a failure of this task: the caller still gets the verdict (and can set it as a
                # fact before failing on this), rather than losing it to a full disk.
                result["report_error"] = str(error)
            else:
                result["report_files"] = self._report_files(paths)
        return result

    def _check_inputs(self, judge_args, module_args):
        refused = [name for name in REFUSED_MODULE_OPTIONS if name in module_args]
        if refused:
            raise ActionRefused(
                "{0} cannot be used here: the check lists only what it judges".format(", ".join(refused))
            )
        if not 0 <= judge_args["wait_timeout"] <= MAX_WAIT_TIMEOUT:
            raise ActionRefused(
                "wait_timeout must be from 0 to {0} seconds, got {1}".format(
                    MAX_WAIT_TIMEOUT, judge_args["wait_timeout"]
                )
            )
        if not 1 <= judge_args["poll_interval"] <= MAX_POLL_INTERVAL:
            raise ActionRefused(
                "poll_interval must be from 1 to {0} seconds, got {1}".format(
                    MAX_POLL_INTERVAL, judge_args["poll_interval"]
                )
            )
        try:
            # Before any API call, with the rule every entry point shares: a typo in the expected
            # list, an empty list or a filtered listing costs nothing.
            validate_check_inputs(judge_args["expected"], judge_args["fail_on_unexpected"], module_args)
        except ValueError as error:
            raise ActionRefused(str(error))

    def _poll(self, judge_args, module_args, task_vars):
        """List and judge until no expected number is processing or the deadline has passed."""
        deadline = time.monotonic() + judge_args["wait_timeout"]
        polls = 0
        try:
            while True:
                # The module judges (only the verdict crosses, not tens of thousands of entries):
                # the same judge as the filter, so the result is the same.
                listing = self._execute_module(
                    module_name=LISTING_MODULE,
                    module_args=dict(
                        module_args,
                        expected=judge_args["expected"],
                        fail_on_unexpected=boolean(judge_args["fail_on_unexpected"]),
                        max_listed=judge_args["max_listed"],
                        current_state=boolean(judge_args["current_state"]),
                    ),
                    task_vars=task_vars,
                )
                polls += 1
                self._keep_notices(listing)
                if listing.get("failed"):
                    failure = dict((key, listing[key]) for key in FAILURE_KEYS if listing.get(key) is not None)
                    failure["message"] = listing.get("msg") or "{0} failed".format(LISTING_MODULE)
                    raise ListingFailed(failure)
                listed = time.time()
                compliance = listing["compliance"]
                remaining = deadline - time.monotonic()
                if not compliance["processing"] or remaining <= 0:
                    return compliance, listing, polls, listed
                if not self._controller_alive():
                    raise ActionRefused(
                        "the controller stopped while waiting for processing numbers", error_code="ControllerGone"
                    )
                pause = min(judge_args["poll_interval"], remaining)
                # One line per poll from the controller, so a long wait never looks like a hung job.
                display.display(
                    "{0}: poll {1}: {2} expected phone number(s) still processing; next poll in {3:.0f} s, "
                    "deadline in {4:.0f} s".format(
                        self._task.get_name(), polls, len(compliance["processing"]), pause, remaining
                    ),
                    stderr=True,
                )
                time.sleep(pause)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _report_secrets(self):
        return self._secrets + secret_input_values(self._inputs)

    def _report_files(self, paths):
        return dict(
            (name, paths[REPORT_FILE_NAMES[name]]) for name in self._formats if REPORT_FILE_NAMES[name] in paths
        )

    def _could_not_check(self, result, failure):
        """Fail the task with ``failure`` and, where the report directory is known, replace the
        reports there with an error set, so that no earlier verdict is published as this run's."""
        failure = dict(failure)
        failure["message"] = redact_text(failure.get("message") or "the compliance check failed", self._secrets)
        result.update(failed=True, changed=False, msg=failure["message"])
        result.update((key, failure[key]) for key in FAILURE_KEYS if failure.get(key) is not None)
        check = dict(passed=False, verdict="error", message=failure["message"])
        check.update((key, failure.get(key)) for key in ("error_code", "iam_action", "http_status"))
        result["check"] = make_unsafe(check)
        if self._report_dir and not self._task.check_mode:
            timing = dict(started=self._started, judged=time.time(), polls=None)
            try:
                reports = build_error_reports(
                    failure,
                    self._inputs,
                    timing,
                    formats=self._formats,
                    suite_name=self._suite_name,
                    secrets=self._report_secrets(),
                )
                paths = write_report_set(self._report_dir, reports, still_wanted=self._controller_alive)
                result["report_files"] = self._report_files(paths)
            except ReportAbortedError as error:
                result["report_error"] = str(error)
            except (ReportWriteError, ValueError) as error:
                # Not even an error set could be written: at least no old verdict may stay.
                result["report_error"] = str(error)
                try:
                    result["removed_reports"] = remove_stale_reports(self._report_dir)
                except ReportWriteError as removal_error:
                    result["report_error"] = "{0}; {1}".format(error, removal_error)
            result["msg"] = failure["message"] + (
                "" if "report_error" not in result else " (reports: {0})".format(result["report_error"])
            )
        return result
