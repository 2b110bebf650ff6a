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
    and returns, in one linear pass, which expected numbers are acquired, failed, still processing or missing,
    which acquired numbers nobody expected, and whether the check passed.
  - The input is either the RV(voiceops.chime.chime_phone_number_order_info#module:phone_numbers) list returned
    by M(voiceops.chime.chime_phone_number_order_info), or inventory hostvars of the
    P(voiceops.chime.chime_phone_numbers#inventory) inventory plugin, as a list of host variable mappings or as a
    mapping of host name to variables (for example C(hostvars)). In the mapping form, hosts without
    C(<hostvars_prefix>e164_phone_number) are other hosts of the inventory and are ignored; only the
    few variables the judge needs are read from each host.
  - Expected numbers are normalised to E.164 first, so C(+1 206-555-0100), C(+1 206 555 0100) and the
    integer C(12065550100) (what YAML makes of an unquoted C(+12065550100)) all mean C(+12065550100).
    Duplicates count once and are listed in RV(_value.duplicates).
  - If one number appears in several input entries, the entry with the latest C(updated_timestamp) wins, so the
    answer never depends on the order of the input.
  - Fails with an error naming every invalid expected entry and its position, before judging anything.
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
    type: dict
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
      description: Expected numbers whose latest status is C(Acquired).
      type: list
      elements: str
    failed:
      description: Expected numbers whose latest status is anything else but C(Processing), usually C(Failed).
      type: list
      elements: str
    processing:
      description: Expected numbers still C(Processing).
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
          description: V(failed), V(processing), V(missing) or V(unexpected).
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
    counts:
      description: The length of each list, plus C(expected) (distinct expected numbers), C(ordered) (distinct numbers
        in the input) and C(problems).
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


def number_compliance(phone_numbers, expected, fail_on_unexpected=False,
                      hostvars_prefix=DEFAULT_HOSTVARS_PREFIX, max_listed=DEFAULT_MAX_LISTED, groups=None):
    try:
        fail_on_unexpected = boolean(fail_on_unexpected, strict=True)
    except TypeError as error:
        raise AnsibleFilterError("number_compliance: fail_on_unexpected must be a boolean: {0}".format(error))
    if not isinstance(hostvars_prefix, str):
        raise AnsibleFilterError("number_compliance: hostvars_prefix must be a string, got {0}".format(
            type(hostvars_prefix).__name__))
    try:
        max_listed = int(max_listed)
    except (TypeError, ValueError):
        raise AnsibleFilterError("number_compliance: max_listed must be an integer, got {0!r}".format(max_listed))
    try:
        return judge(phone_numbers, expected, fail_on_unexpected=fail_on_unexpected,
                     hostvars_prefix=hostvars_prefix, max_listed=max_listed, groups=groups)
    except (InvalidPhoneNumberError, InvalidNumberFactsError) as error:
        raise AnsibleFilterError("number_compliance: {0}".format(error))


class FilterModule(object):
    def filters(self):
        return {"number_compliance": number_compliance}
