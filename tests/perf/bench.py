# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: voiceops.chime measured against what people would otherwise run (issues 5, 10 and 13).

    make bench                                        # the lane running this script (current), full run
    make bench ARGS="--quick"                         # smoke run: small sizes, one repetition, no results.json
    make bench ARGS="--only current_state,fixed_cost" # a subset (results.json then not written unless --output)
    make nox ARGS="-s bench-current"                  # one lane (make bench runs bench-current and bench-oldest)
    python tests/perf/bench.py --markdown             # results.json as the tables of docs/performance.md

This file is the driver: it sets up one lane run (a private copy of the lane's collections, one
emulator process, a runner with fake credentials) and runs the measurements, each in a module of
its own:

    listing           measure_listing.py          1. listing in process vs a plain boto3 loop and the stdlib floor
    playbook          measure_module.py           2. ansible-playbook with the module's full facts
    fixed_cost        measure_fixed_cost.py       3. verify_numbers vs a boto3 process, its breakdown, prototypes
    judge             measure_judge.py            4. the judge vs a looped assert
    inventory         measure_inventory.py        5. ansible-inventory, cold and cached, vs a static inventory
    memory            measure_module.py           6. the module's peak RSS at each size
    current_state     measure_current_state.py    7. current state on vs off, 0 and 100 ms latency, partitions
    parallel_targets  measure_parallel_targets.py 8. 8 targets with -f 8 vs one alone, 300 ms latency

Shared pieces: bench_core.py (paths, sizes, repetitions), bench_timing.py (medians, interleaved rounds,
CPU time), bench_lane.py (the lane, its commands), bench_emulator.py (the emulator process, data sets),
bench_processes.py (the boto3 loop, module and verify_numbers processes), bench_report.py (targets,
tables, markdown). Nothing here asserts on timings: every target is printed and recorded as PASS or MISS.

The lane is the nox session running this file (``nox -s bench-current``, ``bench-oldest``; ``make
bench`` runs both): it sets VOICEOPS_CHIME_LANE and ANSIBLE_COLLECTIONS_PATH, a collections root with
voiceops.chime, amazon.aws and ansible.posix (for profile_tasks). ``--lanes`` names the lanes to
measure: the one running this file here, any other through its own nox session. Each lane's run
merges its figures into results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench_core import AWS_VARS_TO_CLEAR
from bench_core import EMULATOR_DIR
from bench_core import FULL
from bench_core import LANES
from bench_core import PERF_DIR
from bench_core import QUICK
from bench_core import RESULTS_FORMAT
from bench_core import RESULTS_PATH
from bench_core import ROOT
from bench_core import TARGET_LANE
from bench_core import BenchContext
from bench_core import BenchError
from bench_core import log
from bench_lane import Runner
from bench_lane import collections_root
from bench_lane import environment
from bench_lane import lane_of_this_interpreter
from bench_lane import private_collections_root
from bench_report import evaluate_targets
from bench_report import markdown
from bench_report import print_table
from bench_timing import load_average

# name: (module, function). The order is the order of a run: cheap and sensitive measurements
# first, the long latency-bound ones last.
STEPS = (
    ("listing", "measure_listing", "measure"),
    ("playbook", "measure_module", "measure_playbook"),
    ("fixed_cost", "measure_fixed_cost", "measure"),
    ("judge", "measure_judge", "measure"),
    ("inventory", "measure_inventory", "measure"),
    ("memory", "measure_module", "measure_memory"),
    ("current_state", "measure_current_state", "measure"),
    ("parallel_targets", "measure_parallel_targets", "measure"),
)
STEP_NAMES = tuple(name for name, dummy, dummy in STEPS)


def run_lane_here(lane, settings, keep, only=None):
    lane_root = collections_root()
    workdir = Path(tempfile.mkdtemp(prefix="voiceops-bench-%s-" % lane))
    collections = private_collections_root(lane_root, workdir)
    for path in (str(collections), str(PERF_DIR), str(EMULATOR_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    result = {
        "lane": lane,
        "format": RESULTS_FORMAT,
        "environment": environment(lane_root),
        "settings": settings["name"],
        "load_before": load_average(),
        "errors": [],
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    log("==> bench on lane %s (%s)" % (lane, sys.executable))
    started = time.monotonic()
    emulator = None
    try:
        from bench_emulator import Emulator  # pylint: disable=import-outside-toplevel

        emulator = Emulator(workdir)
        runner = Runner(workdir, collections)
        # In-process clients read the same fake credentials as the commands.
        for name in AWS_VARS_TO_CLEAR:
            os.environ.pop(name, None)
        os.environ.update({k: v for k, v in runner.env.items() if k.startswith("AWS_")})
        ctx = BenchContext(lane, settings, workdir, lane_root, collections, emulator, runner, result)
        for name, module_name, function_name in STEPS:
            if only is not None and name not in only:
                continue
            step_started = time.monotonic()
            log("-- %s" % name)
            try:
                getattr(__import__(module_name), function_name)(ctx)
            except Exception as error:  # pylint: disable=broad-exception-caught
                # One broken measurement must not hide the others: record it, go on, exit non-zero.
                result["errors"].append("%s: %s" % (name, error))
                log("  %s FAILED: %s" % (name, error))
                if not isinstance(error, BenchError):
                    traceback.print_exc()
            result.setdefault("step_seconds", {})[name] = round(time.monotonic() - step_started, 1)
            log("  (%s took %.0f s)" % (name, time.monotonic() - step_started))
    finally:
        if emulator is not None:
            emulator.stop()
        if keep:
            log("  work directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["load_after"] = load_average()
    result["seconds"] = round(time.monotonic() - started, 1)
    evaluate_targets(result)
    print_table(lane, result)
    log("  (lane %s: %.0f s)" % (lane, result["seconds"]))
    return result


def run_lane_elsewhere(lane, args):
    """Run this script on another lane, through that lane's nox session (its venv, its collections root)."""
    nox = shutil.which("nox") or str(ROOT / ".nox" / "bootstrap" / "bin" / "nox")
    with tempfile.NamedTemporaryFile(prefix="bench-%s-" % lane, suffix=".json", delete=False) as handle:
        path = Path(handle.name)
    try:
        argv = [nox, "-s", "bench-%s" % lane, "--", "--lanes", lane, "--lane-result", str(path)]
        if args.quick:
            argv.append("--quick")
        if args.keep:
            argv.append("--keep")
        if args.only:
            argv += ["--only", args.only]
        try:
            proc = subprocess.run(argv, cwd=str(ROOT), check=False)
        except OSError as error:
            return {"lane": lane, "targets": [], "errors": ["lane %s: could not run %s: %s" % (lane, nox, error)]}
        try:
            return json.loads(path.read_text())
        except ValueError:
            return {
                "lane": lane,
                "errors": ["the %s lane run exited %d without results" % (lane, proc.returncode)],
                "targets": [],
            }
    finally:
        path.unlink()


def write_results(path, lane_results):
    """Replace the measured lanes' entries of results.json; keep other lanes measured by this bench."""
    existing = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except ValueError:
            existing = {}
    lanes = {}
    for lane, entry in (existing.get("lanes") or {}).items():
        if entry.get("format") == RESULTS_FORMAT:
            lanes[lane] = entry
        elif lane not in lane_results:
            log(
                "results.json: dropping the %s lane entry of an older bench (measured %s)"
                % (lane, entry.get("started", "at an unknown time"))
            )
    lanes.update(lane_results)
    document = {
        "generated_by": "tests/perf/bench.py (make bench)",
        "method": "medians of interleaved runs against one emulator process; seconds unless named otherwise; "
        "samples listed with every median",
        "lanes": {lane: lanes[lane] for lane in sorted(lanes, key=lambda name: (name != TARGET_LANE, name))},
    }
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    log("results written to %s" % (path.relative_to(ROOT) if path.is_relative_to(ROOT) else path))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--lanes",
        help="comma-separated lanes to run (%s; default: the lane running this script, "
        "else %s)" % (", ".join(LANES), TARGET_LANE),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1,000 and 10,000 orders, one repetition, a 100-number looped assert; "
        "results.json is not written unless --output is given",
    )
    parser.add_argument(
        "--output",
        help="where to write the results (default: tests/perf/results.json for a full "
        'run of every measurement; "-" writes nothing)',
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    parser.add_argument("--only", help="comma-separated subset of: %s" % ", ".join(STEP_NAMES))
    parser.add_argument(
        "--markdown",
        nargs="?",
        const=str(RESULTS_PATH),
        metavar="RESULTS",
        help="print results.json (or RESULTS) as markdown tables and exit",
    )
    parser.add_argument("--lane-result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    here = lane_of_this_interpreter()
    lanes = [lane.strip() for lane in (args.lanes or here or TARGET_LANE).split(",") if lane.strip()]
    unknown = [lane for lane in lanes if lane not in LANES]
    only = set(part.strip() for part in args.only.split(",")) if args.only else None
    if unknown or (only and only - set(STEP_NAMES)):
        log(
            "unknown lane(s) or measurement(s): %s (lanes: %s; measurements: %s)"
            % (", ".join(unknown + sorted((only or set()) - set(STEP_NAMES))), ", ".join(LANES), ", ".join(STEP_NAMES))
        )
        return 2
    settings = QUICK if args.quick else FULL
    results = {}
    for index, lane in enumerate(lanes):
        # This interpreter measures its own lane; one that is no known lane venv (a nox session, a
        # hand-made venv) measures the first lane asked for, under that name.
        measured_here = lane == here or (here is None and index == 0)
        if measured_here and os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
            try:
                results[lane] = run_lane_here(lane, settings, args.keep, only)
            except BenchError as error:
                log("error: %s" % error)
                results[lane] = {"lane": lane, "errors": [str(error)], "targets": []}
        else:
            results[lane] = run_lane_elsewhere(lane, args)
    if args.lane_result:
        Path(args.lane_result).write_text(json.dumps(results[lanes[0]]))
        return 1 if results[lanes[0]].get("errors") else 0

    if len(lanes) > 1:
        log("")
        log("summary (targets are set for the %s lane)" % TARGET_LANE)
        for lane in lanes:
            for target in results[lane].get("targets", []):
                log("  %-8s %-4s  %-100s  %s" % (lane, target["verdict"], target["target"], target["measured"]))
    output = args.output or (None if args.quick or only else str(RESULTS_PATH))
    if output and output != "-":
        write_results(Path(output).resolve(), {lane: r for lane, r in results.items() if "environment" in r})
    return 1 if any(r.get("errors") for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
