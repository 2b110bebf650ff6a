# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SigV4 for the Chime emulator: reading the Authorization header and verifying signatures.

By default only the header's form is checked (any well-formed SigV4 header is accepted); with
credentials the signature is computed the way AWS does and compared.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import urllib.parse

from emulator_protocol import ApiError

SIGNING_SERVICE = "chime"  # both namespaces sign as "chime" (chime-sdk-voice's signingName)

_SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
_SIGV4_MAX_SKEW = datetime.timedelta(minutes=15)

_BAD_SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_UNKNOWN_KEY_MESSAGE = "The security token included in the request is invalid."


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
            pairs.append(
                (
                    urllib.parse.quote(urllib.parse.unquote(key), safe="-_.~"),
                    urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~"),
                )
            )
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sigv4_signature(secret_key, method, raw_path, raw_query, headers, signed_headers, payload_hash, amz_date, scope):
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
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_path,
            _canonical_query(raw_query),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    string_to_sign = "\n".join(
        [
            _SIGV4_ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    date, region, service, terminator = scope.split("/")
    key = _hmac_sha256(("AWS4" + secret_key).encode("utf-8"), date)
    key = _hmac_sha256(key, region)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, terminator)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class Authorization:
    """The fields of a SigV4 Authorization header."""

    __slots__ = ("access_key", "date", "region", "service", "signed_headers", "signature")

    def __init__(self, access_key, date, region, service, signed_headers, signature):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service
        self.signed_headers = signed_headers
        self.signature = signature


def parse_authorization(value):
    """Return an Authorization or raise ApiError (401, as this collection's tests expect)."""
    if not value:
        raise ApiError(
            "UnauthorizedClientException",
            "Missing Authentication Token: the request has no SigV4 Authorization header.",
        )
    algorithm, _space, rest = value.strip().partition(" ")
    if algorithm != _SIGV4_ALGORITHM:
        raise ApiError(
            "UnauthorizedClientException", f"Unsupported Authorization scheme; expected {_SIGV4_ALGORITHM} (SigV4)."
        )
    fields = {}
    for part in rest.split(","):
        name, _equals, field_value = part.strip().partition("=")
        fields[name] = field_value
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or not fields.get("SignedHeaders") or not fields.get("Signature"):
        raise ApiError(
            "UnauthorizedClientException",
            "Authorization header requires Credential=KEY/DATE/REGION/SERVICE/aws4_request, "
            "SignedHeaders and Signature.",
        )
    access_key, date, region, service, terminator = credential
    if terminator != "aws4_request":
        raise ApiError("UnauthorizedClientException", "Credential scope must end with aws4_request.")
    return Authorization(access_key, date, region, service, fields["SignedHeaders"].split(";"), fields["Signature"])


def normalise_credentials(credentials):
    """{"AKID": "SECRET" | ["SECRET", "SESSION_TOKEN"]} -> {"AKID": (secret, token_or_None)}; None stays None."""
    if credentials is None:
        return None
    normalised = {}
    for access_key, secret in dict(credentials).items():
        if isinstance(secret, (list, tuple)):
            normalised[access_key] = (secret[0], secret[1] if len(secret) > 1 else None)
        else:
            normalised[access_key] = (secret, None)
    return normalised


def authenticate(credentials, headers, method, raw_path, raw_query, body):
    """Check a request's SigV4 header (and, with ``credentials``, its signature).

    ``headers`` is the request's ``http.client.HTTPMessage``. Returns the Authorization.
    """
    authorization = parse_authorization(headers.get("Authorization"))
    if authorization.service != SIGNING_SERVICE:
        raise ApiError(
            "InvalidSignatureException", f"Credential should be scoped to correct service: '{SIGNING_SERVICE}'."
        )
    if credentials is None:
        return authorization
    known = credentials.get(authorization.access_key)
    if known is None:
        raise ApiError("UnrecognizedClientException", _UNKNOWN_KEY_MESSAGE)
    secret, session_token = known
    if session_token is not None and headers.get("X-Amz-Security-Token") != session_token:
        raise ApiError("UnrecognizedClientException", _UNKNOWN_KEY_MESSAGE)
    amz_date = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError(
            "InvalidSignatureException", "Authorization header requires an X-Amz-Date header in ISO 8601 basic format."
        ) from None
    if amz_date[:8] != authorization.date:
        raise ApiError(
            "InvalidSignatureException",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{authorization.date}' != '{amz_date[:8]}'.",
        )
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs(now - signed_at) > _SIGV4_MAX_SKEW:
        raise ApiError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is outside the 15 minute window around " f"{now:%Y%m%dT%H%M%SZ}.",
        )
    by_name = {}
    for name, value in headers.items():
        by_name.setdefault(name.lower(), []).append(value)
    payload_hash = headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    scope = f"{authorization.date}/{authorization.region}/{authorization.service}/aws4_request"
    expected = sigv4_signature(
        secret, method, raw_path, raw_query, by_name, authorization.signed_headers, payload_hash, amz_date, scope
    )
    if not hmac.compare_digest(expected, authorization.signature):
        raise ApiError("InvalidSignatureException", _BAD_SIGNATURE_MESSAGE)
    return authorization
