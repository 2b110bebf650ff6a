"""How fast this machine runs Python, so that a CI time can be read against the machine it ran on.

    python3 scripts/machine_speed.py

make test is CPU-bound on CI's 2 cores, and the same commit has taken from 12 to 23 minutes on
machines of the same kind, as fast or slow as their CPUs. This runs a fixed pure-Python workload
(JSON, regular expressions, dictionaries: what ansible-playbook and the emulator spend their time
on) and prints its CPU seconds beside those of the machine the timing in docs/reliability.md was
measured on. Standard library only: it runs with the python3 that runs make.
"""

from __future__ import annotations

import json
import platform
import re
import time

# Measured with this script (Python 3.11.7, the machine's python3) on the machine and the day of docs/reliability.md's timing table.
REFERENCE_SECONDS = 0.74
REFERENCE_MACHINE = "2026-12-02, where .ci/run took 12 min 39 s"
ROUNDS = 150  # about a second of CPU
RUNS = 3  # the best of three: another process on the machine only ever makes a run slower


def workload():
    pattern = re.compile(r"^\+[1-9][0-9]{6,14}$")
    orders = [
        {
            "PhoneNumberOrderId": "order-%06d" % index,
            "OrderedPhoneNumbers": [{"E164PhoneNumber": "+1206555%04d" % (index % 10000), "Status": "Acquired"}],
        }
        for index in range(2000)
    ]
    matched = 0
    for dummy in range(ROUNDS):
        for order in json.loads(json.dumps(orders)):
            numbers = {number["E164PhoneNumber"]: number["Status"] for number in order["OrderedPhoneNumbers"]}
            matched += sum(1 for number in numbers if pattern.match(number))
    return matched


def main():
    timings = []
    for dummy in range(RUNS):
        started = time.perf_counter(), time.process_time()
        workload()
        timings.append((time.perf_counter() - started[0], time.process_time() - started[1]))
    # Wall time, not CPU time: a virtual machine whose host takes its CPU away (steal) runs slowly
    # without its processes being charged for the wait. Run it when nothing else runs.
    seconds, cpu_seconds = min(timings)
    print(
        "machine speed: a fixed Python workload took %.2f s here (%.2f s of CPU; Python %s), %.2f s on the "
        "reference machine (%s): expect times about %.1f times the reference's"
        % (
            seconds,
            cpu_seconds,
            platform.python_version(),
            REFERENCE_SECONDS,
            REFERENCE_MACHINE,
            seconds / REFERENCE_SECONDS,
        )
    )


if __name__ == "__main__":
    main()
