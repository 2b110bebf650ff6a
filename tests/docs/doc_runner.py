# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the blocks of one document, top to bottom, the way a reader would (see tests/docs/README.md).

A DocSession is one reader on a fresh machine: a home directory that is also the working directory,
AWS profiles with fake keys, the collection and amazon.aws on the default collections path
(~/.ansible/collections, linked to the test lane's), and AWS_ENDPOINT_URL pointing at the emulator,
so that an example written for AWS talks to the emulator instead. Blocks share that machine: a file
one block writes, a variable it exports or an emulator it starts in the background are there for the
next.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import yaml
from doc_blocks import CHECKED_BY
from doc_blocks import DOC_EMULATOR_URL
from doc_blocks import FILE
from doc_blocks import NOT_RUNNABLE
from doc_blocks import OUTPUT
from doc_blocks import ROOT
from doc_blocks import RUN
from doc_blocks import console_commands
from doc_blocks import explain_mismatch
from doc_blocks import matches_sample

# The profiles the examples name. Each has fake keys, which the emulator accepts (it serves an
# account's own data only for keys its data document lists).
PROFILES = {
    "default": "AKIADOCSDEFAULT00001",
    "telephony-prod": "AKIADOCSTELEPHONY001",
    "compliance": "AKIADOCSCOMPLIANCE01",
    "prod": "AKIADOCSPROD00000001",
    "staging": "AKIADOCSSTAGING00001",
    "sales": "AKIADOCSSALES0000001",
}
PROFILE_REGIONS = {"staging": "eu-central-1"}
# What the reader's shell must not bring along: these would send the examples elsewhere.
CLEARED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "ANSIBLE_CONFIG",
    "ANSIBLE_PYTHON_INTERPRETER",
    "ANSIBLE_COLLECTIONS_PATH",
)
COMMAND_TIMEOUT = 600
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
LANGUAGES_SHELL = ("sh", "bash", "shell")


class BlockFailure(Exception):
    """A block did not do what its document says."""


def _kill_group(pgid, grace=5.0):
    """Kill what is left of a process group after ``grace`` seconds (a process stopped by the
    script's own trap may still be exiting); True when something was left."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def _truncate(text, limit=4000):
    return text if len(text) <= limit else text[: limit // 2] + "\n[...]\n" + text[-limit // 2 :]


class DocSession:
    """One reader working through one document."""

    def __init__(self, document, home, base_env, emulator, lane_collections):
        self.document = document
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.emulator = emulator
        self.emulator_url = emulator.url
        self.control = emulator
        self.extra_urls = []
        self.background = []
        self.last_output = None
        self.last_command = None
        self.state_dir = self.home.parent / (self.home.name + "-state")
        self.state_dir.mkdir(exist_ok=True)
        self.cwd = self.home
        self.env = self._environment(base_env)
        self._link_collections(lane_collections)

    # ----------------------------------------------------------------- the machine

    def _environment(self, base_env):
        env = {key: value for key, value in base_env.items() if key not in CLEARED}
        aws = self.home / ".aws"
        aws.mkdir(exist_ok=True)
        credentials = []
        config = []
        for name, key in PROFILES.items():
            credentials += [
                "[%s]" % name,
                "aws_access_key_id = %s" % key,
                "aws_secret_access_key = docs-FAKE-secret-%s" % name,
                "",
            ]
            config += [
                "[default]" if name == "default" else "[profile %s]" % name,
                "region = %s" % PROFILE_REGIONS.get(name, "us-east-1"),
                "",
            ]
        (aws / "credentials").write_text("\n".join(credentials), encoding="utf-8")
        (aws / "config").write_text("\n".join(config), encoding="utf-8")
        env.update(
            {
                "HOME": str(self.home),
                "AWS_CONFIG_FILE": str(aws / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
                "ANSIBLE_HOME": str(self.home / ".ansible"),
                "ANSIBLE_LOCAL_TEMP": str(self.home / ".ansible" / "tmp"),
                "ANSIBLE_REMOTE_TEMP": str(self.home / ".ansible" / "remote-tmp"),
                "COLUMNS": "80",
                # pip may check what is installed, never download or change it.
                "PIP_NO_INDEX": "1",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            }
        )
        self._point_at_emulator(env, self.emulator_url)
        return env

    @staticmethod
    def _point_at_emulator(env, url):
        # botocore's own settings: an example written for AWS reaches the emulator (its root is the
        # default namespace, chime-sdk-voice; the legacy one is under /chime).
        env["AWS_ENDPOINT_URL"] = url
        env["AWS_ENDPOINT_URL_CHIME"] = url + "/chime"

    def _link_collections(self, lane_collections):
        """The lane's collections on the default path, one link per collection: an install into the
        default path can never write through to the lane or the work tree."""
        for namespace_dir in (Path(lane_collections) / "ansible_collections").iterdir():
            for collection in namespace_dir.iterdir():
                link = (
                    self.home
                    / ".ansible"
                    / "collections"
                    / "ansible_collections"
                    / namespace_dir.name
                    / collection.name
                )
                link.parent.mkdir(parents=True, exist_ok=True)
                if not link.exists():
                    link.symlink_to(collection)

    @property
    def urls(self):
        return [self.emulator_url] + self.extra_urls

    def substitute(self, text):
        return text.replace(DOC_EMULATOR_URL, self.emulator_url)

    def close(self):
        for process in self.background:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    # ----------------------------------------------------------------- running

    def shell(self, script, timeout=COMMAND_TIMEOUT, extra_env=None):
        """Run ``script`` with bash -e -o pipefail in the session; return (rc, merged output).

        Exported variables and the working directory carry over to the next command, as in one
        terminal. The script is sourced, so its own EXIT trap runs as the reader's shell would run it.
        A process it leaves running (a server started with & and never stopped) fails the block.
        """
        script_path = self.state_dir / "script.sh"
        env_path = self.state_dir / "env"
        cwd_path = self.state_dir / "cwd"
        output_path = self.state_dir / "output"
        for path in (env_path, cwd_path):
            if path.exists():
                path.unlink()
        script_path.write_text(script, encoding="utf-8")
        wrapper = "set -e -o pipefail\nsource %s\nenv -0 > %s\npwd > %s\n" % (
            shlex.quote(str(script_path)),
            shlex.quote(str(env_path)),
            shlex.quote(str(cwd_path)),
        )
        env = dict(self.env, **(extra_env or {}))
        # Output to a file, not a pipe: a process left running with the pipe open would block reading it.
        with output_path.open("wb") as output_file:
            process = subprocess.Popen(
                ["bash", "-c", wrapper],
                cwd=str(self.cwd),
                env=env,  # pylint: disable=consider-using-with
                stdout=output_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid, grace=0)
                process.wait()
                raise BlockFailure(
                    "timed out after %d s:\n%s"
                    % (timeout, _truncate(output_path.read_text(encoding="utf-8", errors="replace")))
                ) from None
        left_running = _kill_group(process.pid)
        output = output_path.read_text(encoding="utf-8", errors="replace")
        if env_path.exists() and not extra_env:
            self.env = dict(
                item.split("=", 1) for item in env_path.read_text(encoding="utf-8").split("\0") if "=" in item
            )
            for name in ("SHLVL", "_", "OLDPWD", "PWD"):
                self.env.pop(name, None)
        if cwd_path.exists():
            self.cwd = Path(cwd_path.read_text(encoding="utf-8").strip())
        self.last_output = output
        if left_running:
            raise BlockFailure("left processes running after it ended (they were killed now):\n%s" % _truncate(output))
        return process.returncode, output

    def start_background(self, command, expected, timeout=60):
        """Start ``command`` in the background (a server); its first lines must be ``expected``."""
        log = self.state_dir / ("background-%d.log" % len(self.background))
        handle = log.open("wb")
        process = subprocess.Popen(
            ["bash", "-c", "exec " + command],
            cwd=str(self.cwd),
            env=self.env,  # pylint: disable=consider-using-with
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        self.background.append(process)
        wanted_lines = len(expected.splitlines()) or 1
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            if len(text.splitlines()) >= wanted_lines and text.endswith("\n"):
                break
            if process.poll() is not None:
                raise BlockFailure("the background command exited with %s:\n%s" % (process.returncode, text))
            time.sleep(0.1)
        found = LISTENING.search(text)
        if found:
            # The examples after this one use this emulator (its address replaces the documents' one).
            self.extra_urls.append(self.emulator_url)
            self.emulator_url = found.group(1)
            from chime_emulator import ChimeEmulatorClient  # pylint: disable=import-outside-toplevel,import-error

            self.control = ChimeEmulatorClient(self.emulator_url)
            self._point_at_emulator(self.env, self.emulator_url)
        self.last_output = text
        return text

    # ----------------------------------------------------------------- blocks

    def run_block(self, block):
        """Do what the block's marker says; raise BlockFailure when the document is wrong."""
        marker = block.marker
        options = marker.options
        if options.get("checkout"):
            link = self.home / options["checkout"]
            if not link.exists():
                link.symlink_to(ROOT)
        text = self.substitute(block.text)
        hidden = self._hide_collections(options.get("fresh"))
        session_cwd = self.cwd
        if options.get("cwd"):
            self.cwd = self.home / options["cwd"]
        if options.get("emulator"):
            self._control_emulator(json.loads(options["emulator"]))
        try:
            if options.get("setup"):
                rc, output = self.shell(self.substitute(options["setup"]).replace("{root}", shlex.quote(str(ROOT))))
                if rc:
                    raise BlockFailure("setup %r exited with %d:\n%s" % (options["setup"], rc, _truncate(output)))
            if marker.kind == FILE:
                self._write_file(block, marker.argument, text)
            elif marker.kind == OUTPUT:
                if self.last_output is None:
                    raise BlockFailure("an output block with no command before it")
                self._compare(self.last_command or "the previous block", self.last_output, block.text)
            elif marker.kind == RUN:
                self._run(block, text, options)
            elif marker.kind not in (NOT_RUNNABLE, CHECKED_BY):
                raise BlockFailure("unknown marker kind %r" % marker.kind)
        finally:
            if options.get("cwd"):
                self.cwd = session_cwd
            if options.get("emulator") or options.get("prelude"):
                self.control.clear_faults()
            for link, target in hidden:
                # An install into the default path replaced the link: that copy stays, as on the reader's machine.
                if not link.exists() and not link.is_symlink():
                    link.symlink_to(target)

    def _hide_collections(self, names):
        """Take collections (comma-separated FQCNs) off the default path for one block: a machine on
        which they are not installed yet. Returns [(link, target)] to put back."""
        hidden = []
        for name in filter(None, (names or "").split(",")):
            link = self.home.joinpath(".ansible", "collections", "ansible_collections", *name.strip().split("."))
            if link.is_symlink():
                hidden.append((link, os.readlink(str(link))))
                link.unlink()
        return hidden

    def _control_emulator(self, calls):
        for method, arguments in calls.items():
            function = getattr(self.control, method)
            if isinstance(arguments, dict):
                function(**arguments)
            elif isinstance(arguments, list):
                function(*arguments)
            else:
                function(arguments)

    def _write_file(self, block, name, text):
        path = self.home / name[2:] if name.startswith("~/") else self.cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if block.language in ("yaml", "yml"):
            try:
                list(yaml.safe_load_all(text))
            except yaml.YAMLError as error:
                raise BlockFailure("not valid YAML: %s" % error) from None
        elif block.language == "json":
            try:
                json.loads(text)
            except ValueError as error:
                raise BlockFailure("not valid JSON: %s" % error) from None

    def _expected_rc(self, options):
        return int(options.get("rc", 0))

    @staticmethod
    def _console_rc(options, index, last):
        """rc=N is the last command's exit status; rc=N,M,... gives one per command."""
        values = [int(value) for value in options.get("rc", "0").split(",")]
        if len(values) > 1:
            return values[index] if index < len(values) else 0
        return values[0] if last else 0

    def _run(self, block, text, options):
        language = block.language
        timeout = int(options.get("timeout", COMMAND_TIMEOUT))
        if language == "console":
            # Commands get the running emulator's address; samples keep the document's, which the
            # comparison puts in place of the running one.
            self._run_console(block.text, options, timeout)
        elif language in LANGUAGES_SHELL:
            self._check(self.shell(text, timeout), "the block", options)
        elif language in ("yaml", "yml"):
            self._run_yaml(block, text, options, timeout)
        elif language == "python":
            path = self.state_dir / ("block-%d.py" % block.line)
            if options.get("prelude") == "emu":
                # `emu` in a fragment is the emulator this document uses, through its control API.
                text = (
                    "import sys\nsys.path.insert(0, %r)\nfrom chime_emulator import ChimeEmulatorClient\n"
                    "emu = ChimeEmulatorClient(%r)\n" % (str(ROOT / "tests" / "emulator"), self.emulator_url)
                ) + text
            elif options.get("prelude"):
                raise BlockFailure("unknown prelude %r (emu is the only one)" % options["prelude"])
            path.write_text(text, encoding="utf-8")
            self._check(self.shell("python3 %s" % shlex.quote(str(path)), timeout), "the Python block", options)
        else:
            raise BlockFailure("no way to run a %r block: mark it file, output or not-runnable" % language)

    def _check(self, outcome, what, options):
        rc, output = outcome
        self.last_command = what
        if rc != self._expected_rc(options):
            raise BlockFailure(
                "%s exited with %d, the document expects %d:\n%s"
                % (what, rc, self._expected_rc(options), _truncate(output))
            )

    def _run_console(self, text, options, timeout):
        commands = console_commands(text)
        for index, (command, expected) in enumerate(commands):
            command = self.substitute(command)
            last = index == len(commands) - 1
            if last and options.get("background"):
                self.last_command = command
                output = self.start_background(command, expected)
                if expected:
                    self._compare(command, output, expected)
                continue
            rc, output = self.shell(command, timeout)
            wanted = self._console_rc(options, index, last)
            self.last_command = command
            if rc != wanted:
                raise BlockFailure(
                    "$ %s\nexited with %d, the document expects %d:\n%s" % (command, rc, wanted, _truncate(output))
                )
            if expected.strip():
                self._compare(command, output, expected)

    def _run_yaml(self, block, text, options, timeout):
        try:
            content = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise BlockFailure("not valid YAML: %s" % error) from None
        args = options.get("args", "")
        # In the working directory, as the reader would save it: relative lookups and file paths in
        # a playbook resolve from the playbook's directory.
        if isinstance(content, list):
            path = self.cwd / ("doc-block-%d.yml" % block.line)
            path.write_text(text, encoding="utf-8")
            command = "ansible-playbook %s %s" % (shlex.quote(str(path)), args)
        elif isinstance(content, dict) and "plugin" in content:
            path = self.cwd / ("doc-block-%d.chime_phone_numbers.yml" % block.line)
            path.write_text(text, encoding="utf-8")
            command = "ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-inventory -i %s --list %s" % (
                shlex.quote(str(path)),
                args,
            )
        else:
            raise BlockFailure(
                "a YAML block that is neither a playbook nor an inventory configuration: "
                "mark it 'file NAME' if later blocks use it"
            )
        self._check(self.shell(command, timeout), "the YAML block (%s)" % command.split()[0], options)

    def _compare(self, command, output, expected):
        if not matches_sample(output, expected, self.urls, [(str(self.home), "~")]):
            raise BlockFailure(
                "$ %s\nprinted what the document does not show (%s)\n--- printed ---\n%s"
                % (command, explain_mismatch(output, expected, self.urls, [(str(self.home), "~")]), _truncate(output))
            )
