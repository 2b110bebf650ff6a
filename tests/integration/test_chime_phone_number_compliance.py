# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""voiceops.chime.chime_phone_number_compliance (list + judge + reports in one action) used directly."""

from __future__ import annotations

import json

import pytest

TASK = "Check the numbers"


def api_order(order_id, numbers, status="Successful"):
    return {
        "PhoneNumberOrderId": order_id,
        "ProductType": "VoiceConnector",
        "Status": status,
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": s} for e164, s in numbers],
        "CreatedTimestamp": "2026-09-14T16:02:11.482Z",
        "UpdatedTimestamp": "2026-09-14T16:09:40.107Z",
    }


ORDERS = [api_order("o1", [("+12065550100", "Acquired"), ("+12065550101", "Failed")], status="Partial")]


def play(task_args, module_defaults=None):
    defaults = ""
    if module_defaults:
        defaults = "  module_defaults:\n    voiceops.chime.chime_phone_number_compliance: %s\n" % json.dumps(
            module_defaults
        )
    return """
- name: Check
  hosts: localhost
  gather_facts: false
{defaults}  tasks:
    - name: {task}
      voiceops.chime.chime_phone_number_compliance: {args}
""".format(defaults=defaults, task=TASK, args=json.dumps(task_args))


def test_returns_the_verdict_without_failing_and_takes_module_defaults(emulator, run_ansible):
    emulator.set_orders(ORDERS)
    result = run_ansible.playbook(
        play(
            {"expected": ["+12065550100", "+12065550101"]},
            module_defaults={"endpoint_url": emulator.url, "max_attempts": 2},
        )
    )
    assert result.returncode == 0, result.stdout + result.stderr
    task = result.task(TASK)
    assert task["changed"] is False
    assert task["compliance"]["passed"] is False
    assert task["compliance"]["failed"] == ["+12065550101"]
    assert task["polls"] == 1 and task["pages"] == 1
    assert set(task["timing"]) == {"started", "listed", "judged", "polls"}
    # The listing itself never comes back.
    assert "phone_numbers" not in task and "invocation" not in task


def test_listing_options_override_the_task_options(emulator, run_ansible):
    emulator.set_orders(ORDERS)
    result = run_ansible.playbook(
        play(
            {
                "expected": ["+12065550100"],
                "endpoint_url": "http://127.0.0.1:9",
                "listing_options": {"endpoint_url": emulator.url},
            }
        )
    )
    assert result.returncode == 0, result.stdout
    assert result.task(TASK)["compliance"]["passed"] is True


@pytest.mark.parametrize(
    "option, value",
    [
        ("phone_numbers", ["+12065550100"]),
        ("order_status", ["Successful"]),
        ("product_type", ["VoiceConnector"]),
        ("phone_number_order_ids", ["o1"]),
    ],
)
def test_options_that_would_hide_numbers_are_refused(emulator, run_ansible, option, value):
    result = run_ansible.playbook(play({"expected": ["+12065550100"], "endpoint_url": emulator.url, option: value}))
    task = result.task(TASK)
    assert task["failed"] is True
    assert task["msg"].startswith(option + " cannot be combined with expected: a check judges every order")
    assert task["check"]["verdict"] == "error"
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize(
    "expected, fail_on_unexpected, message",
    [
        ([], False, "an empty list would check nothing"),
        (["+12065550100", 2065550101], False, "item 2 2065550101: a number, not a string: quote it"),
    ],
)
def test_a_check_that_would_mean_nothing_is_refused_before_any_call(
    emulator, run_ansible, expected, fail_on_unexpected, message
):
    result = run_ansible.playbook(
        play({"expected": expected, "fail_on_unexpected": fail_on_unexpected, "endpoint_url": emulator.url})
    )
    task = result.task(TASK)
    assert task["failed"] is True and message in task["msg"]
    assert emulator.stats()["requests"] == 0


def test_ansible_doc_renders(run_ansible):
    result = run_ansible("ansible-doc", "voiceops.chime.chime_phone_number_compliance")
    assert result.returncode == 0, result.stderr
    for fragment in ("wait_timeout", "listing_options", "report_dir", "EXAMPLES", "RETURN VALUES", "compliance"):
        assert fragment in result.stdout
