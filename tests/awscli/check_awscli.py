# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real AWS CLI against the emulator (the `awscli` gate of make test).

The emulator promises users that their own `aws chime ...` pipelines can run against it. This
drives the real AWS CLI (its own botocore, own venv: the awscli nox session) through pagination,
both namespaces, an unknown order, throttling and a denied call, and checks every answer.
Run: python tests/awscli/check_awscli.py PATH_TO_aws
Exits non-zero, naming the failed check, when the CLI and the emulator disagree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))

from chime_emulator import ChimeEmulator  # noqa: E402 pylint: disable=wrong-import-position

FAKE_SECRET = "awscli-check-secret-key-never-printed"


def cli_env(home):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIDAWSCLICHECK",
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.path.join(home, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials"),
            "AWS_PAGER": "",
            # Legacy mode is the AWS CLI v1 default and the one that retries Chime's 429.
            "AWS_RETRY_MODE": "legacy",
            "HOME": home,
        }
    )
    return env


def aws(cli, env, *args):
    proc = subprocess.run(
        [cli, *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if FAKE_SECRET in proc.stdout + proc.stderr:
        raise AssertionError("the secret key appeared in the AWS CLI output")
    return proc


def check(condition, label, detail=""):
    if not condition:
        raise AssertionError("%s %s" % (label, detail))
    print("ok   %s" % label)


def main(cli):
    with tempfile.TemporaryDirectory() as home, ChimeEmulator(generate=250, seed=3) as emulator:
        env = cli_env(home)
        served = emulator.orders()
        # botocore sends byte-identical requests for the two namespaces: the emulator serves the default,
        # chime-sdk-voice, at its root and the legacy chime namespace under /chime.
        legacy = emulator.url + "/chime"

        # The CLI has no paginator for this operation either: follow NextToken by hand.
        ids, token, pages = [], None, 0
        while True:
            args = ["chime", "list-phone-number-orders", "--endpoint-url", legacy, "--max-results", "99"]
            if token:
                args += ["--next-token", token]
            proc = aws(cli, env, *args)
            check(proc.returncode == 0, "list page %d" % (pages + 1), proc.stderr)
            page = json.loads(proc.stdout)
            pages += 1
            ids += [order["PhoneNumberOrderId"] for order in page["PhoneNumberOrders"]]
            token = page.get("NextToken")
            if not token:
                break
        check(pages == 3, "chime: 250 orders in 3 pages of 99", str(pages))
        check(ids == [order["PhoneNumberOrderId"] for order in served], "chime: every order, in order")

        first = served[0]
        proc = aws(
            cli,
            env,
            "chime",
            "get-phone-number-order",
            "--endpoint-url",
            legacy,
            "--phone-number-order-id",
            first["PhoneNumberOrderId"],
        )
        check(
            proc.returncode == 0
            and json.loads(proc.stdout)["PhoneNumberOrder"]["UpdatedTimestamp"] == first["UpdatedTimestamp"],
            "chime: get-phone-number-order returns the order",
            proc.stderr,
        )

        proc = aws(
            cli,
            env,
            "chime",
            "get-phone-number-order",
            "--endpoint-url",
            legacy,
            "--phone-number-order-id",
            "00000000-0000-0000-0000-000000000000",
        )
        check(
            proc.returncode != 0 and "NotFoundException" in proc.stderr,
            "chime: unknown order is NotFoundException",
            proc.stderr,
        )

        proc = aws(cli, env, "chime", "list-phone-number-orders", "--endpoint-url", legacy, "--max-results", "100")
        check(
            proc.returncode != 0 and "BadRequestException" in proc.stderr,
            "chime: max-results 100 is BadRequestException",
            proc.stderr,
        )

        # chime-sdk-voice at the root; its page size goes to 100.
        proc = aws(
            cli,
            env,
            "chime-sdk-voice",
            "list-phone-number-orders",
            "--endpoint-url",
            emulator.url,
            "--max-results",
            "100",
        )
        check(
            proc.returncode == 0 and len(json.loads(proc.stdout)["PhoneNumberOrders"]) == 100,
            "chime-sdk-voice: a page of 100",
            proc.stderr,
        )

        # The account's current numbers, as the compliance check lists them, in both namespaces.
        held = emulator.numbers()
        for namespace, url, page_size in (("chime-sdk-voice", emulator.url, "100"), ("chime", legacy, "99")):
            numbers, token = [], None
            while True:
                args = [namespace, "list-phone-numbers", "--endpoint-url", url, "--max-results", page_size]
                proc = aws(cli, env, *(args + (["--next-token", token] if token else [])))
                check(proc.returncode == 0, "%s: list-phone-numbers page" % namespace, proc.stderr)
                page = json.loads(proc.stdout)
                numbers += [number["E164PhoneNumber"] for number in page["PhoneNumbers"]]
                token = page.get("NextToken")
                if not token:
                    break
            check(
                sorted(numbers) == sorted(number["E164PhoneNumber"] for number in held) and numbers,
                "%s: list-phone-numbers lists every held number" % namespace,
            )
        emulator.delete_number(held[0]["E164PhoneNumber"])
        proc = aws(
            cli,
            env,
            "chime-sdk-voice",
            "get-phone-number",
            "--endpoint-url",
            emulator.url,
            "--phone-number-id",
            held[0]["PhoneNumberId"],
        )
        number = json.loads(proc.stdout)["PhoneNumber"] if proc.returncode == 0 else {}
        check(
            number.get("Status") == "DeleteInProgress" and number.get("DeletionTimestamp"),
            "chime-sdk-voice: get-phone-number shows a number in the deletion queue",
            proc.stderr,
        )

        before = emulator.stats()["list_requests"]
        emulator.inject(throttle=2)
        proc = aws(cli, env, "chime", "list-phone-number-orders", "--endpoint-url", legacy)
        check(
            proc.returncode == 0 and emulator.stats()["list_requests"] - before == 3,
            "chime: 2 throttled requests retried by the CLI (legacy retry mode)",
            proc.stderr,
        )

        emulator.inject(forbidden=1)
        proc = aws(cli, env, "chime", "list-phone-number-orders", "--endpoint-url", legacy)
        check(
            proc.returncode != 0 and "ForbiddenException" in proc.stderr,
            "chime: a denied call is ForbiddenException",
            proc.stderr,
        )
    print("AWS CLI checks passed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_awscli.py PATH_TO_aws")
    sys.exit(main(sys.argv[1]))
