# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timing helpers of `make bench`: medians, recorded figures, ratios, interleaved rounds, CPU time."""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time


def median(samples):
    return statistics.median(samples) if samples else None


def figure(samples, **extra):
    """A measured figure: median and the raw samples (seconds unless said otherwise)."""
    value = {"median": round(median(samples), 6) if samples else None, "samples": [round(s, 6) for s in samples]}
    value.update(extra)
    return value


def ratio(numerator, denominator):
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def reps_text(reps):
    values = sorted(set(reps.values())) if isinstance(reps, dict) else [reps]
    if len(values) == 1:
        return str(values[0])
    return "/".join("%d %s" % (count, name.replace("_", " ")) for name, count in reps.items())


def interleaved(variants, rounds):
    """Run every variant once per round, in order, ``rounds`` times: {name: [what each call returned]}.

    The variants of one comparison alternate, so a machine that gets busier or quieter during the
    comparison slows them alike, and the ratio of their medians moves less than the figures.
    ``rounds`` is a number, or {name: number} for variants that run fewer times.
    """
    counts = rounds if isinstance(rounds, dict) else {name: rounds for name in variants}
    samples = {name: [] for name in variants}
    for round_number in range(max(counts.values())):
        for name, func in variants.items():
            if round_number < counts[name]:
                samples[name].append(func())
    return samples


def timed_call(func):
    """(seconds, result) of func(), with the objects that already exist left out of garbage collection.

    This process holds the generated data set and earlier results; without gc.freeze() every
    full collection triggered by the loop under test would walk them too, a cost the loop would
    not have in a process of its own (the module, a script).
    """
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        result = func()
        return time.perf_counter() - start, result
    finally:
        gc.unfreeze()


def children_cpu_seconds():
    """User + system CPU seconds of every child process this process has waited for so far.

    Read before and after a command: the difference is the CPU of that command and of every
    process it waited for (ansible-playbook's workers, their module processes). The emulator is
    a child too, but it is only waited for when the lane run ends, so it is never counted.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid):
    """User + system CPU seconds of a running process (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    # Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / ticks


def load_average():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None
