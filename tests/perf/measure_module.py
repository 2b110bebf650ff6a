# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurements 2 and 6: the listing module with its full facts, and its memory.

2. ``ansible-playbook`` running chime_phone_number_order_info (every order and the per-number view
   returned, the module's defaults: orders only) at 10,000 orders vs the plain boto3 loop as a
   process, with a breakdown: start-up (the same task fetching one order by id), fetch / transform /
   result serialisation (timed inside the module process, see module_process.py) and the
   controller (the rest).
6. Peak RSS of the module process at each N, full facts.
"""

from __future__ import annotations

import json

from bench_core import E2E_ORDERS
from bench_core import log
from bench_emulator import bench_orders
from bench_processes import boto3_process
from bench_processes import module_process
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import median
from bench_timing import ratio

PLAYBOOK_LISTING = """\
- name: List the phone number orders
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List every order with chime_phone_number_order_info
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ bench_endpoint_url }}"
        include_orders: "{{ bench_include_orders | bool }}"
        phone_number_order_ids: "{{ bench_order_ids | default(omit) }}"
      register: bench_listing
"""


def measure_playbook(ctx):
    """2. ansible-playbook with the module, full facts and include_orders=false, vs the boto3 process."""
    runner, settings, workdir = ctx.runner, ctx.settings, ctx.workdir
    ctx.emulator.serve(E2E_ORDERS)
    playbook = workdir / "listing.yml"
    playbook.write_text(PLAYBOOK_LISTING)
    common = ["-e", "bench_endpoint_url=%s" % ctx.emulator.url]
    trivial_vars = workdir / "trivial-vars.json"
    trivial_vars.write_text(json.dumps({"bench_order_ids": [bench_orders(E2E_ORDERS)[0]["PhoneNumberOrderId"]]}))

    def playbook_run(include_orders, extra=()):
        return runner.run(
            ["ansible-playbook", playbook] + common + ["-e", "bench_include_orders=%s" % include_orders] + list(extra)
        ).seconds

    module_stats = []

    def module_run():
        module_stats.append(module_process(ctx, "module-e2e", {}))
        return module_stats[-1]["wall"]

    samples = interleaved(
        {
            "boto3_process": lambda: boto3_process(ctx, E2E_ORDERS),
            "startup": lambda: playbook_run(True, ["-e", "@%s" % trivial_vars]),
            "playbook_full": lambda: playbook_run(True),
            "playbook_lean": lambda: playbook_run(False),
            "module_process": module_run,
        },
        settings["reps"],
    )
    ctx.shared.setdefault("module_runs", {})[E2E_ORDERS] = module_stats

    boto3_median = median(samples["boto3_process"])
    fetch = median([s["fetch"] for s in module_stats])
    transform = median([s["transform"] for s in module_stats])
    exit_json = median([s["exit_json"] for s in module_stats])
    scrub = median([s["scrub"] for s in module_stats])
    full = median(samples["playbook_full"])
    startup = median(samples["startup"])
    entry = {name: figure(values) for name, values in samples.items()}
    entry.update(
        {
            "orders": E2E_ORDERS,
            "reps": settings["reps"],
            "breakdown": {
                "startup": round(startup, 3),
                "fetch": round(fetch, 3),
                "transform": round(transform, 3),
                "serialisation": round(exit_json, 3),
                "serialisation_no_log_scrub": round(scrub, 3),
                "controller": round(full - startup - fetch - transform - exit_json, 3),
            },
            "result_mib": round(module_stats[-1]["result_bytes"] / 2**20, 2),
            "full_over_boto3": ratio(full, boto3_median),
            "lean_over_boto3": ratio(median(samples["playbook_lean"]), boto3_median),
        }
    )
    ctx.result["playbook"] = entry
    b = entry["breakdown"]
    log(
        "  plain boto3 loop process %.2f s; ansible-playbook full facts %.2f s (%.2fx), include_orders=false %.2f s "
        "(%.2fx); result %.1f MiB"
        % (
            boto3_median,
            full,
            entry["full_over_boto3"],
            median(samples["playbook_lean"]),
            entry["lean_over_boto3"],
            entry["result_mib"],
        )
    )
    log(
        "    breakdown: start-up %.2f, fetch %.2f, transform %.2f, serialisation %.2f (no_log scrub %.2f), "
        "controller %.2f"
        % (
            b["startup"],
            b["fetch"],
            b["transform"],
            b["serialisation"],
            b["serialisation_no_log_scrub"],
            b["controller"],
        )
    )


def measure_memory(ctx):
    """6. Peak RSS (and in-module timings) of the module process at each N, full facts."""
    memory = {}
    for size in ctx.settings["sizes"]:
        # The 10,000-order runs of measure_playbook are the same command: reuse them.
        runs = ctx.shared.get("module_runs", {}).get(size)
        if not runs:
            ctx.emulator.serve(size)
            runs = [module_process(ctx, "module-%d" % size, {}) for dummy in range(ctx.settings["module_reps"][size])]
        entry = {
            "reps": len(runs),
            "max_rss_mib": round(median([r["max_rss_kib"] for r in runs]) / 1024, 1),
            "result_mib": round(runs[0]["result_bytes"] / 2**20, 2),
        }
        for name in ("wall", "fetch", "transform", "scrub", "exit_json"):
            entry[name] = figure([r[name] for r in runs])
        memory[str(size)] = entry
        log(
            "  module process %7s orders (%d runs): peak RSS %.0f MiB, result %.1f MiB, wall %.2f s "
            "(fetch %.2f, transform %.2f, exit_json %.2f of which no_log scrub %.2f)"
            % (
                "{:,}".format(size),
                len(runs),
                entry["max_rss_mib"],
                entry["result_mib"],
                entry["wall"]["median"],
                entry["fetch"]["median"],
                entry["transform"]["median"],
                entry["exit_json"]["median"],
                entry["scrub"]["median"],
            )
        )
    sizes = [s for s in (1_000, 10_000, 100_000) if str(s) in memory]
    if len(sizes) == 3:
        rss = [memory[str(s)]["max_rss_mib"] for s in sizes]
        low = (rss[1] - rss[0]) / (sizes[1] - sizes[0])
        high = (rss[2] - rss[1]) / (sizes[2] - sizes[1])
        memory["kib_per_order_1k_10k"] = round(low * 1024, 2)
        memory["kib_per_order_10k_100k"] = round(high * 1024, 2)
        memory["slope_ratio"] = round(high / low, 2) if low > 0 else None
    ctx.result["memory"] = memory
