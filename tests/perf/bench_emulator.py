# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator as a separate process for a whole lane run, the data sets it serves, and raw page fetches.

One process (tests/emulator/chime_emulator.py), so it never competes with the measured code for
the GIL. Its data set is switched through its control API, and every page of a new data set is
fetched once before anything is timed, so that measurements see pre-serialised pages.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
import urllib.parse

from bench_core import EMULATOR_DIR
from bench_core import EMULATOR_SCRIPT
from bench_core import FAKE_AWS_ENV
from bench_core import PAGE_SIZE
from bench_core import REGION
from bench_core import SEED
from bench_core import BenchError

if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from chime_emulator import ChimeEmulatorClient  # noqa: E402  pylint: disable=wrong-import-position,import-error
from chime_emulator import derive_numbers
from chime_emulator import generate_orders

ORDERS_PATH = "/phone-number-orders"
NUMBERS_PATH = "/phone-numbers"


def floor_authorization(access_key=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"]):
    """A well-formed but unsigned SigV4 header: the emulator only parses it (it reads the account and
    region from it) unless started with --verify-sigv4, and signing is not what the floor is about."""
    return (
        "AWS4-HMAC-SHA256 Credential=%s/20260101/%s/chime/aws4_request, SignedHeaders=host;x-amz-date, "
        "Signature=%s" % (access_key, REGION, "0" * 64)
    )


def bench_account_key(number):
    """The access key id of bench account ``number`` (1-based): 20 characters, like a real one."""
    return "AKIAVOICEOPSBENCHT%02d" % number


class Emulator:
    """chime_emulator.py in its own process; ``serve_*`` switch its data set and warm its pages."""

    def __init__(self, workdir):
        self.stderr_path = workdir / "emulator.stderr"
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, str(EMULATOR_SCRIPT), "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
            )
        line = self.proc.stdout.readline().decode("utf-8", "replace").strip()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        if not match:
            self.stop()
            raise BenchError(
                "the emulator did not start (first line %r): %s"
                % (line, self.stderr_path.read_text(errors="replace")[-2000:])
            )
        self.url = match.group(1)
        self.port = int(match.group(2))
        self.control = ChimeEmulatorClient(self.url, timeout=300)
        self.dataset = None
        self.latency = 0

    @property
    def pid(self):
        return self.proc.pid

    def serve(self, n):
        """Serve ``n`` generated orders (numbers derived from them), every page fetched once."""
        if self.dataset != ("generated", n):
            self.set_latency(0)
            self.control.generate(n, seed=SEED)
            self.dataset = ("generated", n)
            fetch_raw(self.port)
            fetch_raw(self.port, NUMBERS_PATH)

    def serve_document(self, key, document, accounts=()):
        """Serve a data document (see tests/emulator/README.md), warmed for each access key of ``accounts``."""
        if self.dataset != key:
            self.set_latency(0)
            self.control.set_orders(document)
            self.dataset = key
            for access_key in accounts or (FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],):
                fetch_raw(self.port, access_key=access_key)
                fetch_raw(self.port, NUMBERS_PATH, access_key=access_key)

    def set_latency(self, seconds):
        """Delay every API request by ``seconds`` (0: none), as a round trip to AWS would."""
        if seconds != self.latency:
            self.control.clear_faults()
            if seconds:
                self.control.inject(latency=seconds)
            self.latency = seconds

    def stats(self):
        return self.control.stats()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


# --------------------------------------------------------------------------- data sets


def bench_orders(n):
    """The orders the emulator serves after ``generate(n, seed=SEED)``."""
    return generate_orders(n, seed=SEED)


def mixed_numbers_document(n):
    """``n`` generated orders and the numbers the account holds, with every second held number in use.

    Derived numbers are all ``Unassigned`` (or ``AcquireInProgress``); an account whose numbers
    are in use has most of them ``Assigned``. Half and half is the mix where listing one partition
    per status can at best halve the numbers listing. Returns (document, {status: count}).
    """
    orders = bench_orders(n)
    numbers = derive_numbers(orders, region=REGION)
    held = 0
    for number in numbers:
        if number["Status"] == "Unassigned":
            if held % 2:
                number["Status"] = "Assigned"
            held += 1
    counts = {}
    for number in numbers:
        counts[number["Status"]] = counts.get(number["Status"], 0) + 1
    return {"PhoneNumberOrders": orders, "PhoneNumbers": numbers}, dict(sorted(counts.items()))


def acquired_numbers(api_orders):
    """Every number whose latest order says Acquired, in listing order (latest order per number wins)."""
    latest = {}
    for order in api_orders:
        for ordered in order.get("OrderedPhoneNumbers") or ():
            e164 = ordered["E164PhoneNumber"]
            previous = latest.get(e164)
            if previous is None or order["UpdatedTimestamp"] >= previous[0]:
                latest[e164] = (order["UpdatedTimestamp"], ordered["Status"])
    return [e164 for e164, (dummy, status) in latest.items() if status == "Acquired"]


def expected_numbers(api_orders, count):
    """``count`` acquired numbers spread over the whole listing: a check that passes."""
    acquired = acquired_numbers(api_orders)
    if len(acquired) < count:
        raise BenchError("only %d acquired numbers in the generated data, %d wanted" % (len(acquired), count))
    step = len(acquired) / count
    return [acquired[int(i * step)] for i in range(count)]


# --------------------------------------------------------------------------- raw fetches


_TOKEN_AT_START = re.compile(rb'^\{"NextToken":(?:null|"([^"]*)")')


def _list_path(path, token):
    query = "%s%smax-results=%d" % (path, "&" if "?" in path else "?", PAGE_SIZE)
    if token:
        query += "&next-token=" + urllib.parse.quote(token, safe="")
    return query


def fetch_raw(port, path=ORDERS_PATH, access_key=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"]):
    """Every page over one keep-alive connection, bodies not parsed: what the emulator alone costs.

    Returns (pages, seconds). The token is read from the start of the body, where the emulator
    (like the service) writes it.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": floor_authorization(access_key)}
    start = time.perf_counter()
    pages = 0
    token = None
    try:
        while True:
            connection.request("GET", _list_path(path, token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise BenchError("emulator answered %d: %r" % (response.status, body[:200]))
            pages += 1
            match = _TOKEN_AT_START.match(body)
            if match:
                token = match.group(1).decode("ascii") if match.group(1) is not None else None
            else:
                token = json.loads(body).get("NextToken")
            if not token:
                return pages, time.perf_counter() - start
    finally:
        connection.close()


def fetch_floor(port):
    """The stdlib floor: http.client keep-alive + json.loads of every order page. Returns (orders, pages)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": floor_authorization()}
    orders = []
    pages = 0
    token = None
    try:
        while True:
            connection.request("GET", _list_path(ORDERS_PATH, token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise BenchError("emulator answered %d: %r" % (response.status, body[:200]))
            page = json.loads(body)
            pages += 1
            orders.extend(page["PhoneNumberOrders"])
            token = page.get("NextToken")
            if not token:
                return len(orders), pages
    finally:
        connection.close()
