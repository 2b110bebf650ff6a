# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.number_compliance and voiceops.chime.e164 filters in real playbooks."""

from __future__ import annotations

import json

FACTS = [
    {"e164_phone_number": "+12065550100", "status": "Acquired", "phone_number_order_id": "o1",
     "order_status": "Successful"},
    {"e164_phone_number": "+12065550101", "status": "Failed", "phone_number_order_id": "o2", "order_status": "Failed"},
    {"e164_phone_number": "+12065550109", "status": "Acquired", "phone_number_order_id": "o3",
     "order_status": "Successful"},
]

INVENTORY = """
all:
  hosts:
    localhost: {}
  children:
    chime_number_acquired:
      hosts:
        "+12065550100": {chime_e164_phone_number: "+12065550100", chime_number_status: Acquired}
    chime_number_processing:
      hosts:
        "+12065550101":
          chime_e164_phone_number: "+12065550101"
          chime_number_status: Processing
          chime_phone_number_order_id: o7
          chime_order_status: Processing
"""

PLAY = """
- name: Use the filters
  hosts: localhost
  gather_facts: false
  tasks:
    - name: From the module fact
      ansible.builtin.debug:
        msg: "{{ facts | voiceops.chime.number_compliance(expected, fail_on_unexpected=true) }}"
    - name: From inventory hostvars and groups
      ansible.builtin.debug:
        msg: "{{ hostvars | voiceops.chime.number_compliance(['+12065550100', '+12065550101'], groups=groups) }}"
    - name: From inventory hostvars alone
      ansible.builtin.debug:
        msg: "{{ hostvars | voiceops.chime.number_compliance(['+12065550100', '+12065550101']) }}"
    - name: Normalise numbers
      ansible.builtin.debug:
        msg: "{{ raw | map('voiceops.chime.e164') | unique | list }}"
    - name: Name the bad entry
      ansible.builtin.debug:
        msg: "{{ [] | voiceops.chime.number_compliance(['+12065550100', 'tbd']) }}"
"""


def test_filters_in_a_playbook(run_ansible, tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(INVENTORY)
    variables = {"facts": FACTS, "expected": ["+1 (206) 555-0100", 12065550101],
                 "raw": ["+1 206 555 0100", "+1.206.555.0100", "+44 20 7946 0958"]}
    result = run_ansible.playbook(PLAY, "-i", str(inventory), "-e", json.dumps(variables))
    assert result.returncode == 2

    from_facts = result.task("From the module fact")["msg"]
    assert from_facts["failed"] == ["+12065550101"]
    assert from_facts["unexpected"] == ["+12065550109"]
    assert from_facts["counts"]["problems"] == 2

    for name in ("From inventory hostvars and groups", "From inventory hostvars alone"):
        from_inventory = result.task(name)["msg"]
        assert from_inventory["acquired"] == ["+12065550100"], name
        assert from_inventory["processing"] == ["+12065550101"], name
        assert from_inventory["problems"][0]["reason"] == "still Processing in order o7 (order status Processing)"
        assert from_inventory["counts"]["ordered"] == 2, name

    assert result.task("Normalise numbers")["msg"] == ["+12065550100", "+442079460958"]
    failed = result.task("Name the bad entry")
    assert failed["failed"] is True
    assert "item 1 'tbd': must start with '+' and the country code" in failed["msg"]


def test_ansible_doc_renders_both_filters(run_ansible):
    for name, fragments in (("voiceops.chime.number_compliance", ("fail_on_unexpected", "hostvars_prefix", "groups",
                                                                  "EXAMPLES", "RETURN VALUES", "problems")),
                            ("voiceops.chime.e164", ("E.164", "EXAMPLES", "RETURN VALUES"))):
        result = run_ansible("ansible-doc", "-t", "filter", name)
        assert result.returncode == 0, result.stderr
        for fragment in fragments:
            assert fragment in result.stdout, (name, fragment)
