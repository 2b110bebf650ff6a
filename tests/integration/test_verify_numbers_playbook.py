# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection playbook voiceops.chime.verify_numbers, run the way the README says:
``ansible-playbook voiceops.chime.verify_numbers -e @expected.yml``, against the emulator
serving the demo data in docs/demo/."""

from __future__ import annotations

import json
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "docs" / "demo"
PLAYBOOK = "voiceops.chime.verify_numbers"


def demo_data():
    """The demo's whole data document: its orders and the account's numbers (one deleted since)."""
    return json.loads((DEMO / "orders.json").read_text(encoding="utf-8"))


def verify(run_ansible, *args):
    return run_ansible("ansible-playbook", PLAYBOOK, *args)


def test_demo_expected_list_passes_and_writes_reports(emulator, run_ansible, tmp_path):
    emulator.set_orders(demo_data())
    report_dir = tmp_path / "reports"
    result = verify(
        run_ansible,
        "-e",
        "@%s" % (DEMO / "expected.yml"),
        "-e",
        "assert_numbers_acquired_endpoint_url=%s" % emulator.url,
        "-e",
        "assert_numbers_acquired_report_dir=%s" % report_dir,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 25 expected phone numbers are acquired." in result.stdout, result.stdout
    assert "failed=0" in result.stdout
    # The implicit localhost, no inventory needed (Ansible only warns about that).
    assert "ERROR" not in result.stderr
    report = json.loads((report_dir / "report.json").read_text())
    assert report["passed"] is True and report["counts"]["expected"] == 25
    assert emulator.stats()["list_requests"] == 1


def test_demo_failing_list_exits_non_zero_naming_the_failed_and_the_missing_number(emulator, run_ansible, tmp_path):
    emulator.set_orders(demo_data())
    result = verify(
        run_ansible,
        "-e",
        "@%s" % (DEMO / "expected-failing.yml"),
        "-e",
        "assert_numbers_acquired_endpoint_url=%s" % emulator.url,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "3 of 28 expected phone numbers are not acquired (1 released, 1 failed, 1 missing)" in result.stdout
    ), result.stdout
    assert (
        "+13035550160 released: acquired in order 9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d but the account shows it "
        "as DeleteInProgress (deletion 2026-12-06T09:15:00.000Z)"
    ) in result.stdout
    assert (
        "+13125550123 failed: number status Failed in order b7f3e2d1-4c5a-4e6b-8d7c-9a0b1c2d3e4f "
        "(order status Partial)"
    ) in result.stdout
    assert "+15035550199 missing: not in any phone number order and not in the account" in result.stdout


def test_explicit_localhost_inventory_still_uses_the_controllers_python(emulator, run_ansible, tmp_path):
    emulator.set_orders(demo_data())
    # Without the harness's interpreter override, an explicit "localhost" makes Ansible
    # discover an interpreter (a pyenv shim that cannot run here); the playbook must not care.
    run_ansible.env.pop("ANSIBLE_PYTHON_INTERPRETER", None)
    expected = tmp_path / "expected.json"
    expected.write_text(
        json.dumps(
            {"assert_numbers_acquired_expected": ["+12065550100"], "assert_numbers_acquired_endpoint_url": emulator.url}
        )
    )
    result = verify(run_ansible, "-i", "localhost,", "-e", "@%s" % expected)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The expected phone number is acquired." in result.stdout
