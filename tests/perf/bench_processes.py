# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes several measurements run: the plain boto3 loop, the module alone, a trivial playbook."""

from __future__ import annotations

import json
import re
import shutil
import sys

from bench_core import PERF_DIR
from bench_core import BenchError

# The least any playbook costs: start-up, one task that runs no module, exit.
PLAYBOOK_FLOOR = """\
- name: Start ansible-playbook and do nothing
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: start-up only
"""


def boto3_process(ctx, orders, current_state=False):
    """Wall seconds of plain_boto3_loop.py as a process (interpreter, import boto3, client, loop)."""
    argv = [sys.executable, PERF_DIR / "plain_boto3_loop.py", "--endpoint-url", ctx.emulator.url]
    if current_state:
        argv.append("--current-state")
    run = ctx.runner.run(argv)
    match = re.match(r"(\d+) orders in \d+ pages(?:, (\d+) numbers)?", run.stdout)
    if not match or int(match.group(1)) != orders or bool(match.group(2)) != current_state:
        raise BenchError("plain boto3 loop printed %r" % run.stdout[:200])
    return run.seconds


def module_process(ctx, name, module_args):
    """Run module_process.py once with ``module_args``; return its stats plus wall time and result size."""
    workdir = ctx.workdir
    args_path = workdir / ("%s-args.json" % name)
    args_path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(module_args, endpoint_url=ctx.emulator.url)}))
    stats_path = workdir / ("%s-stats.json" % name)
    out_path = workdir / ("%s-result.json" % name)
    # The module imports our code as Ansible does: from the run's collections root.
    run = ctx.runner.run(
        [sys.executable, PERF_DIR / "module_process.py", stats_path, args_path],
        stdout_path=out_path,
        env={"PYTHONPATH": str(ctx.collections)},
    )
    stats = json.loads(stats_path.read_text())
    stats["wall"] = run.seconds
    stats["result_bytes"] = out_path.stat().st_size
    if stats.get("exit_code"):
        raise BenchError("the module failed: %s" % out_path.read_text(errors="replace")[-2000:])
    if module_args.get("expected") is not None:
        compliance = json.loads(out_path.read_text()).get("compliance") or {}
        stats["passed"] = compliance.get("passed")
    out_path.unlink()
    return stats


def write_json(path, document):
    """Write ``document`` (extra vars, a data file) and return the path."""
    path.write_text(json.dumps(document))
    return path


def verify_numbers(ctx, vars_path, reports, current_state=True, extra=(), env=None, collections=None):
    """One ``ansible-playbook voiceops.chime.verify_numbers -e @vars_path`` run; returns (Run, report.json).

    ``vars_path`` must set ``assert_numbers_acquired_report_dir`` to ``reports``. The run must pass
    and its report must say the cross-check was as asked: a measurement of the wrong thing fails
    here instead of producing a figure.
    """
    shutil.rmtree(reports, ignore_errors=True)
    argv = [
        "ansible-playbook",
        "voiceops.chime.verify_numbers",
        "-e",
        "@%s" % vars_path,
        "-e",
        '{"assert_numbers_acquired_current_state": %s}' % ("true" if current_state else "false"),
    ]
    if collections is not None:
        env = dict(env or {}, ANSIBLE_COLLECTIONS_PATH=str(collections))
    run = ctx.runner.run(argv + list(extra), env=env)
    report = json.loads((reports / "report.json").read_text())
    recorded = (report.get("inputs") or {}).get("current_state")
    if report.get("verdict") != "passed" or recorded is not current_state:
        raise BenchError(
            "verify_numbers: verdict %r, current_state %r (wanted passed, %r): %s"
            % (report.get("verdict"), recorded, current_state, report.get("message"))
        )
    return run, report
