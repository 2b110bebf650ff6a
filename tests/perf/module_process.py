# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run chime_phone_number_order_info in this process, as a module runs, and time its parts.

    python tests/perf/module_process.py STATS_JSON ARGS_JSON > module-result.json

ARGS_JSON is ``{"ANSIBLE_MODULE_ARGS": {...}}``, the file a module reads when run directly; the
module's result goes to stdout, as it does under Ansible. STATS_JSON receives the seconds spent
importing, fetching (``list_account``, ``get_orders``: both listings, concurrently with
``current_state``), transforming (``filter_orders``, ``latest_status_by_number``,
``with_account_state``), judging (``number_compliance``, with ``expected``), scrubbing ``no_log``
values (``remove_values``) and in the whole ``exit_json`` (scrub, JSON encoding, writing), plus this
process's peak RSS. The module code is the collection's, unchanged: only the names it calls are
wrapped with timers (the per-order ``order_from_api`` is left unwrapped: a timer per call would
cost more than it measures).

``measure_module.py`` and ``measure_fixed_cost.py`` run this as a child process per measurement, so the peak RSS is this process's alone.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

# pylint: disable=wrong-import-position
import json
import resource
import sys


def timed(timings, name, func):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            timings[name] += time.perf_counter() - start

    return wrapper


def peak_rss_kib():
    """This process's peak resident set size in KiB.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over execve, so a child forked from
    a large parent (bench.py after listing 100,000 orders) would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    stats_path, args_path = sys.argv[1], sys.argv[2]
    timings = {"fetch": 0.0, "transform": 0.0, "judge": 0.0, "scrub": 0.0, "exit_json": 0.0}

    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.voiceops.chime.plugins.modules import chime_phone_number_order_info as module_code

    imported = time.perf_counter()

    for name, kind in (
        ("list_account", "fetch"),
        ("get_orders", "fetch"),
        ("filter_orders", "transform"),
        ("latest_status_by_number", "transform"),
        ("with_account_state", "transform"),
        ("number_compliance", "judge"),
    ):
        if hasattr(module_code, name):
            setattr(module_code, name, timed(timings, kind, getattr(module_code, name)))
    # exit_json looks remove_values up in basic's namespace at call time.
    basic.remove_values = timed(timings, "scrub", basic.remove_values)
    basic.AnsibleModule.exit_json = timed(timings, "exit_json", basic.AnsibleModule.exit_json)

    sys.argv = [module_code.__file__, args_path]
    exit_code = 0
    try:
        module_code.main()
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    finished = time.perf_counter()
    stats = dict(
        timings,
        imports=imported - STARTED,
        main=finished - imported,
        total=finished - STARTED,
        exit_code=exit_code,
        max_rss_kib=peak_rss_kib(),
    )
    with open(stats_path, "w", encoding="utf-8") as handle:
        json.dump(stats, handle)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
