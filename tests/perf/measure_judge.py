# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 4, the judge: 10,000 expected vs 30,000 ordered numbers, vs a looped ``assert``.

Three forms of the same judge: the pure function (in this process), the ``number_compliance``
filter over a registered listing in a playbook (timed inside the play around that one task), and
the judge inside the listing module, as the role runs it (timed inside the module process by
measure_fixed_cost.py). The comparison is the hand-written check: one ``ansible.builtin.assert``
per number, each a dictionary lookup of the number's status, on ``loop_numbers`` numbers.
"""

from __future__ import annotations

import json
import re
import statistics

from bench_core import E2E_ORDERS
from bench_core import EXPECTED_NUMBERS
from bench_core import BenchError
from bench_core import log
from bench_emulator import bench_orders
from bench_emulator import expected_numbers
from bench_timing import figure
from bench_timing import median
from bench_timing import timed_call

PLAYBOOK_JUDGE_HEAD = """\
# The judge step as a user writes it with the filter, and the obvious hand-written check (one
# assert per number, each a dictionary lookup), after one listing. Each round times both, so
# the listing and the start-up are paid once.
- name: Judge with the filter, then with a looped assert
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List the latest status of every number
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ bench_endpoint_url }}"
        include_orders: false
      register: bench_listing

    - name: Index the statuses by number
      ansible.builtin.set_fact:
        bench_status_by_number: "{{ bench_listing.phone_numbers | items2dict(key_name='e164_phone_number', value_name='status') }}"
"""

PLAYBOOK_JUDGE_ROUND = """
    - name: Start the clock ({round})
      ansible.builtin.set_fact:
        bench_started: "{{{{ now(utc=true).timestamp() }}}}"

    - name: Judge every expected number with the filter ({round})
      ansible.builtin.set_fact:
        bench_verdict: "{{{{ bench_listing.phone_numbers | voiceops.chime.number_compliance(bench_expected) }}}}"

    - name: Stop the clock ({round})
      ansible.builtin.debug:
        msg: "BENCH_FILTER_SECONDS={{{{ now(utc=true).timestamp() - bench_started | float }}}} passed={{{{ bench_verdict.passed }}}}"

    - name: Start the clock again ({round})
      ansible.builtin.set_fact:
        bench_started: "{{{{ now(utc=true).timestamp() }}}}"

    - name: Assert each expected number ({round})
      ansible.builtin.assert:
        that: (bench_status_by_number[item] | default('missing')) == 'Acquired'
        quiet: true
      loop: "{{{{ bench_expected[:bench_loop_numbers | int] }}}}"

    - name: Stop the clock again ({round})
      ansible.builtin.debug:
        msg: "BENCH_LOOP_SECONDS={{{{ now(utc=true).timestamp() - bench_started | float }}}}"
"""


def measure(ctx):
    from ansible_collections.voiceops.chime.plugins.module_utils.compliance import (
        number_compliance,  # pylint: disable=import-outside-toplevel
    )
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import (
        latest_status_by_number,  # pylint: disable=import-outside-toplevel
    )
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api

    settings = ctx.settings
    api_orders = bench_orders(E2E_ORDERS)
    phone_numbers = latest_status_by_number([order_from_api(order) for order in api_orders])
    expected = expected_numbers(api_orders, EXPECTED_NUMBERS)
    pure = []
    judged = None
    for dummy in range(max(settings["reps"], 5)):
        seconds, judged = timed_call(lambda: number_compliance(phone_numbers, expected))
        pure.append(seconds)
    if not judged.get("passed"):
        raise BenchError("the judge did not pass the all-acquired expected list: %s" % judged.get("message"))

    ctx.emulator.serve(E2E_ORDERS)
    playbook = ctx.workdir / "judge.yml"
    playbook.write_text(
        PLAYBOOK_JUDGE_HEAD
        + "".join(PLAYBOOK_JUDGE_ROUND.format(round=number + 1) for number in range(settings["reps"]))
    )
    judge_vars = ctx.workdir / "judge-vars.json"
    count = settings["loop_numbers"]
    judge_vars.write_text(
        json.dumps({"bench_expected": expected, "bench_loop_numbers": count, "bench_endpoint_url": ctx.emulator.url})
    )
    stdout = ctx.runner.run(["ansible-playbook", playbook, "-e", "@%s" % judge_vars]).stdout
    loop = [float(value) for value in re.findall(r"BENCH_LOOP_SECONDS=([0-9.]+)", stdout)]
    filter_step = [float(value) for value in re.findall(r"BENCH_FILTER_SECONDS=([0-9.]+) passed=True", stdout)]
    if len(loop) != settings["reps"] or len(filter_step) != settings["reps"]:
        raise BenchError(
            "the judge playbook printed %d loop and %d passing filter timings, not %d each"
            % (len(loop), len(filter_step), settings["reps"])
        )

    # The judge inside the module process, as the role runs it (measure_fixed_cost.py, when it ran first).
    module_judge = ctx.shared.get("module_judge_seconds")
    loop_per_number = median(loop) / count
    judge = {
        "expected": EXPECTED_NUMBERS,
        "ordered_numbers": len(phone_numbers),
        "pure_function": figure(pure),
        "filter_step": figure(filter_step),
        "role_step": module_judge,
        "looped_assert_numbers": count,
        "looped_assert": figure(loop),
        "looped_assert_per_number": round(loop_per_number, 6),
    }
    # The targets use the slower of the judge steps a user meets: the filter in a playbook and the
    # role's (inside the module).
    steps = {"filter step": median(filter_step)}
    if module_judge is not None:
        steps["role step"] = module_judge
    source = max(steps, key=steps.get)
    judge_seconds = steps[source]
    judge["judge_seconds_for_targets"] = round(judge_seconds, 4)
    judge["judge_source"] = source
    judge["per_number_speedup"] = round(loop_per_number / (judge_seconds / EXPECTED_NUMBERS), 1)
    ctx.result["judge"] = judge
    log(
        "  judge 10,000 expected vs %s ordered: filter step %.3f s, role step (in the module) %s s, pure function "
        "%.3f s; looped assert %d numbers %.2f s (%.1f ms/number) -> %.0fx faster per number"
        % (
            "{:,}".format(len(phone_numbers)),
            statistics.median(filter_step),
            "n/a" if module_judge is None else "%.3f" % module_judge,
            statistics.median(pure),
            count,
            statistics.median(loop),
            loop_per_number * 1000,
            judge["per_number_speedup"],
        )
    )
