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
  - Writes the reports of a phone number compliance check into a directory on the Ansible controller, as one set
    with one verdict. Exactly one of O(result), O(error) or O(hosts) says what the verdict is.
  - O(result), a result of the P(voiceops.chime.number_compliance#filter) filter, gives verdict C(passed) or
    C(failed). O(error) gives verdict C(error), "could not check", with the reason. O(hosts) gives the aggregate of
    several check targets, read from each host's C(assert_numbers_acquired_result) (see O(result_var)).
  - C(report.json) holds the verdict, the whole result (or the error), the inputs of the check and its timings; its
    JSON Schema ships in the collection (C(docs/schemas/report.schema.json)). C(junit.xml) has one test case per
    expected number; a number that is not acquired is a failure whose message is the reason, and an error is an
    C(<error>) element, so any CI system that reads JUnit shows it. An aggregate has one test suite per host, named
    after it. C(summary.md) is a table for people. See the collection's C(docs/reports.md) for every field.
  - The files are one verdict, written all or none, never beside an earlier verdict. Each is built first, then
    renamed into place; report files of another format left from an earlier run are removed. If anything fails, no
    report is left (neither new nor old) and the task fails naming the file and the cause.
  - Inputs whose name looks like a credential (C(secret), C(token), C(password), C(access_key), C(session), ...)
    are never written, user info is removed from URLs, and credential values are masked wherever they appear.
  - The directory is created (with its parents) if it does not exist. A directory that cannot be created or written
    fails the task with a message naming it.
  - Writing reports is not a change, so the task reports C(changed=false); reports are outputs, not managed state.
  - Used by the C(voiceops.chime.assert_numbers_acquired) role when its C(assert_numbers_acquired_report_dir) or
    C(assert_numbers_acquired_summary_dir) is set.
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
  error:
    description:
      - Why the check could not run, as C(message) and optionally C(error_code), C(iam_action) and C(http_status).
    type: dict
    version_added: 0.2.0
  hosts:
    description:
      - The check targets of an aggregate report, usually C(ansible_play_hosts_all). Each host's O(result_var) is
        read from C(hostvars); a host without it (it failed before its check) is an error suite.
    type: list
    elements: str
    version_added: 0.2.0
  result_var:
    description:
      - With O(hosts), the variable of each host that holds its outcome.
    type: str
    default: assert_numbers_acquired_result
    version_added: 0.2.0
  host_report_dir:
    description:
      - With O(hosts), the per-host report directory root recorded for each host (C(<host_report_dir>/<host>) when
        there are several hosts), so that the aggregate points at each host's own reports.
    type: str
    version_added: 0.2.0
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
      - The JUnit test suite name, also the prefix of each test case's class name (of an aggregate, the name of the
        C(testsuites) element).
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
    details: Builds the reports (so bad input fails) and writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: Always writes on the controller, whatever host the task runs for.
seealso:
  - plugin: voiceops.chime.number_compliance
    plugin_type: filter
  - module: voiceops.chime.chime_phone_number_order_info
  - module: voiceops.chime.chime_phone_number_compliance
notes:
  - The reports hold phone numbers and order ids, no credentials.
  - The aggregate needs every host judged before it runs, which C(run_once) gives with the linear strategy (the
    default). With the C(free) strategy or C(serial), hosts not judged yet appear as errors.
"""

EXAMPLES = r"""
- name: List the latest status of every ordered number, with what the account holds now
  voiceops.chime.chime_phone_number_order_info:
    include_orders: false
    current_state: true
  register: chime_listing

- name: Judge
  ansible.builtin.set_fact:
    compliance: "{{ chime_listing.phone_numbers | voiceops.chime.number_compliance(['+12065550100']) }}"

- name: Write report.json, junit.xml and summary.md for the CI job to collect
  voiceops.chime.chime_compliance_report:
    path: reports/chime
    result: "{{ compliance }}"
    inputs:
      api: chime_sdk_voice
      source: module
  run_once: true

- name: Only the JUnit report
  voiceops.chime.chime_compliance_report:
    path: reports
    result: "{{ compliance }}"
    formats: [junit]
    suite_name: chime-numbers-production
  run_once: true

- name: Say that the check could not run (dashboards then show "could not check", not an old verdict)
  voiceops.chime.chime_compliance_report:
    path: reports/chime
    error:
      message: the expected numbers file could not be read
      error_code: NoExpectedList

- name: One aggregate of every target of the play, after each has set assert_numbers_acquired_result
  voiceops.chime.chime_compliance_report:
    path: reports/summary
    hosts: "{{ ansible_play_hosts_all }}"
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
path:
  description: The absolute report directory.
  returned: always
  type: str
  sample: /builds/reports/chime
verdict:
  description: The verdict written, V(passed), V(failed) or V(error).
  returned: always
  type: str
  sample: failed
passed:
  description: Whether the verdict is V(passed).
  returned: always
  type: bool
  sample: false
summary:
  description: With O(hosts), the aggregate verdict and each host's verdict.
  returned: when O(hosts) is given
  type: dict
  sample: {verdict: failed, passed: false, hosts: {prod-us-east-1: passed, staging: failed}}
"""
