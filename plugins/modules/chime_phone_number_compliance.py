#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by plugins/action/chime_phone_number_compliance.py, which runs
# voiceops.chime.chime_phone_number_order_info; this file is the documentation.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: chime_phone_number_compliance
short_description: Check that expected phone numbers are Acquired in Amazon Chime, waiting for Processing ones
version_added: 0.1.0
description:
  - Lists the latest status of every phone number ordered in the account with
    M(voiceops.chime.chime_phone_number_order_info) (C(include_orders=false)) and judges the expected numbers in one
    pass, exactly as the P(voiceops.chime.number_compliance#filter) filter does, without ever turning the listing into
    a variable. For a large account that is several seconds faster than registering the listing and filtering it,
    and what the C(voiceops.chime.assert_numbers_acquired) role uses.
  - With O(wait_timeout), lists again every O(poll_interval) seconds while an expected number is still
    C(Processing), until none is or the timeout has passed; then judges the last listing.
  - With O(report_dir), writes C(report.json), C(junit.xml) and C(summary.md) as
    M(voiceops.chime.chime_compliance_report) does.
  - Does not fail when numbers are not acquired; the result says so (C(passed) in RV(compliance)), so that the
    caller decides. It fails for invalid input, an API error (with the listing module's message, error code and IAM action),
    or a report directory it cannot write before listing.
  - Every option not listed here is passed to M(voiceops.chime.chime_phone_number_order_info) unchanged (the AWS
    connection options and, for example, O(voiceops.chime.chime_phone_number_order_info#module:max_attempts) or
    O(voiceops.chime.chime_phone_number_order_info#module:product_type)). Its
    O(voiceops.chime.chime_phone_number_order_info#module:phone_numbers) and
    O(voiceops.chime.chime_phone_number_order_info#module:include_orders) are refused, since the check needs every
    ordered number.
author:
  - Voiceops maintainers (@voiceops)
options:
  expected:
    description:
      - The phone numbers that must be Acquired, in E.164 form, with or without separators. Duplicates count once.
      - An entry that is not a phone number fails the task before any API call, naming every such entry and its
        position.
    type: list
    elements: raw
    required: true
  fail_on_unexpected:
    description:
      - Count acquired numbers that are not expected as problems too.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to keep listing while an expected number is C(Processing). V(0) judges the first listing.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds between two listings while waiting, at least 1.
    type: int
    default: 10
  max_listed:
    description:
      - How many problems the C(message) of RV(compliance) names before C(... and N more).
    type: int
    default: 50
  report_dir:
    description:
      - Write the reports into this directory on the controller (created if missing). It is checked before the
        first listing; a directory that cannot be created or written fails the task, naming it.
      - If writing fails after the judgement (for example a full disk), the task still returns the result, with
        RV(report_error).
    type: path
  report_formats:
    description:
      - Which reports to write with O(report_dir).
    type: list
    elements: str
    choices: [json, junit, markdown]
    default: [json, junit, markdown]
  suite_name:
    description:
      - The JUnit test suite name.
    type: str
    default: voiceops.chime.assert_numbers_acquired
  listing_options:
    description:
      - Options for M(voiceops.chime.chime_phone_number_order_info), merged over the task's other options.
      - For callers that build the options from variables which may be unset (such as the role). Setting a task
        option to C(omit) does not fall back to C(module_defaults) (Ansible drops the option after defaults were
        applied), so pass only the options that are set here and leave the rest to C(module_defaults).
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
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
    details: The listing only reads; in check mode no report is written.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Needs the IAM action C(chime:ListPhoneNumberOrders).
  - C(module_defaults) for C(group/voiceops.chime.chime) apply to this module as to the listing module, and are
    passed on to it. Defaults set only for C(group/amazon.aws.aws) do not reach it (the extension works the other
    way round; our group's defaults also reach amazon.aws modules).
  - Reports never contain credentials.
seealso:
  - module: voiceops.chime.chime_phone_number_order_info
  - module: voiceops.chime.chime_compliance_report
  - plugin: voiceops.chime.number_compliance
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Check the expected numbers and write reports for CI
  voiceops.chime.chime_phone_number_compliance:
    expected: "{{ lookup('ansible.builtin.file', 'expected_numbers.txt').splitlines() }}"
    report_dir: reports/chime
  register: chime_check

- name: Fail naming every number that is not acquired
  ansible.builtin.assert:
    that: chime_check.compliance.passed
    fail_msg: "{{ chime_check.compliance.message }}"
    quiet: true

- name: Chime SDK Voice in eu-central-1, waiting up to 10 minutes for numbers being provisioned
  voiceops.chime.chime_phone_number_compliance:
    api: chime_sdk_voice
    region: eu-central-1
    expected: ["+4930555012345"]
    wait_timeout: 600
    poll_interval: 30
    fail_on_unexpected: true
  register: chime_check
"""

RETURN = r"""
compliance:
  description:
    - The judgement, exactly as the P(voiceops.chime.number_compliance#filter) filter returns it (see there for every
      key), with C(passed), C(acquired), C(failed), C(processing), C(missing), C(unexpected), C(duplicates),
      C(problems), C(counts), C(fail_on_unexpected) and C(message).
  returned: success
  type: dict
  sample:
    passed: false
    acquired: ["+12065550100"]
    failed: ["+13125550123"]
    processing: []
    missing: ["+15035550199"]
    unexpected: []
    duplicates: []
    problems:
      - e164_phone_number: "+13125550123"
        category: failed
        reason: number status Failed in order b7f3e2d1 (order status Partial)
        number_status: Failed
        phone_number_order_id: b7f3e2d1
        order_status: Partial
      - e164_phone_number: "+15035550199"
        category: missing
        reason: not in any phone number order
    counts: {expected: 3, acquired: 1, failed: 1, processing: 0, missing: 1, unexpected: 0, duplicates: 0,
             problems: 2, ordered: 2}
    fail_on_unexpected: false
    message: "2 of 3 expected phone numbers are not acquired (1 failed, 1 missing): ..."
polls:
  description: How many listings were made.
  returned: always
  type: int
  sample: 1
pages:
  description: How many list calls the last listing made.
  returned: success
  type: int
  sample: 102
timing:
  description: Clock readings in seconds since the epoch (C(started), C(listed), C(judged)) and C(polls).
  returned: success
  type: dict
  sample: {started: 1795780828.85, listed: 1795780832.35, judged: 1795780832.56, polls: 1}
report_files:
  description: The path of each report written, by format.
  returned: when O(report_dir) is set and the reports were written
  type: dict
  sample: {json: /builds/reports/chime/report.json, junit: /builds/reports/chime/junit.xml,
           markdown: /builds/reports/chime/summary.md}
changed_files:
  description: The reports whose content changed (or would change, in check mode).
  returned: when O(report_dir) is set and the reports were written
  type: list
  elements: str
removed_reports:
  description:
    - The reports of an earlier run removed from O(report_dir) because this run's listing failed, so that a CI
      job cannot publish an old verdict as this run's.
  returned: when O(report_dir) is set and the listing failed
  type: list
  elements: str
report_error:
  description: Why the reports could not be written after the judgement.
  returned: when writing the reports failed
  type: str
error_code:
  description: The API error code, when the listing failed.
  returned: on API failure
  type: str
  sample: ForbiddenException
iam_action:
  description: The IAM action of the call that failed.
  returned: on API failure
  type: str
  sample: chime:ListPhoneNumberOrders
"""
