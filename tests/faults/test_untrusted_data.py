# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jinja in data from the service or the inventory cache never runs (issue 11, defect 1).

Before ansible-core 2.19 every string that reaches a variable is a template unless it is marked
unsafe, so an order id such as ``{{ lookup('ansible.builtin.pipe', 'touch PWNED') }}`` ran on 2.17
as soon as a task read it (0.1.0: through the inventory plugin's hostvars and the role's
``source: inventory``). Every case here serves such payloads in a different field each, each
payload touching a file of its own name in a canary directory, then takes the data through an
entry point and the ways a playbook reads it again (debug, set_fact, the filter, compose and
keyed_groups, the role's fact and message, the reports). It asserts that no payload file exists and
that the payload text comes back verbatim. A control task in each playbook runs the same kind of
lookup written by the user, so an empty canary directory means "not templated", not "the payload
cannot run here". Run the file on both lanes: the defect is 2.17-only.
"""

from __future__ import annotations

import json

import fault_harness as fh  # pylint: disable=import-error
import pytest

CONTROL = "control"


class Payloads:
    """One Jinja payload per field, each touching ``canary/<field>`` if it is ever templated."""

    def __init__(self, canary):
        self.canary = canary
        canary.mkdir()
        self._texts = {}

    def __call__(self, field, style="expression"):
        path = self.canary / field
        if style == "expression":
            text = "{{{{ lookup('ansible.builtin.pipe', 'touch {0}') }}}}".format(path)
        elif style == "short":
            # The issue's own spelling: the short lookup name.
            text = "{{{{ lookup('pipe','touch {0}') }}}}".format(path)
        else:
            # A statement block rather than an expression.
            text = "{{% set x = lookup('pipe', 'touch {0}') %}}ok".format(path)
        self._texts[field] = text
        return text

    def text(self, field):
        return self._texts[field]

    def control_task(self):
        """A task whose own (user-written) argument runs the same kind of lookup: proves it would run."""
        return """
    - name: Control, the user's own template
      ansible.builtin.debug:
        msg: "{{{{ lookup('ansible.builtin.pipe', 'touch {0}') }}}}"
""".format(self.canary / CONTROL)

    def assert_none_ran(self):
        ran = sorted(path.name for path in self.canary.iterdir())
        templated = [name for name in ran if name != CONTROL]
        assert not templated, "data was templated, payloads that ran: {0}".format(templated)
        assert ran == [CONTROL], "the control task did not run: the playbook stopped early"


@pytest.fixture
def payloads(tmp_path):
    return Payloads(tmp_path / "canary")


def clean_value(field, style="expression"):
    del style
    return "clean-" + field


def poisoned_account(payloads):
    """Orders and the account's numbers with a payload in every kind of field the collection reads.

    ``payloads(field, style)`` gives each field's value (a Payloads, or clean_value for the same
    account without Jinja). Expected "+12065550100".."+12065550104"; with fail_on_unexpected the
    poisoned E164PhoneNumber is an unexpected number. Which payload reaches which message is noted
    per order.
    """

    def order(
        order_id,
        numbers,
        status="Successful",
        product_type="VoiceConnector",
        updated="2026-03-01T10:00:00.000Z",
        order_type="New",
    ):
        return {
            "CreatedTimestamp": "2026-02-27T10:00:00.000Z",
            "OrderType": order_type,
            "OrderedPhoneNumbers": [
                {"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers
            ],
            "PhoneNumberOrderId": order_id,
            "ProductType": product_type,
            "Status": status,
            "UpdatedTimestamp": updated,
        }

    def held(e164, status="Unassigned", **members):
        return dict(
            {
                "E164PhoneNumber": e164,
                "PhoneNumberId": e164,
                "ProductType": "VoiceConnector",
                "Status": status,
                "Type": "Local",
                "Country": "US",
                "CreatedTimestamp": "2026-03-01T10:00:00Z",
                "UpdatedTimestamp": "2026-03-01T10:00:00Z",
            },
            **members,
        )

    orders = [
        # Acquired and held: its values appear in hostvars and the module's results, not in a message.
        order(
            payloads("acquired_order_id"),
            [("+12065550100", "Acquired")],
            product_type=payloads("product_type"),
            order_type=payloads("order_type", "short"),
        ),
        # A number status and an order status outside the enums: "number status X in order ... (order status Y)".
        order("order-b", [("+12065550101", payloads("number_status"))], status=payloads("order_status", "block")),
        # A failed order: its id is quoted in the reason.
        order(payloads("failed_order_id", "short"), [("+12065550102", "Failed")], status="Failed"),
        # Acquired by the order, but the account shows a status nobody knows: quoted in the reason.
        order("order-e", [("+12065550103", "Acquired")]),
        # Being deleted: the deletion timestamp is quoted in the reason.
        order("order-f", [("+12065550104", "Acquired")], updated=payloads("updated_timestamp")),
        # A number that is not a number: an unexpected one with fail_on_unexpected.
        order("order-g", [(payloads("e164_phone_number"), "Acquired")]),
    ]
    numbers = [
        held("+12065550100", Name=payloads("number_name")),
        held("+12065550103", status=payloads("account_status"), PhoneNumberId=payloads("phone_number_id", "short")),
        held("+12065550104", status="DeleteInProgress", DeletionTimestamp=payloads("deletion_timestamp")),
        held(payloads("e164_phone_number")),
    ]
    return {"PhoneNumberOrders": orders, "PhoneNumbers": numbers}


EXPECTED = ["+12065550100", "+12065550101", "+12065550102", "+12065550103", "+12065550104"]
# The payloads a verdict's message (and the reports) must quote verbatim.
IN_THE_MESSAGE = (
    "number_status",
    "order_status",
    "failed_order_id",
    "account_status",
    "deletion_timestamp",
    "e164_phone_number",
)


def assert_quoted_verbatim(payloads, text, fields):
    for field in fields:
        assert payloads.text(field) in text, "{0} not quoted verbatim in: {1}".format(field, text[-2000:])


# ---- the module, its results templated again by later tasks, the filter ------------------------------


def test_module_results_and_the_filter_result_are_never_templated(emulator, run_ansible, payloads):
    emulator.set_orders(poisoned_account(payloads))
    playbook = """
- name: Service data through the module, set_fact, debug and the filter
  hosts: localhost
  gather_facts: false
  vars:
    expected: {expected}
  tasks:
    - name: List
      {module}:
        endpoint_url: {url}
        current_state: true
      register: listing

    - name: Copy the results into facts
      ansible.builtin.set_fact:
        orders_copy: "{{{{ listing.phone_number_orders }}}}"
        numbers_copy: "{{{{ listing.phone_numbers }}}}"
        first_id: "{{{{ listing.phone_number_orders[0].phone_number_order_id }}}}"

    - name: Show values one by one
      ansible.builtin.debug:
        msg: "{{{{ orders_copy | map(attribute='phone_number_order_id') | list }}}} {{{{ first_id }}}}
              {{{{ numbers_copy | map(attribute='account_status') | list }}}}"

    - name: Judge with the filter
      ansible.builtin.set_fact:
        verdict: "{{{{ listing.phone_numbers | voiceops.chime.number_compliance(expected, fail_on_unexpected=true) }}}}"

    - name: Show the verdict's message
      ansible.builtin.debug:
        msg: "{{{{ verdict.message }}}}"

    - name: Show the problems
      ansible.builtin.debug:
        var: verdict.problems
{control}""".format(module=fh.MODULE, url=emulator.url, expected=json.dumps(EXPECTED), control=payloads.control_task())
    result = fh.playbook(run_ansible, playbook)
    payloads.assert_none_ran()
    assert result.returncode == 0, result.stdout[-3000:]

    listing = result.task("List")
    # The module returns the service's values as sent.
    assert [order["phone_number_order_id"] for order in listing["phone_number_orders"]][0] == payloads.text(
        "acquired_order_id"
    )
    assert listing["phone_number_orders"][0]["product_type"] == payloads.text("product_type")
    assert listing["phone_number_orders"][0]["order_type"] == payloads.text("order_type")
    facts = result.task("Copy the results into facts")["ansible_facts"]
    assert facts["orders_copy"] == listing["phone_number_orders"]
    assert facts["numbers_copy"] == listing["phone_numbers"]
    assert facts["first_id"] == payloads.text("acquired_order_id")
    assert_quoted_verbatim(
        payloads, result.task("Show values one by one")["msg"], ("acquired_order_id", "account_status")
    )
    message = result.task("Show the verdict's message")["msg"]
    assert_quoted_verbatim(payloads, message, IN_THE_MESSAGE)
    assert_quoted_verbatim(payloads, json.dumps(result.task("Show the problems")["verdict.problems"]), IN_THE_MESSAGE)


# ---- the role, source module: the fact, the failure message, a rescue that templates the fact ----------


def test_role_quotes_service_data_in_its_message_fact_and_reports_without_running_it(
    emulator, run_ansible, tmp_path, payloads
):
    emulator.set_orders(poisoned_account(payloads))
    report_dir = tmp_path / "reports"
    playbook = """
- name: The role's README rescue pattern over poisoned data
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Verify the numbers
      block:
        - name: Run the check
          ansible.builtin.include_role:
            name: {role}
          vars:
            assert_numbers_acquired_expected: {expected}
            assert_numbers_acquired_fail_on_unexpected: true
            assert_numbers_acquired_endpoint_url: {url}
            assert_numbers_acquired_report_dir: {report_dir}
      rescue:
        - name: Tell the on-call channel
          ansible.builtin.debug:
            msg: "{{{{ assert_numbers_acquired_result.message }}}}"
        - name: List the problem order ids
          ansible.builtin.debug:
            msg: "{{{{ assert_numbers_acquired_result.problems | map(attribute='phone_number_order_id') | list }}}}"
{control}""".format(
        role=fh.ROLE,
        expected=json.dumps(EXPECTED),
        url=emulator.url,
        report_dir=report_dir,
        control=payloads.control_task(),
    )
    result = fh.playbook(run_ansible, playbook)
    payloads.assert_none_ran()
    assert result.returncode == 0, result.stdout[-3000:]
    fact = fh.role_fact(result)
    assert fact["verdict"] == "failed"
    assert_quoted_verbatim(payloads, fact["message"], IN_THE_MESSAGE)
    assert result.task("Tell the on-call channel")["msg"] == fact["message"]
    assert payloads.text("failed_order_id") in result.task("List the problem order ids")["msg"]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert_quoted_verbatim(payloads, json.dumps(report["result"]), IN_THE_MESSAGE)
    assert_quoted_verbatim(
        payloads,
        (report_dir / "junit.xml")
        .read_text(encoding="utf-8")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&"),
        ("failed_order_id", "account_status"),
    )


# ---- the inventory plugin: hostvars, compose, groups, keyed_groups; the role's source inventory ----------

INVENTORY_PLAY = """
- name: The role judges the inventory's hosts
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Verify the numbers from the inventory
      block:
        - name: Run the check
          ansible.builtin.include_role:
            name: {role}
          vars:
            assert_numbers_acquired_source: inventory
            assert_numbers_acquired_expected: {expected}
            assert_numbers_acquired_fail_on_unexpected: true
            assert_numbers_acquired_report_dir: {report_dir}
      rescue:
        - name: Tell the on-call channel
          ansible.builtin.debug:
            msg: "{{{{ assert_numbers_acquired_result.message }}}}"

- name: Every host reads its own variables
  hosts: chime_phone_numbers
  gather_facts: false
  tasks:
    - name: Show the variables
      ansible.builtin.debug:
        msg: "{{{{ chime_phone_number_order_id }}}} | {{{{ chime_order_status }}}} | {{{{ chime_product_type }}}} |
              {{{{ chime_account_status }}}} | {{{{ chime_phone_number_id }}}} | {{{{ chime_order_type }}}} |
              {{{{ chime_updated_timestamp }}}} | {{{{ chime_deletion_timestamp }}}} | {{{{ composed_order_id }}}} |
              {{{{ composed_summary }}}} | {{{{ inventory_hostname }}}}"

    - name: Copy a variable into a fact
      ansible.builtin.set_fact:
        copied_order_id: "{{{{ chime_phone_number_order_id }}}}"
{control}"""


def poisoned_inventory_options(emulator):
    return {
        "endpoint_url": emulator.url,
        "current_state": True,
        # The constructed options are the user's templates; the values they read are the service's.
        "compose": {
            "composed_order_id": "chime_phone_number_order_id",
            "composed_summary": "chime_order_status ~ ' / ' ~ chime_product_type",
        },
        "groups": {"poisoned_ids": "'lookup' in (chime_phone_number_order_id | default(''))"},
        "keyed_groups": [
            {"key": "chime_product_type", "prefix": "product"},
            {"key": "chime_account_status | default('none', true)", "prefix": "account"},
        ],
        "strict": True,
    }


def assert_inventory_play_quotes_everything(result, payloads, report_dir):
    payloads.assert_none_ran()
    assert result.returncode == 0, result.stdout[-3000:]
    fact = fh.role_fact(result)
    assert fact["verdict"] == "failed", fact
    assert_quoted_verbatim(payloads, fact["message"], IN_THE_MESSAGE)
    assert result.task("Tell the on-call channel")["msg"] == fact["message"]
    assert_quoted_verbatim(
        payloads, (report_dir / "summary.md").read_text(encoding="utf-8"), ("failed_order_id", "account_status")
    )
    shown = {
        host: result.task("Show the variables", host=host)["msg"]
        for host in ("+12065550100", "+12065550101", "+12065550102", "+12065550103", "+12065550104")
    }
    assert_quoted_verbatim(payloads, shown["+12065550100"], ("acquired_order_id", "product_type", "order_type"))
    # compose copied the id, and built a string from the poisoned product type: still text, both times.
    assert shown["+12065550100"].count(payloads.text("acquired_order_id")) == 2
    assert shown["+12065550100"].count(payloads.text("product_type")) == 2
    assert_quoted_verbatim(payloads, shown["+12065550101"], ("order_status",))
    assert_quoted_verbatim(payloads, shown["+12065550103"], ("account_status", "phone_number_id"))
    assert_quoted_verbatim(payloads, shown["+12065550104"], ("updated_timestamp", "deletion_timestamp"))
    # A "number" that is a template became a host named by it: its name is text too.
    poisoned_host = payloads.text("e164_phone_number")
    assert result.task("Show the variables", host=poisoned_host)["msg"].endswith("| " + poisoned_host)
    copied = result.task("Copy a variable into a fact", host="+12065550102")["ansible_facts"]["copied_order_id"]
    assert copied == payloads.text("failed_order_id")


def test_inventory_values_reach_hostvars_compose_and_the_role_as_text(emulator, run_ansible, tmp_path, payloads):
    emulator.set_orders(poisoned_account(payloads))
    source = fh.write_inventory_source(tmp_path, poisoned_inventory_options(emulator))
    run = fh.run_inventory(run_ansible, tmp_path, poisoned_inventory_options(emulator))
    assert sorted(path.name for path in payloads.canary.iterdir()) == [], "ansible-inventory templated the data"
    assert run.returncode == 0, run.output[-3000:]
    hostvars = run.hostvars()
    assert hostvars["+12065550100"]["chime_phone_number_order_id"] == payloads.text("acquired_order_id")
    assert hostvars["+12065550100"]["composed_order_id"] == payloads.text("acquired_order_id")
    assert hostvars["+12065550103"]["chime_account_status"] == payloads.text("account_status")
    groups = fh.plain_inventory_value(run.listing())
    # The groups expression read the data as a value; keyed_groups turned it into a sanitised group name.
    assert sorted(groups["poisoned_ids"]["hosts"]) == ["+12065550100", "+12065550102"]
    assert not any("{" in name or "}" in name or "'" in name for name in groups), sorted(groups)

    report_dir = tmp_path / "reports"
    text = INVENTORY_PLAY.format(
        role=fh.ROLE, expected=json.dumps(EXPECTED), report_dir=report_dir, control=payloads.control_task()
    )
    result = fh.playbook(run_ansible, text, "-i", str(source), env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    assert_inventory_play_quotes_everything(result, payloads, report_dir)


def test_inventory_cache_entry_with_jinja_is_read_as_text(emulator, run_ansible, tmp_path, payloads):
    # The cache is a file anyone with access to it can edit: its values are as untrusted as the service's.
    # The service sends clean data; only the cache file carries the payloads.
    emulator.set_orders(poisoned_account(clean_value))
    cache_dir = tmp_path / "inventory-cache"
    options = dict(
        poisoned_inventory_options(emulator),
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(cache_dir),
        cache_timeout=3600,
    )
    source = fh.write_inventory_source(tmp_path, options)
    assert fh.run_inventory(run_ansible, tmp_path, options).returncode == 0
    cache_file = fh.inventory_cache_file(cache_dir)
    requests = emulator.stats()["requests"]

    # Replace the cached values with this test's payloads (same fields, same shapes: the cache stays valid).
    poisoned = poisoned_account(payloads)
    cached = fh.read_inventory_cache(cache_file)
    [listing] = cached["listings"]
    listing["orders"], listing["numbers"] = poisoned["PhoneNumberOrders"], poisoned["PhoneNumbers"]
    fh.write_inventory_cache(cache_file, cached)

    report_dir = tmp_path / "reports"
    text = INVENTORY_PLAY.format(
        role=fh.ROLE, expected=json.dumps(EXPECTED), report_dir=report_dir, control=payloads.control_task()
    )
    result = fh.playbook(run_ansible, text, "-i", str(source), env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    assert_inventory_play_quotes_everything(result, payloads, report_dir)
    # The cached entry was used (no new listing), so the payloads came from the file.
    assert emulator.stats()["requests"] == requests
    assert "listing again" not in fh.flatten(result.stderr)
