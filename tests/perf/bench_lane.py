# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lane a bench runs on: its collections root, its versions, and its commands (``Runner``).

The lane is the interpreter running bench.py (a lane venv) with ANSIBLE_COLLECTIONS_PATH naming a
collections root that holds voiceops.chime and amazon.aws (``make bench`` sets both).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_core import AWS_VARS_TO_CLEAR
from bench_core import FAKE_AWS_ENV
from bench_core import LANES
from bench_core import ROOT
from bench_core import BenchError
from bench_timing import children_cpu_seconds


def collections_root():
    """The lane's collections root (the directory holding ``ansible_collections``)."""
    value = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
    first = value.split(os.pathsep)[0] if value else ""
    root = Path(first).resolve() if first else None
    if root is not None and root.name == "ansible_collections":
        root = root.parent
    if root is None or not (root / "ansible_collections" / "voiceops" / "chime").is_dir():
        raise BenchError(
            "ANSIBLE_COLLECTIONS_PATH does not hold voiceops.chime: run this through `make bench`, or "
            "with a lane's Python and ANSIBLE_COLLECTIONS_PATH naming a root with voiceops.chime "
            "and amazon.aws"
        )
    return root


# What a copy of our collection needs to run (a symlink to a work tree points at all of it,
# .nox and .git included).
COLLECTION_CONTENT = ("plugins", "roles", "playbooks", "meta", "galaxy.yml", "MANIFEST.json", "FILES.json")


def copy_collection(origin, target):
    """Copy what of the collection at ``origin`` Ansible loads to ``target``."""
    origin = origin.resolve()
    target.mkdir(parents=True)
    for name in COLLECTION_CONTENT:
        source = origin / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, target / name)


def private_collections_root(root, workdir, name="collections"):
    """A collections root for this run only: the lane's amazon.aws and ansible.posix, our collection copied.

    A nox session rebuilds its collections root when it runs again, perhaps while a bench is
    running; a copy keeps the whole run on one version, and the prototypes
    (prototypes.py) change their own copies of it.
    """
    private = workdir / name
    source = root / "ansible_collections"
    for namespace in sorted(p.name for p in source.iterdir() if p.is_dir()):
        for collection in sorted(p.name for p in (source / namespace).iterdir()):
            target = private / "ansible_collections" / namespace / collection
            target.parent.mkdir(parents=True, exist_ok=True)
            origin = source / namespace / collection
            if (namespace, collection) == ("voiceops", "chime"):
                copy_collection(origin, target)
            else:
                target.symlink_to(origin.resolve())
    return private


def lane_of_this_interpreter():
    """The name of the lane whose nox session runs this script (bench-<lane> sets it), or None."""
    lane = os.environ.get("VOICEOPS_CHIME_LANE")
    return lane if lane in LANES else None


def manifest_version(path):
    try:
        with open(path / "MANIFEST.json", encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return None


def galaxy_version(path):
    try:
        for line in (path / "galaxy.yml").read_text(encoding="utf-8").splitlines():
            if line.startswith("version:"):
                return line.split(":", 1)[1].strip().strip("\"'")
    except OSError:
        pass
    return None


def environment(lane_root):
    """Versions and machine facts recorded with every lane's results."""
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore  # pylint: disable=import-outside-toplevel

    from ansible.release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel

    ours = lane_root / "ansible_collections" / "voiceops" / "chime"
    version = manifest_version(ours) or galaxy_version(ours.resolve())
    return {
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "amazon_aws": manifest_version(lane_root / "ansible_collections" / "amazon" / "aws"),
        "ansible_posix": manifest_version(lane_root / "ansible_collections" / "ansible" / "posix"),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "collection": (
            ("dev symlink to the work tree (%s)" % version)
            if ours.is_symlink()
            else "installed tarball %s" % (version or "?")
        ),
        "collection_version": version,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "commit": git_commit(),
    }


def git_commit():
    """The work tree's commit (+ '-dirty' with uncommitted changes), or None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=str(ROOT), capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=str(ROOT),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


class Run:
    """One finished command: wall ``seconds``, ``cpu`` (user + system of it and its children), output."""

    def __init__(self, seconds, cpu, proc, stdout_text):
        self.seconds = seconds
        self.cpu = cpu
        self.proc = proc
        self.stdout = stdout_text
        self.stderr = proc.stderr.decode("utf-8", "replace") if proc.stderr else ""


class Runner:
    """Runs the lane's commands with fake AWS credentials and an isolated Ansible home."""

    def __init__(self, workdir, collections):
        self.workdir = workdir
        self.bin = Path(sys.executable).parent  # the venv's bin, not resolved
        self.collections = collections
        home = workdir / "ansible-home"
        home.mkdir()
        config = workdir / "ansible.cfg"
        config.write_text("")
        self.aws_config = workdir / "aws-config"
        self.aws_config.write_text("")
        self.aws_credentials = workdir / "aws-credentials"
        self.aws_credentials.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
        for name in AWS_VARS_TO_CLEAR:
            env.pop(name, None)
        env.update(FAKE_AWS_ENV)
        env.update(
            {
                "AWS_CONFIG_FILE": str(self.aws_config),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.aws_credentials),
                "PATH": str(self.bin) + os.pathsep + env.get("PATH", ""),
                "ANSIBLE_CONFIG": str(config),
                "ANSIBLE_COLLECTIONS_PATH": str(collections),
                "ANSIBLE_HOME": str(home),
                "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
                "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        self.env = env

    def run(self, argv, expect=(0,), stdout_path=None, timeout=1800, env=None):
        """Run argv (a lane command name or a path first) in the work directory; return a Run."""
        command = [str(self.bin / argv[0]) if (self.bin / argv[0]).exists() else str(argv[0])]
        command += [str(a) for a in argv[1:]]
        out = open(stdout_path, "wb") if stdout_path else subprocess.PIPE  # pylint: disable=consider-using-with
        cpu_before = children_cpu_seconds()
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                command,
                env=dict(self.env, **(env or {})),
                cwd=str(self.workdir),
                stdout=out,
                stderr=subprocess.PIPE,
                timeout=timeout,
                check=False,
            )
        finally:
            if stdout_path:
                out.close()
        seconds = time.perf_counter() - start
        cpu = children_cpu_seconds() - cpu_before
        # Output written to a file (large listings) is only read back to explain a failure.
        stdout = "" if stdout_path else proc.stdout.decode("utf-8", "replace")
        if proc.returncode not in expect:
            if stdout_path:
                stdout = Path(stdout_path).read_text(errors="replace")
            raise BenchError(
                "%s exited %d\nstdout (end):\n%s\nstderr (end):\n%s"
                % (
                    " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command[:3])),
                    proc.returncode,
                    stdout[-3000:],
                    proc.stderr.decode("utf-8", "replace")[-3000:],
                )
            )
        return Run(seconds, cpu, proc, stdout)
