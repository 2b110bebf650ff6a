# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API layer: the only code in the collection that calls Amazon Chime.

One listing loop (``iter_pages``) walks both paginated list operations, ``ListPhoneNumberOrders``
(the order history) and ``ListPhoneNumbers`` (the account's numbers now), for the module, the
inventory plugin and the role. It owns page size, retries, pagination-loop detection and response
validation, and turns every failure into a typed ``ChimeApiError`` whose message is safe to print
(no URL user info, no signing material). ``list_account`` runs the two listings concurrently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import random
import threading
import time

try:
    import botocore.config
    import botocore.exceptions
    import botocore.parsers
    import botocore.session
except ImportError:
    pass  # Handled by AnsibleAWSModule / the inventory plugin's boto3 checks.

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit

from ansible_collections.voiceops.chime.plugins.module_utils.kinds import describe_value
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api
from ansible_collections.voiceops.chime.plugins.module_utils.redact import redact_text

API_CHOICES = ("chime", "chime_sdk_voice")
# Amazon Chime SDK Voice: the namespace AWS develops. The legacy Amazon Chime service reached end of
# support on 2026-02-20 (its API reference says so, and botocore's model says "Most of these APIs are
# no longer supported and will not be updated"); only SDK Voice gets new voice APIs.
DEFAULT_API = "chime_sdk_voice"
LEGACY_API_WARNING = (
    "api=chime calls the legacy Amazon Chime namespace: AWS ended support for the Amazon Chime service on "
    "2026-02-20 and gives new or updated voice APIs only to Amazon Chime SDK Voice. Use api=chime_sdk_voice "
    "(the default) with the region your numbers are in; see the collection's migration guide."
)
BOTO3_SERVICE = {"chime": "chime", "chime_sdk_voice": "chime-sdk-voice"}
MAX_PAGE_SIZE = {"chime": 99, "chime_sdk_voice": 100}
# The legacy chime namespace has a single global endpoint in us-east-1.
LEGACY_REGION = "us-east-1"

LIST_ACTION = "chime:ListPhoneNumberOrders"
GET_ACTION = "chime:GetPhoneNumberOrder"
LIST_NUMBERS_ACTION = "chime:ListPhoneNumbers"

# Chime answers throttling with HTTP 429 ThrottledClientException, which neither amazon.aws's
# AWSRetry defaults nor botocore's standard/adaptive modes retry; 500/503 are its server faults.
RETRYABLE_ERROR_CODES = frozenset(
    (
        "ThrottledClientException",
        "ServiceFailureException",
        "ServiceUnavailableException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "InternalServerError",
    )
)
RETRYABLE_HTTP_STATUS = frozenset((429, 500, 502, 503, 504))
ACCESS_DENIED_HTTP_STATUS = frozenset((401, 403))

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_DELAY = 0.5
DEFAULT_RETRY_MAX_DELAY = 10.0
# Bounds of the retry options (documented with the options): enough for any real throttling, and
# small enough that a typo (1e9) cannot make a task sleep for years or a NaN crash time.sleep.
MAX_MAX_ATTEMPTS = 100
MAX_RETRY_DELAY = 600.0


class ChimeApiError(Exception):
    """Base error of the API layer. ``message`` never contains credentials."""

    def __init__(self, message, code=None, http_status=None, action=None, attempts=None):
        # Every message passes here: whatever botocore put in an exception (it repeats the
        # endpoint URL, user info included), no URL credentials leave the API layer.
        message = redact_text(message)
        super(ChimeApiError, self).__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.action = action
        self.attempts = attempts

    def as_dict(self):
        """Fields for fail_json: machine-readable, snake_case, no secrets."""
        return dict(error_code=self.code, http_status=self.http_status, iam_action=self.action, attempts=self.attempts)


class InvalidOptionError(ChimeApiError):
    """A bad option value, detected before any call."""


class ChimeAccessDeniedError(ChimeApiError):
    """401/403: credentials missing, wrong or lacking the IAM action. Never retried."""


class ChimeRequestError(ChimeApiError):
    """A 4xx the service will answer the same way again (for example a rejected NextToken)."""


class ChimeRetriesExhaustedError(ChimeApiError):
    """A retryable fault (throttling, 5xx, timeout, malformed page) outlasted the retry budget."""


class ChimeConnectionError(ChimeApiError):
    """The endpoint could not be reached or stopped answering."""


class PaginationLoopError(ChimeApiError):
    """The service returned a NextToken it had already returned: the listing would never end."""


class MalformedResponseError(ChimeApiError):
    """A page that is not the documented response shape."""


class OrderNotFoundError(ChimeApiError):
    """GetPhoneNumberOrder: the order id does not exist."""


class ListingCancelled(ChimeApiError):
    """A concurrent listing stopped because its sibling failed (never reaches a user)."""


class RetryPolicy:
    """Full-jitter exponential backoff: attempt n waits random(0, min(max_delay, base * 2**n))."""

    def __init__(
        self,
        max_attempts=DEFAULT_MAX_ATTEMPTS,
        base_delay=DEFAULT_RETRY_BASE_DELAY,
        max_delay=DEFAULT_RETRY_MAX_DELAY,
        sleep=time.sleep,
        jitter=random.random,
    ):
        if (
            not isinstance(max_attempts, int)
            or isinstance(max_attempts, bool)
            or not 1 <= max_attempts <= MAX_MAX_ATTEMPTS
        ):
            raise InvalidOptionError(
                "max_attempts must be an integer from 1 to {0}, got {1!r}".format(MAX_MAX_ATTEMPTS, max_attempts)
            )
        for name, value in (("retry_base_delay", base_delay), ("retry_max_delay", max_delay)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or not 0 <= value <= MAX_RETRY_DELAY
            ):
                raise InvalidOptionError(
                    "{0} must be a number of seconds from 0 to {1:g}, got {2!r}".format(name, MAX_RETRY_DELAY, value)
                )
        self.max_attempts = max_attempts
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self._sleep = sleep
        self._jitter = jitter

    def cap(self, retry_number):
        """The longest wait before retry ``retry_number`` (0 for the first retry)."""
        # 2 ** 1100 does not fit in a float: past 2 ** 64 the cap is max_delay anyway.
        return min(self.max_delay, self.base_delay * (2 ** min(retry_number, 64)))

    def delay(self, retry_number):
        return self._jitter() * self.cap(retry_number)

    def max_total_wait(self):
        """Upper bound on the time spent sleeping for one call (documented, and tested)."""
        return sum(self.cap(n) for n in range(self.max_attempts - 1))

    def sleep(self, retry_number):
        self._sleep(self.delay(retry_number))


def validate_api(api):
    if api not in API_CHOICES:
        raise InvalidOptionError("api must be one of {0}, got {1!r}".format(", ".join(API_CHOICES), api))
    return api


def validate_page_size(api, page_size):
    """Return the MaxResults to send: the API's maximum when unset (fewest round trips).

    ListPhoneNumberOrders and ListPhoneNumbers share the limits (1-99 for chime, 1-100 for
    chime-sdk-voice), so one page size serves both listings.
    """
    validate_api(api)
    maximum = MAX_PAGE_SIZE[api]
    if page_size is None:
        return maximum
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= maximum:
        raise InvalidOptionError(
            "page_size must be an integer from 1 to {0} for api={1}, got {2!r}".format(maximum, api, page_size),
            code="InvalidParameterValue",
        )
    return page_size


def validate_endpoint_url(endpoint_url):
    """Check an endpoint URL before any call; a bad one fails at once instead of after retries.

    Returns the URL. The error names the URL without its user info.
    """
    if endpoint_url is None or endpoint_url == "":
        return endpoint_url
    if not isinstance(endpoint_url, str):
        raise InvalidOptionError("endpoint_url must be a string, got {0}".format(describe_value(endpoint_url)))
    try:
        parts = urlsplit(endpoint_url)
        port = parts.port  # raises ValueError for a port out of range or not a number
        problem = None
        if parts.scheme not in ("http", "https"):
            problem = "the scheme must be http or https"
        elif not parts.hostname:
            problem = "it has no host"
        elif port == 0:
            problem = "port 0 is not a port a service listens on"
    except ValueError as error:
        problem = str(error)
    if problem:
        raise InvalidOptionError(
            "endpoint_url {0!r} is not a usable URL: {1}".format(redact_text(endpoint_url), redact_text(problem)),
            code="InvalidEndpoint",
        )
    return endpoint_url


def endpoint_secrets(endpoint_url):
    """The user info of an endpoint URL (user name and password), for no_log registration."""
    if not isinstance(endpoint_url, str) or "@" not in endpoint_url:
        return []
    try:
        parts = urlsplit(endpoint_url)
    except ValueError:
        return []
    return [value for value in (parts.password, parts.username) if value]


_SDK_VOICE_REGIONS = []


def chime_sdk_voice_regions():
    """Every region, in any partition, for which botocore knows a chime-sdk-voice endpoint."""
    if not _SDK_VOICE_REGIONS:
        session = botocore.session.get_session()
        regions = set()
        for partition in session.get_available_partitions():
            regions.update(session.get_available_regions(BOTO3_SERVICE["chime_sdk_voice"], partition_name=partition))
        _SDK_VOICE_REGIONS.extend(sorted(regions))
    return list(_SDK_VOICE_REGIONS)


def connection_region(api, region, known_regions=None):
    """The region to sign for: fixed for the legacy namespace; for chime-sdk-voice, ``region``, which
    must be one botocore knows an endpoint for. Fails before any call, saying how to fix it."""
    validate_api(api)
    if api == "chime":
        return LEGACY_REGION
    if not region:
        raise InvalidOptionError(
            "api=chime_sdk_voice is regional and no region is set: set the region option, the AWS_REGION or "
            "AWS_DEFAULT_REGION environment variable, or region in the AWS profile (for example us-east-1)",
            code="NoRegion",
        )
    known = chime_sdk_voice_regions() if known_regions is None else known_regions
    if region not in known:
        raise InvalidOptionError(
            "region {0!r} has no Amazon Chime SDK Voice endpoint; use one of: {1}".format(region, ", ".join(known)),
            code="UnknownRegion",
        )
    return region


def client_config():
    """botocore Config for our clients: botocore's own retries off, ours on.

    Our loop retries what Chime actually returns (429 included) with a budget the caller
    controls. A user's ``aws_config`` is merged over this and may re-enable botocore retries.
    """
    return botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _keep_timestamp_text(value):
    return value


# Successful responses of these output shapes are the service's JSON as sent (see
# _PagesParser); their members are all plain JSON, with no header-bound fields.
_PASS_THROUGH_SHAPES = frozenset(
    (
        "ListPhoneNumberOrdersResponse",
        "GetPhoneNumberOrderResponse",
        "ListPhoneNumbersResponse",
        "GetPhoneNumberResponse",
    )
)


class _PagesParser:
    """Front for botocore's rest-json parser that returns our pages as the service sent them.

    botocore walks every value of a page through the service model (about 40 function calls
    per order); for these operations that walk only re-creates the JSON it started from,
    and it was most of the time of a large listing. A 200 response of those shapes whose body
    is a JSON object is returned as decoded, with the ResponseMetadata botocore would add.
    Everything else (errors, other operations, a body that is not a JSON object) goes to
    botocore's parser unchanged. The page's shape is checked by the validators below.

    Any exception while parsing becomes MalformedResponseError here, so that the retry loop can
    tell "the service sent something broken" (retried) from a local error such as a bad
    endpoint, which happens before any response exists and must not be retried as a bad page.
    """

    def __init__(self, parser):
        self._parser = parser

    def parse(self, response, shape):
        try:
            return self._parse(response, shape)
        except MalformedResponseError:
            raise
        except Exception as error:  # pylint: disable=broad-except
            # botocore's parser assumes the documented shape: a JSON page such as
            # {"PhoneNumberOrders": [1]} makes it fail with a plain AttributeError/TypeError.
            raise MalformedResponseError(
                "unparseable response: {0}".format(type(error).__name__), code="MalformedResponse"
            )

    def _parse(self, response, shape):
        if response.get("status_code") == 200 and getattr(shape, "name", None) in _PASS_THROUGH_SHAPES:
            try:
                parsed = json.loads(response["body"])
            except ValueError:  # includes UnicodeDecodeError
                parsed = None
            if isinstance(parsed, dict):
                headers = response.get("headers") or {}
                metadata = {
                    "HTTPStatusCode": 200,
                    "HTTPHeaders": dict((str(key).lower(), value) for key, value in headers.items()),
                }
                request_id = metadata["HTTPHeaders"].get("x-amzn-requestid")
                if request_id:
                    metadata["RequestId"] = request_id
                parsed["ResponseMetadata"] = metadata
                return parsed
        return self._parser.parse(response, shape)

    def __getattr__(self, name):
        return getattr(self._parser, name)


class _PagesParserFactory:
    """A response parser factory for one client (see keep_timestamps_as_text)."""

    def __init__(self, defaults):
        self._factory = botocore.parsers.ResponseParserFactory()
        self._factory.set_parser_defaults(**defaults)

    def set_parser_defaults(self, **kwargs):
        self._factory.set_parser_defaults(**kwargs)

    def create_parser(self, protocol_name):
        return _PagesParser(self._factory.create_parser(protocol_name))


def keep_timestamps_as_text(client):
    """Make the client return page values, timestamps included, as the exact text the service sent.

    botocore otherwise parses every timestamp with dateutil and walks every value through the
    service model, which together are most of the cost of a large listing, and we would format
    the datetimes back into (different) strings anyway. Pages are passed through as decoded JSON
    (see _PagesParser); any other response keeps botocore's parser, with timestamps left as text.
    The factory is a component of the botocore session, shared by every client that session
    makes, so this client gets its own instead of changing the shared one (another client of
    the same session, for example in the inventory plugin's caller, keeps botocore's datetimes).
    Returns the client; ``client_keeps_timestamps_as_text(client)`` tells whether it took effect.
    """
    endpoint = getattr(client, "_endpoint", None)
    factory = getattr(endpoint, "_response_parser_factory", None)
    if factory is None or not hasattr(factory, "create_parser"):
        return client
    defaults = dict(getattr(factory, "_defaults", None) or {})
    defaults["timestamp_parser"] = _keep_timestamp_text
    endpoint._response_parser_factory = _PagesParserFactory(defaults)
    return client


def client_keeps_timestamps_as_text(client):
    """True when keep_timestamps_as_text() is in effect for ``client`` (for tests and diagnostics)."""
    endpoint = getattr(client, "_endpoint", None)
    return isinstance(getattr(endpoint, "_response_parser_factory", None), _PagesParserFactory)


def create_client(module, api, known_regions=None):
    """Create the boto3 client for ``api`` from an AnsibleAWSModule's (or the inventory plugin's)
    connection options. Region and endpoint are checked first: nothing is sent for a bad one."""
    region = connection_region(api, module.region, known_regions)
    validate_endpoint_url(getattr(module, "endpoint_url", None))
    try:
        client = module.client(BOTO3_SERVICE[api], region=region, config=client_config())
    except ChimeApiError:
        raise
    except Exception as error:  # pylint: disable=broad-except
        # amazon.aws fails the module itself for most problems; anything that still escapes (a
        # bad endpoint botocore refuses) is a clear error, never a traceback.
        raise ChimeConnectionError(
            "cannot create the {0} client: {1}".format(BOTO3_SERVICE[api], error), code=type(error).__name__
        )
    return keep_timestamps_as_text(client)


_MAX_SERVICE_MESSAGE = 300


def safe_service_message(message):
    """Shorten a service error message and drop signing diagnostics.

    AWS signature errors can echo the canonical request, which carries the
    X-Amz-Security-Token header; only the first sentence is kept.
    """
    text = str(message or "")
    for marker in ("The Canonical String", "The String-to-Sign", "X-Amz-Security-Token", "x-amz-security-token"):
        cut = text.find(marker)
        if cut != -1:
            text = text[:cut].rstrip() + " [signing details removed]"
    if len(text) > _MAX_SERVICE_MESSAGE:
        text = text[:_MAX_SERVICE_MESSAGE] + "..."
    return text


_DENIED_CODES = frozenset(
    (
        "AccessDeniedException",
        "UnauthorizedClientException",
        "ForbiddenException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
    )
)


def _error_from_client_error(error, action, attempts):
    response = getattr(error, "response", None) or {}
    details = response.get("Error") or {}
    code = details.get("Code") or "Unknown"
    # The sentences below add their own full stop.
    message = safe_service_message(details.get("Message") or code).rstrip(". ")
    http_status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if http_status in ACCESS_DENIED_HTTP_STATUS or code in _DENIED_CODES:
        hint = ""
        if action == LIST_NUMBERS_ACTION:
            hint = (
                " {0} lists the account's current numbers for the cross-check; allow it, or turn the "
                "cross-check off (current_state: false), which judges on order history alone.".format(action)
            )
        return ChimeAccessDeniedError(
            "{0} denied ({1}, HTTP {2}): {3}. Check the credentials and that the IAM policy allows {0}.{4}".format(
                action, code, http_status, message, hint
            ),
            code=code,
            http_status=http_status,
            action=action,
            attempts=attempts,
        )
    if code == "NotFoundException" or http_status == 404:
        return OrderNotFoundError(
            "{0}: not found ({1}): {2}".format(action, code, message),
            code=code,
            http_status=http_status,
            action=action,
            attempts=attempts,
        )
    return ChimeRequestError(
        "{0} failed ({1}, HTTP {2}): {3}".format(action, code, http_status, message),
        code=code,
        http_status=http_status,
        action=action,
        attempts=attempts,
    )


def _is_retryable(error):
    response = getattr(error, "response", None) or {}
    code = (response.get("Error") or {}).get("Code")
    http_status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code in RETRYABLE_ERROR_CODES or http_status in RETRYABLE_HTTP_STATUS


def _describe_retryable(error):
    response = getattr(error, "response", None) or {}
    code = (response.get("Error") or {}).get("Code") or "Unknown"
    http_status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code, http_status


def call_with_retries(operation, params, policy, action, validate=None, stop=None):
    """Call ``operation(**params)`` retrying throttling, 5xx, timeouts and invalid pages.

    ``validate(response)`` raises MalformedResponseError for a response of the wrong shape;
    such a page is retried too (a truncated transfer is usually transient), then fails.
    ``stop`` (a threading.Event) ends the retries early when a concurrent listing failed.
    Errors raised before any response exists (a local problem) are not retried.
    """
    last_problem = None
    for attempt in range(1, policy.max_attempts + 1):
        if stop is not None and stop.is_set():
            raise ListingCancelled("{0} stopped: a concurrent listing failed".format(action), action=action)
        try:
            response = operation(**params)
            if validate is not None:
                validate(response)
            return response
        except botocore.exceptions.ClientError as error:
            if not _is_retryable(error):
                raise _error_from_client_error(error, action, attempt)
            code, http_status = _describe_retryable(error)
            last_problem = ("{0} (HTTP {1})".format(code, http_status), code, http_status, ChimeRetriesExhaustedError)
        except (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError) as error:
            last_problem = ("timeout: {0}".format(type(error).__name__), "Timeout", None, ChimeConnectionError)
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError) as error:
            last_problem = ("connection failed: {0}".format(error), "ConnectionError", None, ChimeConnectionError)
        except MalformedResponseError as error:
            last_problem = (error.message, error.code, None, MalformedResponseError)
        except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError) as error:
            raise ChimeAccessDeniedError(
                "{0}: no usable AWS credentials ({1}). Set access_key/secret_key, a profile, or the "
                "AWS_* environment variables.".format(action, type(error).__name__),
                code="NoCredentials",
                action=action,
                attempts=attempt,
            )
        except botocore.exceptions.BotoCoreError as error:
            # Anything else botocore raises (bad endpoint URL, SSL errors): not worth retrying.
            raise ChimeConnectionError(
                "{0} failed: {1}".format(action, error), code=type(error).__name__, action=action, attempts=attempt
            )
        except ChimeApiError:
            raise
        except Exception as error:  # pylint: disable=broad-except
            # Not from a response (those become MalformedResponseError in _PagesParser): a local
            # problem such as an endpoint the HTTP library cannot use. Retrying cannot help.
            raise ChimeConnectionError(
                "{0} could not be sent: {1}: {2}. Check endpoint_url and the connection options.".format(
                    action, type(error).__name__, error
                ),
                code=type(error).__name__,
                action=action,
                attempts=attempt,
            )
        if attempt < policy.max_attempts:
            policy.sleep(attempt - 1)
    description, code, http_status, error_class = last_problem
    hint = _EXHAUSTED_HINTS[error_class]
    if error_class is ChimeRetriesExhaustedError and http_status != 429 and code not in _THROTTLING_CODES:
        # A failing service is not helped by a lower request rate.
        hint = _SERVICE_FAILING_HINT
    raise error_class(
        "{0} failed after {1} attempt(s): {2}. {3}".format(action, policy.max_attempts, description, hint),
        code=code,
        http_status=http_status,
        action=action,
        attempts=policy.max_attempts,
    )


_THROTTLING_CODES = frozenset(
    ("ThrottledClientException", "Throttling", "ThrottlingException", "TooManyRequestsException")
)
_SERVICE_FAILING_HINT = "The service kept failing: retry later, or raise max_attempts or retry_max_delay."
_EXHAUSTED_HINTS = {
    ChimeRetriesExhaustedError: "Raise max_attempts or retry_max_delay, or lower the request rate.",
    ChimeConnectionError: "Check endpoint_url, the network path and aws_config read_timeout/connect_timeout.",
    MalformedResponseError: "The service kept sending pages that are not the documented shape.",
}


def _order_shape_problem(order):
    """Why ``order`` cannot be an order (None when it can): order_from_api needs mappings."""
    # Plain loops: this runs for every order of a listing, and a generator per order costs more.
    if not isinstance(order, dict):
        return "an order that is not an object"
    numbers = order.get("OrderedPhoneNumbers")
    if numbers is not None:
        if not isinstance(numbers, list):
            return "OrderedPhoneNumbers that is not a list of objects"
        for number in numbers:
            if not isinstance(number, dict):
                return "OrderedPhoneNumbers that is not a list of objects"
            e164 = number.get("E164PhoneNumber")
            if e164 is not None and not isinstance(e164, str):
                # Numbers are dictionary keys and sort keys downstream; any other value
                # passes through as sent.
                return "an E164PhoneNumber that is not a string"
    return None


# Members of a PhoneNumber that the judge reads: each must be text (or absent/null).
_NUMBER_TEXT_MEMBERS = ("PhoneNumberId", "Status", "DeletionTimestamp", "UpdatedTimestamp", "OrderId", "ProductType")


def _number_shape_problem(number):
    """Why ``number`` cannot be an account phone number (None when it can)."""
    if not isinstance(number, dict):
        return "a phone number that is not an object"
    if not isinstance(number.get("E164PhoneNumber"), str):
        # A held number without its E.164 form cannot be matched to anything: a check that
        # skipped it could call a held number released.
        return "a phone number without a string E164PhoneNumber"
    for member in _NUMBER_TEXT_MEMBERS:
        value = number.get(member)
        if value is not None and not isinstance(value, str):
            return "a phone number whose {0} is not a string".format(member)
    return None


def _check_next_token(response, operation):
    token = response.get("NextToken")
    if token is not None and not isinstance(token, str):
        raise MalformedResponseError(
            "{0} returned a NextToken that is not a string".format(operation), code="MalformedResponse"
        )
    if token == "":
        # The API reference documents NextToken as absent or null on the last page, never as "".
        # Taking "" as the end (as botocore's generic paginators do) could end a listing early and
        # judge half an account, so it is a malformed page: retried, then a clear failure.
        raise MalformedResponseError(
            "{0} returned an empty NextToken, which the API does not document".format(operation),
            code="MalformedResponse",
        )


def _validate_page(response, operation, result_key, item_problem):
    """Raise MalformedResponseError unless ``response`` is a page of ``operation``: a ``result_key``
    list whose every item passes ``item_problem`` (None means fine), and a usable NextToken."""
    if not isinstance(response, dict) or not isinstance(response.get(result_key), list):
        raise MalformedResponseError(
            "{0} returned a page without a {1} list".format(operation, result_key), code="MalformedResponse"
        )
    _check_next_token(response, operation)
    for item in response[result_key]:
        problem = item_problem(item)
        if problem:
            raise MalformedResponseError(
                "{0} returned a page with {1}".format(operation, problem), code="MalformedResponse"
            )


def validate_list_page(response):
    """A ListPhoneNumberOrders page (public for the inventory cache reader: cached pages are checked
    exactly as the API's were)."""
    _validate_page(response, "ListPhoneNumberOrders", "PhoneNumberOrders", _order_shape_problem)


def validate_numbers_page(response):
    """A ListPhoneNumbers page (public for the inventory cache reader)."""
    _validate_page(response, "ListPhoneNumbers", "PhoneNumbers", _number_shape_problem)


class _ListOperation:
    """What the listing loop needs to know about one paginated list operation."""

    def __init__(self, name, method, result_key, action, validate):
        self.name = name
        self.method = method
        self.result_key = result_key
        self.action = action
        self.validate = validate


LIST_ORDERS = _ListOperation(
    "ListPhoneNumberOrders", "list_phone_number_orders", "PhoneNumberOrders", LIST_ACTION, validate_list_page
)
LIST_NUMBERS = _ListOperation(
    "ListPhoneNumbers", "list_phone_numbers", "PhoneNumbers", LIST_NUMBERS_ACTION, validate_numbers_page
)


def iter_pages(client, operation, api, page_size=None, policy=None, params=None, stop=None, progress=None):
    """Yield each page's raw item list of ``operation`` (LIST_ORDERS or LIST_NUMBERS), following
    NextToken to the end: the collection's one listing loop.

    botocore has no paginator for either operation. An empty page with a NextToken is followed
    (the service may return one); an absent or null token ends the listing; a token seen before
    raises PaginationLoopError instead of spinning. ``params`` are extra request parameters
    (ListPhoneNumbers filters). ``progress(operation_name, pages, items)`` is called after each page.
    """
    max_results = validate_page_size(api, page_size)
    policy = policy or RetryPolicy()
    base_params = dict(params or {}, MaxResults=max_results)
    request = dict(base_params)
    seen_tokens = set()
    page_number = 0
    items = 0
    method = getattr(client, operation.method)
    while True:
        response = call_with_retries(method, request, policy, operation.action, validate=operation.validate, stop=stop)
        page_number += 1
        token = response.get("NextToken")
        # Checked before the page is handed out: a caller that consumes pages as they come
        # must not process one from a listing that is already known to be broken.
        if token is not None and token in seen_tokens:
            raise PaginationLoopError(
                "{0} repeated a NextToken on page {1}: the listing would never end, "
                "so it was stopped and no partial result is returned".format(operation.action, page_number),
                code="PaginationLoop",
                action=operation.action,
            )
        page = response[operation.result_key]
        items += len(page)
        if progress is not None:
            progress(operation.name, page_number, items)
        yield page
        if token is None:
            return
        seen_tokens.add(token)
        request = dict(base_params, NextToken=token)


def iter_order_pages(client, api, page_size=None, policy=None, stop=None, progress=None):
    """Yield each page's raw ``PhoneNumberOrders`` list (see iter_pages)."""
    return iter_pages(client, LIST_ORDERS, api, page_size=page_size, policy=policy, stop=stop, progress=progress)


def iter_number_pages(client, api, page_size=None, policy=None, stop=None, progress=None):
    """Yield each page's raw ``PhoneNumbers`` list: the account's numbers as they are now."""
    return iter_pages(client, LIST_NUMBERS, api, page_size=page_size, policy=policy, stop=stop, progress=progress)


def list_orders(client, api, page_size=None, policy=None):
    """Return (orders, pages): every order in snake_case, and the number of list calls."""
    orders = []
    pages = 0
    for page in iter_order_pages(client, api, page_size=page_size, policy=policy):
        pages += 1
        orders.extend(order_from_api(api_order) for api_order in page)
    return orders, pages


def _collect(pages):
    items = []
    count = 0
    for page in pages:
        count += 1
        items.extend(page)
    return items, count


class AccountListing:
    """The raw result of list_account: ``api_orders``, ``api_numbers`` (None when the account's numbers
    were not listed), and how many pages each took."""

    def __init__(self, api_orders, order_pages, api_numbers=None, number_pages=0):
        self.api_orders = api_orders
        self.order_pages = order_pages
        self.api_numbers = api_numbers
        self.number_pages = number_pages


def list_account(client, api, page_size=None, policy=None, current_state=False, progress=None, orders=True):
    """List the orders and, with ``current_state``, the account's numbers, concurrently.

    ``orders=False`` lists only the numbers (the module fetches named orders instead).

    Both go through iter_pages (same retries, validation and loop guard). The two are independent
    round trips, so running them side by side costs about the longer of the two. A failure of
    either fails the whole listing: the other is stopped at its next call and its error is
    discarded (there is no verdict from half the data). Returns an AccountListing.
    """
    policy = policy or RetryPolicy()
    validate_page_size(api, page_size)
    if not orders:
        api_numbers, number_pages = _collect(iter_number_pages(client, api, page_size, policy, progress=progress))
        return AccountListing([], 0, api_numbers, number_pages)
    if not current_state:
        api_orders, order_pages = _collect(iter_order_pages(client, api, page_size, policy, progress=progress))
        return AccountListing(api_orders, order_pages)

    stop = threading.Event()
    outcomes = {}

    def run(name, pages):
        try:
            outcomes[name] = ("ok", _collect(pages))
        except ChimeApiError as error:
            stop.set()
            outcomes[name] = ("error", error)
        except Exception as error:  # pylint: disable=broad-except
            stop.set()
            outcomes[name] = (
                "error",
                ChimeApiError(
                    "{0} failed: {1}: {2}".format(name, type(error).__name__, error), code=type(error).__name__
                ),
            )

    numbers_thread = threading.Thread(
        target=run,
        args=("numbers", iter_number_pages(client, api, page_size, policy, stop=stop, progress=progress)),
        name="chime-list-phone-numbers",
    )
    numbers_thread.daemon = True
    numbers_thread.start()
    run("orders", iter_order_pages(client, api, page_size, policy, stop=stop, progress=progress))
    numbers_thread.join()
    for name in ("orders", "numbers"):
        state, value = outcomes[name]
        if state == "error" and not isinstance(value, ListingCancelled):
            raise value
    (api_orders, order_pages), (api_numbers, number_pages) = outcomes["orders"][1], outcomes["numbers"][1]
    return AccountListing(api_orders, order_pages, api_numbers, number_pages)


def _validate_get_response(response):
    if not isinstance(response, dict) or not isinstance(response.get("PhoneNumberOrder"), dict):
        raise MalformedResponseError(
            "GetPhoneNumberOrder returned a response without a PhoneNumberOrder", code="MalformedResponse"
        )
    problem = _order_shape_problem(response["PhoneNumberOrder"])
    if problem:
        raise MalformedResponseError("GetPhoneNumberOrder returned " + problem, code="MalformedResponse")


def get_orders(client, order_ids, policy=None):
    """Fetch exactly these orders with GetPhoneNumberOrder, in the order given (duplicates once)."""
    policy = policy or RetryPolicy()
    orders = []
    seen = set()
    for order_id in order_ids:
        if not isinstance(order_id, str) or not order_id.strip():
            raise InvalidOptionError(
                "phone_number_order_ids entries must be non-empty strings, got {0!r}".format(order_id)
            )
        if order_id in seen:
            continue
        seen.add(order_id)
        try:
            response = call_with_retries(
                client.get_phone_number_order,
                {"PhoneNumberOrderId": order_id},
                policy,
                GET_ACTION,
                validate=_validate_get_response,
            )
        except OrderNotFoundError as error:
            raise OrderNotFoundError(
                "phone number order {0!r} not found: {1}".format(order_id, error.message),
                code=error.code,
                http_status=error.http_status,
                action=GET_ACTION,
                attempts=error.attempts,
            )
        except ChimeRequestError as error:
            # The service may answer an id of the wrong shape with 400 rather than 404: either
            # way the user needs to know which of their ids it was.
            raise ChimeRequestError(
                "phone number order {0!r}: {1}".format(order_id, error.message),
                code=error.code,
                http_status=error.http_status,
                action=GET_ACTION,
                attempts=error.attempts,
            )
        orders.append(order_from_api(response["PhoneNumberOrder"]))
    return orders
