# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 1, listing in this process: our ``list_orders`` vs the plain boto3 loop vs the stdlib floor.

At N = 1,000 / 10,000 / 100,000 orders. Ours uses a client made as ``create_client`` makes one
(``client_config()`` + ``keep_timestamps_as_text``); the clients are created before the clock
starts, so the clock covers the loop over every page.
"""

from __future__ import annotations

from bench_core import API
from bench_core import BOTO3_SERVICE
from bench_core import REGION
from bench_core import BenchError
from bench_core import log
from bench_emulator import fetch_floor
from bench_emulator import fetch_raw
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import median
from bench_timing import ratio
from bench_timing import reps_text
from bench_timing import timed_call


class ListingLoops:
    """The three listing loops, each returning (seconds, orders, pages)."""

    def __init__(self, emulator):
        import boto3  # pylint: disable=import-outside-toplevel
        import plain_boto3_loop  # pylint: disable=import-outside-toplevel,import-error

        from ansible_collections.voiceops.chime.plugins.module_utils import (
            listing,  # pylint: disable=import-outside-toplevel
        )

        self.emulator = emulator
        self.boto3 = boto3
        self.listing = listing
        self.plain = plain_boto3_loop

    def ours(self):
        listing = self.listing
        client = self.boto3.session.Session().client(
            BOTO3_SERVICE, region_name=REGION, endpoint_url=self.emulator.url, config=listing.client_config()
        )
        listing.keep_timestamps_as_text(client)
        seconds, (orders, pages) = timed_call(lambda: listing.list_orders(client, API))
        return seconds, len(orders), pages

    def boto3_loop(self):
        client = self.plain.make_client(self.emulator.url)
        seconds, (orders, pages) = timed_call(lambda: self.plain.fetch_all(client))
        return seconds, len(orders), pages

    def floor(self):
        seconds, (count, pages) = timed_call(lambda: fetch_floor(self.emulator.port))
        return seconds, count, pages


def measure(ctx):
    emulator, settings, result = ctx.emulator, ctx.settings, ctx.result
    loops = ListingLoops(emulator)
    result["listing"] = {}
    result["emulator"] = {"pages_per_second": {}, "process": "separate process (chime_emulator.py)"}
    for size in settings["sizes"]:
        emulator.serve(size)
        raw = [fetch_raw(emulator.port) for dummy in range(settings["emulator_reps"])]
        pages = raw[0][0]
        rate = pages / median([seconds for dummy, seconds in raw])
        result["emulator"]["pages_per_second"][str(size)] = round(rate)
        reps = settings["listing_reps"][size]
        reps = reps if isinstance(reps, dict) else {name: reps for name in ("ours", "boto3_loop", "floor")}

        def checked(name):
            def run():
                seconds, count, listed_pages = getattr(loops, name)()
                if count != size or listed_pages != pages:
                    raise BenchError(
                        "%s listed %d orders in %d pages, expected %d in %d" % (name, count, listed_pages, size, pages)
                    )
                return seconds

            return run

        samples = interleaved({name: checked(name) for name in reps}, reps)
        entry = {name: figure(values) for name, values in samples.items()}
        entry["pages"] = pages
        entry["reps"] = reps
        entry["boto3_over_ours"] = ratio(entry["boto3_loop"]["median"], entry["ours"]["median"])
        entry["ours_over_floor"] = ratio(entry["ours"]["median"], entry["floor"]["median"])
        result["listing"][str(size)] = entry
        log(
            "  listing %7s orders (%4d pages, %s runs): ours %.3f s, boto3 loop %.3f s (%.1fx), floor %.3f s "
            "(ours = %.1fx floor); emulator alone %d pages/s"
            % (
                "{:,}".format(size),
                pages,
                reps_text(reps),
                entry["ours"]["median"],
                entry["boto3_loop"]["median"],
                entry["boto3_over_ours"],
                entry["floor"]["median"],
                entry["ours_over_floor"],
                rate,
            )
        )
