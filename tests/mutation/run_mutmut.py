# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opt-in mutation testing of voiceops.chime with mutmut 3 (see README.md next to this file).

mutmut mutates the files under its ``source_paths`` and names each mutant after the file's
path. The unit tests import our code as ``ansible_collections.voiceops.chime.plugins...``, so
the mutated files must sit at that path: this script lays out a work directory with the
collection at ``ansible_collections/voiceops/chime`` (a copy of the work tree), amazon.aws beside
it (from the lane's collections root), the tests and setup.cfg, then runs mutmut there with
ANSIBLE_COLLECTIONS_PATH pointing at mutmut's ``mutants/`` copy, which tests/conftest.py puts on
sys.path. It runs in the ``mutation`` nox session (``make mutation``), whose venv holds the lane's
pins and mutmut and whose ANSIBLE_COLLECTIONS_PATH holds the lane's amazon.aws; the test lanes stay
as pinned.

    make mutation                                        # every mutant, current lane
    make mutation ARGS="--scope module_utils"            # one part (module_utils, action)
    make mutation ARGS="--scope action --report"         # the last run's results again
    make mutation ARGS="--keep-work NAME..."             # rerun some mutants, keep the other results

It ends with the score and one line per mutant that was not killed, and writes
``.nox/.cache/mutation-<lane>/summary-<scope>.json`` and ``survivors-<scope>.diff`` (each survivor's diff). Exit
status: 0 when the run completed (and the score reaches ``--fail-under``), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COLLECTION_PATH = Path("ansible_collections", "voiceops", "chime")
MUTANT_PREFIX = "ansible_collections.voiceops.chime.plugins."
SCOPES = {
    "all": MUTANT_PREFIX + "*",
    "module_utils": MUTANT_PREFIX + "module_utils.*",
    "action": MUTANT_PREFIX + "action.*",
}
# Copied from the work tree into the work directory's collection; setup.cfg lists which of them
# mutmut mutates and which it copies as they are.
COLLECTION_PARTS = ("plugins", "meta", "galaxy.yml")
# Copied into the work directory itself: what the unit tests read besides the collection.
TEST_PARTS = ("tests", "docs", "pytest.ini")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "output", "mutation")
# mutmut's statuses (mutmut.stats.status_by_exit_code); these count as the tests noticing the mutant.
DETECTED = ("killed", "timeout", "caught by type check", "segfault")


class RunError(Exception):
    """A step failed; the message says which and why."""


def log(message):
    print(message, flush=True)


def lane_amazon_aws():
    """amazon.aws in the session's collections root (the nox session sets ANSIBLE_COLLECTIONS_PATH)."""
    for root in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep):
        candidate = Path(root) / "ansible_collections" / "amazon" / "aws"
        if root and (candidate / "MANIFEST.json").exists():
            return candidate
    raise RunError("no amazon.aws under ANSIBLE_COLLECTIONS_PATH: run this through `make mutation` (nox -s mutation)")


def tool_dir(lane):
    return ROOT / ".nox" / ".cache" / ("mutation-" + lane)


def prepare_venv(lane):
    """The venv running this script: the nox session's, with the lane's pins and mutmut."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "mutmut").exists():
        raise RunError(
            "mutmut is not installed in {0}: run this through `make mutation` (nox -s mutation)".format(venv)
        )
    lane_amazon_aws()
    tool_dir(lane).mkdir(parents=True, exist_ok=True)
    return venv


def copy_part(source, target):
    if source.is_dir():
        shutil.copytree(source, target, ignore=IGNORED, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        # copy2 keeps the modification time, which mutmut compares to tell a changed source.
        shutil.copy2(source, target)


def prepare_work(lane, keep):
    """The directory mutmut runs in; a fresh one unless ``keep`` (then earlier results stay)."""
    work = tool_dir(lane) / "work"
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    for part in COLLECTION_PARTS:
        copy_part(ROOT / part, work / COLLECTION_PATH / part)
    for part in TEST_PARTS:
        copy_part(ROOT / part, work / part)
    amazon = work / "ansible_collections" / "amazon" / "aws"
    if not amazon.exists():
        shutil.copytree(lane_amazon_aws(), amazon, ignore=IGNORED)
    shutil.copy2(HERE / "setup.cfg", work / "setup.cfg")
    return work


def mutmut_env(lane, venv, work):
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATHS", "MUTANT_UNDER_TEST"):
        env.pop(name, None)
    scratch = tool_dir(lane) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "PATH": str(venv / "bin") + os.pathsep + env.get("PATH", ""),
            "VIRTUAL_ENV": str(venv),
            # tests/conftest.py puts the first entry on sys.path: the mutated copy, next to amazon.aws.
            "ANSIBLE_COLLECTIONS_PATH": str(work / "mutants"),
            "ANSIBLE_HOME": str(scratch / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            # pytest's numbered temporary directories (one set per worker process) stay in here.
            "TMPDIR": str(scratch),
            # The work directory lies inside this repository's checkout: git must not look above it.
            "GIT_CEILING_DIRECTORIES": str(tool_dir(lane)),
        }
    )
    return env


def run(cmd, log_path=None, **kwargs):
    if log_path is None:
        proc = subprocess.run(cmd, check=False, **kwargs)
    else:
        with open(log_path, "w", encoding="utf-8") as output:
            proc = subprocess.run(cmd, check=False, stdout=output, stderr=subprocess.STDOUT, **kwargs)
    if proc.returncode:
        where = " (log: {0})".format(log_path) if log_path else ""
        raise RunError("{0} exited with {1}{2}".format(" ".join(str(arg) for arg in cmd[:4]), proc.returncode, where))
    return proc


# mutmut redraws one status line ("120/7006  🎉 100 🫥 0  ⏰ 0  🤔 0  🙁 20  🔇 0  🧙 0") behind a spinner.
_PROGRESS = re.compile(r"(\d+/\d+ +\S+ \d+ .*?\S+ \d+ +\S+ \d+ +\S+ \d+ +\S+ \d+ +\S+ \d+ +\S+ \d+)")
_SPINNER = re.compile("[\u2800-\u28ff] ?")


def run_mutmut(cmd, work, env, log_path, progress_every):
    """Run mutmut with its output in ``log_path``; print its status line every ``progress_every`` seconds."""
    with open(log_path, "w", encoding="utf-8") as output:
        proc = subprocess.Popen(cmd, cwd=str(work), env=env, stdout=output, stderr=subprocess.STDOUT)
        while True:
            try:
                proc.wait(timeout=progress_every)
                break
            except subprocess.TimeoutExpired:
                found = _PROGRESS.findall(_tail(log_path))
                log("  " + (found[-1] if found else "(preparing: generating mutants, collecting test coverage)"))
    if proc.returncode:
        lines = [line for line in _SPINNER.sub("", _tail(log_path, 20000)).splitlines() if line.strip()]
        log("\n".join(lines[-30:]))
        raise RunError("mutmut exited with {0} (log: {1})".format(proc.returncode, log_path))


def _tail(path, size=4000):
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - size))
        return handle.read().decode("utf-8", "replace")


def mutant_statuses(venv, work, env):
    """{mutant name: status} of every mutant mutmut has a result for."""
    proc = subprocess.run(
        [str(venv / "bin" / "mutmut"), "results", "--all", "true"],
        cwd=str(work),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise RunError("mutmut results exited with {0}:\n{1}".format(proc.returncode, proc.stdout + proc.stderr))
    statuses = {}
    for line in proc.stdout.splitlines():
        match = re.match(r"^\s+(\S+): (.+)$", line)
        if match:
            statuses[match.group(1)] = match.group(2).strip()
    return statuses


def summarize(statuses, scope):
    pattern = re.compile(re.escape(SCOPES[scope]).replace(r"\*", ".*") + "$")
    in_scope = dict((name, status) for name, status in statuses.items() if pattern.match(name))
    counts = {}
    for status in in_scope.values():
        counts[status] = counts.get(status, 0) + 1
    checked = sum(count for status, count in counts.items() if status not in ("not checked", "skipped"))
    detected = sum(counts.get(status, 0) for status in DETECTED)
    score = round(100.0 * detected / checked, 1) if checked else None
    missed = sorted(name for name, status in in_scope.items() if status not in DETECTED + ("not checked", "skipped"))
    return dict(
        scope=scope,
        total=len(in_scope),
        checked=checked,
        detected=detected,
        score=score,
        counts=dict(sorted(counts.items())),
        not_detected=dict((name, in_scope[name]) for name in missed),
    )


def write_survivor_diffs(venv, work, env, names, path):
    with open(path, "w", encoding="utf-8") as output:
        for name in names:
            proc = subprocess.run(
                [str(venv / "bin" / "mutmut"), "show", name],
                cwd=str(work),
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            output.write(proc.stdout + proc.stderr + "\n")


def report(lane, venv, work, env, scope, elapsed=None):
    summary = summarize(mutant_statuses(venv, work, env), scope)
    summary.update(lane=lane, seconds=round(elapsed) if elapsed is not None else None)
    # One file per scope: a run of another scope in a fresh work directory leaves this one's figures.
    summary_path = tool_dir(lane) / "summary-{0}.json".format(scope)
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    diffs = tool_dir(lane) / "survivors-{0}.diff".format(scope)
    write_survivor_diffs(venv, work, env, list(summary["not_detected"]), diffs)
    log("")
    for name, status in summary["not_detected"].items():
        log("  {0}: {1}".format(status, name))
    log(
        "mutation score ({0}, lane {1}): {2}% ({3} of {4} mutants detected; {5}){6}".format(
            scope,
            lane,
            summary["score"],
            summary["detected"],
            summary["checked"],
            ", ".join("{0} {1}".format(count, status) for status, count in summary["counts"].items()),
            "" if elapsed is None else ", {0:.0f} s".format(elapsed),
        )
    )
    log("summary: {0}; diffs of the mutants not detected: {1}".format(summary_path, diffs))
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--lane", default="current", help="the test lane whose pins and amazon.aws to use")
    parser.add_argument(
        "--scope",
        choices=sorted(SCOPES),
        default="all",
        help="which mutants to run: module_utils, action or all (default)",
    )
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutant runs (default 2)")
    parser.add_argument(
        "--keep-work",
        action="store_true",
        help="keep the last run's work directory and results (only while the tests are unchanged)",
    )
    parser.add_argument("--report", action="store_true", help="only print the last run's results for --scope")
    parser.add_argument("--progress-every", type=float, default=60, help="seconds between progress lines")
    parser.add_argument("--fail-under", type=float, default=None, help="exit 1 when the score is below this")
    parser.add_argument("mutants", nargs="*", help="mutant names or globs to run instead of --scope's")
    args = parser.parse_args(argv)
    try:
        venv = prepare_venv(args.lane)
        work = tool_dir(args.lane) / "work"
        if args.report:
            if not (work / "mutants").is_dir():
                raise RunError("no earlier run in {0}".format(work))
            summary = report(args.lane, venv, work, mutmut_env(args.lane, venv, work), args.scope)
        else:
            work = prepare_work(args.lane, keep=args.keep_work)
            env = mutmut_env(args.lane, venv, work)
            started = time.monotonic()
            log(
                "mutmut in {0} ({1}, {2} workers)".format(
                    work, " ".join(args.mutants) or SCOPES[args.scope], args.max_children
                )
            )
            run_mutmut(
                [str(venv / "bin" / "mutmut"), "run", "--max-children", str(args.max_children)]
                + (args.mutants or [SCOPES[args.scope]]),
                work,
                env,
                tool_dir(args.lane) / "mutmut.log",
                args.progress_every,
            )
            summary = report(args.lane, venv, work, env, args.scope, time.monotonic() - started)
    except RunError as error:
        log("run_mutmut: {0}".format(error))
        return 1
    if args.fail_under is not None and (summary["score"] is None or summary["score"] < args.fail_under):
        log("run_mutmut: score {0} is below --fail-under {1}".format(summary["score"], args.fail_under))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
