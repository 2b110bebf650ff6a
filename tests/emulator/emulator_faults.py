# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection for the Chime emulator: what goes wrong, for which requests, how often.

``FaultPlan`` holds the pending faults; the emulator asks it, under its lock, what the current
request gets. It never touches a socket or the data.
"""

from __future__ import annotations

import re

from emulator_data import EmulatorConfigError
from emulator_protocol import LIST_OPERATIONS
from emulator_protocol import OPERATIONS

# Faults that are consumed one per request. The tuple order is the precedence
# when several kinds are pending at once: a request takes the first pending
# kind in this order, so inject(throttle=2, fail_500=2) gives 429, 429, 500, 500.
FAULT_KINDS = (
    "unauthorized",
    "forbidden",
    "throttle",
    "fail_500",
    "fail_503",
    "http_error",
    "malformed",
    "truncated",
    "missing_key",
    "empty_string_token",
)
_PRECEDENCE = {kind: position for position, kind in enumerate(FAULT_KINDS)}

# Error faults: (code, message); http_error brings its own.
FAULT_ERRORS = {
    "unauthorized": ("UnauthorizedClientException", "The client is not currently authorized to make the request."),
    "forbidden": ("ForbiddenException", "The client is permanently forbidden from making the request."),
    "throttle": ("ThrottledClientException", "The client exceeded its request rate limit."),
    "fail_500": ("ServiceFailureException", "The service encountered an unexpected error."),
    "fail_503": ("ServiceUnavailableException", "The service is currently unavailable."),
}
# A page with "NextToken": "" only makes sense for a listing; a get request never takes it.
LIST_ONLY_KINDS = frozenset(("empty_string_token",))

# What a misbehaving proxy or load balancer in front of the service would send.
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"

# An error code goes into the x-amzn-ErrorType header: keep it to header-safe characters.
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.:#-]{1,128}$")


class CountedFault:
    """K requests' worth of one fault kind, limited to a region, operations and an account."""

    __slots__ = ("kind", "remaining", "start_after", "region", "operations", "account", "status", "code", "message")

    def __init__(self, kind, remaining, start_after, region, operations, account, status=None, code=None, message=None):
        self.kind = kind
        self.remaining = remaining
        self.start_after = start_after
        self.region = region
        self.operations = operations
        self.account = account
        self.status = status
        self.code = code
        self.message = message

    def matches(self, request_number, operation, region, access_key):
        return (
            self.remaining > 0
            and request_number > self.start_after
            and (self.region is None or self.region == region)
            and (self.operations is None or operation in self.operations)
            and (self.account is None or self.account == access_key)
            and (self.kind not in LIST_ONLY_KINDS or operation in LIST_OPERATIONS)
        )

    def error(self):
        """(status, code, message) of an error fault, None for a body fault."""
        if self.kind == "http_error":
            return self.status, self.code, self.message
        if self.kind in FAULT_ERRORS:
            code, message = FAULT_ERRORS[self.kind]
            return None, code, message
        return None


def _count(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EmulatorConfigError(f"fault {name} must be a non-negative integer, got {value!r}")
    return value


def check_operations(value, name="operations"):
    """None (every operation) or a frozenset of known operation names; a single name is allowed."""
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple, set, frozenset)):
        raise EmulatorConfigError(f"{name} must be a list of operation names, got {value!r}")
    unknown = [operation for operation in names if operation not in OPERATIONS]
    if unknown:
        raise EmulatorConfigError(f"{name}: unknown operation {unknown[0]!r}; expected some of {', '.join(OPERATIONS)}")
    return frozenset(names)


def _http_errors(value):
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    checked = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise EmulatorConfigError(
                f"http_error must be an object like {{'status': 502, 'code': 'X'}}, got {entry!r}"
            )
        unknown = set(entry) - {"status", "code", "count", "message"}
        if unknown:
            raise EmulatorConfigError(f"http_error: unknown key {sorted(unknown)[0]!r}")
        status, code = entry.get("status"), entry.get("code")
        count = entry.get("count", 1)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise EmulatorConfigError(f"http_error status must be an HTTP error status (400-599), got {status!r}")
        if not isinstance(code, str) or not _ERROR_CODE.match(code):
            raise EmulatorConfigError(f"http_error code must be a word such as 'SomethingNew', got {code!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise EmulatorConfigError(f"http_error count must be a positive integer, got {count!r}")
        message = entry.get("message", f"Injected HTTP {status} {code}.")
        if not isinstance(message, str):
            raise EmulatorConfigError(f"http_error message must be a string, got {message!r}")
        checked.append((status, code, count, message))
    return checked


class FaultPlan:
    """Pending faults, switches and denials. The caller holds the emulator's lock."""

    def __init__(self):
        self.counted = []
        self.latency = 0.0
        self.latency_remaining = None
        self.latency_operations = None
        self.repeat_token = False
        self.repeat_token_operations = None
        self.empty_first_page = False
        self.empty_first_page_operations = None
        self.deny_regions = set()
        self.deny_operations = frozenset()

    def add(
        self,
        request_count,
        throttle=0,
        fail_500=0,
        fail_503=0,
        latency=None,
        latency_requests=None,
        repeat_token=None,
        empty_first_page=None,
        malformed=0,
        truncated=0,
        missing_key=0,
        forbidden=0,
        unauthorized=0,
        region=None,
        after_requests=0,
        deny_regions=None,
        http_error=None,
        empty_string_token=0,
        operations=None,
        account=None,
        deny_operations=None,
    ):
        """See ChimeEmulator.inject. Validates everything before changing anything."""
        counted = {
            "unauthorized": _count("unauthorized", unauthorized),
            "forbidden": _count("forbidden", forbidden),
            "throttle": _count("throttle", throttle),
            "fail_500": _count("fail_500", fail_500),
            "fail_503": _count("fail_503", fail_503),
            "malformed": _count("malformed", malformed),
            "truncated": _count("truncated", truncated),
            "missing_key": _count("missing_key", missing_key),
            "empty_string_token": _count("empty_string_token", empty_string_token),
        }
        http_errors = _http_errors(http_error)
        if not isinstance(after_requests, int) or isinstance(after_requests, bool) or after_requests < 0:
            raise EmulatorConfigError(f"after_requests must be a non-negative integer, got {after_requests!r}")
        if latency is not None and (not isinstance(latency, (int, float)) or isinstance(latency, bool) or latency < 0):
            raise EmulatorConfigError(f"latency must be a non-negative number of seconds, got {latency!r}")
        if latency_requests is not None and (not isinstance(latency_requests, int) or latency_requests < 0):
            raise EmulatorConfigError(f"latency_requests must be a non-negative integer, got {latency_requests!r}")
        scope = check_operations(operations)
        denied_operations = check_operations(deny_operations, "deny_operations")
        if region is not None and not isinstance(region, str):
            raise EmulatorConfigError(f"region must be a region name, got {region!r}")
        if account is not None and not isinstance(account, str):
            raise EmulatorConfigError(f"account must be an access key id, got {account!r}")

        start_after = request_count + after_requests
        for kind in FAULT_KINDS:
            if counted.get(kind):
                self.counted.append(CountedFault(kind, counted[kind], start_after, region, scope, account))
        for status, code, count, message in http_errors:
            self.counted.append(
                CountedFault(
                    "http_error", count, start_after, region, scope, account, status=status, code=code, message=message
                )
            )
        if latency is not None:
            self.latency = float(latency)
            self.latency_remaining = latency_requests
            self.latency_operations = scope
        if repeat_token is not None:
            self.repeat_token = bool(repeat_token)
            self.repeat_token_operations = scope
        if empty_first_page is not None:
            self.empty_first_page = bool(empty_first_page)
            self.empty_first_page_operations = scope
        if deny_regions is not None:
            self.deny_regions = set(deny_regions)
        if denied_operations is not None:
            self.deny_operations = denied_operations

    def denial(self, operation, region):
        """The 403 message for a denied request, else None."""
        if region in self.deny_regions:
            return f"The client is permanently forbidden from making the request in region {region}."
        if operation in self.deny_operations:
            return f"The client is permanently forbidden from calling {operation}."
        return None

    def take(self, request_number, operation, region, access_key):
        """Consume and return the counted fault this request gets, or None."""
        chosen = None
        for fault in self.counted:
            if not fault.matches(request_number, operation, region, access_key):
                continue
            if chosen is None or _PRECEDENCE[fault.kind] < _PRECEDENCE[chosen.kind]:
                chosen = fault
        if chosen is None:
            return None
        chosen.remaining -= 1
        if chosen.remaining == 0:
            self.counted.remove(chosen)
        return chosen

    def latency_for(self, operation):
        if not self.latency or (self.latency_operations is not None and operation not in self.latency_operations):
            return 0.0
        if self.latency_remaining is None:
            return self.latency
        if self.latency_remaining > 0:
            self.latency_remaining -= 1
            return self.latency
        return 0.0

    def repeats_token(self, operation):
        return (
            self.repeat_token
            and operation in LIST_OPERATIONS
            and (self.repeat_token_operations is None or operation in self.repeat_token_operations)
        )

    def empties_first_page(self, operation):
        return (
            self.empty_first_page
            and operation in LIST_OPERATIONS
            and (self.empty_first_page_operations is None or operation in self.empty_first_page_operations)
        )

    def snapshot(self):
        pending = {kind: 0 for kind in FAULT_KINDS}
        for fault in self.counted:
            pending[fault.kind] += fault.remaining
        return {
            "pending": pending,
            "latency": self.latency,
            "latency_requests": self.latency_remaining,
            "repeat_token": self.repeat_token,
            "empty_first_page": self.empty_first_page,
            "deny_regions": sorted(self.deny_regions),
            "deny_operations": sorted(self.deny_operations),
        }
