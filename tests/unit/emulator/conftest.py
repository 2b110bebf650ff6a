# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the emulator's unit tests; helpers live in emulator_testkit.py next to this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

UNIT_EMULATOR_DIR = Path(__file__).resolve().parent
EMULATOR_DIR = UNIT_EMULATOR_DIR.parents[1] / "emulator"
# Test files import the emulator's modules and the shared helpers by name (pytest runs with
# --import-mode=importlib, which does not put test folders on sys.path).
for _path in (str(EMULATOR_DIR), str(UNIT_EMULATOR_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from chime_emulator import ChimeEmulator  # noqa: E402  pylint: disable=wrong-import-position,import-error


@pytest.fixture
def emu_factory():
    """Start ChimeEmulator(**kwargs) instances; all are stopped after the test."""
    started = []

    def factory(**kwargs):
        emu = ChimeEmulator(**kwargs).start()
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(emu_factory):
    """An emulator with 250 generated orders (chime-sdk-voice shape) at the root."""
    return emu_factory(generate=250)
