# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many accounts and regions in one run: check targets as inventory hosts (issue 13).

Real ansible-playbook runs of the collection playbook voiceops.chime.verify_numbers over an
inventory of targets, each with its own AWS profile (so its own access key, which the emulator maps
to its own account's data) and region, checked in parallel by forks; per-host reports and one
aggregate, parsed back (JSON against the schema, JUnit with an XML parser).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

from chime_emulator import ChimeEmulator
from report_schema import validate_report  # tests/report_schema.py

PLAYBOOK = "voiceops.chime.verify_numbers"
ASSERT_TASK = "voiceops.chime.assert_numbers_acquired : Assert that every expected phone number is acquired"
FAIL_TASK = "voiceops.chime.assert_numbers_acquired : Fail if the check could not run"

# One access key per account; the AWS config gives each a profile.
ACCOUNTS = {
    "prod": "AKIAFLEETPROD0000001",
    "staging": "AKIAFLEETSTAGING0002",
    "sales": "AKIAFLEETSALES000003",
}


def order(order_id, numbers, status="Successful"):
    return {
        "PhoneNumberOrderId": order_id,
        "ProductType": "VoiceConnector",
        "Status": status,
        "OrderType": "New",
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": s} for e164, s in numbers],
        "CreatedTimestamp": "2026-10-01T10:00:00.000Z",
        "UpdatedTimestamp": "2026-10-01T10:05:00.000Z",
    }


def accounts_document():
    return {
        "Accounts": {
            ACCOUNTS["prod"]: {
                "Regions": {
                    "us-east-1": {"PhoneNumberOrders": [order("prod-east", [("+12065550100", "Acquired")])]},
                    "us-west-2": {"PhoneNumberOrders": [order("prod-west", [("+15035550100", "Acquired")])]},
                }
            },
            ACCOUNTS["staging"]: {
                "PhoneNumberOrders": [
                    order("staging", [("+13125550100", "Acquired"), ("+13125550101", "Failed")], status="Partial")
                ]
            },
            ACCOUNTS["sales"]: {"PhoneNumberOrders": [order("sales", [("+14155550100", "Acquired")])]},
        }
    }


INVENTORY = """
chime_accounts:
  vars:
    assert_numbers_acquired_endpoint_url: {url}
    assert_numbers_acquired_report_dir: {reports}
    assert_numbers_acquired_summary_dir: {summary}
  hosts:
    prod-us-east-1:
      assert_numbers_acquired_profile: prod
      assert_numbers_acquired_region: us-east-1
      assert_numbers_acquired_expected: ["+12065550100"]
    prod-us-west-2:
      assert_numbers_acquired_profile: prod
      assert_numbers_acquired_region: us-west-2
      assert_numbers_acquired_expected: ["+15035550100"]
    staging:
      assert_numbers_acquired_profile: staging
      assert_numbers_acquired_region: eu-central-1
      assert_numbers_acquired_expected: {staging_expected}
    sales:
      assert_numbers_acquired_profile: sales
      assert_numbers_acquired_region: us-east-1
      assert_numbers_acquired_expected: ["+14155550100"]
"""


def write_profiles(aws_env):
    lines = []
    for name, key in ACCOUNTS.items():
        lines += [
            "[%s]" % name,
            "aws_access_key_id = %s" % key,
            "aws_secret_access_key = fleet-FAKE-secret-%s" % name,
            "",
        ]
    with open(aws_env["AWS_SHARED_CREDENTIALS_FILE"], "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def run_fleet(run_ansible, tmp_path, aws_env, emulator, staging_expected=("+13125550100",), extra=()):
    write_profiles(aws_env)
    inventory = tmp_path / "accounts.yml"
    inventory.write_text(
        INVENTORY.format(
            url=emulator.url,
            reports=tmp_path / "reports",
            summary=tmp_path / "summary",
            staging_expected=json.dumps(list(staging_expected)),
        )
    )
    # The profiles' keys, not the environment's: no AWS_* credentials in the environment of this run.
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
    }
    return run_ansible(
        "ansible-playbook",
        "-i",
        str(inventory),
        PLAYBOOK,
        "-e",
        "verify_numbers_hosts=chime_accounts",
        "-f",
        "4",
        *extra,
        env=env,
    )


def suites(path):
    root = ElementTree.parse(str(path)).getroot()
    return dict((suite.get("name"), suite) for suite in root.findall("testsuite"))


def test_every_target_passes_with_its_own_account_and_region(run_ansible, tmp_path, aws_env):
    with ChimeEmulator(orders=accounts_document()) as emulator:
        result = run_fleet(run_ansible, tmp_path, aws_env, emulator)
        stats = emulator.stats()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    # Each target listed its own account and region, orders and numbers.
    assert stats["by_account"] == {ACCOUNTS["prod"]: 4, ACCOUNTS["staging"]: 2, ACCOUNTS["sales"]: 2}
    assert stats["by_region"] == {"us-east-1": 4, "us-west-2": 2, "eu-central-1": 2}
    for host in ("prod-us-east-1", "prod-us-west-2", "staging", "sales"):
        report = validate_report(tmp_path / "reports" / host / "report.json")
        assert report["verdict"] == "passed", host
    summary = validate_report(tmp_path / "summary" / "report.json")
    assert summary["kind"] == "aggregate" and summary["verdict"] == "passed"
    junit = suites(tmp_path / "summary" / "junit.xml")
    assert sorted(junit) == ["prod-us-east-1", "prod-us-west-2", "sales", "staging"]
    assert all(
        suite.get("hostname") == name and suite.get("failures") == "0" and suite.get("errors") == "0"
        for name, suite in junit.items()
    )


def test_one_failed_number_and_one_denied_account_fail_only_their_hosts(run_ansible, tmp_path, aws_env):
    with ChimeEmulator(orders=accounts_document()) as emulator:
        # sales is denied (its credentials lack the IAM actions): every call of that account gets 403.
        emulator.inject(forbidden=50, account=ACCOUNTS["sales"])
        result = run_fleet(run_ansible, tmp_path, aws_env, emulator, staging_expected=["+13125550100", "+13125550101"])
    # The run fails, but every host was judged: the others still passed.
    assert result.returncode == 2, result.stdout[-3000:]
    plays = result.json()["plays"]
    outcomes = {}
    for task in plays[0]["tasks"]:
        if task["task"]["name"] in (ASSERT_TASK, FAIL_TASK):
            for host, host_result in task["hosts"].items():
                if not host_result.get("skipped"):
                    outcomes[host] = (task["task"]["name"], bool(host_result.get("failed")))
    assert outcomes == {
        "prod-us-east-1": (ASSERT_TASK, False),
        "prod-us-west-2": (ASSERT_TASK, False),
        "staging": (ASSERT_TASK, True),
        "sales": (FAIL_TASK, True),
    }
    staging = validate_report(tmp_path / "reports" / "staging" / "report.json")
    assert staging["verdict"] == "failed" and staging["result"]["failed"] == ["+13125550101"]
    sales = validate_report(tmp_path / "reports" / "sales" / "report.json")
    assert sales["verdict"] == "error" and sales["error"]["error_code"] == "ForbiddenException"

    summary = validate_report(tmp_path / "summary" / "report.json")
    assert summary["verdict"] == "failed"
    hosts = dict((entry["host"], entry) for entry in summary["hosts"])
    assert {name: entry["verdict"] for name, entry in hosts.items()} == {
        "prod-us-east-1": "passed",
        "prod-us-west-2": "passed",
        "staging": "failed",
        "sales": "error",
    }
    junit = suites(tmp_path / "summary" / "junit.xml")
    assert junit["staging"].get("failures") == "1"
    (error,) = junit["sales"].findall(".//error")
    assert "ForbiddenException" in error.get("message") + (error.text or "")
    assert junit["prod-us-east-1"].findall(".//failure") == junit["prod-us-east-1"].findall(".//error") == []
    summary_text = (tmp_path / "summary" / "summary.md").read_text()
    for name in hosts:
        assert name in summary_text
    # No credentials of any account in any report.
    for path in list((tmp_path / "reports").rglob("*")) + list((tmp_path / "summary").iterdir()):
        if path.is_file():
            assert "fleet-FAKE-secret" not in path.read_text()


def test_localhost_alone_keeps_its_reports_in_the_report_dir_itself(run_ansible, tmp_path, aws_env, emulator):
    emulator.set_orders([order("one", [("+12065550100", "Acquired")])])
    variables = {
        "assert_numbers_acquired_expected": ["+12065550100"],
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_report_dir": str(tmp_path / "reports"),
    }
    result = run_ansible("ansible-playbook", PLAYBOOK, "-e", json.dumps(variables))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == ["junit.xml", "report.json", "summary.md"]
