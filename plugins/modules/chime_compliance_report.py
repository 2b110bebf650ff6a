#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by plugins/action/chime_compliance_report.py; this file is
# the documentation ansible-doc and the docs site read.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: chime_compliance_report
short_description: Write phone number compliance reports (JSON, JUnit XML, Markdown) on the controller
version_added: 0.1.0
description:
  - Writes the reports of a phone number compliance check, from a result of the
    P(voiceops.chime.number_compliance#filter) filter, into a directory on the Ansible controller.
  - C(report.json) holds the whole result, the inputs of the check and its timings. C(junit.xml) has one test case
    per expected number; a number that is not acquired is a failure whose message is the reason, so any CI system
    that reads JUnit shows it (when the result was judged with C(fail_on_unexpected=true), unexpected numbers are failing test cases too).
    C(summary.md) is a table for people.
  - Each file is written to a temporary file in the same directory and renamed over the old one, so a reader never
    sees half a report. A file whose content would not change is left alone.
  - Inputs whose name looks like a credential (C(secret), C(token), C(password), C(access_key), C(session), ...)
    are never written, and user info is removed from URLs.
  - The directory is created (with its parents) if it does not exist. A directory that cannot be created or written
    fails the task with a message naming it.
  - Used by the C(voiceops.chime.assert_numbers_acquired) role when its C(assert_numbers_acquired_report_dir) is set.
author:
  - Voiceops maintainers (@voiceops)
options:
  path:
    description:
      - The directory to write the reports in, on the controller. A relative path is relative to the directory
        C(ansible-playbook) was started in; C(~) is expanded.
    type: path
    required: true
  result:
    description:
      - The result of P(voiceops.chime.number_compliance#filter), unchanged.
    type: dict
    required: true
  inputs:
    description:
      - What the check was run with, recorded in the reports (for example C(api), C(region), C(profile),
        C(endpoint_url), C(source), C(fail_on_unexpected), C(wait_timeout)).
      - Never pass credentials; names that look like one are dropped anyway.
    type: dict
    default: {}
  timing:
    description:
      - Clock readings of the check, in seconds since the epoch, and how many listings were made.
      - C(started) before the first listing, C(listed) after the last, C(judged) after the judge, C(polls) the
        number of listings. The reports show them as UTC instants and durations.
    type: dict
    default: {}
  formats:
    description:
      - Which reports to write. V(json) is C(report.json), V(junit) is C(junit.xml), V(markdown) is C(summary.md).
    type: list
    elements: str
    choices: [json, junit, markdown]
    default: [json, junit, markdown]
  suite_name:
    description:
      - The JUnit test suite name, also the prefix of each test case's class name.
    type: str
    default: voiceops.chime.assert_numbers_acquired
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reports whether any file would change, and writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: Always writes on the controller, whatever host the task runs for.
seealso:
  - plugin: voiceops.chime.number_compliance
    plugin_type: filter
  - module: voiceops.chime.chime_phone_number_order_info
notes:
  - The reports hold phone numbers and order ids, no credentials.
"""

EXAMPLES = r"""
- name: List the latest status of every ordered number
  voiceops.chime.chime_phone_number_order_info:
    include_orders: false
  register: chime_listing

- name: Judge
  ansible.builtin.set_fact:
    compliance: "{{ chime_listing.phone_numbers | voiceops.chime.number_compliance(['+12065550100']) }}"

- name: Write report.json, junit.xml and summary.md for the CI job to collect
  voiceops.chime.chime_compliance_report:
    path: "{{ lookup('ansible.builtin.env', 'CI_PROJECT_DIR') }}/reports/chime"
    result: "{{ compliance }}"
    inputs:
      api: chime
      source: module
  run_once: true

- name: Only the JUnit report
  voiceops.chime.chime_compliance_report:
    path: reports
    result: "{{ compliance }}"
    formats: [junit]
    suite_name: chime-numbers-production
  run_once: true
"""

RETURN = r"""
files:
  description: The absolute path of each report, by format (V(json), V(junit), V(markdown)).
  returned: always
  type: dict
  sample:
    json: /builds/reports/chime/report.json
    junit: /builds/reports/chime/junit.xml
    markdown: /builds/reports/chime/summary.md
changed_files:
  description: The reports whose content changed (or, in check mode, would change).
  returned: always
  type: list
  elements: str
  sample: [/builds/reports/chime/report.json]
path:
  description: The absolute report directory.
  returned: always
  type: str
  sample: /builds/reports/chime
passed:
  description: Whether the compliance result in the reports passed.
  returned: always
  type: bool
  sample: false
"""
