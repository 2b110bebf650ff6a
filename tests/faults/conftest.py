# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set-up of the fault-injection suite: its helper module on sys.path, the ``slow`` marker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FAULTS_DIR = str(Path(__file__).resolve().parent)


def pytest_configure(config):
    # pytest runs with --import-mode=importlib, which puts no test directory on sys.path.
    if FAULTS_DIR not in sys.path:
        sys.path.insert(0, FAULTS_DIR)
    # pytest.ini has --strict-markers; the marker belongs to this suite, so it is registered here.
    config.addinivalue_line(
        "markers", "slow: 100,000 orders or numbers; tens of seconds per case (deselect with -m 'not slow')"
    )


@pytest.fixture
def tls_certificate(tmp_path):
    """(cert_path, key_path) of a throw-away self-signed certificate for 127.0.0.1."""
    import fault_harness  # pylint: disable=import-error,import-outside-toplevel

    return fault_harness.make_self_signed_certificate(tmp_path)
