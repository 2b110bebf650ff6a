# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the action plugins' unit tests; helpers live in action_testkit.py next to this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ACTION_TESTS_DIR = Path(__file__).resolve().parent
# Test files import the shared helpers by name (pytest runs with --import-mode=importlib, which
# does not put test folders on sys.path).
# Helpers are imported inside the fixtures: this file can load before tests/conftest.py has put the
# collections root on sys.path.
if str(ACTION_TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(ACTION_TESTS_DIR))


@pytest.fixture
def fake_clock(monkeypatch):
    """Replaces the compliance action's ``time`` module with a clock that only moves when the
    action sleeps; ``.sleeps`` records every pause."""
    import action_testkit  # pylint: disable=import-error

    from ansible_collections.voiceops.chime.plugins.action import chime_phone_number_compliance as plugin

    clock = action_testkit.FakeClock()
    monkeypatch.setattr(plugin, "time", clock)
    return clock


@pytest.fixture
def controller(monkeypatch):
    """The parent process id both action plugins see (``os.getppid``); set ``.gone_after`` to the
    number of calls after which the controller is gone (the worker re-parented)."""
    import action_testkit  # pylint: disable=import-error

    from ansible_collections.voiceops.chime.plugins.action import chime_compliance_report as report_plugin
    from ansible_collections.voiceops.chime.plugins.action import chime_phone_number_compliance as plugin

    parent = action_testkit.FakeParent()
    for module in (plugin, report_plugin):
        monkeypatch.setattr(module, "os", action_testkit.OsWithParent(parent))
    return parent
