# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A poisoned inventory cache entry is listed again, with a warning (issue 11, defect 6).

A jsonfile cache entry is a file on disk: it can be edited, truncated by a full disk, or written by
another version. 0.1.0 trusted it, so ``orders: [1]`` failed every run with "'int' object has no
attribute 'items'" until ``--flush-cache``. Each case writes a good entry, breaks it one way, and
asserts the next run warns, lists again (complete hosts), replaces the entry, and that the run after
that is answered from the repaired cache without a request.
"""

from __future__ import annotations

import copy

import fault_harness as fh  # pylint: disable=import-error
import pytest


def first_listing(cached):
    return cached["listings"][0]


def set_orders(value):
    def poison(cached):
        first_listing(cached)["orders"] = value

    return poison


def set_numbers(value):
    def poison(cached):
        first_listing(cached)["numbers"] = value

    return poison


def edit_first_order(**members):
    def poison(cached):
        first_listing(cached)["orders"][0].update(members)

    return poison


def edit_first_number(**members):
    def poison(cached):
        number = first_listing(cached)["numbers"][0]
        for key, value in members.items():
            if value is KeyError:
                del number[key]
            else:
                number[key] = value

    return poison


def drop(key):
    def poison(cached):
        del first_listing(cached)[key]

    return poison


def replace_all(value):
    return lambda cached: value


# One case per kind of damage: a wrong type at each level, a missing key, a numbers list of the wrong
# shape, the skipped-regions record, the whole value.
POISONS = {
    "orders-[1]": set_orders([1]),
    "orders-null": set_orders(None),
    "ordered-numbers-a-string": edit_first_order(OrderedPhoneNumbers="+12065550100"),
    "ordered-number-an-integer": edit_first_order(
        OrderedPhoneNumbers=[{"E164PhoneNumber": 12065550100, "Status": "Acquired"}]
    ),
    "numbers-a-mapping": set_numbers({"+12065550100": "Unassigned"}),
    "number-without-e164": edit_first_number(E164PhoneNumber=KeyError),
    "number-status-a-list": edit_first_number(Status=["Unassigned"]),
    "listing-without-region": drop("region"),
    "skipped-entry-of-wrong-shape": lambda cached: cached.update(skipped=[["eu-west-2", "denied"]]),
    "not-a-mapping": replace_all([1, 2, 3]),
}


@pytest.mark.parametrize("emulator", [{"generate": 40, "seed": 71}], indirect=True)
@pytest.mark.parametrize("poison_id", sorted(POISONS))
def test_a_poisoned_cache_entry_is_listed_again_with_a_warning(emulator, run_ansible, tmp_path, poison_id):
    cache_dir = tmp_path / "cache"
    options = {
        "endpoint_url": emulator.url,
        "current_state": True,
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
        "cache_timeout": 3600,
    }
    expected_hosts = set(fh.served_numbers(emulator.orders()))
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0, run.output[-3000:]
    cache_file = fh.inventory_cache_file(cache_dir)
    good = fh.read_inventory_cache(cache_file)

    poisoned = copy.deepcopy(good)
    poisoned = POISONS[poison_id](poisoned) or poisoned
    fh.write_inventory_cache(cache_file, poisoned)
    requests = emulator.stats()["requests"]

    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0, run.output[-3000:]
    fh.assert_no_traceback(run.output)
    assert "the cached listing cannot be used" in run.output and "listing again" in run.output, run.output[-3000:]
    # Listed again, completely, and the bad entry replaced by the new listing.
    assert set(run.hostvars()) == expected_hosts
    assert emulator.stats()["requests"] > requests
    # The same listing, listed again: only the time it was listed moves on.
    repaired = fh.read_inventory_cache(fh.inventory_cache_file(cache_dir))
    assert repaired.pop("listed_at") > good.pop("listed_at")
    assert repaired == good
    if poison_id != "orders-[1]":
        return
    # The repaired entry serves the next run, without a request (once is enough to show it).
    requests = emulator.stats()["requests"]
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode == 0 and set(run.hostvars()) == expected_hosts
    assert "cannot be used" not in run.output
    assert emulator.stats()["requests"] == requests
