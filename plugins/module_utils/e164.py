# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""E.164 phone number normalisation shared by the module, the filters and the inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.chime.plugins.module_utils.kinds import shown

# Separators people paste from spreadsheets and tickets: "+1 (206) 555-0100", "+44 20.7946.0958".
_SEPARATORS = re.compile(r"[\s\-.()/]+")
# E.164: a country code that never starts with 0, at most 15 digits in all. Seven is the
# shortest number in service (small territories such as +290 XXXX). ASCII digits only, so
# look-alike Unicode digits are rejected rather than silently "normalised".
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class InvalidPhoneNumberError(ValueError):
    """Raised when a value cannot be read as an E.164 number; the message names the value."""

    def __init__(self, value, reason):
        self.value = value
        self.reason = reason
        super(InvalidPhoneNumberError, self).__init__(
            "invalid E.164 phone number {0}: {1}".format(shown(value), reason)
        )


def normalize_e164(value):
    """Return ``value`` as a canonical E.164 string such as ``+12065550100``.

    Only strings are numbers here. YAML reads an unquoted ``+12065550100`` as the integer
    12065550100, an unquoted ``2065550101`` as the same kind of integer (so the two cannot be
    told apart), and ``012065550102`` as the octal 1356255298: accepting integers would check
    numbers nobody wrote, so every integer is refused with a hint to quote it.
    """
    if isinstance(value, bool):
        raise InvalidPhoneNumberError(value, "expected a string such as '+12065550100'")
    if isinstance(value, int):
        raise InvalidPhoneNumberError(
            value,
            "a number, not a string: quote it in YAML ('+12065550100'); unquoted, YAML drops the '+' "
            "and reads a leading 0 as octal, so the value may not be the number that was written",
        )
    if not isinstance(value, str):
        raise InvalidPhoneNumberError(value, "expected a string such as '+12065550100'")
    text = _SEPARATORS.sub("", value)
    if not text.startswith("+"):
        raise InvalidPhoneNumberError(value, "must start with '+' and the country code")
    if not _E164.match(text):
        raise InvalidPhoneNumberError(value, "must be '+' followed by 7 to 15 digits, the first not 0")
    return text


def normalize_e164_list(values):
    """Normalise every entry, keeping first-seen order and dropping duplicates."""
    if values is None:
        return []
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise InvalidPhoneNumberError(values, "expected a list of phone numbers")
    seen = set()
    numbers = []
    for value in values:
        number = normalize_e164(value)
        if number not in seen:
            seen.add(number)
            numbers.append(number)
    return numbers
