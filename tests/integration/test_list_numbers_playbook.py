# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection playbook voiceops.chime.list_numbers, run as the README says:
``ansible-playbook voiceops.chime.list_numbers``, against the emulator.

What a user sees is checked: the table's lines (every number, its status and account status, in
aligned columns), the CSV (RFC 4180, parsed back with the csv module, hostile service values
included) and JSON files, where the connection came from (the emulator's request counters), and
that nothing ever reports a change.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

PLAYBOOK = "voiceops.chime.list_numbers"
CHECK_TASK = "Check the output options"
LIST_TASK = "List the phone number orders and the account's numbers"
TABLE_TASK = "Show every phone number with its status"
DEMO = Path(__file__).resolve().parents[2] / "docs" / "demo" / "orders.json"
CSV_COLUMNS = [
    "e164_phone_number",
    "status",
    "account_status",
    "deletion_timestamp",
    "phone_number_id",
    "phone_number_order_id",
    "order_status",
    "order_type",
    "product_type",
    "created_timestamp",
    "updated_timestamp",
]


def demo_document():
    return json.loads(DEMO.read_text(encoding="utf-8"))


def api_order(order_id, numbers, status="Successful", product_type="VoiceConnector"):
    return {
        "PhoneNumberOrderId": order_id,
        "ProductType": product_type,
        "Status": status,
        "OrderType": "New",
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers],
        "CreatedTimestamp": "2026-10-01T10:00:00.000Z",
        "UpdatedTimestamp": "2026-10-01T10:05:00.000Z",
    }


def list_numbers(run_ansible, *args, env=None, json_output=True):
    extra = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"} if json_output else {}
    extra.update(env or {})
    return run_ansible("ansible-playbook", PLAYBOOK, *args, env=extra)


def from_environment(emulator):
    """The connection from the AWS environment only: AWS_ENDPOINT_URL, which botocore honours."""
    return {"AWS_ENDPOINT_URL": emulator.url}


def table_lines(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.task(TABLE_TASK)["msg"]


def columns_of(line):
    return re.split(r"  +", line)


def assert_aligned(lines):
    """Every cell starts where its header does: the table reads as columns in a CI log."""
    header = lines[0]
    starts = [match.start() for match in re.finditer(r"(?:^|(?<=  ))\S", header)]
    for line in lines[1:-1]:
        for start in starts[1:]:
            assert line[start - 2 : start] == "  " and line[start] != " ", (header, line)


def assert_nothing_changed(result):
    stats = result.json()["stats"]["localhost"]
    assert stats["changed"] == 0, stats
    for play in result.json()["plays"]:
        for task in play["tasks"]:
            assert task["hosts"]["localhost"].get("changed") is False, task["task"]["name"]


# --------------------------------------------------------------------------- the table


def test_table_lists_every_number_with_its_status_and_account_status(emulator, run_ansible):
    emulator.set_orders(demo_document())
    result = list_numbers(run_ansible, env=from_environment(emulator))
    lines = table_lines(result)
    assert columns_of(lines[0]) == ["NUMBER", "STATUS", "ACCOUNT STATUS", "PRODUCT TYPE", "ORDER ID"]
    rows = {columns_of(line)[0]: columns_of(line) for line in lines[1:-1]}
    # 29 ordered numbers, in number order, each once.
    assert len(lines) == 1 + 29 + 1
    assert [line.split()[0] for line in lines[1:-1]] == sorted(rows)
    assert rows["+12065550100"] == [
        "+12065550100",
        "Acquired",
        "Unassigned",
        "VoiceConnector",
        "6e6a3c1e-5a2c-4c1b-9a41-1f7c2d0b9e11",
    ]
    # Acquired in its order, deleted since: only the account status shows it.
    assert rows["+13035550160"][1:3] == ["Acquired", "DeleteInProgress (deletion 2026-12-06T09:15:00.000Z)"]
    assert rows["+13125550123"][1:3] == ["Failed", "(not held)"]
    assert rows["+16175550180"][1:3] == ["Processing", "AcquireInProgress"]
    assert lines[-1] == (
        "29 phone numbers. Status: Acquired 26, Failed 1, Processing 2. Account status: "
        "(not held) 1, AcquireInProgress 2, DeleteInProgress 1, Unassigned 25."
    )
    assert_aligned(lines)
    assert_nothing_changed(result)
    # One listing of each kind, in the region of the environment (AWS_REGION from aws_env).
    stats = emulator.stats()
    assert stats["by_operation"] == {"ListPhoneNumberOrders": 1, "ListPhoneNumbers": 1}
    assert stats["by_region"] == {"us-east-1": 2}
    assert stats["by_api"] == {"chime-sdk-voice": 2}


def test_a_number_the_account_holds_without_an_order_is_listed_too(emulator, run_ansible):
    emulator.set_orders({"PhoneNumberOrders": [api_order("order-1", [("+12065550100", "Acquired")])]})
    emulator.add_number("+18005550199", status="Assigned")
    rows = {
        columns_of(line)[0]: columns_of(line)
        for line in table_lines(list_numbers(run_ansible, env=from_environment(emulator)))[1:-1]
    }
    assert rows["+18005550199"] == ["+18005550199", "-", "Assigned", "VoiceConnector", "-"]


def test_without_current_state_the_table_is_order_history_and_only_orders_are_listed(emulator, run_ansible):
    emulator.set_orders(demo_document())
    lines = table_lines(
        list_numbers(run_ansible, "-e", "list_numbers_current_state=false", env=from_environment(emulator))
    )
    assert columns_of(lines[0]) == ["NUMBER", "STATUS", "PRODUCT TYPE", "ORDER ID"]
    assert columns_of([line for line in lines if line.startswith("+13035550160")][0])[1] == "Acquired"
    assert lines[-1] == "29 phone numbers. Status: Acquired 26, Failed 1, Processing 2."
    assert_aligned(lines)
    assert emulator.stats()["by_operation"] == {"ListPhoneNumberOrders": 1}


def test_an_empty_account_says_so(emulator, run_ansible):
    emulator.set_orders({"PhoneNumberOrders": []})
    assert table_lines(list_numbers(run_ansible, env=from_environment(emulator))) == [
        "No phone number is ordered or held."
    ]


def test_the_default_output_is_readable_in_a_ci_log(emulator, run_ansible):
    emulator.set_orders(demo_document())
    result = list_numbers(run_ansible, env=from_environment(emulator), json_output=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # One quoted line per number, indented alike, so the columns line up in the log.
    assert re.search(r'^        "\+13035550160  Acquired    DeleteInProgress', result.stdout, re.M), result.stdout
    assert "changed=0" in result.stdout


# --------------------------------------------------------------------------- the connection


def test_variables_give_the_connection_instead_of_the_environment(emulator, run_ansible, aws_env):
    emulator.set_orders(
        {
            "Accounts": {
                "AKIALISTNUMBERS00001": {
                    "PhoneNumberOrders": [api_order("inventory-account", [("+14155550100", "Acquired")])]
                }
            }
        }
    )
    Path(aws_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[telephony-prod]\naws_access_key_id = AKIALISTNUMBERS00001\naws_secret_access_key = list-FAKE-secret\n"
    )
    # The environment's endpoint would answer nothing; the variables win.
    env = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
    }
    lines = table_lines(
        list_numbers(
            run_ansible,
            "-e",
            "list_numbers_endpoint_url=%s" % emulator.url,
            "-e",
            "list_numbers_region=eu-central-1",
            "-e",
            "list_numbers_profile=telephony-prod",
            env=env,
        )
    )
    assert [columns_of(line)[0] for line in lines[1:-1]] == ["+14155550100"]
    stats = emulator.stats()
    assert stats["by_region"] == {"eu-central-1": 2}
    assert stats["by_account"] == {"AKIALISTNUMBERS00001": 2}


def test_the_legacy_namespace_warns_and_lists(emulator, run_ansible):
    emulator.set_orders(demo_document())
    result = list_numbers(
        run_ansible, "-e", "list_numbers_api=chime", "-e", "list_numbers_endpoint_url=%s/chime" % emulator.url
    )
    lines = table_lines(result)
    assert len(lines) == 31
    assert [warning for warning in result.task(LIST_TASK).get("warnings") or [] if "2026-02-20" in warning]
    assert emulator.stats()["by_api"] == {"chime": 2}


def test_a_failed_listing_fails_with_the_listing_error(emulator, run_ansible):
    emulator.set_orders(demo_document())
    emulator.inject(deny_operations=["ListPhoneNumbers"])
    result = list_numbers(run_ansible, env=from_environment(emulator))
    assert result.returncode == 2
    failure = result.task(LIST_TASK)
    assert failure["iam_action"] == "chime:ListPhoneNumbers"
    assert "current_state: false" in failure["msg"]
    # Turning the cross-check off, as the message says, lists the orders alone.
    assert table_lines(
        list_numbers(run_ansible, "-e", "list_numbers_current_state=false", env=from_environment(emulator))
    )[0].startswith("NUMBER")


# --------------------------------------------------------------------------- files

HOSTILE_ORDER_ID = 'order "one", line\r\nbreak'
FORMULA_PRODUCT = '=HYPERLINK("http://attacker.invalid","x")'
TEMPLATE_ORDER_ID = "{{ lookup('pipe', 'touch PWNED') }}"


def hostile_document():
    return {
        "PhoneNumberOrders": [
            api_order(HOSTILE_ORDER_ID, [("+12065550100", "Acquired")], product_type=FORMULA_PRODUCT),
            api_order(TEMPLATE_ORDER_ID, [("+12065550101", "Acquired")], product_type="-1+1"),
        ]
    }


def test_csv_quotes_every_field_and_round_trips_hostile_service_values(emulator, run_ansible, tmp_path):
    emulator.set_orders(hostile_document())
    result = list_numbers(run_ansible, "-e", "list_numbers_output=numbers.csv", env=from_environment(emulator))
    lines = table_lines(result)
    assert_nothing_changed(result)
    raw = (tmp_path / "numbers.csv").read_bytes()
    # RFC 4180: CRLF after every record, the header first, then every field quoted.
    assert raw.endswith(b"\r\n") and raw.startswith(b",".join(name.encode() for name in CSV_COLUMNS) + b"\r\n")
    assert raw.count(b"\r\n") == 1 + 2 + 1  # header, two records, and the line break inside one order id
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [record["e164_phone_number"] for record in records] == ["+12065550100", "+12065550101"]
    first, second = records
    assert first["phone_number_order_id"] == HOSTILE_ORDER_ID
    # A spreadsheet would run these as formulas: a leading ' keeps them text. E.164 numbers stay as they are.
    assert first["product_type"] == "'" + FORMULA_PRODUCT
    assert second["product_type"] == "'-1+1"
    assert first["phone_number_id"] == "+12065550100" and first["account_status"] == "Unassigned"
    assert first["deletion_timestamp"] == ""
    # Service data is never a template: the order id is printed and written as text, nothing runs.
    assert second["phone_number_order_id"] == TEMPLATE_ORDER_ID
    assert any(TEMPLATE_ORDER_ID in line for line in lines)
    assert not (tmp_path / "PWNED").exists()


def test_json_is_the_listing_modules_phone_numbers(emulator, run_ansible, tmp_path):
    emulator.set_orders(demo_document())
    (tmp_path / "out").mkdir()
    result = list_numbers(run_ansible, "-e", "list_numbers_output=out/numbers.json", env=from_environment(emulator))
    table_lines(result)
    entries = json.loads((tmp_path / "out" / "numbers.json").read_text(encoding="utf-8"))
    assert len(entries) == 29
    deleted = [entry for entry in entries if entry["e164_phone_number"] == "+13035550160"][0]
    assert deleted == {
        "e164_phone_number": "+13035550160",
        "status": "Acquired",
        "account_status": "DeleteInProgress",
        "deletion_timestamp": "2026-12-06T09:15:00.000Z",
        "phone_number_id": "+13035550160",
        "phone_number_order_id": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "order_status": "Successful",
        "order_type": "New",
        "product_type": "VoiceConnector",
        "created_timestamp": "2026-03-02T17:20:05.118Z",
        "updated_timestamp": "2026-03-02T17:24:41.902Z",
    }


def test_list_numbers_format_names_the_format_of_any_file_name(emulator, run_ansible, tmp_path):
    emulator.set_orders(hostile_document())
    table_lines(
        list_numbers(
            run_ansible,
            "-e",
            "list_numbers_output=numbers.txt",
            "-e",
            "list_numbers_format=JSON",
            env=from_environment(emulator),
        )
    )
    assert [entry["e164_phone_number"] for entry in json.loads((tmp_path / "numbers.txt").read_text())] == [
        "+12065550100",
        "+12065550101",
    ]


@pytest.mark.parametrize(
    "extra_vars, message",
    [
        (
            ["list_numbers_output=numbers.txt"],
            "list_numbers_output must end in .csv or .json, or list_numbers_format must be csv or json; "
            'got "numbers.txt" and format "txt"',
        ),
        (
            ["list_numbers_output=numbers.csv", "list_numbers_format=xml"],
            "list_numbers_output must end in .csv or .json, or list_numbers_format must be csv or json; "
            'got "numbers.csv" and format "xml"',
        ),
        (["list_numbers_format=csv"], "list_numbers_format needs list_numbers_output, the file to write"),
    ],
)
def test_output_options_are_checked_before_any_call(emulator, run_ansible, extra_vars, message):
    args = [arg for pair in (("-e", value) for value in extra_vars) for arg in pair]
    result = list_numbers(run_ansible, *args, env=from_environment(emulator))
    assert result.returncode == 2
    assert result.task(CHECK_TASK)["msg"] == message
    assert emulator.stats()["requests"] == 0


def test_check_mode_lists_and_writes_nothing(emulator, run_ansible, tmp_path):
    emulator.set_orders(demo_document())
    lines = table_lines(
        list_numbers(run_ansible, "--check", "-e", "list_numbers_output=numbers.csv", env=from_environment(emulator))
    )
    assert len(lines) == 31
    assert not (tmp_path / "numbers.csv").exists()
