# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: number_compliance
short_description: Judge which expected phone numbers are acquired, and why the others are not
version_added: 0.1.0
author:
  - Voiceops maintainers (@voiceops)
description:
  - Takes the latest status of every ordered phone number and a list of numbers the business expects to own,
    and returns, in one linear pass, which expected numbers are acquired, released, failed, still processing or
    missing, which acquired numbers nobody expected, and whether the check passed.
  - When the input carries the account's current state (the module's O(voiceops.chime.chime_phone_number_order_info#module:current_state)
    or the inventory plugin's C(current_state) option), the verdict is on the account as it is now. A number
    counts as acquired only while the account holds it (C(Unassigned) or C(Assigned)); one an order acquired that
    the account no longer holds, or is releasing, is C(released). Without it, the verdict is on order history
    only, and the message says so.
  - The input is either the RV(voiceops.chime.chime_phone_number_order_info#module:phone_numbers) list returned
    by M(voiceops.chime.chime_phone_number_order_info), or inventory hostvars of the
    P(voiceops.chime.chime_phone_numbers#inventory) inventory plugin, as a list of host variable mappings or as a
    mapping of host name to variables (for example C(hostvars)). In the mapping form, hosts without
    C(<hostvars_prefix>e164_phone_number) are other hosts of the inventory and are ignored; only the
    few variables the judge needs are read from each host.
  - Expected numbers are normalised to E.164 first, so C(+1 206-555-0100) and C(+1 206 555 0100) both mean
    C(+12065550100). Integers are refused with a hint to quote the number (YAML reads an unquoted C(+12065550100)
    as an integer, and a leading C(0) as octal). Duplicates count once and are listed in RV(_value.duplicates).
  - An empty O(expected) is refused unless O(fail_on_unexpected=true), since it would check nothing.
  - If one number appears in several input entries, the entry with the latest C(updated_timestamp) wins, so the
    answer never depends on the order of the input.
  - Fails with an error naming every invalid expected entry and its position (counting from 1), before judging
    anything.
  - The result's strings are marked unsafe, so text from the service (an order id) is never templated.
positional: expected
options:
  _input:
    description:
      - The per-number facts, see above.
    type: raw
    required: true
  expected:
    description:
      - The phone numbers that must be acquired, in E.164 form, with or without separators.
    type: list
    elements: raw
    required: true
  fail_on_unexpected:
    description:
      - Also count acquired numbers that are not in O(expected) as problems, so the check fails on them.
      - Unexpected numbers are always listed in RV(_value.unexpected), whatever this says.
    type: bool
    default: false
  hostvars_prefix:
    description:
      - The prefix of the inventory plugin's host variables (its C(hostvars_prefix) option).
    type: str
    default: chime_
  max_listed:
    description:
      - How many problems RV(_value.message) names before it ends with C(... and N more).
      - RV(_value.problems) always lists them all.
    type: int
    default: 50
  groups:
    description:
      - The inventory's C(groups), when the input is the inventory's C(hostvars). The filter then learns which
        numbers are C(Acquired) from the inventory plugin's default C(chime_number_acquired) group and reads
        host variables only for the expected numbers that are not, and with O(fail_on_unexpected) for the
        unexpected ones.
      - Much faster for large inventories, because Ansible computes all of a host's variables each time one is
        read (about 0.2 ms a host, several seconds for 30,000 numbers).
      - Needs the hosts to be named by their E.164 number, as the inventory plugin names them.
      - A number in two status groups (two sources that disagree) is judged by its host variables, which the
        plugin keeps from the most recently updated order.
    type: dict
  current_state:
    description:
      - Whether the input carries the account's current state. By default it is taken from the input (with
        O(groups), from the presence of C(chime_account_*) groups). V(true) fails when some entry lacks it; V(false)
        judges on order history only.
    type: bool
  max_age:
    description:
      - With O(groups), refuse inventory data listed more than this many seconds ago (the inventory plugin's
        C(chime_listed_at_<time>) groups say when; a cached inventory shows the time of the cached listing). Unset,
        any age is judged.
    type: int
    version_added: 0.2.0
  skipped:
    description:
      - Parts of the account that were not listed, as a list of C({region, message}) mappings. Any entry makes the
        check fail, since a verdict on part of the account is not a verdict.
    type: list
    elements: dict
seealso:
  - module: voiceops.chime.chime_phone_number_order_info
  - plugin: voiceops.chime.chime_phone_numbers
    plugin_type: inventory
  - plugin: voiceops.chime.e164
    plugin_type: filter
  - module: voiceops.chime.chime_compliance_report
    description: Writes this result as report.json, junit.xml and summary.md.
"""

EXAMPLES = r"""
- name: List only what the judge needs
  voiceops.chime.chime_phone_number_order_info:
    include_orders: false
  register: chime_listing

- name: Judge the expected numbers
  ansible.builtin.set_fact:
    compliance: "{{ chime_listing.phone_numbers | voiceops.chime.number_compliance(expected_numbers) }}"
  vars:
    expected_numbers:
      - "+1 206 555 0100"
      - "+12065550101"

- name: Fail naming every number that is not acquired
  ansible.builtin.assert:
    that: compliance.passed
    fail_msg: "{{ compliance.message }}"
    quiet: true

- name: The same judgement from the voiceops.chime.chime_phone_numbers inventory, failing on extra numbers too
  ansible.builtin.debug:
    msg: "{{ hostvars | voiceops.chime.number_compliance(expected_numbers, fail_on_unexpected=true, groups=groups) }}"
  vars:
    expected_numbers: ["+12065550100"]

- name: Judge a few hosts' variables picked by hand (slower on large inventories than passing groups)
  ansible.builtin.debug:
    msg: "{{ groups['chime_number_failed'] | map('extract', hostvars) | voiceops.chime.number_compliance(expected_numbers) }}"
  vars:
    expected_numbers: ["+12065550100"]
"""

RETURN = r"""
_value:
  description: The compliance result. Every list of numbers is sorted.
  type: dict
  contains:
    passed:
      description: True when there is no problem (every expected number acquired, and with O(fail_on_unexpected) no
        unexpected number).
      type: bool
    acquired:
      description: Expected numbers whose latest status is C(Acquired); with the current state, those the account
        holds now (C(Unassigned) or C(Assigned)).
      type: list
      elements: str
    released:
      description: With the current state, expected numbers an order acquired that the account no longer holds or
        is releasing (C(ReleaseInProgress), C(DeleteInProgress), C(ReleaseFailed), C(DeleteFailed)).
      type: list
      elements: str
    failed:
      description: Expected numbers whose latest status is anything else but C(Processing), usually C(Failed); with
        the current state also C(AcquireFailed) and C(Cancelled) (and any account status this version does not know).
      type: list
      elements: str
    processing:
      description: Expected numbers still C(Processing); with the current state also C(AcquireInProgress),
        C(PortinInProgress) and C(PortinCancelRequested).
      type: list
      elements: str
    missing:
      description: Expected numbers that are in no phone number order.
      type: list
      elements: str
    unexpected:
      description: Acquired numbers that are not expected.
      type: list
      elements: str
    duplicates:
      description: Expected numbers listed more than once (after normalisation).
      type: list
      elements: str
    problems:
      description: One entry per offending number, sorted by number.
      type: list
      elements: dict
      contains:
        e164_phone_number:
          description: The number.
          type: str
        category:
          description: V(released), V(failed), V(processing), V(missing) or V(unexpected).
          type: str
        reason:
          description: Why, for a person, for example C(not in any phone number order).
          type: str
        number_status:
          description: The latest status of the number. Absent for missing numbers.
          type: str
        phone_number_order_id:
          description: The order that status comes from. Absent for missing numbers.
          type: str
        order_status:
          description: The status of that order. Absent for missing numbers.
          type: str
        account_status:
          description: With the current state, the number's status in the account now (null when it no longer
            holds it).
          type: str
        deletion_timestamp:
          description: With the current state, when the account deletes the number, if it is in the deletion queue.
          type: str
    skipped:
      description: The O(skipped) parts, sorted by region.
      type: list
      elements: dict
    current_state:
      description: Whether the verdict is on the account's current state (true) or on order history only.
      type: bool
    counts:
      description: The length of each list, plus C(expected) (distinct expected numbers), C(ordered) (distinct numbers
        in the input), C(problems) and C(skipped).
      type: dict
    fail_on_unexpected:
      description: The O(fail_on_unexpected) the result was judged with.
      type: bool
    message:
      description: A summary for people, naming each problem with its reason, at most O(max_listed) of them.
      type: str
      sample: |-
        2 of 3 expected phone numbers are not acquired (1 failed, 1 missing):
          +12065550101 failed: number status Failed in order 1d2c (order status Failed)
          +12065550102 missing: not in any phone number order
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_HOSTVARS_PREFIX
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_MAX_LISTED
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import InvalidNumberFactsError
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance as judge
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.kinds import describe_value
from ansible_collections.voiceops.chime.plugins.plugin_utils.unsafe import make_unsafe


def _optional_boolean(name, value):
    if value is None:
        return None
    try:
        return boolean(value, strict=True)
    except TypeError as error:
        raise AnsibleFilterError("number_compliance: {0} must be a boolean: {1}".format(name, error))


def number_compliance(
    phone_numbers,
    expected,
    fail_on_unexpected=False,
    hostvars_prefix=DEFAULT_HOSTVARS_PREFIX,
    max_listed=DEFAULT_MAX_LISTED,
    groups=None,
    current_state=None,
    skipped=None,
    max_age=None,
):
    fail_on_unexpected = _optional_boolean("fail_on_unexpected", fail_on_unexpected)
    if max_age is not None:
        # int() alone would turn True into 1 and 90.7 into 90: only whole numbers, or their text, are seconds.
        try:
            if isinstance(max_age, bool) or not isinstance(max_age, (int, str)):
                raise ValueError(max_age)
            max_age = int(max_age)
        except (TypeError, ValueError):
            raise AnsibleFilterError(
                "number_compliance: max_age must be a whole number of seconds, got {0!r}".format(max_age)
            )
    current_state = _optional_boolean("current_state", current_state)
    if not isinstance(hostvars_prefix, str):
        raise AnsibleFilterError(
            "number_compliance: hostvars_prefix must be a string, got {0}".format(describe_value(hostvars_prefix))
        )
    try:
        max_listed = int(max_listed)
    except (TypeError, ValueError):
        raise AnsibleFilterError("number_compliance: max_listed must be an integer, got {0!r}".format(max_listed))
    try:
        result = judge(
            phone_numbers,
            expected,
            fail_on_unexpected=bool(fail_on_unexpected),
            hostvars_prefix=hostvars_prefix,
            max_listed=max_listed,
            groups=groups,
            current_state=current_state,
            skipped=skipped,
            max_age=max_age,
        )
    except (InvalidPhoneNumberError, InvalidNumberFactsError, ValueError) as error:
        raise AnsibleFilterError("number_compliance: {0}".format(error))
    # The result quotes service data (order ids, statuses, reasons built from them): never a template.
    return make_unsafe(result)


class FilterModule(object):
    def filters(self):
        return {"number_compliance": number_compliance}
