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
short_description: Check that expected phone numbers are acquired in Amazon Chime, now, waiting for processing ones
version_added: 0.1.0
description:
  - Lists the latest status of every phone number ordered in the account and, with O(current_state) (the
    default), the numbers the account holds now, with M(voiceops.chime.chime_phone_number_order_info), and judges
    the expected numbers in one pass, exactly as the P(voiceops.chime.number_compliance#filter) filter does, without
    ever turning the listing into a variable. For a large account that is several seconds faster than registering
    the listing and filtering it, and what the C(voiceops.chime.assert_numbers_acquired) role uses.
  - With O(wait_timeout), lists again every O(poll_interval) seconds while an expected number is still processing,
    until none is or the timeout has passed; then judges the last listing. Each poll prints one progress line (the
    poll, how many expected numbers are still processing, the time to the next poll and to the deadline).
  - With O(report_dir), writes C(report.json), C(junit.xml) and C(summary.md) as one set, as
    M(voiceops.chime.chime_compliance_report) does. A run that cannot check (a refused input once the directory is
    known, a failed listing, an unexpected error) replaces the set there with an error set (verdict C(error)), so the
    directory always shows this run's outcome. Nothing is written once the controller that started the run is gone.
  - Does not fail when numbers are not acquired; the result says so (C(passed) in RV(compliance) and RV(check)), so
    that the caller decides. It fails for invalid input, an API error (with the listing module's message, error code
    and IAM action), or a report directory it cannot write before listing; RV(check) then says why.
  - The same input rules as every entry point of the collection apply before any call. An empty O(expected) is
    refused unless O(fail_on_unexpected=true). The listing module's filters (C(phone_numbers), C(order_status),
    C(product_type), C(phone_number_order_ids)) are refused, since a filtered listing would judge part of the
    account.
  - Every other option is passed to M(voiceops.chime.chime_phone_number_order_info) unchanged, that is the AWS
    connection options and the retry options, for example
    O(voiceops.chime.chime_phone_number_order_info#module:max_attempts) or
    O(voiceops.chime.chime_phone_number_order_info#module:retry_max_delay). Its
    O(voiceops.chime.chime_phone_number_order_info#module:include_orders) is refused too, since the check sets it.
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
  current_state:
    description:
      - Cross-check the account's current numbers (C(ListPhoneNumbers); IAM action C(chime:ListPhoneNumbers)). A
        number counts as acquired only while the account holds it; one an order acquired that the account no longer
        holds, or is releasing, is C(released).
      - V(false) judges on order history alone, which misses every number deleted since its order.
    type: bool
    default: true
    version_added: 0.2.0
  wait_timeout:
    description:
      - Seconds to keep listing while an expected number is processing. V(0) judges the first listing. At most
        86400.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds between two listings while waiting, from 1 to 3600.
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
        RV(report_error), and no report is left in the directory (neither new nor old).
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
  - Needs the IAM actions C(chime:ListPhoneNumberOrders) and, with O(current_state=true), C(chime:ListPhoneNumbers).
  - Writing reports is not a change; the task always reports C(changed=false).
  - The listing module's warnings (for example for O(validate_certs=false) or for
    O(voiceops.chime.chime_phone_number_order_info#module:api=chime)) are this task's warnings, once each however
    many polls there are, on every supported ansible-core version.
  - The check never writes reports after the controller (C(ansible-playbook)) that started it is gone, for
    example killed with C(SIGKILL). A worker killed at the same moment simply stops; the limit is that a directory
    may then keep the previous run's set.
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
check:
  description:
    - The outcome on every path, what the role sets as C(assert_numbers_acquired_result). After a judgement, the
      RV(compliance) result plus C(verdict) (V(passed) or V(failed)). When the check could not run, C(passed=false),
      C(verdict=error), C(message), C(error_code), C(iam_action) and C(http_status), and no category lists.
  returned: always
  type: dict
  sample: {passed: false, verdict: error, message: "chime:ListPhoneNumberOrders denied (ForbiddenException, HTTP 403): ...",
           error_code: ForbiddenException, iam_action: "chime:ListPhoneNumberOrders", http_status: 403}
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
removed_reports:
  description:
    - The reports of an earlier run removed from O(report_dir) because this run could not check and not even an
      error set could be written there, so that a CI job cannot publish an old verdict as this run's.
  returned: when an error set could not be written
  type: list
  elements: str
phone_number_pages:
  description: How many C(ListPhoneNumbers) calls the last listing made.
  returned: when O(current_state=true) and the listing succeeded
  type: int
  sample: 301
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
