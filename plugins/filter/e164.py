# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: e164
short_description: Normalise a phone number to E.164
version_added: 0.1.0
author:
  - Voiceops maintainers (@voiceops)
description:
  - Returns the canonical E.164 form of a phone number (C(+) then 7 to 15 digits, the first not C(0)), the form
    Amazon Chime uses and the form the modules, the inventory and the compliance filter compare.
  - Spaces, dashes, dots, slashes and parentheses people paste from spreadsheets are removed.
  - Integers are refused with a hint to quote the number. YAML reads an unquoted C(+12065550100) as the integer
    C(12065550100), an unquoted C(2065550101) the same way (so a missing C(+) cannot be told apart) and a leading
    C(0) as octal, so an integer may not be the number that was written.
  - Anything else fails with an error naming the value. Unicode look-alike digits are rejected, not converted.
options:
  _input:
    description: The phone number.
    type: raw
    required: true
seealso:
  - plugin: voiceops.chime.number_compliance
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Normalise one number
  ansible.builtin.debug:
    msg: "{{ '+1 (206) 555-0100' | voiceops.chime.e164 }}"  # "+12065550100"

- name: Normalise a list of numbers
  ansible.builtin.set_fact:
    expected_numbers: "{{ raw_numbers | map('voiceops.chime.e164') | unique | list }}"
  vars:
    raw_numbers: ["+1 206 555 0100", "+1.206.555.0101", "+1 (206) 555-0100"]
"""

RETURN = r"""
_value:
  description: The number in E.164 form.
  type: str
  sample: "+12065550100"
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164


def e164(value):
    try:
        return normalize_e164(value)
    except InvalidPhoneNumberError as error:
        raise AnsibleFilterError("e164: {0}".format(error))


class FilterModule(object):
    def filters(self):
        return {"e164": e164}
