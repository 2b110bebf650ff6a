# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP 429 ThrottledClientException against real ansible-playbook / ansible-inventory runs.

AWS throttles ListPhoneNumberOrders with 429, which neither botocore's standard retry mode
nor amazon.aws's AWSRetry retries. The retry budget is the module's (and the inventory
plugin's) max_attempts / retry_base_delay / retry_max_delay; the emulator's request counters
prove how many attempts were made.
"""

from __future__ import annotations

import concurrent.futures

import fault_harness as fh  # pylint: disable=import-error
import pytest


def throttled_counts(emulator):
    stats = emulator.stats()
    return stats["list_requests"], stats["by_status"]


# ---- module -------------------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 250, "seed": 1}], indirect=True)
@pytest.mark.parametrize("throttled", [1, 5])
def test_throttling_below_the_retry_budget_returns_every_order(emulator, run_ansible, throttled):
    # max_attempts=6: up to 5 consecutive 429s on one call are absorbed.
    emulator.inject(throttle=throttled)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=6))
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    assert task["pages"] == 3
    # Every 429 was answered by asking again, and nothing else was asked twice.
    assert throttled_counts(emulator) == (3 + throttled, {"200": 3, "429": throttled})


@pytest.mark.parametrize("emulator", [{"generate": 250, "seed": 1}], indirect=True)
@pytest.mark.parametrize("throttled", [6, 40])
def test_throttling_at_or_above_the_retry_budget_fails_after_exactly_max_attempts(emulator, run_ansible, throttled):
    emulator.inject(throttle=throttled)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=6))
    fh.assert_clean_failure(
        result,
        task,
        "chime:ListPhoneNumberOrders failed after 6 attempt(s)",
        "ThrottledClientException (HTTP 429)",
        "max_attempts",
    )
    assert (task["error_code"], task["http_status"], task["attempts"]) == ("ThrottledClientException", 429, 6)
    assert throttled_counts(emulator) == (6, {"429": 6})


@pytest.mark.parametrize("emulator", [{"generate": 500, "seed": 2}], indirect=True)
def test_throttling_mid_way_through_a_50_page_listing_loses_nothing(emulator, run_ansible):
    # Two bursts, on pages 21 and about 38: every page must still arrive once, in order.
    emulator.inject(throttle=3, after_requests=20)
    emulator.inject(throttle=2, after_requests=40)
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, page_size=10, max_attempts=4)
    result, task = fh.run_module(run_ansible, params)
    assert result.returncode == 0, result.stdout[-3000:]
    served = emulator.orders()
    assert task["pages"] == 50
    assert [order["phone_number_order_id"] for order in task["phone_number_orders"]] == [
        order["PhoneNumberOrderId"] for order in served
    ]
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in served]
    numbers = fh.served_numbers(served)
    assert [(entry["e164_phone_number"], entry["status"]) for entry in task["phone_numbers"]] == sorted(numbers.items())
    assert throttled_counts(emulator) == (55, {"200": 50, "429": 5})


@pytest.mark.parametrize("emulator", [{"generate": 10}], indirect=True)
def test_total_wait_is_bounded_by_retry_max_delay(emulator, run_ansible):
    # retry_max_delay caps every wait: 6 attempts make 5 waits of at most 0.1 s, 0.5 s in all,
    # although retry_base_delay alone would allow 5 + 10 + 20 + 40 + 80 s. The relay records
    # when each attempt arrived; the slack only absorbs request handling on a busy machine.
    emulator.inject(throttle=100)
    params = {"endpoint_url": None, "max_attempts": 6, "retry_base_delay": 5.0, "retry_max_delay": 0.1}
    with fh.Relay(emulator.url) as relay:
        params["endpoint_url"] = relay.url
        result, task = fh.run_module(run_ansible, params)
    fh.assert_clean_failure(result, task, "failed after 6 attempt(s)", "ThrottledClientException")
    assert [request[2] for request in relay.requests] == [429] * 6
    span = relay.requests[-1][0] - relay.requests[0][0]
    max_total_wait = 5 * 0.1
    assert span <= max_total_wait + 3.0, "the retries took {0:.1f} s; the waits may add up to {1} s".format(
        span, max_total_wait
    )


# ---- inventory plugin -----------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 120, "seed": 3}], indirect=True)
def test_inventory_absorbs_throttling_below_its_budget(emulator, run_ansible, tmp_path):
    emulator.inject(throttle=2, after_requests=1)
    run = fh.run_inventory(run_ansible, tmp_path, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3))
    assert run.returncode == 0, run.output[-3000:]
    hostvars = run.hostvars()
    assert {host: variables["chime_number_status"] for host, variables in hostvars.items()} == fh.served_numbers(
        emulator.orders()
    )
    assert throttled_counts(emulator) == (4, {"200": 2, "429": 2})


@pytest.mark.parametrize("emulator", [{"generate": 120, "seed": 3}], indirect=True)
def test_inventory_throttled_past_its_budget_fails_with_no_hosts(emulator, run_ansible, tmp_path):
    # Page 1 arrives, page 2 never does: showing page 1's numbers would be a partial inventory.
    emulator.inject(throttle=50, after_requests=1)
    options = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3)
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode != 0
    assert "chime:ListPhoneNumberOrders failed after 3 attempt(s)" in run.output
    assert "ThrottledClientException" in run.output
    fh.assert_no_traceback(run.output)
    assert throttled_counts(emulator) == (4, {"200": 1, "429": 3})

    # Without unparsed_is_failed ansible-inventory only warns, but still shows no host at all.
    emulator.reset()
    emulator.inject(throttle=50, after_requests=1)
    run = fh.run_inventory(run_ansible, tmp_path, options, unparsed_failed=False)
    assert run.returncode == 0
    assert run.hostvars() == {}
    assert "ThrottledClientException" in fh.flatten(run.stderr)


def test_inventory_one_throttled_region_fails_the_whole_source(emulator, run_ansible, tmp_path):
    # Throttling is not "access denied": strict=false must not skip the region and show the rest.
    emulator.generate(30, api="chime-sdk-voice", region="us-east-1", seed=4)
    emulator.generate(30, api="chime-sdk-voice", region="us-west-2", seed=5)
    emulator.inject(throttle=50, region="us-west-2")
    options = dict(
        fh.FAST_RETRIES,
        endpoint_url=emulator.url + "/chime-sdk-voice",
        api="chime_sdk_voice",
        regions=["us-east-1", "us-west-2"],
        strict=False,
        max_attempts=2,
    )
    run = fh.run_inventory(run_ansible, tmp_path, options)
    assert run.returncode != 0
    assert "region us-west-2" in run.output and "ThrottledClientException" in run.output
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["by_region"] == {"us-east-1": 1, "us-west-2": 2}


# ---- role ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 150, "seed": 6}], indirect=True)
def test_role_passes_through_throttling_and_fails_clearly_past_the_budget(emulator, run_ansible, tmp_path):
    acquired = fh.acquired_numbers(emulator.orders(), 20)
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": acquired,
        "assert_numbers_acquired_report_dir": str(report_dir),
        "assert_numbers_acquired_endpoint_url": emulator.url,
    }
    # The role has no retry variables of its own: module_defaults of the action group set them.
    defaults = dict(fh.FAST_RETRIES, max_attempts=4)
    # The role lists the account's numbers too, concurrently: the 429s are aimed at the orders
    # listing so that the counts below are exact (test_current_state.py throttles the other one).
    orders_only = ["ListPhoneNumberOrders"]
    numbers_pages = fh.number_pages(emulator)

    emulator.inject(throttle=3, operations=orders_only)
    result = fh.playbook(run_ansible, fh.role_play(role_vars, defaults))
    assert result.returncode == 0, result.stdout[-3000:]
    fh.assert_passed_report_set(report_dir)
    assert throttled_counts(emulator) == (5, {"200": 2 + numbers_pages, "429": 3})

    emulator.reset()
    emulator.inject(throttle=4, operations=orders_only)
    result = fh.playbook(run_ansible, fh.role_play(role_vars, defaults))
    fh.assert_clean_failure(result, fh.failed_task(result), "failed after 4 attempt(s)", "ThrottledClientException")
    # The role stopped at the listing: the reports say "could not check", and the first run's PASS is gone.
    fh.assert_error_report_set(
        report_dir, "chime:ListPhoneNumberOrders failed after 4 attempt(s)", error_code="ThrottledClientException"
    )
    stats = emulator.stats()
    assert (stats["list_requests"], stats["by_status"]["429"]) == (4, 4)


# ---- concurrency ------------------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 400, "seed": 8}], indirect=True)
def test_8_concurrent_playbook_runs_against_one_throttling_emulator_all_get_complete_data(emulator, run_ansible):
    # 40 throttled answers shared by 8 runs of 5 pages each: whichever run meets them retries.
    # max_attempts=41 means even a run that met every single 429 in a row would succeed.
    emulator.inject(throttle=40)
    params = dict(endpoint_url=emulator.url, max_attempts=41, retry_base_delay=0.02, retry_max_delay=0.2, page_size=99)
    text = fh.module_play(params)

    def one_run(index):
        return fh.playbook(run_ansible, text, name="concurrent-{0}.yml".format(index), timeout=300)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one_run, range(8)))
    expected = [fh.expected_order(order) for order in emulator.orders()]
    for index, result in enumerate(results):
        assert result.returncode == 0, "run {0}:\n{1}".format(index, result.stdout[-3000:])
        task = result.task(fh.TASK)
        assert task["pages"] == 5
        assert task["phone_number_orders"] == expected, "run {0} returned different orders".format(index)
    stats = emulator.stats()
    assert stats["by_status"] == {"200": 40, "429": 40}
    assert stats["pending"]["throttle"] == 0


@pytest.mark.parametrize("emulator", [{"generate": 10, "seed": 9}], indirect=True)
def test_get_phone_number_order_is_retried_through_throttling(emulator, run_ansible):
    served = emulator.orders()
    wanted = [served[4]["PhoneNumberOrderId"], served[1]["PhoneNumberOrderId"]]
    emulator.inject(throttle=2, after_requests=1)
    params = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, phone_number_order_ids=wanted, max_attempts=3)
    result, task = fh.run_module(run_ansible, params)
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(served[4]), fh.expected_order(served[1])]
    stats = emulator.stats()
    assert (stats["get_requests"], stats["by_status"]) == (4, {"200": 2, "429": 2})


def test_role_waiting_for_processing_numbers_fails_when_a_later_poll_is_throttled_out(emulator, run_ansible, tmp_path):
    # Poll 1 sees the number Processing; poll 2 is throttled past the budget. The role must fail
    # on poll 2, not judge (or report) poll 1's listing as if it were the answer.
    emulator.set_orders(
        [
            {
                "PhoneNumberOrderId": "order-1",
                "ProductType": "VoiceConnector",
                "Status": "Processing",
                "OrderedPhoneNumbers": [{"E164PhoneNumber": "+12065550100", "Status": "Processing"}],
                "CreatedTimestamp": "2026-01-01T00:00:00.000Z",
                "UpdatedTimestamp": "2026-01-01T00:00:00.000Z",
            }
        ]
    )
    # Poll 1 is two requests (orders and numbers, one page each); from poll 2 on every orders request is a 429.
    emulator.inject(throttle=100, after_requests=2, operations=["ListPhoneNumberOrders"])
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": ["+12065550100"],
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_wait_timeout": 30,
        "assert_numbers_acquired_poll_interval": 1,
        "assert_numbers_acquired_report_dir": str(report_dir),
    }
    result = fh.playbook(run_ansible, fh.role_play(role_vars, dict(fh.FAST_RETRIES, max_attempts=2)))
    fh.assert_clean_failure(result, fh.failed_task(result), "failed after 2 attempt(s)", "ThrottledClientException")
    # Poll 1's "processing" is never published as the verdict: the set says could not check.
    fh.assert_error_report_set(report_dir, "failed after 2 attempt(s)", error_code="ThrottledClientException")
    stats = emulator.stats()
    assert (stats["list_requests"], stats["by_status"]["429"]) == (3, 2)
