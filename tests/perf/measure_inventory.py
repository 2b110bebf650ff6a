# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement 5: ``ansible-inventory --list`` with voiceops.chime.chime_phone_numbers for 10,000 orders.

Cold (cache deleted) and from its cache, vs a static inventory of the same hosts, groups and
variables (the plugin's own ``--list`` output written as a file for the ``yaml`` plugin).
"""

from __future__ import annotations

import json
import shutil

from bench_core import E2E_ORDERS
from bench_core import BenchError
from bench_core import log
from bench_timing import figure
from bench_timing import interleaved
from bench_timing import ratio

# A listing that fails must fail the command, not leave an empty inventory to time.
STRICT = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"}


def measure(ctx):
    workdir, runner = ctx.workdir, ctx.runner
    ctx.emulator.serve(E2E_ORDERS)
    cache = workdir / "inventory-cache"
    config = workdir / "bench.chime_phone_numbers.yml"
    config.write_text(
        "\n".join(
            [
                "plugin: voiceops.chime.chime_phone_numbers",
                "endpoint_url: %s" % ctx.emulator.url,
                "cache: true",
                "cache_plugin: ansible.builtin.jsonfile",
                "cache_connection: %s" % cache,
                "cache_timeout: 86400",
                "",
            ]
        )
    )
    listed = workdir / "inventory-list.json"
    static_path = workdir / "static.yml"

    def inventory_list(source):
        return runner.run(["ansible-inventory", "-i", source, "--list"], stdout_path=listed, env=STRICT).seconds

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        return inventory_list(config)

    cold()
    plugin_hosts = static_inventory(listed, static_path)
    samples = interleaved(
        {"cold": cold, "cached": lambda: inventory_list(config), "static": lambda: inventory_list(static_path)},
        ctx.settings["reps"],
    )
    static_hosts = len(json.loads(listed.read_text())["_meta"]["hostvars"])
    if static_hosts != plugin_hosts:
        raise BenchError("the static inventory has %d hosts, the plugin %d" % (static_hosts, plugin_hosts))
    inventory = {name: figure(values) for name, values in samples.items()}
    inventory.update(
        orders=E2E_ORDERS,
        hosts=plugin_hosts,
        reps=ctx.settings["reps"],
        cached_over_static=ratio(inventory["cached"]["median"], inventory["static"]["median"]),
        cold_over_static=ratio(inventory["cold"]["median"], inventory["static"]["median"]),
    )
    ctx.result["inventory"] = inventory
    log(
        "  ansible-inventory --list, %d hosts: cold %.2f s, cached %.2f s, static YAML %.2f s (cached = %.2fx static)"
        % (
            plugin_hosts,
            inventory["cold"]["median"],
            inventory["cached"]["median"],
            inventory["static"]["median"],
            inventory["cached_over_static"],
        )
    )


def static_inventory(listed, path):
    """Write the plugin's --list output as a static inventory file (same hosts, vars, groups); return host count.

    The file is what the ``yaml`` inventory plugin reads, written in JSON syntax (JSON is YAML):
    Ansible's loader tries JSON first, and that is the fastest static form by far. In block-style
    YAML the same 30,000 hosts took minutes on ansible-core 2.21 (the loader tags and deep-copies
    every scalar; docs/performance.md), too slow to repeat and a baseline no one should have to beat.
    """
    listing = json.loads(listed.read_text())
    hostvars = listing.get("_meta", {}).get("hostvars", {})
    children = {}
    for name, group in listing.items():
        if name in ("_meta", "all", "ungrouped") or not isinstance(group, dict) or not group.get("hosts"):
            continue
        children[name] = {"hosts": {host: None for host in group["hosts"]}}
    document = {"all": {"hosts": hostvars, "children": children}}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
    return len(hostvars)
