# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local Amazon Chime phone-number-order API emulator (Python stdlib only).

It speaks the real wire protocol of ``ListPhoneNumberOrders`` and
``GetPhoneNumberOrder`` (rest-json, SigV4 service name ``chime``) for both the
legacy ``chime`` and the ``chime-sdk-voice`` namespaces, so real boto3, the real
AWS CLI and real ``ansible-playbook`` runs can be pointed at it with
``endpoint_url``. Faults (throttling, 5xx bursts, latency, broken bodies,
pagination loops, auth failures) can be injected from the command line, from
Python, or over HTTP under ``/_emulator/``. See README.md next to this file.

Command line::

    python chime_emulator.py --port 0 [--data FILE] [--generate N] [--seed S]

prints exactly one line ``listening on http://127.0.0.1:PORT`` and serves until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = [
    "API_CHIME",
    "API_CHIME_SDK_VOICE",
    "ChimeEmulator",
    "ChimeEmulatorClient",
    "EmulatorConfigError",
    "FAULT_KINDS",
    "generate_orders",
    "load_data_file",
    "sigv4_signature",
]

API_CHIME = "chime"
API_CHIME_SDK_VOICE = "chime-sdk-voice"
APIS = (API_CHIME, API_CHIME_SDK_VOICE)

# MaxResults range from the service models (botocore: chime ResultMax 1..99,
# chime-sdk-voice ResultMax 1..100). A request without max-results gets the
# maximum, which is what the service does for a missing page size.
MAX_RESULTS = {API_CHIME: 99, API_CHIME_SDK_VOICE: 100}

ERROR_STATUS = {
    "BadRequestException": 400,
    "UnauthorizedClientException": 401,
    "ForbiddenException": 403,
    "InvalidSignatureException": 403,
    "UnrecognizedClientException": 403,
    "NotFoundException": 404,
    "UnknownOperationException": 404,
    "ThrottledClientException": 429,
    "ServiceFailureException": 500,
    "ServiceUnavailableException": 503,
}

_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    401: b"Unauthorized",
    403: b"Forbidden",
    404: b"Not Found",
    405: b"Method Not Allowed",
    429: b"Too Many Requests",
    500: b"Internal Server Error",
    503: b"Service Unavailable",
}

# Faults that are consumed one per request. The tuple order is the precedence
# when several kinds are pending at once: a request takes the first pending
# kind in this order, so inject(throttle=2, fail_500=2) gives 429, 429, 500, 500.
FAULT_KINDS = (
    "unauthorized",
    "forbidden",
    "throttle",
    "fail_500",
    "fail_503",
    "malformed",
    "truncated",
    "missing_key",
)

_FAULT_ERRORS = {
    "unauthorized": ("UnauthorizedClientException", "The client is not currently authorized to make the request."),
    "forbidden": ("ForbiddenException", "The client is permanently forbidden from making the request."),
    "throttle": ("ThrottledClientException", "The client exceeded its request rate limit."),
    "fail_500": ("ServiceFailureException", "The service encountered an unexpected error."),
    "fail_503": ("ServiceUnavailableException", "The service is currently unavailable."),
}

# What a misbehaving proxy or load balancer in front of the service would send.
_MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"

_TOKEN_MAC_BYTES = 16
_SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
_SIGV4_MAX_SKEW = datetime.timedelta(minutes=15)
_PAGE_CACHE_LIMIT = 4096

_BAD_SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_UNKNOWN_KEY_MESSAGE = "The security token included in the request is invalid."


class EmulatorConfigError(ValueError):
    """A bad emulator setting (data file, bind address, fault value)."""


class _ApiError(Exception):
    """An error answered in the service's error format."""

    def __init__(self, code, message, fault=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = ERROR_STATUS[code]
        self.fault = fault


# --------------------------------------------------------------------------
# Deterministic data
# --------------------------------------------------------------------------

def _npa_nxx_codes():
    # NANP area codes and exchange codes are [2-9]XX; N11 codes are service
    # codes (411, 911, ...) and never appear as regular numbers.
    return [c for c in range(200, 1000) if c % 100 != 11]


_NANP_CODES = _npa_nxx_codes()
_GENERATE_EPOCH_MS = 1672531200000  # 2023-01-01T00:00:00.000Z


def _iso_millis(epoch_ms):
    seconds, millis = divmod(epoch_ms, 1000)
    t = time.gmtime(seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t[0], t[1], t[2], t[3], t[4], t[5], millis)


def _now_iso_millis():
    return _iso_millis(int(time.time() * 1000))


def generate_orders(n, seed=0, api=API_CHIME):
    """Return ``n`` deterministic orders in the API's JSON shape.

    Pure: the same ``(n, seed, api)`` always gives the same list. Each order has
    three distinct ``+1`` NANP numbers (distinct across the whole list), ISO
    timestamps with milliseconds that increase with the index, and statuses that
    agree with the numbers' statuses: about 84% Successful (all Acquired), 6%
    Partial (one Failed), 5% Failed, 5% Processing. With
    ``api="chime-sdk-voice"`` orders also carry ``OrderType`` (and ``FocDate``
    for porting orders) and use only that namespace's product types. Keys are in
    the service's (alphabetical) order.
    """
    if api not in APIS:
        raise EmulatorConfigError(f"unknown api {api!r}; expected one of {', '.join(APIS)}")
    n = int(n)
    if n < 0:
        raise EmulatorConfigError(f"cannot generate a negative number of orders: {n}")
    rng = random.Random(f"voiceops.chime:{seed}")
    codes = _NANP_CODES
    n_codes = len(codes)
    # The seed moves the number block so two seeds give different numbers.
    number_base = rng.randrange(0, 10_000 * n_codes * (n_codes - 64))
    voice = api == API_CHIME_SDK_VOICE
    stamp = _MillisFormatter()
    orders = []
    append = orders.append
    created_ms = _GENERATE_EPOCH_MS + rng.randrange(0, 86_400_000)
    # One 128-bit draw per order for the id and one 64-bit draw for every other
    # choice keeps 100,000 orders around a second.
    for index in range(n):
        bits = rng.getrandbits(64)
        order_id = "%032x" % rng.getrandbits(128)
        k = number_base + 3 * index
        numbers = []
        for j in range(3):
            rest, line = divmod(k + j, 10_000)
            numbers.append("+1%03d%03d%04d" % (codes[(rest // n_codes) % n_codes], codes[rest % n_codes], line))
        roll = (bits & 0xFFFF) / 65536.0
        if roll < 0.84:
            order_status, number_statuses = "Successful", ("Acquired", "Acquired", "Acquired")
        elif roll < 0.90:
            failed = (bits >> 56) % 3
            order_status = "Partial"
            number_statuses = tuple("Failed" if j == failed else "Acquired" for j in range(3))
        elif roll < 0.95:
            order_status, number_statuses = "Failed", ("Failed", "Failed", "Failed")
        else:
            order_status, number_statuses = "Processing", ("Processing", "Processing", "Processing")
        product_roll = ((bits >> 16) & 0xFFFF) / 65536.0
        if voice:
            product_type = "VoiceConnector" if product_roll < 0.8 else "SipMediaApplicationDialIn"
        elif product_roll < 0.4:
            product_type = "BusinessCalling"
        elif product_roll < 0.9:
            product_type = "VoiceConnector"
        else:
            product_type = "SipMediaApplicationDialIn"
        created_ms += 60_000 + ((bits >> 32) & 0xFFFFF) % 600_000
        updated_ms = created_ms
        if order_status != "Processing":
            updated_ms += 1_000 + ((bits >> 52) & 0xFFF) * 29
        order = {"CreatedTimestamp": stamp(created_ms)}
        if voice:
            if ((bits >> 60) & 0xF) == 0:
                order["FocDate"] = stamp(created_ms + 14 * 86_400_000)
                order["OrderType"] = "Porting"
            else:
                order["OrderType"] = "New"
        order["OrderedPhoneNumbers"] = [
            {"E164PhoneNumber": numbers[0], "Status": number_statuses[0]},
            {"E164PhoneNumber": numbers[1], "Status": number_statuses[1]},
            {"E164PhoneNumber": numbers[2], "Status": number_statuses[2]},
        ]
        order["PhoneNumberOrderId"] = "-".join(
            (order_id[:8], order_id[8:12], order_id[12:16], order_id[16:20], order_id[20:]))
        order["ProductType"] = product_type
        order["Status"] = order_status
        order["UpdatedTimestamp"] = stamp(updated_ms)
        append(order)
    return orders


class _MillisFormatter:
    """ISO 8601 UTC with milliseconds; caches the date part, which changes
    rarely in a run of increasing timestamps."""

    def __init__(self):
        self._day = None
        self._prefix = ""

    def __call__(self, epoch_ms):
        day, ms_of_day = divmod(epoch_ms, 86_400_000)
        if day != self._day:
            self._day = day
            self._prefix = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
        seconds, millis = divmod(ms_of_day, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return "%s%02d:%02d:%02d.%03dZ" % (self._prefix, hour, minute, second, millis)


def _json_copy(document):
    # Faster than copy.deepcopy for this shape, and proves the data is JSON.
    try:
        return json.loads(json.dumps(document))
    except (TypeError, ValueError) as exc:
        raise EmulatorConfigError(f"orders must be JSON data: {exc}") from None


def _check_orders(orders, where):
    if not isinstance(orders, list):
        raise EmulatorConfigError(f"{where}: PhoneNumberOrders must be a list, got {type(orders).__name__}")
    for position, order in enumerate(orders):
        if not isinstance(order, dict):
            raise EmulatorConfigError(f"{where}: order #{position} is not an object")
        # Values are served exactly as given (the documented sample has a
        # non-UUID id and a non-enum product type); only the id is required,
        # because GetPhoneNumberOrder looks orders up by it.
        if not isinstance(order.get("PhoneNumberOrderId"), str):
            raise EmulatorConfigError(f"{where}: order #{position} has no string PhoneNumberOrderId")
    return orders


def _split_data(document, where):
    """Return (default_orders_or_None, {region: orders}) from a data document."""
    if isinstance(document, list):
        return _check_orders(document, where), {}
    if not isinstance(document, dict):
        raise EmulatorConfigError(f"{where}: expected a JSON object with PhoneNumberOrders or Regions")
    if "PhoneNumberOrders" not in document and "Regions" not in document:
        raise EmulatorConfigError(f"{where}: expected a JSON object with PhoneNumberOrders or Regions")
    default = None
    if "PhoneNumberOrders" in document:
        default = _check_orders(document["PhoneNumberOrders"], where)
    regions = {}
    region_map = document.get("Regions") or {}
    if not isinstance(region_map, dict):
        raise EmulatorConfigError(f"{where}: Regions must be an object of region -> {{PhoneNumberOrders: [...]}}")
    for region, region_doc in region_map.items():
        if isinstance(region_doc, dict) and "PhoneNumberOrders" in region_doc:
            region_orders = region_doc["PhoneNumberOrders"]
        else:
            region_orders = region_doc
        regions[region] = _check_orders(region_orders, f"{where} (region {region})")
    return default, regions


def load_data_file(path):
    """Read a ``--data`` file: ``{"PhoneNumberOrders": [...]}`` (all regions),
    ``{"Regions": {"us-east-1": {"PhoneNumberOrders": [...]}}}`` (per region) or both."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise EmulatorConfigError(f"cannot read data file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise EmulatorConfigError(f"data file {path} is not valid JSON: {exc}") from None
    return document


# --------------------------------------------------------------------------
# SigV4
# --------------------------------------------------------------------------

def _remove_dot_segments(path):
    # Same normalisation the SDKs sign with (RFC 3986 5.2.4, and AWS also
    # collapses consecutive slashes).
    segments = []
    for segment in path.split("/"):
        if segment and segment != ".":
            if segment == "..":
                if segments:
                    segments.pop()
            else:
                segments.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and segments else ""
    return first + "/".join(segments) + last


def _canonical_query(raw_query):
    pairs = []
    if raw_query:
        for pair in raw_query.split("&"):
            if not pair:
                continue
            key, _equals, value = pair.partition("=")
            pairs.append((
                urllib.parse.quote(urllib.parse.unquote(key), safe="-_.~"),
                urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~"),
            ))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sigv4_signature(secret_key, method, raw_path, raw_query, headers, signed_headers, payload_hash,
                    amz_date, scope):
    """Compute a SigV4 signature (hex) the way AWS verifies it.

    ``headers`` maps lower-case header names to lists of values; ``scope`` is
    ``DATE/REGION/SERVICE/aws4_request``. Non-S3 services sign the URI path
    encoded a second time, hence ``quote`` over the already-encoded path.
    """
    canonical_path = urllib.parse.quote(_remove_dot_segments(raw_path) or "/", safe="/~")
    canonical_headers = "".join(
        "%s:%s\n" % (name, ",".join(" ".join(value.split()) for value in headers.get(name, [])))
        for name in signed_headers
    )
    canonical_request = "\n".join([
        method.upper(),
        canonical_path,
        _canonical_query(raw_query),
        canonical_headers,
        ";".join(signed_headers),
        payload_hash,
    ])
    string_to_sign = "\n".join([
        _SIGV4_ALGORITHM,
        amz_date,
        scope,
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
    ])
    date, region, service, terminator = scope.split("/")
    key = _hmac_sha256(("AWS4" + secret_key).encode("utf-8"), date)
    key = _hmac_sha256(key, region)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, terminator)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse_authorization(value):
    """Return (access_key, date, region, service, signed_headers, signature) or raise _ApiError."""
    if not value:
        raise _ApiError("UnauthorizedClientException",
                        "Missing Authentication Token: the request has no SigV4 Authorization header.")
    algorithm, _space, rest = value.strip().partition(" ")
    if algorithm != _SIGV4_ALGORITHM:
        raise _ApiError("UnauthorizedClientException",
                        f"Unsupported Authorization scheme; expected {_SIGV4_ALGORITHM} (SigV4).")
    fields = {}
    for part in rest.split(","):
        name, _equals, field_value = part.strip().partition("=")
        fields[name] = field_value
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or not fields.get("SignedHeaders") or not fields.get("Signature"):
        raise _ApiError("UnauthorizedClientException",
                        "Authorization header requires Credential=KEY/DATE/REGION/SERVICE/aws4_request, "
                        "SignedHeaders and Signature.")
    access_key, date, region, service, terminator = credential
    if terminator != "aws4_request":
        raise _ApiError("UnauthorizedClientException", "Credential scope must end with aws4_request.")
    return access_key, date, region, service, fields["SignedHeaders"].split(";"), fields["Signature"]


# --------------------------------------------------------------------------
# Data sets and pages
# --------------------------------------------------------------------------

class _Dataset:
    """Orders of one region (or of all regions). Replaced, never mutated, so a
    page can be built outside the lock while a scheduled status change swaps in
    a new dataset."""

    __slots__ = ("orders", "index", "_encoded")

    def __init__(self, orders, encoded=None):
        self.orders = orders
        self.index = {order["PhoneNumberOrderId"]: position for position, order in enumerate(orders)}
        self._encoded = encoded if encoded is not None else [None] * len(orders)

    def encoded(self, position):
        # Filled lazily: start-up with 100,000 orders stays fast, and a filled
        # slot is deterministic, so racing threads write the same bytes.
        value = self._encoded[position]
        if value is None:
            value = json.dumps(self.orders[position], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self._encoded[position] = value
        return value

    def replaced(self, position, order):
        orders = list(self.orders)
        orders[position] = order
        encoded = list(self._encoded)
        encoded[position] = None
        return _Dataset(orders, encoded)


_EMPTY = _Dataset([])


class _Fault:
    __slots__ = ("kind", "remaining", "start_after", "region")

    def __init__(self, kind, remaining, start_after, region):
        self.kind = kind
        self.remaining = remaining
        self.start_after = start_after
        self.region = region


def _namespace_from_user_agent(user_agent):
    # SDKs with the "ua/2.x" user agent name the service as api/<service-id>#<version>
    # (the AWS SDK for JavaScript v3 does). botocore 1.44 and the AWS CLI v1 do
    # not, so for them the path prefix or the emulator's default decides.
    for token in user_agent.split():
        if token.startswith("api/"):
            name = token[4:].partition("#")[0].lower().replace("_", "-").replace(" ", "-")
            if name in APIS:
                return name
    return None


# --------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


class ChimeEmulator:
    """In-process emulator: ``start()`` serves in a background thread.

    ``orders`` is a list of API-shape orders (served in every region) or a data
    document (``{"PhoneNumberOrders": [...]}`` and/or ``{"Regions": {...}}``);
    ``generate=N`` makes N orders with :func:`generate_orders` instead.
    ``credentials={"AKID": "SECRET"}`` (or ``{"AKID": ["SECRET", "SESSION_TOKEN"]}``)
    turns on SigV4 signature verification.
    """

    def __init__(self, orders=None, generate=0, seed=0, host="127.0.0.1", port=0, api=API_CHIME,
                 credentials=None, deny_regions=None, allow_non_loopback=False, verbose=False,
                 faults=None, log_stream=None):
        if api not in APIS:
            raise EmulatorConfigError(f"unknown api {api!r}; expected one of {', '.join(APIS)}")
        if orders is not None and generate:
            raise EmulatorConfigError("give either orders or generate, not both")
        if not allow_non_loopback and not _is_loopback(host):
            raise EmulatorConfigError(
                f"refusing to bind non-loopback address {host!r}: the emulator accepts any signed "
                "request and must not be reachable from other machines; pass --allow-non-loopback "
                "(allow_non_loopback=True) to do it anyway")
        self.host = host
        self.port = port
        self.api = api
        self.verbose = verbose
        self._log_stream = log_stream or sys.stderr
        self._credentials = self._normalise_credentials(credentials)
        self._initial_deny = frozenset(deny_regions or ())
        self._initial_faults = dict(faults or {})
        if generate:
            self._initial_data = (generate_orders(generate, seed, api), {})
        elif orders is not None:
            self._initial_data = _split_data(_json_copy(orders), "orders")
        else:
            self._initial_data = ([], {})
        self._token_key = os.urandom(32)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._connections = set()
        self._date_cache = (0, b"")
        self._reset_locked()
        self._deny = set(self._initial_deny)
        if self._initial_faults:
            self.inject(**self._initial_faults)

    @staticmethod
    def _normalise_credentials(credentials):
        if credentials is None:
            return None
        normalised = {}
        for access_key, secret in dict(credentials).items():
            if isinstance(secret, (list, tuple)):
                normalised[access_key] = (secret[0], secret[1] if len(secret) > 1 else None)
            else:
                normalised[access_key] = (secret, None)
        return normalised

    # ---- state -----------------------------------------------------------

    def _reset_locked(self):
        # No copies needed: datasets are never mutated in place (a status flip
        # swaps in a new dataset), so the start-up lists stay pristine.
        default, regions = self._initial_data
        self._default = _Dataset(list(default)) if default is not None else None
        self._regions = {region: _Dataset(list(region_orders)) for region, region_orders in regions.items()}
        self._generation = getattr(self, "_generation", 0) + 1
        self._version = getattr(self, "_version", 0) + 1
        self._page_cache = {}
        self._faults = []
        self._latency = 0.0
        self._latency_remaining = None
        self._repeat_token = False
        self._empty_first_page = False
        self._deny = set()
        self._schedules = []
        self._stats = {
            "requests": 0,
            "list_requests": 0,
            "get_requests": 0,
            "control_requests": 0,
            "connections": 0,
            "by_status": {},
            "by_error_code": {},
            "by_region": {},
            "by_api": {},
            "faults_served": {},
        }

    def reset(self):
        """Serve the start-up data again with no faults: clears injected and
        start-up faults, denied regions, schedules and stats. Outstanding
        NextTokens become invalid."""
        with self._lock:
            self._reset_locked()
        return {"ok": True}

    def set_orders(self, orders, region=None):
        """Replace the data. ``region=None``: ``orders`` (a list, or a data document
        with PhoneNumberOrders and/or Regions) replaces everything; a region name:
        only that region's orders. Outstanding NextTokens become invalid."""
        return self._replace_orders(_json_copy(orders), region)

    def _replace_orders(self, orders, region):
        if region is None:
            default, regions = _split_data(orders, "set_orders")
        else:
            if isinstance(orders, dict) and "PhoneNumberOrders" in orders:
                orders = orders["PhoneNumberOrders"]
            default, regions = None, {region: _check_orders(orders, f"set_orders (region {region})")}
        with self._lock:
            if region is None:
                self._default = _Dataset(default) if default is not None else None
                self._regions = {name: _Dataset(region_orders) for name, region_orders in regions.items()}
            else:
                self._regions[region] = _Dataset(regions[region])
            self._generation += 1
            self._version += 1
            self._page_cache = {}
        return {"ok": True, "orders": len(default or ()) if region is None else len(regions[region])}

    def generate(self, n, seed=0, region=None, api=None):
        """``set_orders(generate_orders(n, seed, api), region)``."""
        # Fresh lists: no defensive copy needed.
        return self._replace_orders(generate_orders(n, seed, api or self.api), region)

    def orders(self, region="us-east-1"):
        """A deep copy of the orders a client in ``region`` currently sees."""
        with self._lock:
            dataset = self._dataset_locked(region)
        return copy.deepcopy(dataset.orders)

    def inject(self, throttle=0, fail_500=0, fail_503=0, latency=None, latency_requests=None,
               repeat_token=None, empty_first_page=None, malformed=0, truncated=0, missing_key=0,
               forbidden=0, unauthorized=0, region=None, after_requests=0, deny_regions=None):
        """Add faults. Counted faults (throttle, fail_500, fail_503, malformed,
        truncated, missing_key, forbidden, unauthorized) each hit the next K
        authenticated list/get requests, optionally only in ``region`` and only
        after ``after_requests`` further requests. ``latency`` (seconds) delays
        every request, or only the next ``latency_requests``; ``repeat_token`` and
        ``empty_first_page`` are switches; ``deny_regions`` replaces the set of
        regions answered with 403 ForbiddenException. Additive; ``reset()`` or
        ``clear_faults()`` undo."""
        counted = {
            "unauthorized": unauthorized, "forbidden": forbidden, "throttle": throttle,
            "fail_500": fail_500, "fail_503": fail_503, "malformed": malformed,
            "truncated": truncated, "missing_key": missing_key,
        }
        for kind, count in counted.items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise EmulatorConfigError(f"fault {kind} must be a non-negative integer, got {count!r}")
        if not isinstance(after_requests, int) or after_requests < 0:
            raise EmulatorConfigError(f"after_requests must be a non-negative integer, got {after_requests!r}")
        if latency is not None and (not isinstance(latency, (int, float)) or latency < 0):
            raise EmulatorConfigError(f"latency must be a non-negative number of seconds, got {latency!r}")
        with self._lock:
            start_after = self._stats["requests"] + after_requests
            for kind in FAULT_KINDS:
                if counted[kind]:
                    self._faults.append(_Fault(kind, counted[kind], start_after, region))
            if latency is not None:
                self._latency = float(latency)
                self._latency_remaining = latency_requests
            if repeat_token is not None:
                self._repeat_token = bool(repeat_token)
            if empty_first_page is not None:
                self._empty_first_page = bool(empty_first_page)
            if deny_regions is not None:
                self._deny = set(deny_regions)
            return self._pending_locked()

    def clear_faults(self):
        """Drop pending faults, latency, switches and denied regions (data and stats stay)."""
        with self._lock:
            self._faults = []
            self._latency = 0.0
            self._latency_remaining = None
            self._repeat_token = False
            self._empty_first_page = False
            self._deny = set()
            return self._pending_locked()

    def _pending_locked(self):
        pending = {kind: 0 for kind in FAULT_KINDS}
        for fault in self._faults:
            pending[fault.kind] += fault.remaining
        return {
            "pending": pending,
            "latency": self._latency,
            "latency_requests": self._latency_remaining,
            "repeat_token": self._repeat_token,
            "empty_first_page": self._empty_first_page,
            "deny_regions": sorted(self._deny),
        }

    def schedule_status(self, order_id, after_requests=0, order_status="Successful", number_status="Acquired",
                        updated_timestamp=None, counting="list"):
        """Flip ``order_id`` (in every region that has it) to ``order_status`` and
        all its numbers to ``number_status`` once ``after_requests`` further list
        requests have been served (``counting="any"`` also counts get requests).
        ``UpdatedTimestamp`` becomes the flip time unless ``updated_timestamp`` is
        given. ``number_status=None`` leaves the numbers alone."""
        if counting not in ("list", "any"):
            raise EmulatorConfigError(f"counting must be 'list' or 'any', got {counting!r}")
        if not isinstance(after_requests, int) or after_requests < 0:
            raise EmulatorConfigError(f"after_requests must be a non-negative integer, got {after_requests!r}")
        with self._lock:
            datasets = [self._default] + list(self._regions.values())
            if not any(dataset is not None and order_id in dataset.index for dataset in datasets):
                raise EmulatorConfigError(f"unknown order id {order_id!r}")
            counter = "list_requests" if counting == "list" else "requests"
            self._schedules.append({
                "order_id": order_id,
                "fire_after": self._stats[counter] + after_requests,
                "counter": counter,
                "order_status": order_status,
                "number_status": number_status,
                "updated_timestamp": updated_timestamp,
            })
            if after_requests == 0:
                self._apply_status_locked(self._schedules.pop())
        return {"ok": True}

    def _fire_schedules_locked(self):
        # Called after the current request was counted: request number
        # fire_after + 1 is the first to see the new status.
        remaining = []
        for schedule in self._schedules:
            if self._stats[schedule["counter"]] > schedule["fire_after"]:
                self._apply_status_locked(schedule)
            else:
                remaining.append(schedule)
        self._schedules = remaining

    def _apply_status_locked(self, schedule):
        order_id = schedule["order_id"]
        stamp = schedule["updated_timestamp"] or _now_iso_millis()

        def flipped(dataset):
            if dataset is None or order_id not in dataset.index:
                return dataset
            position = dataset.index[order_id]
            order = copy.deepcopy(dataset.orders[position])
            if schedule["order_status"] is not None:
                order["Status"] = schedule["order_status"]
            if schedule["number_status"] is not None:
                for number in order.get("OrderedPhoneNumbers") or ():
                    number["Status"] = schedule["number_status"]
            order["UpdatedTimestamp"] = stamp
            return dataset.replaced(position, order)

        self._default = flipped(self._default)
        self._regions = {region: flipped(dataset) for region, dataset in self._regions.items()}
        # Same generation: tokens already handed out stay valid, since order
        # positions do not move; only the cached page bytes are stale.
        self._version += 1
        self._page_cache = {}

    def stats(self):
        """Counters: requests (API calls, any outcome), list_requests, get_requests,
        control_requests, connections, by_status ({"200": n, "429": n}),
        by_error_code, by_region, by_api, faults_served, plus the pending faults."""
        with self._lock:
            result = copy.deepcopy(self._stats)
            result.update(self._pending_locked())
            result["scheduled"] = len(self._schedules)
        return result

    # ---- lifecycle -------------------------------------------------------

    @property
    def url(self):
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self):
        if self._server is not None:
            raise RuntimeError("the emulator is already started")
        server_class = _Server
        if ":" in self.host:
            server_class = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        server = server_class((self.host, self.port), _Handler)
        server.emulator = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"chime-emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        server = self._server
        if server is None:
            return
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Idle keep-alive connections would otherwise hold handler threads.
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # ---- request handling --------------------------------------------------

    def _dataset_locked(self, region):
        dataset = self._regions.get(region)
        if dataset is None:
            dataset = self._default
        return dataset if dataset is not None else _EMPTY

    def _make_token(self, generation, region, offset, page_size):
        payload = f"v1|{generation}|{region}|{offset}|{page_size}".encode("utf-8")
        mac = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]
        return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def _read_token(self, token, generation, region):
        invalid = _ApiError("BadRequestException",
                            f"Invalid NextToken {token[:80]!r}: it was not issued by this service or was modified.")
        if not token or len(token) > 1024:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        payload, mac = raw[:-_TOKEN_MAC_BYTES], raw[-_TOKEN_MAC_BYTES:]
        expected = hmac.new(self._token_key, payload, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]
        if len(raw) <= _TOKEN_MAC_BYTES or not hmac.compare_digest(mac, expected):
            raise invalid
        version, token_generation, token_region, offset, _page_size = payload.decode("utf-8").split("|")
        if version != "v1" or token_region != region:
            raise invalid
        if int(token_generation) != generation:
            raise _ApiError("BadRequestException",
                            "Expired NextToken: the phone number orders changed since it was issued; start again.")
        return int(offset)

    def _page_body(self, dataset, version, generation, region, offset, page_size):
        key = (version, region, offset, page_size)
        body = self._page_cache.get(key)
        if body is not None:
            return body
        end = min(offset + page_size, len(dataset.orders))
        if end < len(dataset.orders):
            next_token = b'"' + self._make_token(generation, region, end, page_size).encode("ascii") + b'"'
        else:
            next_token = b"null"
        # Key order and compact separators as the service sends them, so the
        # documented sample response comes back byte for byte.
        body = b"".join([
            b'{"NextToken":', next_token, b',"PhoneNumberOrders":[',
            b",".join([dataset.encoded(position) for position in range(offset, end)]),
            b"]}",
        ])
        with self._lock:
            if len(self._page_cache) >= _PAGE_CACHE_LIMIT:
                self._page_cache = {}
            if version == self._version:
                self._page_cache[key] = body
        return body

    def _http_date(self):
        now = int(time.time())
        cached_at, value = self._date_cache
        if cached_at != now:
            value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)).encode("ascii")
            self._date_cache = (now, value)
        return value

    def _send(self, handler, status, body, error_code=None, fault=None, content_type=b"application/json"):
        head = [
            b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Unknown")),
            b"x-amzn-RequestId: ", str(uuid.uuid4()).encode("ascii"), b"\r\n",
            b"Content-Type: ", content_type, b"\r\n",
            b"Content-Length: %d\r\n" % len(body),
            b"Date: ", self._http_date(), b"\r\n",
        ]
        if error_code:
            head += [b"x-amzn-ErrorType: ", error_code.encode("ascii"), b"\r\n"]
        if fault:
            head += [b"x-emulator-fault: ", fault.encode("ascii"), b"\r\n"]
        head.append(b"Connection: close\r\n\r\n" if handler.close_connection else b"Connection: keep-alive\r\n\r\n")
        if handler.command == "HEAD":
            body = b""
        if self.verbose:
            # Logged before the reply goes out, so whoever reads the log after the response has
            # arrived (a test, a user's pipeline) always finds this request's line in it.
            self._log_stream.write(f"{handler.command} {handler.path} -> {status}"
                                   f"{' ' + error_code if error_code else ''}{' fault=' + fault if fault else ''}\n")
            self._log_stream.flush()
        # One write, one send: separate header and body sends stall keep-alive
        # clients ~40 ms per response (Nagle + delayed ACK).
        handler.wfile.write(b"".join(head) + body)

    def _send_error(self, handler, error):
        body = json.dumps({"Code": error.code, "Message": error.message}, separators=(",", ":")).encode("utf-8")
        self._send(handler, error.status, body, error_code=error.code, fault=error.fault)
        return error.status

    def _authenticate(self, handler, method, raw_path, raw_query, body):
        access_key, date, region, service, signed_headers, signature = _parse_authorization(
            handler.headers.get("Authorization"))
        if service != "chime":
            # Both namespaces sign as "chime" (chime-sdk-voice's signingName).
            raise _ApiError("InvalidSignatureException", "Credential should be scoped to correct service: 'chime'.")
        if self._credentials is None:
            return region
        known = self._credentials.get(access_key)
        if known is None:
            raise _ApiError("UnrecognizedClientException", _UNKNOWN_KEY_MESSAGE)
        secret, session_token = known
        if session_token is not None and handler.headers.get("X-Amz-Security-Token") != session_token:
            raise _ApiError("UnrecognizedClientException", _UNKNOWN_KEY_MESSAGE)
        amz_date = handler.headers.get("X-Amz-Date", "")
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise _ApiError("InvalidSignatureException",
                            "Authorization header requires an X-Amz-Date header in ISO 8601 basic format.") from None
        if amz_date[:8] != date:
            raise _ApiError("InvalidSignatureException",
                            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                            f"from HTTP: '{date}' != '{amz_date[:8]}'.")
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs(now - signed_at) > _SIGV4_MAX_SKEW:
            raise _ApiError("InvalidSignatureException",
                            f"Signature expired: {amz_date} is outside the 15 minute window around "
                            f"{now:%Y%m%dT%H%M%SZ}.")
        headers = {}
        for name, value in handler.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        payload_hash = handler.headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
        expected = sigv4_signature(secret, method, raw_path, raw_query, headers, signed_headers, payload_hash,
                                   amz_date, f"{date}/{region}/{service}/aws4_request")
        if not hmac.compare_digest(expected, signature):
            raise _ApiError("InvalidSignatureException", _BAD_SIGNATURE_MESSAGE)
        return region

    def _count(self, key, value):
        bucket = self._stats[key]
        bucket[value] = bucket.get(value, 0) + 1

    def handle(self, handler, method):
        raw_path, _mark, raw_query = handler.path.partition("?")
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        if raw_path.startswith("/_emulator/") or raw_path == "/_emulator":
            return self._control(handler, method, raw_path, body)

        namespace = None
        route = raw_path
        for prefix in APIS:
            if route.startswith(f"/{prefix}/"):
                namespace, route = prefix, route[len(prefix) + 1:]
                break
        if namespace is None:
            namespace = _namespace_from_user_agent(handler.headers.get("User-Agent", "")) or self.api
        if route == "/phone-number-orders":
            operation = "list"
        elif route.startswith("/phone-number-orders/"):
            operation = "get"
        else:
            operation = None

        fault = None
        try:
            if method not in ("GET", "HEAD") or operation is None:
                with self._lock:
                    self._stats["requests"] += 1
                raise _ApiError("UnknownOperationException", f"No operation matches {method} {raw_path}.")
            try:
                region = self._authenticate(handler, method, raw_path, raw_query, body)
            except _ApiError:
                with self._lock:
                    self._stats["requests"] += 1
                    self._stats[operation + "_requests"] += 1
                raise
            with self._lock:
                stats = self._stats
                stats["requests"] += 1
                stats[operation + "_requests"] += 1
                self._count("by_region", region)
                self._count("by_api", namespace)
                if self._schedules:
                    self._fire_schedules_locked()
                fault = self._take_fault_locked(region)
                delay = self._latency
                if delay and self._latency_remaining is not None:
                    if self._latency_remaining > 0:
                        self._latency_remaining -= 1
                    else:
                        delay = 0.0
                denied = region in self._deny
                dataset = self._dataset_locked(region)
                version, generation = self._version, self._generation
                repeat_token, empty_first_page = self._repeat_token, self._empty_first_page
                if fault:
                    self._count("faults_served", fault)
            if delay:
                time.sleep(delay)
            if denied:
                raise _ApiError("ForbiddenException",
                                f"The client is permanently forbidden from making the request in region {region}.")
            if fault in _FAULT_ERRORS:
                code, message = _FAULT_ERRORS[fault]
                raise _ApiError(code, message, fault=fault)
            query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
            if operation == "list":
                payload = self._list_body(query, namespace, dataset, version, generation, region,
                                          repeat_token, empty_first_page, fault)
            else:
                payload = self._get_body(route, dataset, fault)
            if fault == "malformed":
                payload = _MALFORMED_BODY
            elif fault == "truncated":
                payload = payload[:max(1, len(payload) // 2)]
        except _ApiError as error:
            # Counted before the response goes out, so a client that reads
            # stats() right after its response always sees its own request.
            with self._lock:
                self._count("by_status", str(error.status))
                self._count("by_error_code", error.code)
            self._send_error(handler, error)
            return error.status
        with self._lock:
            self._count("by_status", "200")
        self._send(handler, 200, payload, fault=fault)
        return 200

    def _take_fault_locked(self, region):
        if not self._faults:
            return None
        request_number = self._stats["requests"]
        chosen = None
        for fault in self._faults:
            if fault.remaining <= 0 or request_number <= fault.start_after:
                continue
            if fault.region is not None and fault.region != region:
                continue
            if chosen is None or FAULT_KINDS.index(fault.kind) < FAULT_KINDS.index(chosen.kind):
                chosen = fault
        if chosen is None:
            return None
        chosen.remaining -= 1
        if chosen.remaining == 0:
            self._faults.remove(chosen)
        return chosen.kind

    def _list_body(self, query, namespace, dataset, version, generation, region, repeat_token, empty_first_page,
                   fault):
        limit = MAX_RESULTS[namespace]
        raw_max = query.get("max-results", [None])[0]
        if raw_max is None:
            page_size = limit
        else:
            try:
                page_size = int(raw_max, 10)
            except ValueError:
                raise _ApiError("BadRequestException",
                                f"Invalid value {raw_max[:40]!r} for max-results: expected an integer from 1 to "
                                f"{limit}.") from None
            if page_size < 1:
                raise _ApiError("BadRequestException",
                                f"1 validation error detected: Value '{page_size}' at 'maxResults' failed to "
                                "satisfy constraint: Member must have value greater than or equal to 1")
            if page_size > limit:
                raise _ApiError("BadRequestException",
                                f"1 validation error detected: Value '{page_size}' at 'maxResults' failed to "
                                f"satisfy constraint: Member must have value less than or equal to {limit}")
        token = query.get("next-token", [None])[0]
        if token is None:
            if empty_first_page:
                first = self._make_token(generation, region, 0, page_size)
                return b'{"NextToken":"' + first.encode("ascii") + b'","PhoneNumberOrders":[]}'
            offset = 0
        else:
            offset = self._read_token(token, generation, region)
        if offset > len(dataset.orders):
            raise _ApiError("BadRequestException", "Invalid NextToken: it points past the end of the listing.")
        if fault == "missing_key":
            # The dangerous shape: a page with a valid NextToken but no orders key.
            end = offset + page_size
            if end < len(dataset.orders):
                return b'{"NextToken":"' + self._make_token(generation, region, end, page_size).encode("ascii") + b'"}'
            return b'{"NextToken":null}'
        body = self._page_body(dataset, version, generation, region, offset, page_size)
        if repeat_token and token is not None:
            # The service hands back the token it was given: a pagination loop.
            orders_part = body[body.index(b',"PhoneNumberOrders":'):]
            body = b'{"NextToken":"' + token.encode("ascii", "replace") + b'"' + orders_part
        return body

    def _get_body(self, route, dataset, fault):
        order_id = urllib.parse.unquote(route[len("/phone-number-orders/"):])
        if not order_id or "/" in order_id:
            raise _ApiError("BadRequestException", f"Invalid PhoneNumberOrderId {order_id[:80]!r}.")
        position = dataset.index.get(order_id)
        if position is None:
            raise _ApiError("NotFoundException", f"The phone number order {order_id[:80]!r} does not exist.")
        if fault == "missing_key":
            return b"{}"
        return b'{"PhoneNumberOrder":' + dataset.encoded(position) + b"}"

    # ---- control API -------------------------------------------------------

    def _control(self, handler, method, raw_path, body):
        with self._lock:
            self._stats["control_requests"] += 1
        action = raw_path[len("/_emulator/"):].strip("/")
        try:
            arguments = json.loads(body) if body.strip() else {}
            if not isinstance(arguments, dict):
                raise EmulatorConfigError("the request body must be a JSON object")
            if method == "GET" and action in ("stats", "health"):
                result = self.stats() if action == "stats" else {"ok": True, "api": self.api}
            elif method == "GET" and action == "orders":
                query = urllib.parse.parse_qs(handler.path.partition("?")[2])
                result = {"PhoneNumberOrders": self.orders(query.get("region", ["us-east-1"])[0])}
            elif method != "POST":
                return self._control_reply(handler, 405, {"error": f"use POST for /_emulator/{action}"})
            elif action == "inject":
                result = self.inject(**arguments)
            elif action == "clear-faults":
                result = self.clear_faults()
            elif action == "reset":
                result = self.reset()
            elif action == "orders":
                region = arguments.pop("region", None)
                result = self.set_orders(arguments, region=region)
            elif action == "generate":
                result = self.generate(**arguments)
            elif action == "schedule":
                result = self.schedule_status(**arguments)
            else:
                return self._control_reply(handler, 404, {"error": f"unknown control action {action!r}"})
        except (EmulatorConfigError, TypeError, ValueError) as exc:
            return self._control_reply(handler, 400, {"error": str(exc)})
        return self._control_reply(handler, 200, result)

    def _control_reply(self, handler, status, document):
        self._send(handler, status, json.dumps(document).encode("utf-8"))
        return status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChimeEmulator"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        emulator = self.server.emulator
        with emulator._lock:
            emulator._connections.add(self.request)
            emulator._stats["connections"] += 1

    def finish(self):
        emulator = self.server.emulator
        with emulator._lock:
            emulator._connections.discard(self.request)
        try:
            super().finish()
        except OSError:
            pass

    def _dispatch(self):
        try:
            self.server.emulator.handle(self, self.command)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        # Request lines are logged by the emulator itself when verbose; this
        # only carries http.server's own errors (bad request lines). Headers,
        # and so Authorization, are never logged.
        if self.server.emulator.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


class ChimeEmulatorClient:
    """Drive a separately started emulator (``--port 0`` in a subprocess)
    through its HTTP control API; same method names as :class:`ChimeEmulator`."""

    def __init__(self, url, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, action, document=None):
        data = None if document is None else json.dumps(document).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/_emulator/{action}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise EmulatorConfigError(f"emulator control {action} failed: {detail}") from None

    def inject(self, **faults):
        return self._call("POST", "inject", faults)

    def clear_faults(self):
        return self._call("POST", "clear-faults", {})

    def reset(self):
        return self._call("POST", "reset", {})

    def set_orders(self, orders, region=None):
        document = {"PhoneNumberOrders": orders} if isinstance(orders, list) else dict(orders)
        if region is not None:
            document["region"] = region
        return self._call("POST", "orders", document)

    def generate(self, n, seed=0, region=None, api=None):
        return self._call("POST", "generate", {"n": n, "seed": seed, "region": region, "api": api})

    def schedule_status(self, order_id, after_requests=0, order_status="Successful", number_status="Acquired",
                        updated_timestamp=None, counting="list"):
        return self._call("POST", "schedule", {
            "order_id": order_id, "after_requests": after_requests, "order_status": order_status,
            "number_status": number_status, "updated_timestamp": updated_timestamp, "counting": counting,
        })

    def stats(self):
        return self._call("GET", "stats")

    def orders(self, region="us-east-1"):
        return self._call("GET", f"orders?region={urllib.parse.quote(region)}")["PhoneNumberOrders"]


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

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
                "--verify-sigv4 needs keys: --credentials-file FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        token = os.environ.get("AWS_SESSION_TOKEN")
        credentials[access_key] = [secret_key, token] if token else secret_key
    return credentials


def build_parser():
    parser = argparse.ArgumentParser(
        description="Local Amazon Chime ListPhoneNumberOrders/GetPhoneNumberOrder emulator (see README.md).")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only unless --allow-non-loopback)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--allow-non-loopback", action="store_true",
                        help="allow binding an address other machines can reach")
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--data", metavar="FILE",
                      help='JSON: {"PhoneNumberOrders": [...]} and/or {"Regions": {"REGION": {"PhoneNumberOrders": [...]}}}')
    data.add_argument("--generate", type=int, default=0, metavar="N", help="serve N deterministic orders")
    parser.add_argument("--seed", type=int, default=0, help="seed for --generate")
    parser.add_argument("--api", choices=APIS, default=API_CHIME,
                        help="namespace for requests that do not name one (path prefix or User-Agent api/ token)")
    parser.add_argument("--verify-sigv4", action="store_true",
                        help="verify SigV4 signatures against --credentials-file or AWS_ACCESS_KEY_ID/SECRET env")
    parser.add_argument("--credentials-file", metavar="FILE", help='JSON {"ACCESS_KEY": "SECRET"} for --verify-sigv4')
    parser.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    faults = parser.add_argument_group("faults (counted per list/get request)")
    for kind, help_text in (
        ("throttle", "answer the next K requests with 429 ThrottledClientException"),
        ("fail-500", "answer the next K requests with 500 ServiceFailureException"),
        ("fail-503", "answer the next K requests with 503 ServiceUnavailableException"),
        ("malformed", "answer the next K requests with 200 and a non-JSON body"),
        ("truncated", "answer the next K requests with 200 and a cut-off JSON body"),
        ("missing-key", "answer the next K requests with 200 and no PhoneNumberOrders key"),
        ("forbidden", "answer the next K requests with 403 ForbiddenException"),
        ("unauthorized", "answer the next K requests with 401 UnauthorizedClientException"),
    ):
        faults.add_argument(f"--{kind}", type=int, default=0, metavar="K", help=help_text)
    faults.add_argument("--latency", type=float, default=None, metavar="SECONDS", help="delay every request")
    faults.add_argument("--repeat-token", action="store_true", help="hand back the NextToken the client sent")
    faults.add_argument("--empty-first-page", action="store_true", help="first page: no orders but a NextToken")
    faults.add_argument("--fault-region", default=None, metavar="REGION", help="counted faults only in this region")
    faults.add_argument("--fault-after", type=int, default=0, metavar="N", help="counted faults start after N requests")
    faults.add_argument("--deny-region", action="append", default=[], metavar="REGION",
                        help="answer requests signed for REGION with 403 ForbiddenException (repeatable)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        orders = load_data_file(args.data) if args.data else None
        credentials = _credentials_from_args(args) if args.verify_sigv4 else None
        faults = {
            "throttle": args.throttle, "fail_500": args.fail_500, "fail_503": args.fail_503,
            "malformed": args.malformed, "truncated": args.truncated, "missing_key": args.missing_key,
            "forbidden": args.forbidden, "unauthorized": args.unauthorized,
            "region": args.fault_region, "after_requests": args.fault_after,
        }
        if args.latency is not None:
            faults["latency"] = args.latency
        if args.repeat_token:
            faults["repeat_token"] = True
        if args.empty_first_page:
            faults["empty_first_page"] = True
        emulator = ChimeEmulator(
            orders=orders, generate=args.generate, seed=args.seed, host=args.host, port=args.port, api=args.api,
            credentials=credentials, deny_regions=args.deny_region, allow_non_loopback=args.allow_non_loopback,
            verbose=args.verbose, faults=faults)
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


if __name__ == "__main__":
    sys.exit(main())
