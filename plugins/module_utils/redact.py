# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction of credentials from text that leaves the collection (reports, messages).

Pure and stdlib only, so anything (reports, action plugins, tests) can use it without Ansible.
Three kinds of material are cut:

- the user info of any URL (``scheme://user:password@host`` keeps ``scheme://host``), wherever the
  URL sits: in a longer message, in quotes, in a ``repr``;
- AWS signing material: the values of ``X-Amz-Security-Token``, ``X-Amz-Credential``,
  ``X-Amz-Signature``, ``Credential=``/``Signature=`` (SigV4 query strings and ``Authorization``
  headers), of secret-like configuration keys (``aws_secret_access_key = ...``) and bare access
  key IDs (``AKIA...``/``ASIA...``);
- every value the caller names as a secret (longer than ``MIN_SECRET_LENGTH - 1`` characters: a
  shorter one would blank out ordinary words and numbers while hiding nothing worth hiding).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections.abc import Mapping

REDACTED = "********"
# Used instead of REDACTED when a secret is part of REDACTED itself (a secret of asterisks):
# the two share no character, so no secret of MIN_SECRET_LENGTH or more is part of both.
REDACTED_ALTERNATIVE = "[redacted]"
MIN_SECRET_LENGTH = 4
# Each pass can join text around what it cut into something a pass matches again; a handful
# of passes reaches a fixed point for anything but a constructed input, which then loses all.
_MAX_PASSES = 8

# scheme "://" (or its percent-encoded form, as in a redirect parameter) then user info up to
# the last "@" before the authority ends. urlsplit also takes the last "@" (a password with an
# unencoded "@" is common); whitespace ends the authority too, because the URL sits in prose.
_URL_USER_INFO = re.compile(r"(?P<start>[A-Za-z][A-Za-z0-9+.\-]*(?:://|%3[Aa]%2[Ff]%2[Ff]))[^\s/?#]*@")
# The name stays (a reader learns what was cut), the value goes. Values end where a query
# parameter, a header list or a quoted string would end them. An underscore may precede a name
# (my_secret_key=...), a letter or digit may not (SignatureVersion is another parameter).
_SIGNING_MATERIAL = re.compile(
    r"(?P<name>(?<![A-Za-z0-9])(?:X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature|Credential|Signature"
    r"|aws_secret_access_key|aws_session_token|aws_security_token|secret_access_key|secret_key"
    r"|session_token|security_token)"
    r"['\"]?\s*[=:]\s*b?['\"]?)"
    r"(?P<value>[^\s&,;'\"<>]+)",
    re.IGNORECASE,
)
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
# What any of the patterns above needs to match: one search tells that a text (a phone number,
# most of a report) has nothing to cut, where running every pattern costs three times as much.
_MAY_CARRY_MATERIAL = r"@|credential|signature|secret|token|akia|asia"


def _usable_secrets(secrets):
    """Distinct secret texts worth redacting, longest first (so a secret that contains another
    is cut whole)."""
    if secrets is None or isinstance(secrets, (str, bytes)):
        secrets = [secrets] if secrets else []
    usable = set()
    for secret in secrets:
        if secret is None or isinstance(secret, bool):
            continue
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", "replace")
        secret = str(secret)
        if len(secret) >= MIN_SECRET_LENGTH:
            usable.add(secret)
    return sorted(usable, key=lambda secret: (-len(secret), secret))


def _mask_for(secrets):
    if any(secret in REDACTED for secret in secrets):
        return REDACTED_ALTERNATIVE
    return REDACTED


def _one_pass(text, secrets_pattern, mask):
    if "@" in text:
        text = _URL_USER_INFO.sub(r"\g<start>", text)
    text = _SIGNING_MATERIAL.sub(lambda match: match.group("name") + REDACTED, text)
    text = _ACCESS_KEY_ID.sub(REDACTED, text)
    if secrets_pattern is not None:
        text = secrets_pattern.sub(mask, text)
    return text


class Redactor:
    """redact_text/redact_value with the secrets compiled once (a report redacts thousands of
    strings with the same secrets)."""

    def __init__(self, secrets=()):
        self.secrets = _usable_secrets(secrets)
        self.mask = _mask_for(self.secrets)
        self._pattern = re.compile("|".join(re.escape(secret) for secret in self.secrets)) if self.secrets else None
        self._trigger = re.compile(
            "|".join([_MAY_CARRY_MATERIAL] + ["(?-i:{0})".format(re.escape(secret)) for secret in self.secrets]),
            re.IGNORECASE,
        )

    def text(self, text):
        if not isinstance(text, str) or not self._trigger.search(text):
            return text
        for dummy in range(_MAX_PASSES):
            redacted = _one_pass(text, self._pattern, self.mask)
            if redacted == text:
                break
            text = redacted
        # Cutting can make a secret out of what surrounded it ("a" + "a***" -> "a" + mask);
        # then nothing of the text is safe to show.
        if any(secret in text for secret in self.secrets):
            return self.mask
        return text

    def value(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return dict(
                (self.text(key) if isinstance(key, str) else key, self.value(item)) for key, item in value.items()
            )
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value


def redact_text(text, secrets=()):
    """``text`` without URL user info, AWS signing material or any of ``secrets``.

    A non-string is returned unchanged. The result never contains a secret of
    ``MIN_SECRET_LENGTH`` or more characters: if cutting leaves one (only a constructed input
    does), the whole text is replaced by the mask.
    """
    return Redactor(secrets).text(text)


def redact_value(value, secrets=()):
    """``value`` with redact_text applied to every string in it, keys included, through dicts,
    lists and tuples (tuples become lists, as JSON would make them). Other values are kept."""
    return Redactor(secrets).value(value)
