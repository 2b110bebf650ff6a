# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make demo``: the compliance check end to end against the local Chime emulator.

1. Starts tests/emulator/chime_emulator.py with docs/demo/orders.json: the orders and the
   account's current numbers, in the Amazon Chime SDK Voice shape (the default namespace).
2. Runs ``ansible-playbook voiceops.chime.verify_numbers -e @docs/demo/expected.yml`` with dummy
   credentials: every expected number is held by the account, the run passes.
3. Runs it again with docs/demo/expected-failing.yml, which adds a number whose order failed, one
   that was never ordered, and one that was acquired and has since been deleted (its order still
   says Acquired): that run must fail, naming exactly those three.
4. Prints each run's summary table and where its reports are, stops the emulator, and says what
   to change to run the same check against AWS.

Exits 0 only when run 1 passed and run 2 failed for exactly the three numbers. Standard library
only; run it with a lane's Python (``make demo`` does), which has ansible-playbook beside it and
ANSIBLE_COLLECTIONS_PATH set to a collections root holding voiceops.chime and amazon.aws.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "docs" / "demo"
EMULATOR = ROOT / "tests" / "emulator" / "chime_emulator.py"
OUTPUT = ROOT / "tests" / "output" / "demo"
PLAYBOOK = "voiceops.chime.verify_numbers"

# What the failing run must report, and nothing else.
EXPECTED_FAILED = ["+13125550123"]
EXPECTED_MISSING = ["+15035550199"]
EXPECTED_RELEASED = ["+13035550160"]

# Dummy credentials: the emulator accepts any signature unless asked to verify.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAVOICEOPSDEMO0001",
    "AWS_SECRET_ACCESS_KEY": "voiceops-demo-secret-not-a-real-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Anything in the user's shell that would send the demo to real AWS or other credentials.
AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CHIME",
    "AWS_CA_BUNDLE",
    "AWS_REGION",
)


def banner(text):
    print("\n" + "=" * 78 + "\n" + text + "\n" + "=" * 78, flush=True)


def ansible_playbook():
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.exists():
        return str(beside)
    found = shutil.which("ansible-playbook")
    if not found:
        sys.exit("ansible-playbook not found next to %s or on PATH: run `make demo`" % sys.executable)
    return found


def start_emulator(data_file):
    """Start the emulator; return (process, url). It prints one line: listening on URL."""
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, str(EMULATOR), "--port", "0", "--data", str(data_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    line = b""
    deadline = time.monotonic() + 30
    while not line.endswith(b"\n") and time.monotonic() < deadline:
        if not selector.select(max(0.0, deadline - time.monotonic())):
            break
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            break
        line += chunk
    selector.close()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", line.decode("utf-8", "replace").strip())
    if not match:
        process.kill()
        stderr = process.communicate()[1]
        sys.exit("the emulator did not start (first line %r):\n%s" % (line, stderr.decode("utf-8", "replace")))
    return process, match.group(1)


def stop_emulator(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr):
        stream.close()


def demo_environment(aws_dir):
    env = {name: value for name, value in os.environ.items() if name not in AWS_VARS_TO_CLEAR}
    env.update(DUMMY_AWS_ENV)
    # Empty AWS config files: nothing from the user's ~/.aws takes part in the demo.
    for name, variable in (("config", "AWS_CONFIG_FILE"), ("credentials", "AWS_SHARED_CREDENTIALS_FILE")):
        path = aws_dir / name
        path.write_text("")
        env[variable] = str(path)
    # No inventory is the point (implicit localhost); spare the reader Ansible's warnings about it.
    env.setdefault("ANSIBLE_LOCALHOST_WARNING", "false")
    env.setdefault("ANSIBLE_INVENTORY_UNPARSED_WARNING", "false")
    return env


def run_check(title, expected_file, url, report_dir, env):
    banner(title)
    if report_dir.exists():
        shutil.rmtree(str(report_dir))
    command = [
        ansible_playbook(),
        PLAYBOOK,
        "-e",
        "@%s" % expected_file.relative_to(ROOT),
        "-e",
        "assert_numbers_acquired_endpoint_url=%s" % url,
        "-e",
        "assert_numbers_acquired_report_dir=%s" % report_dir.relative_to(ROOT),
    ]
    print("$ ansible-playbook " + " ".join(command[1:]), flush=True)
    started = time.monotonic()
    completed = subprocess.run(command, cwd=str(ROOT), env=env, check=False)
    elapsed = time.monotonic() - started
    print("\nansible-playbook exited with %d after %.1f s" % (completed.returncode, elapsed))
    report_file = report_dir / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else None
    summary = report_dir / "summary.md"
    if summary.exists():
        print("\n--- %s ---\n%s" % (summary.relative_to(ROOT), summary.read_text(encoding="utf-8")))
    print(
        "Reports: %s"
        % ", ".join(
            str((report_dir / name).relative_to(ROOT))
            for name in ("report.json", "junit.xml", "summary.md")
            if (report_dir / name).exists()
        )
    )
    return completed.returncode, report


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="voiceops-demo-aws-") as aws_dir:
        env = demo_environment(Path(aws_dir))
        banner("Starting the Chime emulator with %s" % (DEMO / "orders.json").relative_to(ROOT))
        process, url = start_emulator(DEMO / "orders.json")
        print("Emulator listening on %s" % url, flush=True)
        try:
            passing_rc, passing = run_check(
                "Run 1: every expected number is acquired (this run must pass)",
                DEMO / "expected.yml",
                url,
                OUTPUT / "passing",
                env,
            )
            failing_rc, failing = run_check(
                "Run 2: one number failed in its order, one was never ordered, one was deleted since "
                "(this run must fail)",
                DEMO / "expected-failing.yml",
                url,
                OUTPUT / "failing",
                env,
            )
        finally:
            stop_emulator(process)
            print("\nEmulator stopped.")

    problems = []
    if passing_rc != 0 or not passing or not passing["passed"]:
        problems.append("run 1 should have passed (exit %s)" % passing_rc)
    if failing_rc == 0 or not failing:
        problems.append("run 2 should have failed (exit %s)" % failing_rc)
    else:
        result = failing["result"]
        found = (result["failed"], result["missing"], result["released"], result["processing"])
        if found != (EXPECTED_FAILED, EXPECTED_MISSING, EXPECTED_RELEASED, []):
            problems.append(
                "run 2 should have failed for %s (failed), %s (missing) and %s (released), got failed=%s "
                "missing=%s released=%s processing=%s"
                % ((EXPECTED_FAILED, EXPECTED_MISSING, EXPECTED_RELEASED) + found)
            )

    banner("Running the same check against AWS")
    print("""Nothing in the playbook changes. Leave out the emulator's endpoint and use real credentials:

  export AWS_PROFILE=telephony-prod        # or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role
  ansible-playbook voiceops.chime.verify_numbers -e @my-expected.yml

where my-expected.yml lists your numbers (see docs/demo/expected.yml), and optionally:

  assert_numbers_acquired_region: us-east-1            # or AWS_REGION, or the profile's region
  assert_numbers_acquired_report_dir: reports/chime    # report.json, junit.xml, summary.md
  assert_numbers_acquired_wait_timeout: 600            # wait for numbers still being provisioned

The credentials need the IAM actions chime:ListPhoneNumberOrders and chime:ListPhoneNumbers
(docs/iam-policy.md has a least-privilege policy).""")

    if problems:
        banner("Demo FAILED: " + "; ".join(problems))
        return 1
    banner(
        "Demo OK: run 1 passed; run 2 failed for exactly %s (failed), %s (missing) and %s (released)"
        % (", ".join(EXPECTED_FAILED), ", ".join(EXPECTED_MISSING), ", ".join(EXPECTED_RELEASED))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
