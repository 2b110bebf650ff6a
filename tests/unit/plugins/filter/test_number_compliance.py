# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.number_compliance filter, called directly and through Ansible's templar (the
templar tests prove that text from the service in the result is never templated, on every core)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.voiceops.chime.plugins.filter.number_compliance import FilterModule
from ansible_collections.voiceops.chime.plugins.filter.number_compliance import number_compliance

FACTS = [
    {
        "e164_phone_number": "+12065550100",
        "status": "Acquired",
        "phone_number_order_id": "o1",
        "order_status": "Successful",
    },
    {"e164_phone_number": "+12065550101", "status": "Failed", "phone_number_order_id": "o2", "order_status": "Failed"},
    {
        "e164_phone_number": "+12065550109",
        "status": "Acquired",
        "phone_number_order_id": "o3",
        "order_status": "Successful",
    },
]


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"number_compliance": number_compliance}


def test_filter_returns_every_documented_key():
    result = number_compliance(FACTS, ["+12065550100", "+12065550101", "+12065550102"])
    assert set(result) == {
        "acquired",
        "released",
        "missing",
        "failed",
        "processing",
        "unexpected",
        "duplicates",
        "passed",
        "problems",
        "skipped",
        "counts",
        "fail_on_unexpected",
        "current_state",
        "message",
    }
    assert (result["acquired"], result["failed"], result["missing"], result["unexpected"]) == (
        ["+12065550100"],
        ["+12065550101"],
        ["+12065550102"],
        ["+12065550109"],
    )
    assert result["passed"] is False


def test_invalid_expected_entry_is_an_ansible_filter_error_naming_it():
    with pytest.raises(AnsibleFilterError) as raised:
        number_compliance(FACTS, ["+12065550100", "+1 206 CALL NOW"])
    assert str(raised.value) == (
        "number_compliance: expected list has 1 invalid entry (E.164 numbers look like '+12065550100'): "
        "item 2 '+1 206 CALL NOW': must be '+' followed by 7 to 15 digits, the first not 0"
    )


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


HOSTILE_ID = "{{ 6 * 7 }}"


def hostile_facts():
    return [
        {
            "e164_phone_number": "+12065550101",
            "status": "Failed",
            "phone_number_order_id": HOSTILE_ID,
            "order_status": "{{ lookup('ansible.builtin.env', 'HOME') }}",
        }
    ]


def templar(variables):
    return Templar(loader=DataLoader(), variables=variables)


def trusted(template):
    """The playbook's own template text: trusted as a template (ansible-core 2.19+ renders only those)."""
    try:
        from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core < 2.19: every string is a template
        return template
    return trust_as_template(template)


def test_service_text_in_the_result_is_never_templated_when_a_later_task_reads_it():
    # As set_fact would store it and a later task's template would read it: on ansible-core < 2.19 a
    # plain string with Jinja in it would be rendered (6 * 7 -> 42) unless the filter marked it unsafe.
    result = number_compliance(hostile_facts(), ["+12065550101"])
    rendered = templar({"compliance": result}).template(trusted("{{ compliance.problems[0].phone_number_order_id }}"))
    assert rendered == HOSTILE_ID
    message = templar({"compliance": result}).template(trusted("{{ compliance.message }}"))
    assert HOSTILE_ID in message and "42" not in message


def test_the_filter_through_the_templar_returns_the_verdict_with_service_text_verbatim():
    # The filter registered in the templar's Jinja environment under a plain name (resolving the
    # collection's FQCN needs ansible-playbook's collection loader; the integration tests do that).
    # The facts as a registered module result holds them: marked unsafe by ansible-core.
    engine = templar({"facts": wrap_var(hostile_facts()), "expected": ["+12065550101"]})
    engine.environment.filters["number_compliance"] = number_compliance
    rendered = engine.template(trusted("{{ (facts | number_compliance(expected)).problems[0].reason }}"))
    assert rendered == "number status Failed in order {0} (order status {1})".format(
        HOSTILE_ID, "{{ lookup('ansible.builtin.env', 'HOME') }}"
    )


@pytest.mark.parametrize("max_age", [True, 90.7, "an hour", [3600], "-1", -5])
def test_a_max_age_that_is_not_whole_seconds_is_refused_naming_it(max_age):
    with pytest.raises(AnsibleFilterError, match=r"max_age must be a whole number of seconds.*got") as raised:
        number_compliance({}, ["+12065550100"], groups={"chime_phone_numbers": []}, max_age=max_age)
    assert repr(max_age) in str(raised.value) or str(max_age) in str(raised.value)


@pytest.mark.parametrize("max_age, passes", [("3600", True), (3600, True), (60, False)])
def test_max_age_judges_the_listing_time_of_the_inventory(max_age, passes):
    listed = time.strftime("chime_listed_at_%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 600))
    hostvars = {
        "+12065550100": {
            "chime_e164_phone_number": "+12065550100",
            "chime_number_status": "Acquired",
            "chime_phone_number_order_id": "o1",
            "chime_order_status": "Successful",
        }
    }
    groups = {
        "chime_phone_numbers": ["+12065550100"],
        "chime_number_acquired": ["+12065550100"],
        "chime_source_orders_only": [],
        listed: [],
    }
    if passes:
        assert (
            number_compliance(hostvars, ["+12065550100"], groups=groups, current_state=False, max_age=max_age)["passed"]
            is True
        )
    else:
        with pytest.raises(AnsibleFilterError, match="more than max_age 60 s"):
            number_compliance(hostvars, ["+12065550100"], groups=groups, current_state=False, max_age=max_age)
