# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every part of `make bench` shares: paths, sizes, repetitions, the fake credentials, errors."""

from __future__ import annotations

from pathlib import Path

PERF_DIR = Path(__file__).resolve().parent
ROOT = PERF_DIR.parent.parent
EMULATOR_DIR = ROOT / "tests" / "emulator"
EMULATOR_SCRIPT = EMULATOR_DIR / "chime_emulator.py"
PROTOTYPES_DIR = PERF_DIR / "prototypes"
RESULTS_PATH = PERF_DIR / "results.json"
# The layout of a lane's entry in results.json; entries of another layout are not shown as this bench's.
RESULTS_FORMAT = 2

LANES = ("current", "oldest")
TARGET_LANE = "current"
SEED = 0
E2E_ORDERS = 10_000
EXPECTED_NUMBERS = 10_000
# chime_sdk_voice, the default namespace, which the emulator serves at its root.
API = "chime_sdk_voice"
BOTO3_SERVICE = "chime-sdk-voice"
PAGE_SIZE = 100
REGION = "us-east-1"

# Every figure is a median of this many interleaved rounds (see bench_timing.interleaved).
FULL = {
    "name": "full",
    "sizes": (1_000, 10_000, 100_000),
    # At 100,000 orders the plain boto3 loop alone takes 10-35 s here: it runs once.
    "listing_reps": {1_000: 7, 10_000: 5, 100_000: {"ours": 3, "boto3_loop": 1, "floor": 3}},
    "module_reps": {1_000: 3, 10_000: 3, 100_000: 1},
    "reps": 3,
    "latency_reps": 3,
    "loop_numbers": 1_000,
    "emulator_reps": 3,
    "targets": 8,
    "target_orders": 1_000,
}
QUICK = {
    "name": "quick",
    "sizes": (1_000, 10_000),
    "listing_reps": {1_000: 1, 10_000: 1},
    "module_reps": {1_000: 1, 10_000: 1},
    "reps": 1,
    "latency_reps": 1,
    "loop_numbers": 100,
    "emulator_reps": 1,
    "targets": 8,
    "target_orders": 1_000,
}

# Fake credentials: the emulator does not check signatures unless asked to.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAVOICEOPSBENCH001",
    "AWS_SECRET_ACCESS_KEY": "voiceops-bench-fake-secret",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}
AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CHIME",
    "AWS_ENDPOINT_URL_CHIME_SDK_VOICE",
    "AWS_CA_BUNDLE",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_URL",
)


class BenchError(Exception):
    """A measurement could not be made; the message says why."""


def log(message=""):
    print(message, flush=True)


class BenchContext:
    """What a measurement gets: the lane, its settings, the emulator, the runner, where to record.

    ``result`` is the lane's entry of results.json (each measurement adds its own key);
    ``shared`` carries runs one measurement may reuse from another.
    """

    def __init__(self, lane, settings, workdir, lane_root, collections, emulator, runner, result):
        self.lane = lane
        self.settings = settings
        self.workdir = workdir
        self.lane_root = lane_root
        self.collections = collections
        self.emulator = emulator
        self.runner = runner
        self.result = result
        self.shared = {}
