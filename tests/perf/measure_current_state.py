# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 7 (issue 10): the check with current state on beside it off, and numbers listed in partitions.

At 10,000 orders and the ~28,000 numbers the account holds (every second one ``Assigned``, see
bench_emulator.mixed_numbers_document), with no latency and with ``LATENCY`` seconds added to
every request (a round trip to AWS):

- ``ansible-playbook voiceops.chime.verify_numbers`` (10,000 expected, reports) with
  ``assert_numbers_acquired_current_state`` false and true (the role's default). Target: on is at
  most 1.25x off, because the two listings overlap;
- in this process, the listings alone: the orders only, the shipped ``list_account`` (orders and
  numbers concurrently), and the prototype of prototype_partitioned_listing.py (orders beside
  one numbers listing per status, per product type, or per pair), each checked to list the same
  numbers as the unpartitioned listing;
- what partitions miss: a number whose status or product type is outside botocore's enum, listed
  without and with partitions, and how the judge then sees it.
"""

from __future__ import annotations

from bench_core import API
from bench_core import BOTO3_SERVICE
from bench_core import E2E_ORDERS
from bench_core import EXPECTED_NUMBERS
from bench_core import REGION
from bench_core import BenchError
from bench_core import log
from bench_emulator import expected_numbers
from bench_emulator import mixed_numbers_document
from bench_processes import verify_numbers
from bench_processes import write_json
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import ratio
from bench_timing import timed_call
from prototype_partitioned_listing import list_account_partitioned
from prototype_partitioned_listing import namespace_enums
from prototype_partitioned_listing import partitions

LATENCY = 0.1
# Enough connections for the widest prototype (22 partitions and the orders) without botocore
# discarding pooled connections.
POOL_CONNECTIONS = 32


class InProcessListings:
    """The listings of a check with current state, in this process, against the emulator."""

    def __init__(self, emulator):
        import boto3  # pylint: disable=import-outside-toplevel
        import botocore.config  # pylint: disable=import-outside-toplevel

        from ansible_collections.voiceops.chime.plugins.module_utils import (
            listing,  # pylint: disable=import-outside-toplevel
        )

        self.listing = listing
        self.url = emulator.url
        self.boto3 = boto3
        self.pool = botocore.config.Config(max_pool_connections=POOL_CONNECTIONS)
        self.statuses, self.product_types = namespace_enums(BOTO3_SERVICE)
        self.reference = None
        # Pages of each listing: at a fixed latency per request, the longest listing bounds the wall time.
        self.pages = {}

    def client(self):
        client = self.boto3.session.Session().client(
            BOTO3_SERVICE,
            region_name=REGION,
            endpoint_url=self.url,
            config=self.listing.client_config().merge(self.pool),
        )
        return self.listing.keep_timestamps_as_text(client)

    def orders_only(self):
        client = self.client()
        seconds, listed = timed_call(lambda: self.listing.list_account(client, API, current_state=False))
        return seconds, listed.api_orders, None

    def shipped(self):
        client = self.client()
        seconds, listed = timed_call(lambda: self.listing.list_account(client, API, current_state=True))
        self.pages.update(orders=listed.order_pages, numbers=listed.number_pages)
        return seconds, listed.api_orders, listed.api_numbers

    def partitioned(self, kind):
        client = self.client()
        number_partitions = partitions(kind, self.statuses, self.product_types)
        seconds, listed = timed_call(lambda: list_account_partitioned(self.listing, client, API, number_partitions))
        self.pages["largest_partition_by_" + kind] = max(listed[4])
        return seconds, listed[0], listed[2]

    def variants(self):
        """{name: function returning seconds}, each checked against the shipped listing's result."""

        def checked(name, func):
            def run():
                seconds, api_orders, api_numbers = func()
                if len(api_orders) != E2E_ORDERS:
                    raise BenchError("%s listed %d orders, not %d" % (name, len(api_orders), E2E_ORDERS))
                if api_numbers is not None:
                    numbers = sorted(number["E164PhoneNumber"] for number in api_numbers)
                    if self.reference is None:
                        self.reference = numbers
                    elif numbers != self.reference:
                        raise BenchError(
                            "%s listed %d numbers, not the %d of the unpartitioned listing"
                            % (name, len(numbers), len(self.reference))
                        )
                return seconds

            return run

        variants = {
            "orders_only": checked("orders only", self.orders_only),
            "shipped": checked("list_account", self.shipped),
        }
        for kind in ("status", "product_type", "status_and_product_type"):
            variants["by_" + kind] = checked("partitions by " + kind, lambda kind=kind: self.partitioned(kind))
        return variants


def measure(ctx):
    settings, workdir = ctx.settings, ctx.workdir
    document, status_counts = mixed_numbers_document(E2E_ORDERS)
    ctx.emulator.serve_document(("mixed", E2E_ORDERS), document)
    expected = expected_numbers(document["PhoneNumberOrders"], EXPECTED_NUMBERS)
    reports = workdir / "current-state-reports"
    vars_path = write_json(
        workdir / "current-state-vars.json",
        {
            "assert_numbers_acquired_expected": expected,
            "assert_numbers_acquired_endpoint_url": ctx.emulator.url,
            "assert_numbers_acquired_report_dir": str(reports),
        },
    )
    listings = InProcessListings(ctx.emulator)

    def check(current_state):
        return lambda: verify_numbers(ctx, vars_path, reports, current_state=current_state)[0].seconds

    entry = {
        "orders": E2E_ORDERS,
        "expected": EXPECTED_NUMBERS,
        "numbers": sum(status_counts.values()),
        "number_statuses": status_counts,
        "partitions": {
            kind: len(partitions(kind, listings.statuses, listings.product_types))
            for kind in ("status", "product_type", "status_and_product_type")
        },
        "latency": {},
    }
    for latency in (0, LATENCY):
        ctx.emulator.set_latency(latency)
        reps = settings["reps"] if not latency else settings["latency_reps"]
        variants = {"check_off": check(False), "check_on": check(True)}
        variants.update(listings.variants())
        try:
            samples = interleaved(variants, reps)
        finally:
            ctx.emulator.set_latency(0)
        figures = {name: figure(values) for name, values in samples.items()}
        figures["reps"] = reps
        figures["on_over_off"] = ratio(figures["check_on"]["median"], figures["check_off"]["median"])
        figures["shipped_over_orders_only"] = ratio(figures["shipped"]["median"], figures["orders_only"]["median"])
        best = min(
            ("by_status", "by_product_type", "by_status_and_product_type"), key=lambda name: figures[name]["median"]
        )
        figures["best_partitioning"] = best
        figures["best_over_shipped"] = ratio(figures[best]["median"], figures["shipped"]["median"])
        # What the check would take with the best partitioning: the shipped listing's time
        # replaced by the prototype's (the rest of the check does not depend on how it lists).
        projected = figures["check_on"]["median"] - figures["shipped"]["median"] + figures[best]["median"]
        figures["check_on_partitioned_projected"] = round(projected, 3)
        figures["projected_over_off"] = ratio(projected, figures["check_off"]["median"])
        entry["latency"][str(latency)] = figures
        log(
            "  current state, %s latency (%d runs): verify_numbers off %.2f s, on %.2f s (%.2fx); listing alone: "
            "orders %.2f s, orders + numbers %.2f s, by status %.2f s, by product type %.2f s, by both %.2f s; "
            "best partitioning %.2fx the shipped listing, check projected %.2f s (%.2fx off)"
            % (
                "%d ms" % (latency * 1000),
                reps,
                figures["check_off"]["median"],
                figures["check_on"]["median"],
                figures["on_over_off"],
                figures["orders_only"]["median"],
                figures["shipped"]["median"],
                figures["by_status"]["median"],
                figures["by_product_type"]["median"],
                figures["by_status_and_product_type"]["median"],
                figures["best_over_shipped"],
                projected,
                figures["projected_over_off"],
            )
        )
    entry["pages"] = dict(listings.pages)
    entry["latency_seconds"] = LATENCY
    entry["outside_the_enum"] = outside_the_enum(ctx, listings)
    ctx.result["current_state"] = entry


# Numbers the service may send that no partition asks for: a status AWS adds after this botocore
# was released, and a product type outside the model (the API reference's own sample response
# says "Voice Connector").
ENUM_PROBE_NUMBERS = (
    ("+12065550190", "Unassigned", "VoiceConnector", "in both enums"),
    ("+12065550191", "PortOutInProgress", "VoiceConnector", "status outside the enum"),
    ("+12065550192", "Assigned", "Voice Connector", "product type outside the enum"),
)
# Held by the account, in no order, not expected: with fail_on_unexpected, a check must fail on it.
UNEXPECTED_PROBE_NUMBER = (
    "+12065550193",
    "Assigned",
    "Voice Connector",
    "held, in no order, product type outside the enum",
)


def outside_the_enum(ctx, listings):
    """List numbers whose status or product type is outside the enum, unpartitioned and partitioned,
    and judge them as acquired-by-order expected numbers: what a partitioned listing would miss."""
    from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import (
        with_account_state,  # pylint: disable=import-outside-toplevel
    )
    from ansible_collections.voiceops.chime.plugins.module_utils.compliance import (
        number_compliance,  # pylint: disable=import-outside-toplevel
    )
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import (
        latest_status_by_number,  # pylint: disable=import-outside-toplevel
    )
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api

    order = {
        "CreatedTimestamp": "2026-10-01T10:00:00.000Z",
        "OrderType": "New",
        "OrderedPhoneNumbers": [
            {"E164PhoneNumber": e164, "Status": "Acquired"} for e164, dummy, dummy, dummy in ENUM_PROBE_NUMBERS
        ],
        "PhoneNumberOrderId": "bench-enum-probe",
        "ProductType": "VoiceConnector",
        "Status": "Successful",
        "UpdatedTimestamp": "2026-10-01T10:05:00.000Z",
    }
    numbers = [
        {
            "E164PhoneNumber": e164,
            "PhoneNumberId": e164,
            "Status": status,
            "ProductType": product_type,
            "CreatedTimestamp": "2026-10-01T10:00:00.000Z",
            "UpdatedTimestamp": "2026-10-01T10:05:00.000Z",
        }
        for e164, status, product_type, dummy in ENUM_PROBE_NUMBERS + (UNEXPECTED_PROBE_NUMBER,)
    ]
    ctx.emulator.serve_document(("enum-probe",), {"PhoneNumberOrders": [order], "PhoneNumbers": numbers})
    phone_numbers = latest_status_by_number([order_from_api(order)])
    expected = [e164 for e164, dummy, dummy, dummy in ENUM_PROBE_NUMBERS]
    outcome = {
        "numbers": {
            e164: {"status": status, "product_type": product_type, "what": what}
            for e164, status, product_type, what in ENUM_PROBE_NUMBERS + (UNEXPECTED_PROBE_NUMBER,)
        }
    }
    for kind in ("unpartitioned", "status", "product_type"):
        client = listings.client()
        number_partitions = (
            [{}] if kind == "unpartitioned" else partitions(kind, listings.statuses, listings.product_types)
        )
        dummy, dummy, api_numbers, dummy, dummy = list_account_partitioned(
            listings.listing, client, API, number_partitions, orders=False
        )
        judged = number_compliance(with_account_state(phone_numbers, api_numbers, None), expected, current_state=True)
        reasons = {problem["e164_phone_number"]: problem["reason"] for problem in judged.get("problems") or ()}
        # Only the number in both enums expected, and every other held number a problem.
        strict = number_compliance(
            with_account_state(phone_numbers, api_numbers, None),
            expected[:1],
            fail_on_unexpected=True,
            current_state=True,
        )
        outcome[kind] = {
            "listed": sorted(number["E164PhoneNumber"] for number in api_numbers),
            "categories": {
                e164: category
                for category in ("acquired", "released", "failed", "processing", "missing")
                for e164 in judged.get(category) or ()
            },
            "reasons": reasons,
            "fail_on_unexpected_passed": strict["passed"],
            "unexpected": strict["unexpected"],
        }
    missed = {
        kind: sorted(set(outcome["unpartitioned"]["listed"]) - set(outcome[kind]["listed"]))
        for kind in ("status", "product_type")
    }
    outcome["missed"] = missed
    if outcome["unpartitioned"]["listed"] != sorted(outcome["numbers"]):
        raise BenchError(
            "the unpartitioned listing did not list every probe number: %s" % outcome["unpartitioned"]["listed"]
        )
    for kind in ("unpartitioned", "status", "product_type"):
        log(
            "  outside the enum, %s listing: missed %s; judged %s; fail_on_unexpected check passed: %s"
            % (
                kind,
                ", ".join(missed.get(kind, ())) or "nothing",
                outcome[kind]["categories"],
                outcome[kind]["fail_on_unexpected_passed"],
            )
        )
    return outcome
