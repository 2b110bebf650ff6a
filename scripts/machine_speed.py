"""How fast this machine runs Python, so that a CI time can be read against the machine it ran on.

    python3 scripts/machine_speed.py

make test is CPU-bound on CI's 2 cores, and the same commit has taken from 12 to 23 minutes on
machines of the same kind, as fast or slow as their CPUs. This runs a fixed pure-Python workload
(JSON, regular expressions, dictionaries: what ansible-playbook and the emulator spend their time
on) and prints the seconds it took, and its CPU seconds, beside the seconds it took on the machine
the timing in docs/reliability.md was measured on. Standard library only: it runs with the python3 that runs make.
"""

from __future__ import annotations

import json
import platform
import re
import time

# This script's figure (the machine's python3, 3.11.7) where docs/reliability.md's timing was measured.
REFERENCE = (0.65, "2026-12-02, where .ci/run took 12 min 39 s")


def workload():
    """JSON round trips, E.164 matching and dictionaries over 2,000 orders, 150 times: about a second."""
    pattern = re.compile(r"^\+[1-9][0-9]{6,14}$")
    orders = [{"Numbers": [{"E164": "+1206555%04d" % index, "Status": "Acquired"}]} for index in range(2000)]
    for dummy in range(150):
        for order in json.loads(json.dumps(orders)):
            numbers = {number["E164"]: number["Status"] for number in order["Numbers"]}
            sum(1 for number in numbers if pattern.match(number))


def main():
    # Wall time, best of three: a host that takes a virtual machine's CPU away (steal) slows it down
    # without charging its processes for the wait, and another process can only make a run slower.
    timings = []
    for dummy in range(3):
        started = time.perf_counter(), time.process_time()
        workload()
        timings.append((time.perf_counter() - started[0], time.process_time() - started[1]))
    seconds, cpu_seconds = min(timings)
    print(
        f"machine speed: a fixed Python workload took {seconds:.2f} s here ({cpu_seconds:.2f} s of CPU, Python "
        f"{platform.python_version()}), {REFERENCE[0]:.2f} s on the reference machine ({REFERENCE[1]}): "
        f"expect times about {seconds / REFERENCE[0]:.1f} times the reference's"
    )


if __name__ == "__main__":
    main()
