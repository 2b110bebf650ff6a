# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): one-pass verification vs a looped ``assert`` per number.

Against one emulator serving N orders (3 numbers each, 30,000 numbers for N = 10,000), measures,
median of --repeat runs:

1. the judge alone (compliance.number_compliance, in this process) for E expected numbers;
2. the judge step in a playbook as a user would write it with the filter: the listing registered,
   then ``set_fact: "{{ listing.phone_numbers | voiceops.chime.number_compliance(expected) }}"``
   (timed inside the playbook around that one task);
3. the role end to end, ``ansible-playbook voiceops.chime.verify_numbers`` with reports (wall
   time), and its own split from report.json (listing, judge + reports);
4. the hand-written way: one ``ansible.builtin.assert`` per expected number in a loop (each a
   dictionary lookup of the number's status), on --loop-numbers numbers (timed inside the
   playbook around the loop), per number.

Prints a table; with --json PATH also writes the figures. Run it with a lane's Python and
ANSIBLE_COLLECTIONS_PATH set, for example after ``nox -s bench-current``:
``ANSIBLE_COLLECTIONS_PATH=.nox/bench-current/collections .nox/bench-current/bin/python tests/perf/bench_judge.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "emulator"))
# Import our code the way Ansible does, from the lane's collections root (its first entry).
for _entry in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[:1]:
    if _entry:
        sys.path.insert(0, str(Path(_entry).parent if Path(_entry).name == "ansible_collections" else Path(_entry)))

from chime_emulator import ChimeEmulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAVOICEOPSBENCH001",
    "AWS_SECRET_ACCESS_KEY": "voiceops-bench-secret-not-a-real-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

FILTER_PLAY = """
- name: Judge with the filter
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List only the per-number view
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ url }}"
        include_orders: false
      register: listing
    - name: Clock before the judge
      ansible.builtin.set_fact:
        t0: "{{ now().timestamp() }}"
    - name: Judge with the filter
      ansible.builtin.set_fact:
        verdict: "{{ listing.phone_numbers | voiceops.chime.number_compliance(expected) }}"
    - name: Write the timings
      ansible.builtin.copy:
        content: "{{ {'judge_seconds': now().timestamp() - (t0 | float), 'acquired': verdict.counts.acquired} | to_json }}"
        dest: "{{ out }}"
        mode: "0644"
"""

LOOP_PLAY = """
- name: One assert per number
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List only the per-number view
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ url }}"
        include_orders: false
      register: listing
    # A status per number, looked up in O(1) by each iteration: what a careful hand-written
    # loop does. ("item in <list of 26,000 numbers>" is far slower on ansible-core 2.19+, where
    # every iteration walks the lazily templated list.)
    - name: Index the statuses by number
      ansible.builtin.set_fact:
        status_by_number: "{{ listing.phone_numbers | items2dict(key_name='e164_phone_number', value_name='status') }}"
    - name: Clock before the loop
      ansible.builtin.set_fact:
        t0: "{{ now().timestamp() }}"
    - name: Assert each expected number is acquired
      ansible.builtin.assert:
        that: status_by_number[item] | default('missing') == 'Acquired'
        quiet: true
      loop: "{{ expected }}"
    - name: Write the timings
      ansible.builtin.copy:
        content: "{{ {'loop_seconds': now().timestamp() - (t0 | float)} | to_json }}"
        dest: "{{ out }}"
        mode: "0644"
"""


def environment(work):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DUMMY_AWS_ENV)
    for name, variable in (("config", "AWS_CONFIG_FILE"), ("credentials", "AWS_SHARED_CREDENTIALS_FILE")):
        (work / name).write_text("")
        env[variable] = str(work / name)
    env.update(ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    return env


def ansible_playbook():
    return str(Path(sys.executable).parent / "ansible-playbook")


def run(command, env, expect_ok=True):
    started = time.monotonic()
    completed = subprocess.run(command, env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if expect_ok and completed.returncode != 0:
        sys.exit("failed (%d): %s\n%s\n%s" % (
            completed.returncode, " ".join(command), completed.stdout[-3000:], completed.stderr[-3000:]))
    return elapsed, completed


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--orders", type=int, default=10000, help="orders served (3 numbers each)")
    parser.add_argument("--expected", type=int, default=10000, help="expected numbers for the one-pass judge")
    parser.add_argument("--loop-numbers", type=int, default=1000, help="expected numbers for the looped assert")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args()

    from ansible import __version__ as ansible_version  # pylint: disable=import-outside-toplevel
    from ansible_collections.voiceops.chime.plugins.module_utils.compliance import (  # pylint: disable=import-outside-toplevel
        number_compliance)
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import (  # pylint: disable=import-outside-toplevel
        latest_status_by_number, order_from_api)

    emulator = ChimeEmulator(generate=args.orders, seed=0)
    emulator.start()
    try:
        api_orders = emulator.orders()
        phone_numbers = latest_status_by_number([order_from_api(order) for order in api_orders])
        acquired = [entry["e164_phone_number"] for entry in phone_numbers if entry["status"] == "Acquired"]
        rnd = random.Random(0)
        expected = rnd.sample(acquired, min(args.expected, len(acquired)))
        loop_expected = expected[:args.loop_numbers]
        figures = {"ansible_core": ansible_version, "python": sys.version.split()[0], "orders": len(api_orders),
                   "ordered_numbers": len(phone_numbers), "expected": len(expected),
                   "loop_numbers": len(loop_expected), "repeat": args.repeat}

        # 1. The judge alone.
        judge = []
        for dummy in range(max(args.repeat, 5)):
            started = time.perf_counter()
            verdict = number_compliance(phone_numbers, expected)
            judge.append(time.perf_counter() - started)
        assert verdict["passed"], verdict["message"]
        figures["judge_in_process_seconds"] = median(judge)

        with tempfile.TemporaryDirectory(prefix="voiceops-bench-") as work_dir:
            work = Path(work_dir)
            env = environment(work)
            (work / "expected.json").write_text(json.dumps({"assert_numbers_acquired_expected": expected}))
            (work / "filter.json").write_text(json.dumps({"expected": expected}))
            (work / "loop.json").write_text(json.dumps({"expected": loop_expected}))
            (work / "filter.yml").write_text(FILTER_PLAY)
            (work / "loop.yml").write_text(LOOP_PLAY)

            # 2. The filter in a playbook (judge step only).
            filter_judge = []
            for dummy in range(args.repeat):
                run([ansible_playbook(), str(work / "filter.yml"), "-e", "@%s" % (work / "filter.json"),
                     "-e", "url=%s" % emulator.url, "-e", "out=%s" % (work / "filter-out.json")], env)
                filter_judge.append(json.loads((work / "filter-out.json").read_text())["judge_seconds"])
            figures["judge_filter_in_playbook_seconds"] = median(filter_judge)

            # 3. The role end to end, with reports.
            role_wall, role_listing, role_judge = [], [], []
            for attempt in range(args.repeat):
                report_dir = work / ("reports-%d" % attempt)
                elapsed, completed = run([ansible_playbook(), "voiceops.chime.verify_numbers",
                                          "-e", "@%s" % (work / "expected.json"),
                                          "-e", "assert_numbers_acquired_endpoint_url=%s" % emulator.url,
                                          "-e", "assert_numbers_acquired_report_dir=%s" % report_dir], env)
                report = json.loads((report_dir / "report.json").read_text())
                assert report["passed"], report["message"]
                role_wall.append(elapsed)
                role_listing.append(report["timing"]["listing_seconds"])
                role_judge.append(report["timing"]["judge_seconds"])
            figures["role_end_to_end_seconds"] = median(role_wall)
            figures["role_listing_seconds"] = median(role_listing)
            figures["role_judge_and_reports_seconds"] = median(role_judge)

            # 4. One assert per number.
            loop = []
            for dummy in range(args.repeat):
                run([ansible_playbook(), str(work / "loop.yml"), "-e", "@%s" % (work / "loop.json"),
                     "-e", "url=%s" % emulator.url, "-e", "out=%s" % (work / "loop-out.json")], env)
                loop.append(json.loads((work / "loop-out.json").read_text())["loop_seconds"])
            figures["looped_assert_seconds"] = median(loop)
    finally:
        emulator.stop()

    loop_per_number = figures["looped_assert_seconds"] / max(1, figures["loop_numbers"])
    rows = [
        ("judge alone, in process", figures["expected"], figures["judge_in_process_seconds"]),
        ("judge step: number_compliance filter in a playbook", figures["expected"],
         figures["judge_filter_in_playbook_seconds"]),
        ("role: judge + 3 reports (inside the action)", figures["expected"],
         figures["role_judge_and_reports_seconds"]),
        ("role: listing %d orders (module, inside the action)" % figures["orders"], figures["expected"],
         figures["role_listing_seconds"]),
        ("role end to end: ansible-playbook voiceops.chime.verify_numbers", figures["expected"],
         figures["role_end_to_end_seconds"]),
        ("looped ansible.builtin.assert, one per number", figures["loop_numbers"], figures["looped_assert_seconds"]),
    ]
    print("\nansible-core %s, Python %s: %d orders, %d ordered numbers; median of %d"
          % (figures["ansible_core"], figures["python"], figures["orders"], figures["ordered_numbers"],
             figures["repeat"]))
    print("| step | numbers | seconds | ms per number | faster per number than the looped assert |")
    print("|---|---:|---:|---:|---:|")
    for label, count, seconds in rows:
        per_number = seconds / max(1, count)
        print("| %s | %d | %.3f | %.4f | %s |" % (label, count, seconds, per_number * 1000,
                                                  "%.0fx" % (loop_per_number / per_number) if per_number else "-"))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
