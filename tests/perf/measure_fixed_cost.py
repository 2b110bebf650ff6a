# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 3 (issue 13): the fixed cost of one check, where it goes, and what would cut it.

``ansible-playbook voiceops.chime.verify_numbers`` at 10,000 orders and 10,000 expected numbers,
with reports, as shipped (current state on, the role's default) and with current state off, each
against the plain boto3 loop as a process that lists the same (orders and numbers, or orders
only). Target: at most 1.0x.

The breakdown of the shipped check: ``ansible-playbook`` start-up (a playbook with one ``debug``
task), the role's tasks (counted and timed with the ``ansible.posix.profile_tasks`` callback), the
listing module as a process (module_process.py: imports, the listing, the judge, ``exit_json``),
and the listing alone in this process.

Then the prototypes, each the shipped collection copied with one change (prototypes/):

- ``lean_role``: the role's tasks/main.yml with fewer tasks (prototypes/lean_role_main.yml);
- ``in_process``: the compliance action lists in its own process instead of running the listing
  module (prototypes/action_in_process.py, prototypes/in_process_listing.py);
- ``lean_in_process``: both.
"""

from __future__ import annotations

import re
import shutil

from bench_core import API
from bench_core import BOTO3_SERVICE
from bench_core import E2E_ORDERS
from bench_core import EXPECTED_NUMBERS
from bench_core import PROTOTYPES_DIR
from bench_core import REGION
from bench_core import BenchError
from bench_core import log
from bench_emulator import bench_orders
from bench_emulator import expected_numbers
from bench_lane import private_collections_root
from bench_processes import PLAYBOOK_FLOOR
from bench_processes import boto3_process
from bench_processes import module_process
from bench_processes import verify_numbers
from bench_processes import write_json
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import median
from bench_timing import ratio
from bench_timing import timed_call

PROTOTYPES = {
    "lean_role": "the role with fewer tasks (no include of the default source, one final assert)",
    "in_process": "the compliance action lists in its own process (no module process)",
    "lean_in_process": "both",
}
PROFILE_ENV = {
    "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
    "PROFILE_TASKS_SORT_ORDER": "none",
    "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all",
}
_PROFILE_LINE = re.compile(r"^(?P<name>\S.*?) -+ (?P<seconds>\d+(?:\.\d+)?)s\s*$")
_RECAP = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")


def prototype_root(ctx, name):
    """A collections root whose voiceops.chime is the measured one with prototype ``name`` applied."""
    root = private_collections_root(ctx.lane_root, ctx.workdir, "collections-" + name)
    ours = root / "ansible_collections" / "voiceops" / "chime"
    if name in ("lean_role", "lean_in_process"):
        shutil.copy(
            PROTOTYPES_DIR / "lean_role_main.yml", ours / "roles" / "assert_numbers_acquired" / "tasks" / "main.yml"
        )
    if name in ("in_process", "lean_in_process"):
        action = ours / "plugins" / "action"
        (action / "chime_phone_number_compliance.py").rename(action / "chime_phone_number_compliance_shipped.py")
        shutil.copy(PROTOTYPES_DIR / "action_in_process.py", action / "chime_phone_number_compliance.py")
        shutil.copy(
            PROTOTYPES_DIR / "in_process_listing.py", ours / "plugins" / "plugin_utils" / "in_process_listing.py"
        )
    return root


def check_prototype(name, verbose_stdout):
    """Fail unless a -vvv run of prototype ``name`` (or of the shipped collection) shows its change."""
    module_ran = "AnsiballZ_chime_phone_number_order_info.py" in verbose_stdout
    included = "source_module.yml" in verbose_stdout
    wanted_module = name not in ("in_process", "lean_in_process")
    wanted_include = name not in ("lean_role", "lean_in_process")
    if module_ran != wanted_module or included != wanted_include:
        raise BenchError(
            "%s: the listing module ran: %s (expected %s); source_module.yml included: %s (expected %s)"
            % (name, module_ran, wanted_module, included, wanted_include)
        )


def profiled_tasks(stdout):
    """[(task name, seconds)] from profile_tasks' summary, and the recap's (ok, skipped) counts."""
    tasks = []
    summary = False
    for line in stdout.splitlines():
        if line.startswith("====="):
            summary = True
            continue
        match = _PROFILE_LINE.match(line) if summary else None
        if match:
            tasks.append((match.group("name"), float(match.group("seconds"))))
    recap = None
    for line in stdout.splitlines():
        match = _RECAP.match(line)
        if match:
            recap = {"ok": int(match.group(1)), "skipped": int(match.group(5))}
    if not tasks or recap is None:
        raise BenchError("no profile_tasks summary or play recap in the output:\n%s" % stdout[-2000:])
    return tasks, recap


def in_process_listing(ctx):
    """Seconds of the shipped list_account (orders and numbers, concurrently) in this process."""
    import boto3  # pylint: disable=import-outside-toplevel

    from ansible_collections.voiceops.chime.plugins.module_utils import (
        listing,  # pylint: disable=import-outside-toplevel
    )

    client = boto3.session.Session().client(
        BOTO3_SERVICE, region_name=REGION, endpoint_url=ctx.emulator.url, config=listing.client_config()
    )
    listing.keep_timestamps_as_text(client)
    seconds, listed = timed_call(lambda: listing.list_account(client, API, current_state=True))
    if len(listed.api_orders) != E2E_ORDERS:
        raise BenchError("list_account listed %d orders" % len(listed.api_orders))
    return seconds


def measure(ctx):
    settings, workdir, runner = ctx.settings, ctx.workdir, ctx.runner
    ctx.emulator.serve(E2E_ORDERS)
    expected = expected_numbers(bench_orders(E2E_ORDERS), EXPECTED_NUMBERS)
    reports = workdir / "fixed-cost-reports"
    vars_path = write_json(
        workdir / "fixed-cost-vars.json",
        {
            "assert_numbers_acquired_expected": expected,
            "assert_numbers_acquired_endpoint_url": ctx.emulator.url,
            "assert_numbers_acquired_report_dir": str(reports),
        },
    )
    floor_playbook = workdir / "floor.yml"
    floor_playbook.write_text(PLAYBOOK_FLOOR)
    roots = {name: prototype_root(ctx, name) for name in PROTOTYPES}
    for name, root in dict(roots, shipped=None).items():
        check_prototype(name, verify_numbers(ctx, vars_path, reports, extra=["-vvv"], collections=root)[0].stdout)
    module_runs, profiles = [], {"shipped": [], "lean_in_process": []}

    def module_run():
        stats = module_process(
            ctx,
            "fixed-cost-module",
            {"expected": expected, "current_state": True, "include_orders": False, "fail_on_unexpected": False},
        )
        if stats.get("passed") is not True:
            raise BenchError("the listing module did not pass the all-acquired expected list")
        module_runs.append(stats)
        return stats["wall"]

    def profiled(name, collections=None):
        def run():
            verify_run, dummy = verify_numbers(ctx, vars_path, reports, env=PROFILE_ENV, collections=collections)
            profiles[name].append(profiled_tasks(verify_run.stdout))
            return verify_run.seconds

        return run

    variants = {
        "boto3_orders": lambda: boto3_process(ctx, E2E_ORDERS),
        "boto3_both": lambda: boto3_process(ctx, E2E_ORDERS, current_state=True),
        "playbook_floor": lambda: runner.run(["ansible-playbook", floor_playbook]).seconds,
        "verify_on": lambda: verify_numbers(ctx, vars_path, reports)[0].seconds,
        "verify_off": lambda: verify_numbers(ctx, vars_path, reports, current_state=False)[0].seconds,
        "module_process": module_run,
        "listing_in_process": lambda: in_process_listing(ctx),
        "profiled_shipped": profiled("shipped"),
        "profiled_lean_in_process": profiled("lean_in_process", roots["lean_in_process"]),
    }
    for name, root in roots.items():
        variants[name] = lambda root=root: verify_numbers(ctx, vars_path, reports, collections=root)[0].seconds
    samples = interleaved(variants, settings["reps"])

    entry = {name: figure(values) for name, values in samples.items()}
    on, off = median(samples["verify_on"]), median(samples["verify_off"])
    boto3_both, boto3_orders = median(samples["boto3_both"]), median(samples["boto3_orders"])
    entry.update(
        {
            "orders": E2E_ORDERS,
            "expected": EXPECTED_NUMBERS,
            "reps": settings["reps"],
            "on_over_boto3": ratio(on, boto3_both),
            "off_over_boto3": ratio(off, boto3_orders),
            "floor_over_boto3": ratio(median(samples["playbook_floor"]), boto3_both),
            "prototypes": {},
        }
    )
    for name, description in PROTOTYPES.items():
        seconds = median(samples[name])
        entry["prototypes"][name] = {
            "description": description,
            "seconds": round(seconds, 3),
            "saves": round(on - seconds, 3),
            "over_boto3": ratio(seconds, boto3_both),
        }
    entry["module"] = {
        name: figure([run[name] for run in module_runs])
        for name in ("wall", "imports", "fetch", "transform", "judge", "exit_json", "scrub")
    }
    entry["role_tasks"] = {name: task_profile(runs) for name, runs in profiles.items()}
    ctx.shared["module_judge_seconds"] = entry["module"]["judge"]["median"]
    ctx.result["fixed_cost"] = entry

    shipped_tasks = entry["role_tasks"]["shipped"]
    module = entry["module"]
    log(
        "  verify_numbers %.2f s (current state on; %.2fx the boto3 process listing orders and numbers, %.2f s), "
        "off %.2f s (%.2fx the orders-only process, %.2f s)"
        % (on, entry["on_over_boto3"], boto3_both, off, entry["off_over_boto3"], boto3_orders)
    )
    log(
        "    ansible-playbook with one debug task %.2f s; %d role tasks (%d skipped) %.2f s; module process %.2f s "
        "(imports %.2f, listing %.2f, transform %.2f, judge %.3f, exit_json %.2f); listing in process %.2f s"
        % (
            median(samples["playbook_floor"]),
            shipped_tasks["count"],
            shipped_tasks["skipped"],
            shipped_tasks["total"],
            module["wall"]["median"],
            module["imports"]["median"],
            module["fetch"]["median"],
            module["transform"]["median"],
            module["judge"]["median"],
            module["exit_json"]["median"],
            median(samples["listing_in_process"]),
        )
    )
    for name, prototype in entry["prototypes"].items():
        log(
            "    prototype %s: %.2f s (saves %.2f s; %.2fx the boto3 process)"
            % (name, prototype["seconds"], prototype["saves"], prototype["over_boto3"])
        )


def task_profile(runs):
    """Median seconds of every task over the profiled runs, their count and total."""
    names = [name for name, dummy in runs[0][0]]
    tasks = []
    for index, name in enumerate(names):
        values = [run[0][index][1] for run in runs if len(run[0]) > index and run[0][index][0] == name]
        tasks.append({"task": name, "seconds": round(median(values), 3)})
    return {
        "count": len(tasks),
        "skipped": runs[0][1]["skipped"],
        "ok": runs[0][1]["ok"],
        "total": round(sum(task["seconds"] for task in tasks), 3),
        "tasks": tasks,
    }
