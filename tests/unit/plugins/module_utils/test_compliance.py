# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judge: per-number facts (module fact or inventory hostvars) + expected list -> verdict."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import EXPECTED_CATEGORIES
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import InvalidExpectedError
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import InvalidNumberFactsError
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import compliance_message
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import facts_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import normalize_expected
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError


def fact(e164, status="Acquired", order_id="order-1", order_status="Successful",
         updated="2026-09-14T16:09:40.107Z", created="2026-09-14T16:02:11.482Z"):
    """One entry of the module's phone_numbers fact."""
    return {"e164_phone_number": e164, "status": status, "phone_number_order_id": order_id,
            "order_status": order_status, "product_type": "VoiceConnector",
            "created_timestamp": created, "updated_timestamp": updated}


def hostvars_entry(e164, status="Acquired", order_id="order-1", order_status="Successful", prefix="chime_"):
    """The variables the inventory plugin gives a phone number host (plus what Ansible adds)."""
    return {prefix + "e164_phone_number": e164, prefix + "number_status": status,
            prefix + "phone_number_order_id": order_id, prefix + "order_status": order_status,
            prefix + "updated_timestamp": "2026-09-14T16:09:40.107Z",
            "inventory_hostname": e164, "ansible_connection": "local"}


class CountingHostvars(dict):
    """A host -> variables mapping that records which hosts' variables were read, like Ansible's
    hostvars (where every read computes all of a host's variables)."""

    def __init__(self, *args, **kwargs):
        super(CountingHostvars, self).__init__(*args, **kwargs)
        self.read = []

    def __getitem__(self, host):
        self.read.append(host)
        return super(CountingHostvars, self).__getitem__(host)


MIXED_FACTS = [
    fact("+12065550100"),
    fact("+12065550101", status="Failed", order_id="order-2", order_status="Failed"),
    fact("+12065550102", status="Processing", order_id="order-3", order_status="Processing"),
    fact("+12065550199", order_id="order-4"),
]


# --------------------------------------------------------------------------- categories


def test_all_expected_acquired_passes_with_counts():
    result = number_compliance(MIXED_FACTS, ["+12065550100", "+12065550199"])
    assert result["passed"] is True
    assert result["acquired"] == ["+12065550100", "+12065550199"]
    assert result["failed"] == result["processing"] == result["missing"] == result["unexpected"] == []
    assert result["problems"] == []
    assert result["counts"] == {"acquired": 2, "failed": 0, "processing": 0, "missing": 0, "unexpected": 0,
                                "duplicates": 0, "expected": 2, "problems": 0, "ordered": 4}
    assert result["message"] == "All 2 expected phone numbers are acquired."


def test_failed_processing_and_missing_are_each_named_with_their_reason():
    result = number_compliance(MIXED_FACTS, ["+12065550100", "+12065550101", "+12065550102", "+12065550103"])
    assert result["passed"] is False
    assert result["failed"] == ["+12065550101"]
    assert result["processing"] == ["+12065550102"]
    assert result["missing"] == ["+12065550103"]
    assert result["unexpected"] == ["+12065550199"]
    by_number = dict((problem["e164_phone_number"], problem) for problem in result["problems"])
    assert by_number["+12065550101"] == {
        "e164_phone_number": "+12065550101", "category": "failed", "number_status": "Failed",
        "phone_number_order_id": "order-2", "order_status": "Failed",
        "reason": "number status Failed in order order-2 (order status Failed)"}
    assert by_number["+12065550102"]["reason"] == "still Processing in order order-3 (order status Processing)"
    assert by_number["+12065550103"] == {"e164_phone_number": "+12065550103", "category": "missing",
                                         "reason": "not in any phone number order"}
    # Unexpected numbers are listed but are not problems unless asked.
    assert "+12065550199" not in by_number
    lines = result["message"].splitlines()
    assert lines[0] == "3 of 4 expected phone numbers are not acquired (1 failed, 1 processing, 1 missing):"
    assert "  +12065550101 failed: number status Failed in order order-2 (order status Failed)" in lines
    assert "  +12065550102 processing: still Processing in order order-3 (order status Processing)" in lines
    assert "  +12065550103 missing: not in any phone number order" in lines
    assert lines[-1] == "1 acquired number is not in the expected list (not checked)."


def test_any_status_other_than_acquired_or_processing_is_failed():
    result = number_compliance([fact("+12065550100", status="Cancelled", order_status="Cancelled"),
                                fact("+12065550101", status=None)], ["+12065550100", "+12065550101"])
    assert result["failed"] == ["+12065550100", "+12065550101"]
    reasons = [problem["reason"] for problem in result["problems"]]
    assert reasons == ["number status Cancelled in order order-1 (order status Cancelled)",
                       "number status unknown in order order-1 (order status Successful)"]


def test_fail_on_unexpected_makes_unexpected_numbers_problems():
    result = number_compliance(MIXED_FACTS, ["+12065550100"], fail_on_unexpected=True)
    assert result["passed"] is False
    assert result["unexpected"] == ["+12065550199"]
    assert result["problems"] == [{
        "e164_phone_number": "+12065550199", "category": "unexpected", "number_status": "Acquired",
        "phone_number_order_id": "order-4", "order_status": "Successful",
        "reason": "acquired in order order-4 but not in the expected list"}]
    assert result["message"].splitlines()[0] == (
        "The expected phone number is acquired, but 1 acquired number is not in the expected list (1 unexpected):")


def test_fail_on_unexpected_ignores_failed_and_processing_numbers_nobody_expected():
    result = number_compliance(MIXED_FACTS, ["+12065550100", "+12065550199"], fail_on_unexpected=True)
    assert result["passed"] is True
    assert result["unexpected"] == []


def test_empty_expected_list_passes_only_without_acquired_numbers_when_unexpected_fails():
    assert number_compliance(MIXED_FACTS, [])["passed"] is True
    result = number_compliance(MIXED_FACTS, [], fail_on_unexpected=True)
    assert result["passed"] is False
    assert result["counts"]["expected"] == 0
    assert number_compliance([], [], fail_on_unexpected=True)["passed"] is True


def test_no_facts_means_every_expected_number_is_missing():
    for empty in (None, [], {}):
        result = number_compliance(empty, ["+12065550100"])
        assert result["missing"] == ["+12065550100"]
        assert result["counts"]["ordered"] == 0


# --------------------------------------------------------------------------- expected list


def test_expected_numbers_are_normalised_and_duplicates_count_once():
    result = number_compliance(MIXED_FACTS, ["+1 (206) 555-0100", "+1.206.555.0100", 12065550100, "+12065550199"])
    assert result["acquired"] == ["+12065550100", "+12065550199"]
    assert result["duplicates"] == ["+12065550100"]
    assert result["counts"]["expected"] == 2
    assert result["counts"]["duplicates"] == 1


def test_invalid_expected_entries_are_all_named_with_their_position():
    with pytest.raises(InvalidExpectedError) as raised:
        number_compliance(MIXED_FACTS, ["+12065550100", "206-555-0101", None, "+1 206 555 01OO", True])
    message = str(raised.value)
    assert message.startswith("expected list has 4 invalid entries")
    assert "item 1 '206-555-0101': must start with '+'" in message
    assert "item 2 None" in message
    assert "item 3 '+1 206 555 01OO'" in message
    assert "item 4 True" in message
    assert [index for index, dummy, dummy2 in raised.value.invalid] == [1, 2, 3, 4]
    # Callers catching the shared e164 error type still catch it.
    assert isinstance(raised.value, InvalidPhoneNumberError)


def test_invalid_expected_message_is_bounded_for_a_list_of_junk():
    junk = ["junk-%d" % index for index in range(1000)]
    with pytest.raises(InvalidExpectedError) as raised:
        normalize_expected(junk)
    message = str(raised.value)
    assert "1000 invalid entries" in message
    assert "item 9 'junk-9'" in message
    assert "item 10 " not in message
    assert message.endswith("... and 990 more")


def test_unicode_junk_in_expected_is_rejected_not_normalised():
    # Arabic-Indic digits and a full-width plus look like a number but are not ASCII E.164.
    for value in (u"+\u0661\u0662\u0660\u0666\u0665\u0665\u0665\u0660\u0661\u0660\u0660", u"\uff0b12065550100",
                  u"+1206555\u200b0100x"):
        with pytest.raises(InvalidExpectedError) as raised:
            number_compliance([], [value])
        assert "item 0" in str(raised.value)


@pytest.mark.parametrize("expected", ["+12065550100", b"+12065550100", {"+12065550100": 1}, None, 5])
def test_expected_must_be_a_list(expected):
    with pytest.raises(InvalidExpectedError) as raised:
        number_compliance([], expected)
    assert "expected numbers must be a list" in str(raised.value)


# --------------------------------------------------------------------------- fact shapes


def test_inventory_hostvars_as_a_mapping_with_other_hosts_skipped():
    hostvars = {
        "+12065550100": hostvars_entry("+12065550100"),
        "+12065550101": hostvars_entry("+12065550101", status="Failed", order_id="order-2", order_status="Failed"),
        "localhost": {"inventory_hostname": "localhost", "ansible_connection": "local"},
        "web1": {"ansible_host": "10.0.0.1"},
    }
    result = number_compliance(hostvars, ["+12065550100", "+12065550101"])
    assert result["acquired"] == ["+12065550100"]
    assert result["failed"] == ["+12065550101"]
    assert result["counts"]["ordered"] == 2


def test_inventory_hostvars_as_a_list_with_a_custom_prefix():
    hosts = [hostvars_entry("+12065550100", prefix="voice_"), {"inventory_hostname": "localhost"}]
    result = number_compliance(hosts, ["+12065550100"], hostvars_prefix="voice_")
    assert result["acquired"] == ["+12065550100"]
    with pytest.raises(InvalidNumberFactsError):
        # With the default prefix the entry is not recognised; as a list entry without
        # inventory_hostname it cannot be another host, so it is an error, not silently "missing".
        number_compliance([{"voice_e164_phone_number": "+12065550100"}], ["+12065550100"])


def test_wrong_input_shapes_fail_clearly():
    with pytest.raises(InvalidNumberFactsError, match="neither 'e164_phone_number' nor 'chime_e164_phone_number'"):
        # phone_number_orders passed instead of phone_numbers
        number_compliance([{"phone_number_order_id": "o1", "ordered_phone_numbers": []}], ["+12065550100"])
    with pytest.raises(InvalidNumberFactsError, match="must be a mapping"):
        number_compliance(["+12065550100"], ["+12065550100"])
    with pytest.raises(InvalidNumberFactsError, match="got a string"):
        number_compliance("+12065550100", ["+12065550100"])
    with pytest.raises(InvalidNumberFactsError, match="single entry"):
        number_compliance(fact("+12065550100"), ["+12065550100"])


def test_a_number_listed_twice_takes_the_latest_update_whatever_the_input_order():
    old = fact("+12065550100", status="Failed", order_id="old", updated="2026-08-01T08:20:13.004Z")
    new = fact("+12065550100", status="Acquired", order_id="new", updated="2026-08-20T11:52:08.390Z")
    for facts in ([old, new], [new, old]):
        assert facts_by_number(facts)["+12065550100"][1:3] == ("Acquired", "new")
        assert number_compliance(facts, ["+12065550100"])["passed"] is True


def test_fact_numbers_that_are_not_e164_never_match_and_do_not_crash():
    result = number_compliance([fact("not a number"), fact("+1 206 555 0100")], ["+12065550100"])
    assert result["acquired"] == ["+12065550100"]
    assert result["unexpected"] == ["not a number"]


# --------------------------------------------------------------------------- inventory groups fast path


def inventory(numbers):
    """(hostvars, groups) as the inventory plugin would build them from {e164: status}."""
    hostvars = CountingHostvars()
    groups = {"all": [], "ungrouped": []}
    for e164, status in numbers.items():
        hostvars[e164] = hostvars_entry(e164, status=status, order_id="order-" + e164[-4:])
        groups.setdefault("chime_number_" + status.lower(), []).append(e164)
        groups["all"].append(e164)
    hostvars["localhost"] = {"inventory_hostname": "localhost"}
    return hostvars, groups


def test_groups_fast_path_reads_only_the_hosts_that_are_not_acquired():
    numbers = dict(("+1206555%04d" % index, "Acquired") for index in range(100))
    numbers["+12065550500"] = "Failed"
    numbers["+12065550501"] = "Processing"
    hostvars, groups = inventory(numbers)
    expected = sorted(numbers)[:50] + ["+12065550500", "+12065550501", "+12065550999"]
    result = number_compliance(hostvars, expected, groups=groups)
    assert sorted(hostvars.read) == ["+12065550500", "+12065550501"]
    assert result["failed"] == ["+12065550500"]
    assert result["processing"] == ["+12065550501"]
    assert result["missing"] == ["+12065550999"]
    assert len(result["acquired"]) == 50
    assert len(result["unexpected"]) == 50
    assert result["counts"]["ordered"] == 102
    # The same verdict as reading every host's variables.
    slow = number_compliance(dict(hostvars), expected)
    for key in EXPECTED_CATEGORIES + ("unexpected", "passed"):
        assert result[key] == slow[key], key
    assert [p["reason"] for p in result["problems"]] == [p["reason"] for p in slow["problems"]]


def test_groups_fast_path_reads_unexpected_hosts_only_when_they_are_problems():
    hostvars, groups = inventory({"+12065550100": "Acquired", "+12065550101": "Acquired"})
    number_compliance(hostvars, ["+12065550100"], groups=groups)
    assert hostvars.read == []
    result = number_compliance(hostvars, ["+12065550100"], fail_on_unexpected=True, groups=groups)
    assert hostvars.read == ["+12065550101"]
    assert result["problems"][0]["reason"] == "acquired in order order-0101 but not in the expected list"


def test_groups_fast_path_handles_hosts_without_the_plugins_variables():
    # A static inventory put a number in the acquired group without any chime_ variables.
    hostvars = {"+12065550100": {"inventory_hostname": "+12065550100"}}
    groups = {"chime_number_acquired": ["+12065550100"]}
    result = number_compliance(hostvars, ["+12065550100", "+12065550101"], fail_on_unexpected=True, groups=groups)
    assert result["acquired"] == ["+12065550100"]
    assert result["missing"] == ["+12065550101"]


def test_groups_need_the_hostvars_mapping():
    with pytest.raises(InvalidNumberFactsError, match="hostvars"):
        number_compliance([fact("+12065550100")], ["+12065550100"], groups={})
    with pytest.raises(InvalidNumberFactsError, match="groups must be a mapping"):
        number_compliance({}, ["+12065550100"], groups=["chime_number_acquired"])


# --------------------------------------------------------------------------- messages


def test_message_truncates_long_problem_lists_with_a_count():
    facts = [fact("+1206555%04d" % index, status="Failed") for index in range(120)]
    result = number_compliance(facts, [f["e164_phone_number"] for f in facts], max_listed=50)
    lines = result["message"].splitlines()
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "  ... and 70 more"
    assert len(result["problems"]) == 120
    assert compliance_message(result, max_listed=0).splitlines()[1] == "  ... and 120 more"


def test_message_grammar_for_one_number():
    result = number_compliance([], ["+12065550100"])
    assert result["message"].splitlines()[0] == "1 of 1 expected phone number is not acquired (1 missing):"


# --------------------------------------------------------------------------- properties

STATUSES = st.sampled_from(["Acquired", "Failed", "Processing", "Cancelled"])
NUMBERS = st.integers(min_value=0, max_value=60).map(lambda n: "+1206555%04d" % n)
FACTS = st.lists(st.tuples(NUMBERS, STATUSES, st.integers(min_value=0, max_value=5)), max_size=40).map(
    lambda rows: [fact(e164, status=status, order_id="order-%d" % order,
                       updated="2026-09-%02dT10:00:00.000Z" % (order + 1)) for e164, status, order in rows])
EXPECTED = st.lists(st.one_of(NUMBERS, NUMBERS.map(lambda e164: e164[:2] + " " + e164[2:5] + "-" + e164[5:])),
                    max_size=40)


@given(FACTS, EXPECTED, st.booleans())
def test_property_expected_numbers_are_partitioned(facts, expected, fail_on_unexpected):
    result = number_compliance(facts, expected, fail_on_unexpected=fail_on_unexpected)
    distinct = set(normalize_expected(expected)[0])
    seen = []
    for category in EXPECTED_CATEGORIES:
        seen.extend(result[category])
        assert result[category] == sorted(result[category])
        assert result["counts"][category] == len(result[category])
    assert sorted(seen) == sorted(distinct)
    assert len(seen) == len(set(seen))
    assert not set(result["unexpected"]) & distinct
    assert result["passed"] == (not result["problems"])
    assert result["passed"] == (len(result["acquired"]) == len(distinct)
                                and not (fail_on_unexpected and result["unexpected"]))


@given(FACTS, EXPECTED, st.randoms(use_true_random=False))
def test_property_answer_does_not_depend_on_input_order(facts, expected, rnd):
    before = number_compliance(facts, expected, fail_on_unexpected=True)
    shuffled_facts, shuffled_expected = list(facts), list(expected)
    rnd.shuffle(shuffled_facts)
    rnd.shuffle(shuffled_expected)
    assert number_compliance(shuffled_facts, shuffled_expected, fail_on_unexpected=True) == before


@given(FACTS, EXPECTED)
def test_property_duplicating_inputs_changes_nothing_but_the_duplicates(facts, expected):
    before = number_compliance(facts, expected)
    after = number_compliance(facts + facts, expected + expected)
    for key in EXPECTED_CATEGORIES + ("unexpected", "problems", "passed", "message"):
        assert after[key] == before[key]
    assert set(after["duplicates"]) == set(normalize_expected(expected)[0])


@given(FACTS, EXPECTED)
def test_property_module_fact_and_inventory_hostvars_give_the_same_verdict(facts, expected):
    latest = facts_by_number(facts)
    hostvars = dict((e164, hostvars_entry(e164, status=fields[1], order_id=fields[2], order_status=fields[3]))
                    for e164, fields in latest.items())
    from_module = number_compliance(facts, expected, fail_on_unexpected=True)
    from_inventory = number_compliance(hostvars, expected, fail_on_unexpected=True)
    for key in EXPECTED_CATEGORIES + ("unexpected", "passed"):
        assert from_inventory[key] == from_module[key]


def test_judge_handles_100000_expected_numbers_against_300000_ordered():
    # Not a timing assertion (tests/perf/bench_judge.py measures time): a quadratic judge would
    # take hours here instead of about a second.
    facts = [fact("+1206%07d" % index, status="Acquired" if index % 7 else "Failed") for index in range(300000)]
    expected = ["+1206%07d" % index for index in range(0, 300000, 3)]
    random.Random(0).shuffle(expected)
    result = number_compliance(facts, expected)
    assert result["counts"]["expected"] == 100000
    assert result["counts"]["acquired"] + result["counts"]["failed"] == 100000
    assert result["acquired"] == sorted(result["acquired"])
