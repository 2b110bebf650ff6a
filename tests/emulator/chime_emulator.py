# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local Amazon Chime phone number API emulator (Python stdlib only).

It speaks the real wire protocol of ``ListPhoneNumberOrders``, ``GetPhoneNumberOrder``,
``ListPhoneNumbers`` and ``GetPhoneNumber`` (rest-json, SigV4 service name ``chime``) for the
``chime-sdk-voice`` namespace (at the root of its URL) and the legacy ``chime`` namespace (under
``/chime``), so real boto3, the real AWS CLI and real ``ansible-playbook`` runs can be pointed at
it with ``endpoint_url``. Faults (throttling, 5xx bursts, any HTTP error, latency, broken bodies,
pagination loops, auth failures) can be injected from the command line, from Python, or over
HTTP under ``/_emulator/``. See README.md next to this file.

This file is the entry point and the public surface; each concern lives in a module next to it:
``emulator_data`` (orders, phone numbers, accounts, generated data), ``emulator_store`` (the
mutable data), ``emulator_protocol`` (routing, bodies, errors, tokens), ``emulator_sigv4``,
``emulator_faults``, ``emulator_control`` (``/_emulator/`` and ``ChimeEmulatorClient``),
``emulator_server`` (``ChimeEmulator``) and ``emulator_cli``.

Command line::

    python chime_emulator.py --port 0 [--data FILE] [--generate N] [--seed S] [--api chime|chime-sdk-voice]

prints exactly one line ``listening on http://127.0.0.1:PORT`` and serves until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import sys

from emulator_cli import build_parser
from emulator_cli import main
from emulator_control import ChimeEmulatorClient
from emulator_data import API_CHIME
from emulator_data import API_CHIME_SDK_VOICE
from emulator_data import APIS
from emulator_data import DEFAULT_API
from emulator_data import EmulatorConfigError
from emulator_data import derive_numbers
from emulator_data import generate_orders
from emulator_data import load_data_file
from emulator_faults import FAULT_KINDS
from emulator_protocol import ERROR_STATUS
from emulator_protocol import MAX_RESULTS
from emulator_protocol import OPERATIONS
from emulator_server import ChimeEmulator
from emulator_sigv4 import sigv4_signature

__all__ = [
    "API_CHIME",
    "API_CHIME_SDK_VOICE",
    "APIS",
    "ChimeEmulator",
    "ChimeEmulatorClient",
    "DEFAULT_API",
    "ERROR_STATUS",
    "EmulatorConfigError",
    "FAULT_KINDS",
    "MAX_RESULTS",
    "OPERATIONS",
    "build_parser",
    "derive_numbers",
    "generate_orders",
    "load_data_file",
    "main",
    "sigv4_signature",
]

if __name__ == "__main__":
    sys.exit(main())
