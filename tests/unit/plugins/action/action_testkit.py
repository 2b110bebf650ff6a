# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the action plugins' unit tests.

The action plugins run in-process with a real ``ansible.playbook.task.Task``, a real loader and
templar, and a stand-in connection (the plugins never use it beyond ``_shell.tmpdir``). The
listing module is not run: ``_execute_module`` is replaced by ``FakeListing``, which answers what
voiceops.chime.chime_phone_number_order_info answers with ``expected``: the verdict of the real
judge (``number_compliance``) over an account the test describes, or a failure, or an exception.
"""

from __future__ import annotations

import os
from pathlib import Path

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance

COMPLIANCE_ACTION = "voiceops.chime.chime_phone_number_compliance"
REPORT_ACTION = "voiceops.chime.chime_compliance_report"
LISTING_MODULE = "voiceops.chime.chime_phone_number_order_info"
TASK_NAME = "Check the contact-centre numbers"
REPORT_NAMES = ("report.json", "junit.xml", "summary.md")

# Recognisable fakes: every leak test looks for these in results and reports.
ACCESS_KEY = "AKIAUNITTESTFAKE0001"
SECRET_KEY = "unit-FAKE-secret-key-0123456789abcdef"
SESSION_TOKEN = "unit-FAKE-session-token-zyxwvutsrq"
ENDPOINT_USER = "endpoint-user-FAKE"
ENDPOINT_PASSWORD = "endpoint-pw-FAKE-s3cr3t"
ENDPOINT_URL = "http://{0}:{1}@127.0.0.1:1".format(ENDPOINT_USER, ENDPOINT_PASSWORD)
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, ENDPOINT_USER, ENDPOINT_PASSWORD)
SECRET_ARGS = dict(access_key=ACCESS_KEY, secret_key=SECRET_KEY, session_token=SESSION_TOKEN, endpoint_url=ENDPOINT_URL)


# --------------------------------------------------------------------------- the account


def number(e164, status="Acquired", account_status="Unassigned", order_id="o-1", order_status="Successful"):
    """One entry of the listing module's phone_numbers, with the account's current status."""
    return {
        "e164_phone_number": e164,
        "status": status,
        "phone_number_order_id": order_id,
        "order_status": order_status,
        "product_type": "VoiceConnector",
        "created_timestamp": "2026-09-14T16:02:11.482Z",
        "updated_timestamp": "2026-09-14T16:09:40.107Z",
        "account_status": account_status,
    }


def acquired(e164, order_id="o-1"):
    return number(e164, order_id=order_id)


def processing(e164, order_id="o-2"):
    return number(
        e164, status="Processing", account_status="AcquireInProgress", order_id=order_id, order_status="Processing"
    )


def failed(e164, order_id="o-3"):
    return number(e164, status="Failed", account_status="AcquireFailed", order_id=order_id, order_status="Failed")


class Account:
    """What one listing finds: the per-number entries and the page counts it took."""

    def __init__(self, *numbers, pages=1, phone_number_pages=1):
        self.numbers = list(numbers)
        self.pages = pages
        self.phone_number_pages = phone_number_pages


def listing_result(account, module_args):
    """The listing module's result for ``module_args`` (with ``expected``) over ``account``:
    judged here by the same judge the module calls, with the options the action passed."""
    current_state = module_args.get("current_state", False)
    entries = (
        account.numbers
        if current_state
        else [
            dict((key, value) for key, value in entry.items() if key != "account_status") for entry in account.numbers
        ]
    )
    compliance = number_compliance(
        entries,
        module_args["expected"],
        fail_on_unexpected=module_args["fail_on_unexpected"],
        max_listed=module_args["max_listed"],
        current_state=current_state,
    )
    result = dict(
        changed=False,
        phone_number_orders=[],
        phone_numbers=[],
        pages=account.pages,
        compliance=compliance,
        invocation=dict(module_args=dict(module_args)),
    )
    if current_state:
        result["phone_number_pages"] = account.phone_number_pages
    return result


def listing_failure(msg, **fields):
    """A failed listing module result (``fields``: error_code, http_status, iam_action, attempts)."""
    return dict(failed=True, msg=msg, invocation=dict(module_args={}), **fields)


class FakeListing:
    """Stands in for ``ActionBase._execute_module``: each call takes the next step (the last one
    repeats). A step is an Account (answered with the judge's verdict), a result dict (returned
    as is, for failures), an exception (raised) or a function of the module arguments (called, for
    a listing with side effects). ``clock`` and ``seconds_per_listing`` make
    each listing take time on a FakeClock."""

    def __init__(self, *steps, clock=None, seconds_per_listing=0):
        self.steps = list(steps)
        self.calls = []
        self.clock = clock
        self.seconds_per_listing = seconds_per_listing

    def __call__(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append(dict(module_name=module_name, module_args=dict(module_args or {}), kwargs=kwargs))
        if self.clock is not None:
            self.clock.now += self.seconds_per_listing
        step = self.steps[min(len(self.calls), len(self.steps)) - 1]
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, Account):
            return listing_result(step, module_args)
        if callable(step):
            return step(module_args)
        return dict(step)


def never_called(*args, **kwargs):
    raise AssertionError("the listing module must not run: {0!r}".format(kwargs.get("module_args")))


# --------------------------------------------------------------------------- time and the controller


class FakeClock:
    """Stands in for the ``time`` module of the compliance action: the clock moves only when the
    action sleeps (or a FakeListing takes time)."""

    EPOCH = 1789000000.0

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def time(self):
        return self.EPOCH + self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class FakeParent:
    """``os.getppid`` of the worker: the controller's pid until ``gone_after`` calls have been
    answered, then 1 (the worker was re-parented: the controller is gone)."""

    CONTROLLER_PID = 4242

    def __init__(self):
        self.calls = 0
        self.gone_after = None

    def getppid(self):
        self.calls += 1
        if self.gone_after is not None and self.calls > self.gone_after:
            return 1
        return self.CONTROLLER_PID


class OsWithParent:
    """The ``os`` module with getppid answered by a FakeParent."""

    def __init__(self, parent):
        self._parent = parent

    def getppid(self):
        return self._parent.getppid()

    def __getattr__(self, name):
        return getattr(os, name)


# --------------------------------------------------------------------------- the action


class _Shell:
    tmpdir = None


class StubConnection:
    """The action plugins touch only ``_shell.tmpdir`` (to clean up after a module run)."""

    def __init__(self):
        self._shell = _Shell()


def make_task(action, args, check_mode=False, name=TASK_NAME):
    task = Task()
    task.action = action
    task.name = name
    task.args = dict(args)
    task.check_mode = check_mode
    return task


def make_action(plugin_module, args, check_mode=False, execute_module=never_called):
    """An ActionModule of ``plugin_module`` for a task with ``args``; ``execute_module`` runs in
    place of the listing module."""
    task = make_task("voiceops.chime." + plugin_module.__name__.rsplit(".", 1)[-1], args, check_mode)
    loader = DataLoader()
    action = plugin_module.ActionModule(task, StubConnection(), None, loader, Templar(loader=loader), None)
    action._execute_module = execute_module
    return action


def trusted(template):
    """The playbook's own template text: trusted as a template (ansible-core 2.19+ renders only those)."""
    try:
        from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core < 2.19: every string is a template
        return template
    return trust_as_template(template)


def read_reports(directory):
    """{file name: text} of the report files in ``directory``."""
    directory = Path(directory)
    return dict(
        (name, (directory / name).read_text(encoding="utf-8")) for name in REPORT_NAMES if (directory / name).is_file()
    )


def write_old_passed_reports(directory):
    """An earlier run's PASSED set, to see whether a run replaces it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "report.json": '{"verdict": "passed", "old": true}\n',
        "junit.xml": "<testsuites old='1'/>\n",
        "summary.md": "# PASSED (old run)\n",
    }
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8")
    return texts


def leaked_secrets(*texts):
    """The fake secrets found in any of ``texts`` (repr'd, so nested values count too)."""
    joined = "\n".join(text if isinstance(text, str) else repr(text) for text in texts)
    return [secret for secret in SECRETS if secret in joined]
