# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values of the wrong kind are named in the user's words, never by Python's or Ansible's class names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import InvalidNumberFactsError
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import facts_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import inventory_markers
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import normalize_expected
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.kinds import SHOWN_MAX_CHARACTERS
from ansible_collections.voiceops.chime.plugins.module_utils.kinds import describe_value
from ansible_collections.voiceops.chime.plugins.module_utils.kinds import shown
from ansible_collections.voiceops.chime.plugins.module_utils.listing import InvalidOptionError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_endpoint_url


# Stand-ins for the classes ansible-core 2.19+ hands to plugins (data tagging, lazy templating) and 2.17's
# unsafe text: subclasses of the builtins, with private names that must never reach a message.
class _AnsibleLazyTemplateList(list):
    pass


class _AnsibleLazyTemplateDict(dict):
    pass


class _AnsibleTaggedStr(str):
    pass


class _AnsibleTaggedInt(int):
    pass


class AnsibleUnsafeText(str):
    pass


class _Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "described"),
    [
        (None, "null"),
        (True, "the boolean true"),
        (False, "the boolean false"),
        (5, "the number 5"),
        (_AnsibleTaggedInt(12065550100), "the number 12065550100"),
        (1.5, "the number 1.5"),
        ("abc", "the string 'abc'"),
        (_AnsibleTaggedStr("+1 206"), "the string '+1 206'"),
        (AnsibleUnsafeText("x"), "the string 'x'"),
        (b"ab", "the bytes b'ab'"),
        ([], "a list of 0 items"),
        (["a"], "a list of 1 item"),
        (_AnsibleLazyTemplateList(["a", "b", "c"]), "a list of 3 items"),
        (("a", "b"), "a list of 2 items"),
        ({"a": 1}, "a mapping of 1 item"),
        (_AnsibleLazyTemplateDict(a=1, b=2), "a mapping of 2 items"),
        ({"a"}, "a set of 1 item"),
        (iter([1]), "a list"),  # no length to tell
        (_Opaque(), "a value of type Opaque"),
    ],
)
def test_describe_value_names_the_kind_as_yaml_does(value, described):
    assert describe_value(value) == described


def test_a_long_value_is_cut_and_says_how_long_it_was():
    text = "+1" * 500
    assert shown(text) == repr(text)[:SHOWN_MAX_CHARACTERS] + "... (1002 characters)"
    assert describe_value(text).startswith("the string '+1+1")
    assert len(describe_value(text)) < SHOWN_MAX_CHARACTERS + 40
    assert shown("x" * (SHOWN_MAX_CHARACTERS - 2)) == repr("x" * (SHOWN_MAX_CHARACTERS - 2))  # exactly the limit: whole


# What 0.2.0 said: "got _AnsibleLazyTemplateList", "got NoneType", "got str".
INTERNAL_NAMES = re.compile(r"_Ansible|AnsibleUnsafe|NoneType|\bgot (dict|list|str|int|float|tuple|bool)\b")

# Every message that names the kind of a bad argument: (call, what the message must say).
WRONG_KINDS = {
    "expected-lazy-dict": (
        lambda: normalize_expected(_AnsibleLazyTemplateDict(a=1)),
        "expected numbers must be a list of E.164 numbers, got a mapping of 1 item",
    ),
    "expected-string": (
        lambda: normalize_expected(_AnsibleTaggedStr("+12065550100")),
        "got the string '+12065550100'",
    ),
    "expected-null": (lambda: normalize_expected(None), "got null"),
    "facts-string": (
        lambda: facts_by_number(_AnsibleTaggedStr("abc")),
        "phone number facts must be a list or a mapping, got the string 'abc'",
    ),
    "facts-number": (lambda: facts_by_number(_AnsibleTaggedInt(5)), "got the number 5"),
    "fact-entry-string": (
        lambda: facts_by_number(_AnsibleLazyTemplateList(["abc"])),
        "each phone number fact must be a mapping, got the string 'abc'",
    ),
    "groups-lazy-list": (
        lambda: inventory_markers(_AnsibleLazyTemplateList(["+12065550100"])),
        "groups must be a mapping of group name to host names, got a list of 1 item",
    ),
    "hostvars-lazy-list-with-groups": (
        lambda: number_compliance(_AnsibleLazyTemplateList(["h"]), ["+12065550100"], groups={}),
        "the input must be the inventory's hostvars (a mapping of host name to variables), got a list of 1 item",
    ),
    "endpoint_url-number": (lambda: validate_endpoint_url(_AnsibleTaggedInt(443)), "got the number 443"),
}


@pytest.mark.parametrize("case", sorted(WRONG_KINDS))
def test_wrong_kinds_are_named_without_class_names(case):
    call, needle = WRONG_KINDS[case]
    with pytest.raises((InvalidNumberFactsError, InvalidOptionError, ValueError)) as raised:
        call()
    message = str(raised.value)
    assert needle in message
    assert not INTERNAL_NAMES.search(message), message
