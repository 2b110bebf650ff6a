# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The targets (PASS/MISS) and the tables of `make bench`: printed after a lane, and as markdown (--markdown)."""

from __future__ import annotations

from bench_core import E2E_ORDERS
from bench_core import TARGET_LANE
from bench_core import log

GIB = 1024**3

# id: (issue, text). The order is the order of the tables.
TARGETS = {
    "listing_vs_boto3": ("5", "listing 10,000: >= 4x faster than the plain boto3 loop"),
    "listing_vs_floor": ("5", "listing 10,000: <= 5x the stdlib floor"),
    "playbook_vs_boto3": ("5", "ansible-playbook, module with full facts, 10,000: <= 1.5x the boto3 loop process"),
    "verify_vs_boto3": (
        "13",
        "verify_numbers 10,000 orders/10,000 expected (current state on): <= 1.0x the boto3 "
        "loop process listing orders and numbers",
    ),
    "verify_off_vs_boto3": ("13", "verify_numbers, current state off: <= 1.0x the boto3 loop process listing orders"),
    "judge_per_number": ("5", "judge: >= 50x faster per number than a looped assert (slower judge step)"),
    "judge_seconds_role": ("5", "judge step in the role: < 1 s for 10,000 expected vs 30,000 ordered numbers"),
    "judge_seconds_filter": ("5", "judge step as the filter in a playbook: < 1 s for the same"),
    "inventory_cached": ("5", "ansible-inventory --list from cache: <= 1.5x a static YAML inventory"),
    "memory_linear": ("5", "module peak RSS grows linearly with N"),
    "memory_100k": ("5", "module peak RSS at 100,000 orders < 1 GiB"),
    "current_state": ("10", "verify_numbers with current state: <= 1.25x without, 10,000 orders, ~28,000 numbers"),
    "current_state_latency": ("10", "the same with 100 ms a request: <= 1.25x without"),
    "parallel_targets": ("13", "8 targets x 1,000 orders at 300 ms a request, -f 8: <= 1.5x one target alone"),
}


def verdict(ok):
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def evaluate_targets(result):
    """Add result['targets']: every target whose measurement ran, with its figure and verdict."""
    targets = []

    def add(key, measured, ok):
        issue, text = TARGETS[key]
        targets.append({"id": key, "issue": issue, "target": text, "measured": measured, "verdict": verdict(ok)})

    listing = (result.get("listing") or {}).get(str(E2E_ORDERS))
    if listing:
        add("listing_vs_boto3", "%.1fx faster" % listing["boto3_over_ours"], listing["boto3_over_ours"] >= 4)
        add("listing_vs_floor", "%.1fx the floor" % listing["ours_over_floor"], listing["ours_over_floor"] <= 5)
    playbook = result.get("playbook")
    if playbook:
        add("playbook_vs_boto3", "%.2fx" % playbook["full_over_boto3"], playbook["full_over_boto3"] <= 1.5)
    fixed = result.get("fixed_cost")
    if fixed:
        add("verify_vs_boto3", "%.2fx" % fixed["on_over_boto3"], fixed["on_over_boto3"] <= 1.0)
        add("verify_off_vs_boto3", "%.2fx" % fixed["off_over_boto3"], fixed["off_over_boto3"] <= 1.0)
    judge = result.get("judge")
    if judge:
        add(
            "judge_per_number",
            "%.0fx faster (%s)" % (judge["per_number_speedup"], judge["judge_source"]),
            judge["per_number_speedup"] >= 50,
        )
        if judge.get("role_step") is not None:
            add("judge_seconds_role", "%.3f s (inside the module)" % judge["role_step"], judge["role_step"] < 1.0)
        add("judge_seconds_filter", "%.3f s" % judge["filter_step"]["median"], judge["filter_step"]["median"] < 1.0)
    inventory = result.get("inventory")
    if inventory:
        add("inventory_cached", "%.2fx" % inventory["cached_over_static"], inventory["cached_over_static"] <= 1.5)
    memory = result.get("memory") or {}
    if memory.get("slope_ratio") is not None:
        add(
            "memory_linear",
            "%.1f then %.1f KiB/order (ratio %.2f)"
            % (memory["kib_per_order_1k_10k"], memory["kib_per_order_10k_100k"], memory["slope_ratio"]),
            memory["slope_ratio"] <= 1.5,
        )
    elif memory:
        add("memory_linear", "n/a (needs 1,000/10,000/100,000)", None)
    if "100000" in memory:
        add("memory_100k", "%.0f MiB" % memory["100000"]["max_rss_mib"], memory["100000"]["max_rss_mib"] * 2**20 < GIB)
    elif memory:
        add("memory_100k", "n/a (quick run)", None)
    current = result.get("current_state")
    if current:
        for key, latency in (("current_state", "0"), ("current_state_latency", str(current["latency_seconds"]))):
            figures = current["latency"].get(latency)
            if figures:
                add(key, "%.2fx" % figures["on_over_off"], figures["on_over_off"] <= 1.25)
    parallel = result.get("parallel_targets")
    if parallel:
        add("parallel_targets", "%.2fx" % parallel["eight_over_one"], parallel["eight_over_one"] <= 1.5)
    result["targets"] = targets
    return targets


def _s(value, digits=2):
    return "—" if value is None else ("%.*f s" % (digits, value))


def _n(value):
    return "{:,}".format(value)


def table_rows(result):
    """(measurement, ours, compared with, ratio) rows for one lane."""
    rows = []
    for size, entry in sorted((result.get("listing") or {}).items(), key=lambda item: int(item[0])):
        label = "1. listing %s orders (%d pages), in process, %s runs" % (
            _n(int(size)),
            entry["pages"],
            _reps(entry["reps"]),
        )
        rows.append(
            (
                label,
                _s(entry["ours"]["median"], 3),
                "plain boto3 loop " + _s(entry["boto3_loop"]["median"], 3),
                "%.1fx faster" % entry["boto3_over_ours"],
            )
        )
        rows.append(
            ("", "", "stdlib floor " + _s(entry["floor"]["median"], 3), "%.1fx the floor" % entry["ours_over_floor"])
        )
    playbook = result.get("playbook")
    if playbook:
        b = playbook["breakdown"]
        boto3_text = "boto3 loop process " + _s(playbook["boto3_process"]["median"])
        rows.append(
            (
                "2. ansible-playbook, module, full facts, 10,000 (%.1f MiB result)" % playbook["result_mib"],
                _s(playbook["playbook_full"]["median"]),
                boto3_text,
                "%.2fx" % playbook["full_over_boto3"],
            )
        )
        rows.append(
            (
                "   breakdown: start-up %.2f + fetch %.2f + transform %.2f + serialisation %.2f "
                "(no_log scrub %.2f) + controller %.2f"
                % (
                    b["startup"],
                    b["fetch"],
                    b["transform"],
                    b["serialisation"],
                    b["serialisation_no_log_scrub"],
                    b["controller"],
                ),
                "",
                "",
                "",
            )
        )
        rows.append(
            (
                "   same, include_orders: false",
                _s(playbook["playbook_lean"]["median"]),
                boto3_text,
                "%.2fx" % playbook["lean_over_boto3"],
            )
        )
    fixed = result.get("fixed_cost")
    if fixed:
        both = "boto3 loop process, orders + numbers " + _s(fixed["boto3_both"]["median"])
        rows.append(
            (
                "3. verify_numbers, 10,000 orders / 10,000 expected, reports, current state on",
                _s(fixed["verify_on"]["median"]),
                both,
                "%.2fx" % fixed["on_over_boto3"],
            )
        )
        rows.append(
            (
                "   same, current state off",
                _s(fixed["verify_off"]["median"]),
                "boto3 loop process, orders " + _s(fixed["boto3_orders"]["median"]),
                "%.2fx" % fixed["off_over_boto3"],
            )
        )
        tasks = fixed["role_tasks"]["shipped"]
        module = fixed["module"]
        rows.append(
            (
                "   start-up: ansible-playbook with one debug task",
                _s(fixed["playbook_floor"]["median"]),
                both,
                "%.2fx" % fixed["floor_over_boto3"],
            )
        )
        rows.append(
            (
                "   the role's %d tasks (%d skipped), profile_tasks" % (tasks["count"], tasks["skipped"]),
                _s(tasks["total"]),
                "",
                "",
            )
        )
        rows.append(
            (
                "   the module process (imports %.2f, listing %.2f, transform %.2f, judge %.3f, exit_json %.2f)"
                % (
                    module["imports"]["median"],
                    module["fetch"]["median"],
                    module["transform"]["median"],
                    module["judge"]["median"],
                    module["exit_json"]["median"],
                ),
                _s(module["wall"]["median"]),
                "",
                "",
            )
        )
        rows.append(
            ("   the listing alone, in process (orders and numbers)", _s(fixed["listing_in_process"]["median"]), "", "")
        )
        for name, prototype in fixed["prototypes"].items():
            rows.append(
                (
                    "   prototype %s: %s" % (name, prototype["description"]),
                    _s(prototype["seconds"]),
                    both,
                    "%.2fx (saves %.2f s)" % (prototype["over_boto3"], prototype["saves"]),
                )
            )
    judge = result.get("judge")
    if judge:
        rows.append(
            (
                "4. judge, 10,000 expected vs %s ordered: filter in a playbook" % _n(judge["ordered_numbers"]),
                _s(judge["filter_step"]["median"], 3),
                "looped assert %s numbers %s"
                % (_n(judge["looped_assert_numbers"]), _s(judge["looped_assert"]["median"])),
                "%.0fx faster per number" % judge["per_number_speedup"],
            )
        )
        rows.append(
            (
                "   judge inside the listing module (the role's)",
                _s(judge["role_step"], 3),
                "%.1f ms per number looped" % (judge["looped_assert_per_number"] * 1000),
                "",
            )
        )
        rows.append(("   judge as a pure function", _s(judge["pure_function"]["median"], 3), "", ""))
    inventory = result.get("inventory")
    if inventory:
        rows.append(
            (
                "5. ansible-inventory --list, %s hosts, cached" % _n(inventory["hosts"]),
                _s(inventory["cached"]["median"]),
                "static inventory " + _s(inventory["static"]["median"]),
                "%.2fx" % inventory["cached_over_static"],
            )
        )
        rows.append(
            (
                "   cold (lists 10,000 orders)",
                _s(inventory["cold"]["median"]),
                "static inventory " + _s(inventory["static"]["median"]),
                "%.2fx" % inventory["cold_over_static"],
            )
        )
    memory = result.get("memory") or {}
    for size in ("1000", "10000", "100000"):
        if size in memory:
            entry = memory[size]
            rows.append(
                (
                    "6. module process peak RSS, %s orders, full facts" % _n(int(size)),
                    "%.0f MiB" % entry["max_rss_mib"],
                    "result %.1f MiB, wall %s" % (entry["result_mib"], _s(entry["wall"]["median"])),
                    "",
                )
            )
    current = result.get("current_state")
    if current:
        rows.extend(current_state_rows(current))
    parallel = result.get("parallel_targets")
    if parallel:
        rows.append(
            (
                "8. %d targets x %s orders, %d ms a request, -f %d (%d runs)"
                % (
                    parallel["targets"],
                    _n(parallel["orders_per_target"]),
                    parallel["latency_seconds"] * 1000,
                    parallel["forks"],
                    parallel["reps"],
                ),
                _s(parallel["eight"]["median"]),
                "one target alone " + _s(parallel["one"]["median"]),
                "%.2fx" % parallel["eight_over_one"],
            )
        )
        rows.append(
            (
                "   CPU (user + system) of the whole run, per target",
                _s(parallel["cpu_per_target_eight"]),
                "one target alone " + _s(parallel["cpu_one"]["median"]),
                "%.2fx" % parallel["cpu_per_target_over_one"],
            )
        )
        if parallel.get("cpu_per_added_target") is not None:
            rows.append(
                (
                    "   CPU of each target added ((8 targets - 1 target) / 7)",
                    _s(parallel["cpu_per_added_target"]),
                    "",
                    "",
                )
            )
        rows.append(
            (
                "   CPU of the whole run; the emulator's own",
                _s(parallel["cpu_eight"]["median"]),
                "emulator " + _s(parallel["emulator_cpu_eight"]["median"]),
                "",
            )
        )
    return rows


def current_state_rows(current):
    rows = []
    for latency, figures in sorted(current["latency"].items(), key=lambda item: float(item[0])):
        label = "no latency" if float(latency) == 0 else "%d ms a request" % (float(latency) * 1000)
        rows.append(
            (
                "7. verify_numbers, current state on, %s orders, %s numbers, %s (%d runs)"
                % (_n(current["orders"]), _n(current["numbers"]), label, figures["reps"]),
                _s(figures["check_on"]["median"]),
                "current state off " + _s(figures["check_off"]["median"]),
                "%.2fx" % figures["on_over_off"],
            )
        )
        rows.append(
            (
                "   listing alone: orders and numbers concurrently (list_account)",
                _s(figures["shipped"]["median"]),
                "orders only " + _s(figures["orders_only"]["median"]),
                "%.2fx" % figures["shipped_over_orders_only"],
            )
        )
        for name, text in (
            ("by_status", "per status (%d)" % current["partitions"]["status"]),
            ("by_product_type", "per product type (%d)" % current["partitions"]["product_type"]),
            (
                "by_status_and_product_type",
                "per status and product type (%d)" % current["partitions"]["status_and_product_type"],
            ),
        ):
            rows.append(
                (
                    "   prototype: numbers in partitions %s, beside the orders" % text,
                    _s(figures[name]["median"]),
                    "list_account " + _s(figures["shipped"]["median"]),
                    "%.2fx" % (figures[name]["median"] / figures["shipped"]["median"]),
                )
            )
        rows.append(
            (
                "   check with the best partitioning (projected)",
                _s(figures["check_on_partitioned_projected"]),
                "current state off " + _s(figures["check_off"]["median"]),
                "%.2fx" % figures["projected_over_off"],
            )
        )
    return rows


def _reps(reps):
    values = sorted(set(reps.values())) if isinstance(reps, dict) else [reps]
    if len(values) == 1:
        return str(values[0])
    return "/".join("%d %s" % (count, name.replace("_", " ")) for name, count in reps.items())


def header_line(lane, result):
    env = result.get("environment", {})
    pages = result.get("emulator", {}).get("pages_per_second", {})
    return (
        "lane %s: Python %s, ansible-core %s, amazon.aws %s, botocore %s, %s, commit %s; %s CPUs, load %s -> %s; "
        "%s run, %s s; emulator alone: %s"
        % (
            lane,
            env.get("python"),
            env.get("ansible_core"),
            env.get("amazon_aws"),
            env.get("botocore"),
            env.get("collection"),
            env.get("commit"),
            env.get("cpus"),
            result.get("load_before"),
            result.get("load_after"),
            result.get("settings", "?"),
            result.get("seconds", "?"),
            ", ".join("%s pages/s at %s orders" % (_n(rate), _n(int(size))) for size, rate in pages.items()) or "—",
        )
    )


def print_table(lane, result):
    rows = table_rows(result)
    log("")
    log(header_line(lane, result))
    widths = [max([len(r[i]) for r in rows] + [10]) for i in range(4)]
    widths[0] = min(widths[0], 80)
    log("  %-*s  %-*s  %-*s  %s" % (widths[0], "measurement", widths[1], "ours", widths[2], "compared with", "ratio"))
    for row in rows:
        if len(row[0]) > widths[0] and not any(row[1:]):
            log("  " + row[0])
            continue
        log("  %-*s  %-*s  %-*s  %s" % (widths[0], row[0], widths[1], row[1], widths[2], row[2], row[3]))
    log("")
    log("  targets%s" % ("" if lane == TARGET_LANE else " (set for the %s lane, shown for reference)" % TARGET_LANE))
    for target in result.get("targets", []):
        log(
            "  %-4s  issue %-3s %-100s  %s" % (target["verdict"], target["issue"], target["target"], target["measured"])
        )
    for error in result.get("errors", []):
        log("  ERROR %s" % error.splitlines()[0])


def markdown(results):
    lines = []
    for lane, result in results.get("lanes", {}).items():
        lines.append("### Lane %s" % lane)
        lines.append("")
        lines.append(header_line(lane, result).split(": ", 1)[1] + ".")
        lines.append("")
        lines.append("| measurement | ours | compared with | ratio |")
        lines.append("|---|---|---|---|")
        for row in table_rows(result):
            lines.append("| %s |" % " | ".join(cell.strip() for cell in row))
        lines.append("")
        lines.append("| issue | target | measured | verdict |")
        lines.append("|---|---|---|---|")
        for target in result.get("targets", []):
            lines.append(
                "| %s | %s | %s | %s |" % (target["issue"], target["target"], target["measured"], target["verdict"])
            )
        lines.append("")
        fixed = result.get("fixed_cost")
        if fixed:
            lines.extend(role_task_table(fixed))
        current = result.get("current_state")
        if current and current.get("outside_the_enum"):
            lines.extend(enum_probe_table(current["outside_the_enum"]))
        if result.get("errors"):
            lines.append("Errors: " + "; ".join(error.splitlines()[0] for error in result["errors"]))
            lines.append("")
    return "\n".join(lines)


def role_task_table(fixed):
    """The role's tasks as profile_tasks timed them, shipped and with both prototypes, side by side."""
    shipped = fixed["role_tasks"]["shipped"]
    lean = fixed["role_tasks"].get("lean_in_process") or {"tasks": [], "count": 0, "skipped": 0, "total": 0}
    lines = [
        "The role's tasks in `verify_numbers` (`ansible.posix.profile_tasks`, medians; the listing task "
        "includes the module process, or the listing in the action for the prototype):",
        "",
        "| task | shipped | prototype lean_in_process |",
        "|---|---|---|",
    ]
    shipped_seconds = dict((_task_name(task["task"]), task["seconds"]) for task in shipped["tasks"])
    lean_seconds = dict((_task_name(task["task"]), task["seconds"]) for task in lean["tasks"])
    names = list(shipped_seconds) + [name for name in lean_seconds if name not in shipped_seconds]
    for name in names:
        lines.append(
            "| %s | %s | %s |" % (name, _seconds_cell(shipped_seconds.get(name)), _seconds_cell(lean_seconds.get(name)))
        )
    lines.append(
        "| **all tasks** | **%d tasks (%d skipped), %.3f s** | **%d tasks (%d skipped), %.3f s** |"
        % (shipped["count"], shipped["skipped"], shipped["total"], lean["count"], lean["skipped"], lean["total"])
    )
    lines.append("")
    return lines


def _seconds_cell(value):
    return "—" if value is None else "%.3f s" % value


def _task_name(name):
    # The implicit validation task is named after the whole argument spec description.
    name = name.replace("voiceops.chime.assert_numbers_acquired : ", "").split(" - ", 1)[0]
    return name.replace("|", "/")


def enum_probe_table(probe):
    """What a partitioned numbers listing misses, and how the judge then decides."""
    kinds = [kind for kind in ("unpartitioned", "status", "product_type") if kind in probe]
    lines = [
        "Numbers outside botocore's enums, listed without and with partitions, then judged with current state "
        "(the first three expected; then only the first expected, with `fail_on_unexpected`):",
        "",
        "| number | status, product type | "
        + " | ".join(
            "listed %s" % kind.replace("_", " ") if kind == "unpartitioned" else "per %s" % kind.replace("_", " ")
            for kind in kinds
        )
        + " |",
        "|---|---|" + "---|" * len(kinds),
    ]
    for e164, number in probe["numbers"].items():
        cells = []
        for kind in kinds:
            listed = e164 in probe[kind]["listed"]
            category = probe[kind]["categories"].get(e164)
            if category is None:
                category = "unexpected" if e164 in probe[kind]["unexpected"] else "not judged"
            cells.append("%s, %s" % ("listed" if listed else "**missed**", category))
        lines.append(
            "| %s | %s, %s (%s) | %s |"
            % (e164, number["status"], number["product_type"], number["what"], " | ".join(cells))
        )
    lines.append(
        "| check with `fail_on_unexpected` passes | | %s |"
        % " | ".join("**yes**" if probe[kind]["fail_on_unexpected_passed"] else "no" for kind in kinds)
    )
    lines.append("")
    return lines
