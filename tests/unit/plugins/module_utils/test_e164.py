# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""E.164 normalisation: what people paste is accepted, anything else is rejected by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164_list


@pytest.mark.parametrize(
    "value",
    [
        "+12065550100",
        "+1 (206) 555-0100",
        "+1 206 555 0100",
        "+1-206-555-0100",
        "+1.206.555.0100",
        "+1/206/555/0100",
        " +12065550100 ",
        "+1\t206\n555\u00a00100",  # a non-breaking space from a spreadsheet
    ],
)
def test_pasted_forms_normalise_to_e164(value):
    assert normalize_e164(value) == "+12065550100"


def test_other_countries_and_lengths_within_e164_are_accepted():
    assert normalize_e164("+44 20 7946 0958") == "+442079460958"
    assert normalize_e164("+2901234") == "+2901234"  # seven digits, the shortest in service
    assert normalize_e164("+123456789012345") == "+123456789012345"  # fifteen, the E.164 maximum


@pytest.mark.parametrize(
    "value",
    [
        12065550100,  # YAML's unquoted +12065550100: the "+" is gone
        2065550101,  # an unquoted 2065550101, which "+" would make a +20 (Egypt) number
        0o12065550102,  # YAML 1.1's unquoted 012065550102: octal, 1356255298
        -12065550100,
        0,
    ],
)
def test_integers_are_refused_with_a_hint_to_quote_the_number(value):
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164(value)
    assert repr(value) in str(caught.value)
    assert "quote it" in caught.value.reason


@pytest.mark.parametrize(
    "value, reason",
    [
        ("12065550100", "must start with '+'"),
        ("0012065550100", "must start with '+'"),
        ("", "must start with '+'"),
        ("+", "7 to 15 digits"),
        ("+0123456789", "first not 0"),
        ("+123456", "7 to 15 digits"),
        ("+1234567890123456", "7 to 15 digits"),
        ("+1 206 555 01OO", "7 to 15 digits"),
        ("+1206555010x", "7 to 15 digits"),
        ("+1 206 555 0100 ext 5", "7 to 15 digits"),
        ("++12065550100", "7 to 15 digits"),
        ("\uff0b12065550100", "must start with '+'"),  # FULLWIDTH PLUS SIGN
    ],
)
def test_garbage_is_rejected_naming_the_value(value, reason):
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164(value)
    assert repr(value) in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.value == value


@pytest.mark.parametrize(
    "value",
    [
        "+\u0661\u0662\u0660\u0666\u0665\u0665\u0665\u0660\u0661\u0660\u0660",  # ARABIC-INDIC digits
        "+\uff11\uff12\uff10\uff16\uff15\uff15\uff15\uff10\uff11\uff10\uff10",  # FULLWIDTH digits
        "+\u0967\u0968\u0966\u096c\u096b\u096b\u096b\u0966\u0967\u0966\u0966",  # DEVANAGARI digits
        "+1206555\u00b9100",  # SUPERSCRIPT ONE
    ],
)
def test_unicode_digits_are_rejected_not_transliterated(value):
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164(value)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(
    "value", [None, True, False, 1.2065550100e10, b"+12065550100", ["+12065550100"], {"number": "+12065550100"}]
)
def test_non_text_values_are_rejected_naming_the_value(value):
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164(value)
    assert repr(value) in str(caught.value)


def test_error_is_a_value_error_for_callers_that_catch_broadly():
    with pytest.raises(ValueError):
        normalize_e164("nope")


def test_huge_garbage_is_named_but_shortened():
    value = "x" * 100000
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164(value)
    message = str(caught.value)
    assert message.startswith("invalid E.164 phone number 'xxxx")
    assert "100002 characters" in message  # the repr's length, quotes included
    assert len(message) < 300


def test_list_keeps_first_seen_order_and_drops_duplicates():
    assert normalize_e164_list(["+1 (206) 555-0101", "+12065550100", "+12065550101", "+1 206 555 0100"]) == [
        "+12065550101",
        "+12065550100",
    ]


def test_list_of_none_or_empty_is_empty():
    assert normalize_e164_list(None) == []
    assert normalize_e164_list([]) == []


@pytest.mark.parametrize("values", ["+12065550100", b"+12065550100", {"+12065550100": 1}, 12065550100])
def test_list_rejects_a_single_value_given_instead_of_a_list(values):
    with pytest.raises(InvalidPhoneNumberError, match="expected a list"):
        normalize_e164_list(values)


def test_list_names_the_bad_entry_among_good_ones():
    with pytest.raises(InvalidPhoneNumberError) as caught:
        normalize_e164_list(["+12065550100", "+1 206 CALL NOW", "+12065550101"])
    assert "'+1 206 CALL NOW'" in str(caught.value)


_E164_DIGITS = st.from_regex(r"\A[1-9][0-9]{6,14}\Z", fullmatch=True)


@given(_E164_DIGITS, st.lists(st.sampled_from([" ", "-", ".", "(", ")", "/", "\t"]), max_size=20), st.randoms())
def test_separators_anywhere_after_the_plus_never_change_the_number(digits, separators, rnd):
    text = list(digits)
    for separator in separators:
        text.insert(rnd.randint(0, len(text)), separator)
    assert normalize_e164("+" + "".join(text)) == "+" + digits


@given(_E164_DIGITS)
def test_normalisation_is_idempotent_and_the_integer_form_is_refused(digits):
    number = normalize_e164("+" + digits)
    assert normalize_e164(number) == number
    with pytest.raises(InvalidPhoneNumberError, match="quote it"):
        normalize_e164(int(digits))


@given(st.text(max_size=30))
def test_any_text_either_normalises_to_ascii_e164_or_raises_naming_it(value):
    try:
        number = normalize_e164(value)
    except InvalidPhoneNumberError as error:
        assert error.value == value
    else:
        assert number.startswith("+") and number[1:].isdigit() and number.isascii()
        assert 8 <= len(number) <= 16
