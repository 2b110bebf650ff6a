# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared harness itself: real ansible-playbook from the lane venv, JSON results, isolation."""

from __future__ import annotations

import json
import os

PLAYBOOK = """
- name: Harness smoke test
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Report the collections path and interpreter
      ansible.builtin.debug:
        msg:
          collections: "{{ lookup('ansible.builtin.env', 'ANSIBLE_COLLECTIONS_PATH') }}"
          python: "{{ ansible_playbook_python }}"
          greeting: "{{ greeting }}"
"""


def test_playbook_runs_with_lane_collections_and_json_output(run_ansible):
    result = run_ansible.playbook(PLAYBOOK, "-e", "greeting=hello")

    assert result.returncode == 0, result.stderr
    msg = result.task("Report the collections path and interpreter")["msg"]
    assert msg["greeting"] == "hello"
    assert msg["collections"] == run_ansible.env["ANSIBLE_COLLECTIONS_PATH"]
    assert msg["python"] == run_ansible.env["ANSIBLE_PYTHON_INTERPRETER"]
    assert result.json()["stats"]["localhost"]["ok"] == 1


def test_failing_task_is_reported_as_failure(run_ansible):
    result = run_ansible.playbook("""
- name: Harness failure path
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: deliberate
""")

    assert result.returncode == 2
    failed = result.task("Fail on purpose")
    assert failed["failed"] is True
    assert failed["msg"] == "deliberate"


def test_collection_under_test_is_visible_to_ansible_doc(run_ansible):
    result = run_ansible("ansible-doc", "--list", "voiceops.chime", "--json")

    assert result.returncode == 0, result.stderr
    assert "voiceops.chime.chime_phone_number_order_info" in json.loads(result.stdout)


def test_fake_credentials_and_isolated_aws_config(aws_env):
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == aws_env["AWS_SECRET_ACCESS_KEY"]
    assert "FAKE" in aws_env["AWS_SECRET_ACCESS_KEY"] and "FAKE" in aws_env["AWS_SESSION_TOKEN"]
    assert "AWS_PROFILE" not in os.environ
    with open(aws_env["AWS_CONFIG_FILE"], encoding="utf-8") as handle:
        assert handle.read() == ""


def test_emulator_fixture_serves_http(emulator):
    assert emulator.url.startswith("http://127.0.0.1:")
    assert emulator.stats()["requests"] == 0


def test_emulator_process_announces_its_url(emulator_process):
    assert emulator_process.proc.poll() is None
    assert emulator_process.port > 0
    assert emulator_process.client.stats()["requests"] == 0
