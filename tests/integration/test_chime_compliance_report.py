# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""voiceops.chime.chime_compliance_report (an action: writes on the controller) in real playbooks."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from report_schema import validate_report  # tests/report_schema.py

TASK = "Write the reports"
PLAY = """
- name: Report a judgement
  hosts: localhost
  gather_facts: false
  vars:
    facts:
      - {e164_phone_number: "+12065550100", status: Acquired, phone_number_order_id: o1, order_status: Successful}
      - {e164_phone_number: "+12065550101", status: Failed, phone_number_order_id: o2, order_status: Failed}
  tasks:
    - name: Write the reports
      voiceops.chime.chime_compliance_report:
        path: "{{ report_dir }}"
        result: "{{ facts | voiceops.chime.number_compliance(['+12065550100', '+12065550101', '+12065550102']) }}"
        inputs: {source: module, api: chime, secret_key: "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}"}
        timing: {started: 1795780828.853, listed: 1795780832.354, judged: 1795780832.557, polls: 1}
        formats: "{{ formats | default(['json', 'junit', 'markdown']) }}"
"""


def write(run_ansible, tmp_path, report_dir, *args):
    return run_ansible.playbook(PLAY, "-e", json.dumps({"report_dir": str(report_dir)}), *args)


def test_writes_three_reports_then_nothing_changes(run_ansible, tmp_path, aws_env):
    report_dir = tmp_path / "reports"
    result = write(run_ansible, tmp_path, report_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    task = result.task(TASK)
    # Writing reports is not a change: they are outputs, not managed state.
    assert task["changed"] is False and task["passed"] is False and task["verdict"] == "failed"
    assert task["files"] == {
        "json": str(report_dir / "report.json"),
        "junit": str(report_dir / "junit.xml"),
        "markdown": str(report_dir / "summary.md"),
    }
    suite = ElementTree.parse(str(report_dir / "junit.xml")).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    report = json.loads((report_dir / "report.json").read_text())
    assert report["inputs"] == {"source": "module", "api": "chime"}
    assert report["timing"]["duration_seconds"] == 3.704
    for path in report_dir.iterdir():
        assert aws_env["AWS_SECRET_ACCESS_KEY"] not in path.read_text()

    validate_report(report_dir / "report.json")
    # A second run writes the same set again, and is still not a change.
    again = write(run_ansible, tmp_path, report_dir).task(TASK)
    assert again["changed"] is False
    assert sorted(path.name for path in report_dir.iterdir()) == ["junit.xml", "report.json", "summary.md"]


def test_check_mode_and_format_selection(run_ansible, tmp_path):
    report_dir = tmp_path / "reports"
    checked = write(run_ansible, tmp_path, report_dir, "--check").task(TASK)
    assert checked["changed"] is False
    assert not report_dir.exists()
    write(run_ansible, tmp_path, report_dir)
    result = run_ansible.playbook(PLAY, "-e", json.dumps({"report_dir": str(report_dir), "formats": ["junit"]}))
    assert result.task(TASK)["files"] == {"junit": str(report_dir / "junit.xml")}
    # The formats not written this time are removed: no earlier verdict stays beside this one.
    assert sorted(p.name for p in report_dir.iterdir()) == ["junit.xml"]


def test_a_directory_that_cannot_be_written_is_named(run_ansible, tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file, not a directory")
    task = write(run_ansible, tmp_path, blocker).task(TASK)
    assert task["failed"] is True
    assert task["msg"] == "cannot write reports to directory %s: it exists and is not a directory" % blocker
    assert "Traceback" not in result_text(task)


def result_text(task):
    return json.dumps(task)


def test_ansible_doc_renders(run_ansible):
    result = run_ansible("ansible-doc", "voiceops.chime.chime_compliance_report")
    assert result.returncode == 0, result.stderr
    for fragment in ("junit.xml", "check_mode", "EXAMPLES", "RETURN VALUES", "verdict", "hosts", "error"):
        assert fragment in result.stdout
