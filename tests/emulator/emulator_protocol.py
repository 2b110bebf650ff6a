# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire protocol of the Chime emulator: routing, rest-json bodies, errors, pagination tokens.

Everything here is what a client can observe on the wire and nothing depends on the emulator's
state: which namespace and operation a request is for, how its query is validated, how an
error, a page or a NextToken is written, and how bytes go out on the socket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http
import json
import os
import time
import urllib.parse
import uuid

from emulator_data import API_CHIME
from emulator_data import API_CHIME_SDK_VOICE
from emulator_data import APIS
from emulator_data import ASSOCIATION_NAMES
from emulator_data import NUMBER_STATUSES
from emulator_data import PRODUCT_TYPES

LIST_ORDERS = "ListPhoneNumberOrders"
GET_ORDER = "GetPhoneNumberOrder"
LIST_NUMBERS = "ListPhoneNumbers"
GET_NUMBER = "GetPhoneNumber"
OPERATIONS = (LIST_ORDERS, GET_ORDER, LIST_NUMBERS, GET_NUMBER)
LIST_OPERATIONS = frozenset((LIST_ORDERS, LIST_NUMBERS))

# resource path -> (list operation, get operation, name of the id in messages)
_RESOURCES = {
    "phone-number-orders": (LIST_ORDERS, GET_ORDER, "PhoneNumberOrderId"),
    "phone-numbers": (LIST_NUMBERS, GET_NUMBER, "PhoneNumberId"),
}
# The member holding a list page's items, and a get answer's item.
LIST_KEYS = {LIST_ORDERS: "PhoneNumberOrders", LIST_NUMBERS: "PhoneNumbers"}
GET_KEYS = {GET_ORDER: "PhoneNumberOrder", GET_NUMBER: "PhoneNumber"}

# MaxResults range from the service models (botocore: chime ResultMax 1..99,
# chime-sdk-voice ResultMax 1..100), the same for orders and numbers. A request
# without max-results gets the maximum, which is what the service does.
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

# The operations' modeled errors (botocore's error shapes). The exception name travels in
# x-amzn-ErrorType, which is what botocore reports as Error.Code. The legacy model gives the
# shapes a Code member (its ErrorCode enum) and a Message; the chime-sdk-voice model gives them
# no members at all, so that namespace sends only Message, which every rest-json client reads
# as protocol, not as a member. Errors from AWS's front end (signature, unknown key or
# operation, oversized body) and caller-chosen codes are not modeled and carry only
# {"message": ...}.
MODELED_ERROR_CODES = {
    "BadRequestException": "BadRequest",
    "ForbiddenException": "Forbidden",
    "NotFoundException": "NotFound",
    "ServiceFailureException": "ServiceFailure",
    "ServiceUnavailableException": "ServiceUnavailable",
    "ThrottledClientException": "Throttled",
    "UnauthorizedClientException": "Unauthorized",
}

# Control bodies can carry 100,000 orders (about 40 MB of JSON); anything far beyond is a
# mistake or an attack, and is refused before it is read.
MAX_BODY_BYTES = 256 * 1024 * 1024

_TOKEN_MAC_BYTES = 16


class ApiError(Exception):
    """An error answered in the service's error format."""

    def __init__(self, code, message, fault=None, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_STATUS[code]
        self.fault = fault


class FramingError(Exception):
    """A request whose body length cannot be trusted; answered, then the connection is closed."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(error, namespace):
    modeled = MODELED_ERROR_CODES.get(error.code)
    if modeled is None:
        document = {"message": error.message}
    elif namespace == API_CHIME:
        document = {"Code": modeled, "Message": error.message}
    else:
        document = {"Message": error.message}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- framing


def request_body_length(headers):
    """The request's Content-Length as an int; FramingError for anything else.

    Only plain digits are accepted: a sign, a non-number, or several different values would
    make the body's end (and so the next request on a keep-alive connection) ambiguous.
    """
    if headers.get("Transfer-Encoding") is not None:
        raise FramingError(400, "Transfer-Encoding is not supported; send a Content-Length")
    values = headers.get_all("Content-Length") or []
    if not values:
        return 0
    stripped = {value.strip() for value in values}
    if len(stripped) != 1:
        raise FramingError(400, "conflicting Content-Length headers")
    value = stripped.pop()
    if not value.isascii() or not value.isdigit():
        raise FramingError(400, f"invalid Content-Length {value[:40]!r}: expected a non-negative integer")
    length = int(value)
    if length > MAX_BODY_BYTES:
        raise FramingError(413, f"request body of {length} bytes is larger than {MAX_BODY_BYTES}")
    return length


# --------------------------------------------------------------------------- routing


def namespace_from_user_agent(user_agent):
    # SDKs with the "ua/2.x" user agent name the service as api/<service-id>#<version>
    # (the AWS SDK for JavaScript v3 does). botocore 1.44 and the AWS CLI v1 do
    # not, so for them the path prefix or the emulator's default decides.
    for token in user_agent.split():
        if token.startswith("api/"):
            name = token[4:].partition("#")[0].lower().replace("_", "-").replace(" ", "-")
            if name in APIS:
                return name
    return None


class Route:
    """What a request path asks for. ``operation`` is None for a path no operation serves."""

    __slots__ = ("namespace", "operation", "resource_id", "id_name")

    def __init__(self, namespace, operation=None, resource_id=None, id_name=None):
        self.namespace = namespace
        self.operation = operation
        self.resource_id = resource_id
        self.id_name = id_name


def route_request(raw_path, user_agent, default_api):
    """Namespace from the path prefix (/chime, /chime-sdk-voice), else the User-Agent's api/
    token, else ``default_api``; then the operation from the rest of the path."""
    namespace = None
    path = raw_path
    for prefix in APIS:
        if path.startswith(f"/{prefix}/"):
            namespace, path = prefix, path[len(prefix) + 1 :]
            break
    if namespace is None:
        namespace = namespace_from_user_agent(user_agent) or default_api
    resource, slash, rest = path[1:].partition("/")
    if not path.startswith("/") or resource not in _RESOURCES:
        return Route(namespace)
    list_operation, get_operation, id_name = _RESOURCES[resource]
    if not slash:
        return Route(namespace, list_operation)
    return Route(namespace, get_operation, urllib.parse.unquote(rest), id_name)


def check_resource_id(route):
    if not route.resource_id or "/" in route.resource_id:
        raise ApiError("BadRequestException", f"Invalid {route.id_name} {route.resource_id[:80]!r}.")
    return route.resource_id


# --------------------------------------------------------------------------- query parameters


def _enum_error(value, member, allowed):
    return ApiError(
        "BadRequestException",
        f"1 validation error detected: Value '{value[:80]}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
    )


def page_size(query, namespace):
    limit = MAX_RESULTS[namespace]
    raw_max = query.get("max-results", [None])[0]
    if raw_max is None:
        return limit
    try:
        size = int(raw_max, 10)
    except ValueError:
        raise ApiError(
            "BadRequestException",
            f"Invalid value {raw_max[:40]!r} for max-results: expected an integer from 1 to {limit}.",
        ) from None
    if size < 1:
        raise ApiError(
            "BadRequestException",
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1",
        )
    if size > limit:
        raise ApiError(
            "BadRequestException",
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value less than or equal to {limit}",
        )
    return size


def number_filters(query, namespace):
    """ListPhoneNumbers' filters as (status, product_type, filter_name, filter_value), checked
    against the namespace's enums (a value outside them is a 400, not an empty page)."""
    status = query.get("status", [None])[0]
    product_type = query.get("product-type", [None])[0]
    filter_name = query.get("filter-name", [None])[0]
    filter_value = query.get("filter-value", [None])[0]
    if status is not None and status not in NUMBER_STATUSES[namespace]:
        raise _enum_error(status, "status", NUMBER_STATUSES[namespace])
    if product_type is not None and product_type not in PRODUCT_TYPES[namespace]:
        raise _enum_error(product_type, "productType", PRODUCT_TYPES[namespace])
    if filter_name is not None and filter_name not in ASSOCIATION_NAMES[namespace]:
        raise _enum_error(filter_name, "filterName", ASSOCIATION_NAMES[namespace])
    if (filter_name is None) != (filter_value is None):
        raise ApiError("BadRequestException", "filter-name and filter-value must be given together.")
    return (status, product_type, filter_name, filter_value)


# --------------------------------------------------------------------------- pagination tokens


class PageTokens:
    """Opaque NextTokens: an HMAC-signed offset with a per-process random key.

    A token is bound to a generation of the data (new data expire it) and to a binding: the
    operation, account, region and filters it was issued for, so it cannot be replayed in
    another listing. The binding is stored as a digest: a token never shows the access key.
    """

    def __init__(self):
        self._key = os.urandom(32)

    @staticmethod
    def _binding_digest(binding):
        return hashlib.sha256(binding.encode("utf-8")).hexdigest()[:16]

    def issue(self, generation, binding, offset, size):
        payload = f"v2|{generation}|{self._binding_digest(binding)}|{offset}|{size}".encode("utf-8")
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]
        return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def read(self, token, generation, binding, what):
        """The offset a token points at; ApiError 400 when forged, foreign or expired."""
        invalid = ApiError(
            "BadRequestException",
            f"Invalid NextToken {token[:80]!r}: it was not issued by this service or was modified.",
        )
        if not token or len(token) > 1024:
            raise invalid
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        payload, mac = raw[:-_TOKEN_MAC_BYTES], raw[-_TOKEN_MAC_BYTES:]
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]
        if len(raw) <= _TOKEN_MAC_BYTES or not hmac.compare_digest(mac, expected):
            raise invalid
        version, token_generation, digest, offset, _size = payload.decode("utf-8").split("|")
        if version != "v2" or digest != self._binding_digest(binding):
            raise invalid
        if int(token_generation) != generation:
            raise ApiError(
                "BadRequestException", f"Expired NextToken: the {what} changed since it was issued; start again."
            )
        return int(offset)


def list_page(list_key, next_token, items):
    """A list page with the service's key order and compact separators (so the documented
    sample response comes back byte for byte). ``next_token`` None writes ``null``."""
    token_json = b"null" if next_token is None else json.dumps(next_token).encode("ascii")
    return b"".join([b'{"NextToken":', token_json, b',"', list_key.encode("ascii"), b'":[', b",".join(items), b"]}"])


def with_next_token(body, list_key, next_token):
    """``body`` (a list page) with its NextToken replaced (None drops the items member too)."""
    marker = b',"' + list_key.encode("ascii") + b'":'
    token_json = json.dumps(next_token).encode("ascii", "replace")
    return b'{"NextToken":' + token_json + body[body.index(marker) :]


# --------------------------------------------------------------------------- responses


def _reason(status):
    try:
        return http.HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b"Unknown"


class ResponseWriter:
    """Writes responses in one send (status line, headers and body joined): separate header
    and body sends stall keep-alive clients ~40 ms per response (Nagle + delayed ACK)."""

    def __init__(self, verbose, log_stream):
        self.verbose = verbose
        self.log_stream = log_stream
        self._date_cache = (0, b"")

    def _http_date(self):
        now = int(time.time())
        cached_at, value = self._date_cache
        if cached_at != now:
            value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)).encode("ascii")
            self._date_cache = (now, value)
        return value

    def send(self, handler, status, body, error_code=None, fault=None, content_type=b"application/json"):
        head = [
            b"HTTP/1.1 %d %s\r\n" % (status, _reason(status)),
            b"x-amzn-RequestId: ",
            str(uuid.uuid4()).encode("ascii"),
            b"\r\n",
            b"Content-Type: ",
            content_type,
            b"\r\n",
            b"Content-Length: %d\r\n" % len(body),
            b"Date: ",
            self._http_date(),
            b"\r\n",
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
            # Never headers: Authorization and session tokens stay out of the log.
            self.log_stream.write(
                f"{handler.command} {handler.path} -> {status}"
                f"{' ' + error_code if error_code else ''}{' fault=' + fault if fault else ''}\n"
            )
            self.log_stream.flush()
        handler.wfile.write(b"".join(head) + body)

    def send_error(self, handler, error, namespace):
        self.send(handler, error.status, error_body(error, namespace), error_code=error.code, fault=error.fault)
        return error.status
