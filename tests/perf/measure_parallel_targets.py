# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 8 (issue 13): eight check targets in parallel against one target alone.

Eight accounts in one emulator, keyed by access key, each with ``target_orders`` generated orders
(and the numbers derived from them), reached through eight AWS profiles of a generated
credentials file; ``LATENCY`` seconds added to every request, as a round trip to AWS. An inventory
of eight hosts, one per account, each expecting 1,000 of its acquired numbers, with per-host and
aggregate reports, is checked with

    ansible-playbook -i targets.yml voiceops.chime.verify_numbers -e verify_numbers_hosts=bench_targets -f 8

against the same command for one of the hosts. Target: wall time at most 1.5x one target alone.
Also recorded: CPU (user + system) of the whole run and per target, and the emulator's own CPU,
since the machine has 2 cores for everything.
"""

from __future__ import annotations

import json

from bench_core import BenchError
from bench_core import log
from bench_emulator import bench_account_key
from bench_emulator import expected_numbers
from bench_emulator import generate_orders
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import median
from bench_timing import process_cpu_seconds
from bench_timing import ratio

LATENCY = 0.3
EXPECTED_PER_TARGET = 1_000
GROUP = "bench_targets"


def profile_name(number):
    return "bench-target-%d" % number


def measure(ctx):
    settings, workdir, runner = ctx.settings, ctx.workdir, ctx.runner
    count, orders_per_target = settings["targets"], settings["target_orders"]
    accounts = {}
    hosts = {}
    for number in range(1, count + 1):
        api_orders = generate_orders(orders_per_target, seed=number)
        accounts[bench_account_key(number)] = {"PhoneNumberOrders": api_orders}
        hosts["target-%d" % number] = {
            "assert_numbers_acquired_profile": profile_name(number),
            "assert_numbers_acquired_expected": expected_numbers(api_orders, EXPECTED_PER_TARGET),
        }
    ctx.emulator.serve_document(("accounts", count, orders_per_target), {"Accounts": accounts}, accounts=list(accounts))
    credentials = []
    for number in range(1, count + 1):
        credentials += [
            "[%s]" % profile_name(number),
            "aws_access_key_id = %s" % bench_account_key(number),
            "aws_secret_access_key = bench-fake-secret-%d" % number,
            "",
        ]
    runner.aws_credentials.write_text("\n".join(credentials))
    reports = workdir / "targets-reports"
    summary = workdir / "targets-summary"
    inventory = workdir / "targets.json"
    inventory.write_text(
        json.dumps(
            {
                GROUP: {
                    "vars": {
                        "assert_numbers_acquired_endpoint_url": ctx.emulator.url,
                        "assert_numbers_acquired_report_dir": str(reports),
                        "assert_numbers_acquired_summary_dir": str(summary),
                    },
                    "hosts": hosts,
                }
            }
        )
    )
    # The profiles' keys only: an access key in the environment as well is refused by amazon.aws.
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    cpu = {"eight": [], "one": [], "emulator_eight": [], "emulator_one": []}

    def check(pattern, checked_hosts, name):
        def run():
            emulator_before = process_cpu_seconds(ctx.emulator.pid)
            result = runner.run(
                [
                    "ansible-playbook",
                    "-i",
                    inventory,
                    "voiceops.chime.verify_numbers",
                    "-e",
                    "verify_numbers_hosts=%s" % pattern,
                    "-f",
                    str(count),
                ],
                env=env,
            )
            emulator_after = process_cpu_seconds(ctx.emulator.pid)
            aggregate = json.loads((summary / "report.json").read_text())
            for host in checked_hosts:
                host_report = reports / host / "report.json" if len(checked_hosts) > 1 else reports / "report.json"
                verdict = json.loads(host_report.read_text()).get("verdict")
                if verdict != "passed":
                    raise BenchError("%s: verdict %r in %s" % (host, verdict, host_report))
            if aggregate.get("verdict") != "passed":
                raise BenchError("the aggregate report says %r" % aggregate.get("verdict"))
            cpu[name].append(result.cpu)
            if emulator_before is not None and emulator_after is not None:
                cpu["emulator_" + name].append(emulator_after - emulator_before)
            return result.seconds

        return run

    ctx.emulator.set_latency(LATENCY)
    try:
        samples = interleaved(
            {"one": check("target-1", ["target-1"], "one"), "eight": check(GROUP, sorted(hosts), "eight")},
            settings["reps"],
        )
    finally:
        ctx.emulator.set_latency(0)
        runner.aws_credentials.write_text("")
    stats = ctx.emulator.stats()
    listed_accounts = sorted(key for key in stats.get("by_account", {}) if key in accounts)
    if listed_accounts != sorted(accounts):
        raise BenchError("not every account was listed: %s" % listed_accounts)
    entry = {
        "targets": count,
        "orders_per_target": orders_per_target,
        "expected_per_target": EXPECTED_PER_TARGET,
        "latency_seconds": LATENCY,
        "forks": count,
        "reps": settings["reps"],
        "one": figure(samples["one"]),
        "eight": figure(samples["eight"]),
        "cpu_one": figure(cpu["one"]),
        "cpu_eight": figure(cpu["eight"]),
        "cpu_per_target_eight": round(median(cpu["eight"]) / count, 3),
        "emulator_cpu_one": figure(cpu["emulator_one"]),
        "emulator_cpu_eight": figure(cpu["emulator_eight"]),
    }
    entry["eight_over_one"] = ratio(entry["eight"]["median"], entry["one"]["median"])
    entry["cpu_per_target_over_one"] = ratio(entry["cpu_per_target_eight"], entry["cpu_one"]["median"])
    # What one more target costs: the run's fixed part (ansible-playbook itself) is paid once.
    entry["cpu_per_added_target"] = round((median(cpu["eight"]) - median(cpu["one"])) / (count - 1), 3)
    ctx.result["parallel_targets"] = entry
    figures = (
        count,
        "{:,}".format(orders_per_target),
        LATENCY * 1000,
        count,
        entry["eight"]["median"],
        entry["one"]["median"],
        entry["eight_over_one"] or 0,
        median(cpu["eight"]),
        entry["cpu_per_target_eight"],
        entry["cpu_per_added_target"],
        entry["cpu_one"]["median"],
        entry["emulator_cpu_eight"]["median"] or 0,
    )
    # A figure that could not be measured is None: shown as 0 in this progress line (results.json keeps None).
    log(
        "  %d targets x %s orders at %d ms a request, -f %d: %.2f s against one target alone %.2f s (%.2fx); CPU "
        "%.2f s (%.2f s a target, %.2f s for each added one; one alone %.2f s), emulator CPU %.2f s"
        % tuple(0 if value is None else value for value in figures)
    )
