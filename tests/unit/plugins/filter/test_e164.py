# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.e164 filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible.errors import AnsibleFilterError

from ansible_collections.voiceops.chime.plugins.filter.e164 import FilterModule
from ansible_collections.voiceops.chime.plugins.filter.e164 import e164


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"e164": e164}


@pytest.mark.parametrize("value", ["+12065550100", "+1 (206) 555-0100", "+1.206.555.0100", " +1 206 555 0100 "])
def test_common_spellings_normalise(value):
    assert e164(value) == "+12065550100"


@pytest.mark.parametrize(
    "value", ["2065550100", "+0123456789", "+1", "+1234567890123456", "call me", None, True, "\uff0b12065550100"]
)
def test_invalid_values_raise_an_ansible_filter_error_naming_them(value):
    with pytest.raises(AnsibleFilterError) as raised:
        e164(value)
    assert str(raised.value).startswith("e164: invalid E.164 phone number %r" % (value,))


@given(st.integers(min_value=1000000, max_value=999999999999999))
def test_property_normalising_is_idempotent(number):
    once = e164("+%d" % number)
    assert e164(once) == once
    assert once == "+%d" % number


@given(st.integers())
def test_property_every_integer_is_refused_with_a_hint_to_quote_it(number):
    # YAML's unquoted +12065550100, 2065550101 and octal 012065550102 all arrive as integers.
    with pytest.raises(AnsibleFilterError, match="quote it"):
        e164(number)
