# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's command line: ``python chime_emulator.py --port 0 [--data FILE] ...``.

Prints exactly one line, ``listening on http://127.0.0.1:PORT``, once it accepts connections,
and serves until SIGTERM or SIGINT (exit 0). Exit 2 for a bad setting.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from emulator_data import APIS
from emulator_data import DEFAULT_API
from emulator_data import EmulatorConfigError
from emulator_data import load_data_file
from emulator_protocol import OPERATIONS
from emulator_server import ChimeEmulator


def _credentials_from_args(args):
    credentials = {}
    if args.credentials_file:
        try:
            with open(args.credentials_file, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise EmulatorConfigError(f"cannot read credentials file {args.credentials_file}: {exc}") from None
        if not isinstance(document, dict):
            raise EmulatorConfigError("the credentials file must be a JSON object of access key -> secret")
        credentials.update(document)
    if not credentials:
        # The same variables the pipeline under test uses, so the emulator can
        # verify its signatures without the secret on a command line.
        access_key = os.environ.get("AWS_ACCESS_KEY_ID")
        secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not access_key or not secret_key:
            raise EmulatorConfigError(
                "--verify-sigv4 needs keys: --credentials-file FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            )
        token = os.environ.get("AWS_SESSION_TOKEN")
        credentials[access_key] = [secret_key, token] if token else secret_key
    return credentials


def _http_error(text):
    """STATUS:CODE[:COUNT] -> the inject() http_error dict."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].isdigit() or (len(parts) == 3 and not parts[2].isdigit()):
        raise argparse.ArgumentTypeError(f"expected STATUS:CODE[:COUNT] such as 502:SomethingNew:2, got {text!r}")
    entry = {"status": int(parts[0]), "code": parts[1]}
    if len(parts) == 3:
        entry["count"] = int(parts[2])
    return entry


def build_parser():
    parser = argparse.ArgumentParser(
        description="Local Amazon Chime phone number order and phone number API emulator (see README.md)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only unless --allow-non-loopback)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument(
        "--allow-non-loopback", action="store_true", help="allow binding an address other machines can reach"
    )
    data = parser.add_mutually_exclusive_group()
    data.add_argument(
        "--data",
        metavar="FILE",
        help='JSON: {"PhoneNumberOrders": [...], "PhoneNumbers": [...], "Regions": {...}, '
        '"Accounts": {...}} (see README.md)',
    )
    data.add_argument("--generate", type=int, default=0, metavar="N", help="serve N deterministic orders")
    parser.add_argument("--seed", type=int, default=0, help="seed for --generate")
    parser.add_argument(
        "--api",
        choices=APIS,
        default=DEFAULT_API,
        help="namespace of requests without a /chime or /chime-sdk-voice path prefix (or a "
        f"User-Agent api/ token); default {DEFAULT_API}. Also the shape of --generate",
    )
    parser.add_argument(
        "--verify-sigv4",
        action="store_true",
        help="verify SigV4 signatures against --credentials-file or AWS_ACCESS_KEY_ID/SECRET env",
    )
    parser.add_argument("--credentials-file", metavar="FILE", help='JSON {"ACCESS_KEY": "SECRET"} for --verify-sigv4')
    parser.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    faults = parser.add_argument_group("faults (counted per API request)")
    for kind, help_text in (
        ("throttle", "answer the next K requests with 429 ThrottledClientException"),
        ("fail-500", "answer the next K requests with 500 ServiceFailureException"),
        ("fail-503", "answer the next K requests with 503 ServiceUnavailableException"),
        ("malformed", "answer the next K requests with 200 and a non-JSON body"),
        ("truncated", "answer the next K requests with 200 and a cut-off JSON body"),
        ("missing-key", "answer the next K requests with 200 and no PhoneNumberOrders/PhoneNumbers key"),
        ("forbidden", "answer the next K requests with 403 ForbiddenException"),
        ("unauthorized", "answer the next K requests with 401 UnauthorizedClientException"),
        ("empty-string-token", 'answer the next K list requests with "NextToken": ""'),
    ):
        faults.add_argument(f"--{kind}", type=int, default=0, metavar="K", help=help_text)
    faults.add_argument(
        "--http-error",
        type=_http_error,
        action="append",
        default=[],
        metavar="STATUS:CODE[:K]",
        help="answer the next K (default 1) requests with this HTTP status and error code " "(repeatable)",
    )
    faults.add_argument("--latency", type=float, default=None, metavar="SECONDS", help="delay every request")
    faults.add_argument("--repeat-token", action="store_true", help="hand back the NextToken the client sent")
    faults.add_argument("--empty-first-page", action="store_true", help="first page: no items but a NextToken")
    faults.add_argument("--fault-region", default=None, metavar="REGION", help="faults above only in this region")
    faults.add_argument(
        "--fault-account",
        default=None,
        metavar="ACCESS_KEY_ID",
        help="faults above only for requests signed with this access key id",
    )
    faults.add_argument(
        "--fault-operation",
        action="append",
        default=None,
        choices=OPERATIONS,
        metavar="OPERATION",
        help="faults above only for this operation (repeatable; default all four)",
    )
    faults.add_argument("--fault-after", type=int, default=0, metavar="N", help="counted faults start after N requests")
    faults.add_argument(
        "--deny-region",
        action="append",
        default=[],
        metavar="REGION",
        help="answer requests signed for REGION with 403 ForbiddenException (repeatable)",
    )
    faults.add_argument(
        "--deny-operation",
        action="append",
        default=[],
        choices=OPERATIONS,
        metavar="OPERATION",
        help="answer every OPERATION request with 403 ForbiddenException (repeatable)",
    )
    return parser


def faults_from_args(args):
    """The inject() arguments the command line asks for."""
    faults = {
        "throttle": args.throttle,
        "fail_500": args.fail_500,
        "fail_503": args.fail_503,
        "malformed": args.malformed,
        "truncated": args.truncated,
        "missing_key": args.missing_key,
        "forbidden": args.forbidden,
        "unauthorized": args.unauthorized,
        "empty_string_token": args.empty_string_token,
        "region": args.fault_region,
        "account": args.fault_account,
        "operations": args.fault_operation,
        "after_requests": args.fault_after,
    }
    if args.http_error:
        faults["http_error"] = args.http_error
    if args.latency is not None:
        faults["latency"] = args.latency
    if args.repeat_token:
        faults["repeat_token"] = True
    if args.empty_first_page:
        faults["empty_first_page"] = True
    if args.deny_operation:
        faults["deny_operations"] = args.deny_operation
    return faults


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        orders = load_data_file(args.data) if args.data else None
        credentials = _credentials_from_args(args) if args.verify_sigv4 else None
        emulator = ChimeEmulator(
            orders=orders,
            generate=args.generate,
            seed=args.seed,
            host=args.host,
            port=args.port,
            api=args.api,
            credentials=credentials,
            deny_regions=args.deny_region,
            allow_non_loopback=args.allow_non_loopback,
            verbose=args.verbose,
            faults=faults_from_args(args),
        )
        emulator.start()
    except EmulatorConfigError as exc:
        sys.stderr.write(f"chime_emulator: {exc}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"chime_emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}\n")
        return 2

    stop_requested = threading.Event()

    def request_stop(_signum, _frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    sys.stdout.write(f"listening on {emulator.url}\n")
    sys.stdout.flush()
    while not stop_requested.wait(3600):
        pass
    emulator.stop()
    return 0
