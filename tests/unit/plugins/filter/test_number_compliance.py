# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.number_compliance filter, called directly and through Ansible's templar."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.voiceops.chime.plugins.filter.number_compliance import FilterModule
from ansible_collections.voiceops.chime.plugins.filter.number_compliance import number_compliance

FACTS = [
    {"e164_phone_number": "+12065550100", "status": "Acquired", "phone_number_order_id": "o1",
     "order_status": "Successful"},
    {"e164_phone_number": "+12065550101", "status": "Failed", "phone_number_order_id": "o2", "order_status": "Failed"},
    {"e164_phone_number": "+12065550109", "status": "Acquired", "phone_number_order_id": "o3",
     "order_status": "Successful"},
]


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"number_compliance": number_compliance}


def test_filter_returns_every_documented_key():
    result = number_compliance(FACTS, ["+12065550100", "+12065550101", "+12065550102"])
    assert set(result) == {"acquired", "missing", "failed", "processing", "unexpected", "duplicates", "passed",
                           "problems", "counts", "fail_on_unexpected", "message"}
    assert (result["acquired"], result["failed"], result["missing"], result["unexpected"]) == (
        ["+12065550100"], ["+12065550101"], ["+12065550102"], ["+12065550109"])
    assert result["passed"] is False


def test_invalid_expected_entry_is_an_ansible_filter_error_naming_it():
    with pytest.raises(AnsibleFilterError) as raised:
        number_compliance(FACTS, ["+12065550100", "+1 206 CALL NOW"])
    assert str(raised.value) == (
        "number_compliance: expected list has 1 invalid entry (E.164 numbers look like '+12065550100'): "
        "item 1 '+1 206 CALL NOW': must be '+' followed by 7 to 15 digits, the first not 0")


def test_wrong_facts_are_an_ansible_filter_error():
    with pytest.raises(AnsibleFilterError, match="number_compliance: phone number fact has neither"):
        number_compliance([{"status": "Acquired"}], ["+12065550100"])


@pytest.mark.parametrize("value, expected", [("yes", True), ("false", False), (1, True), (False, False)])
def test_fail_on_unexpected_accepts_ansible_booleans(value, expected):
    assert number_compliance(FACTS, ["+12065550100"], fail_on_unexpected=value)["passed"] is not expected


def test_bad_option_values_are_named():
    with pytest.raises(AnsibleFilterError, match="fail_on_unexpected must be a boolean"):
        number_compliance(FACTS, [], fail_on_unexpected="maybe")
    with pytest.raises(AnsibleFilterError, match="hostvars_prefix must be a string"):
        number_compliance(FACTS, [], hostvars_prefix=5)
    with pytest.raises(AnsibleFilterError, match="max_listed must be an integer"):
        number_compliance(FACTS, [], max_listed="many")
