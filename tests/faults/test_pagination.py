# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NextToken faults: loops, rejected tokens, an empty first page, and 100,000 orders.

botocore has no paginator for ListPhoneNumberOrders, so the collection's own loop is all that
stands between a misbehaving service and an endless or silently partial listing.
"""

from __future__ import annotations

import json

import fault_harness as fh  # pylint: disable=import-error
import pytest


def forge_first_token(path, status, body, number, headers):
    """Relay rewrite: change one character of the first page's NextToken (a forged token)."""
    del path, headers
    if number != 1 or status != 200:
        return body
    page = json.loads(body)
    token = page["NextToken"]
    middle = len(token) // 2
    page["NextToken"] = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    return json.dumps(page).encode("utf-8")


# ---- a repeated NextToken ------------------------------------------------------------------------


def test_repeated_next_token_is_a_loop_reported_not_followed(emulator, run_ansible):
    emulator.generate(300, seed=21)
    emulator.inject(repeat_token=True)
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url})
    fh.assert_clean_failure(result, task, "repeated a NextToken", "no partial result")
    assert task["error_code"] == "PaginationLoop"
    # Page 2 handed back the token page 1 gave: two requests, then a stop.
    assert emulator.stats()["list_requests"] == 2


def test_inventory_repeated_next_token_fails_the_source(emulator, run_ansible, tmp_path):
    emulator.generate(300, seed=21)
    emulator.inject(repeat_token=True)
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": emulator.url})
    assert run.returncode != 0
    assert "repeated a NextToken" in run.output
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["list_requests"] == 2


def test_role_with_a_looping_listing_fails_with_an_error_set(emulator, run_ansible, tmp_path):
    emulator.generate(300, seed=21)
    report_dir = tmp_path / "reports"
    role_vars = {
        "assert_numbers_acquired_expected": fh.acquired_numbers(emulator.orders(), 3),
        "assert_numbers_acquired_endpoint_url": emulator.url,
        "assert_numbers_acquired_report_dir": str(report_dir),
    }
    assert fh.playbook(run_ansible, fh.role_play(role_vars)).returncode == 0
    fh.assert_passed_report_set(report_dir)

    listed_before = emulator.stats()["list_requests"]
    emulator.inject(repeat_token=True, operations=["ListPhoneNumberOrders"])
    result = fh.playbook(run_ansible, fh.role_play(role_vars))
    fh.assert_clean_failure(result, fh.failed_task(result), "repeated a NextToken")
    fh.assert_error_report_set(report_dir, "ListPhoneNumberOrders repeated a NextToken", error_code="PaginationLoop")
    assert emulator.stats()["list_requests"] - listed_before == 2


# ---- tokens the service rejects (400) ------------------------------------------------------------------


def test_forged_next_token_gets_400_and_fails_at_once(emulator, run_ansible):
    emulator.generate(300, seed=22)
    with fh.Relay(emulator.url, rewrite=forge_first_token) as relay:
        result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=relay.url))
    fh.assert_clean_failure(
        result, task, "chime:ListPhoneNumberOrders failed", "BadRequestException", "HTTP 400", "Invalid NextToken"
    )
    # A 400 is the same answer every time: not retried.
    assert [request[2] for request in relay.requests] == [200, 400]
    assert task["attempts"] == 1


def test_next_token_expired_by_a_change_mid_listing_fails_clearly(emulator, run_ansible):
    # The account's orders change between page 1 and page 2: the service rejects the old token.
    emulator.generate(300, seed=23)

    def change_orders_after_page_1(path, status, body, number, headers):
        del path, status, headers
        if number == 1:
            emulator.generate(301, seed=24)
        return body

    with fh.Relay(emulator.url, rewrite=change_orders_after_page_1) as relay:
        result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=relay.url))
    fh.assert_clean_failure(result, task, "BadRequestException", "Expired NextToken")
    assert [request[2] for request in relay.requests] == [200, 400]


# ---- an empty first page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 150, "seed": 25}], indirect=True)
def test_empty_first_page_with_a_next_token_is_followed(emulator, run_ansible):
    emulator.inject(empty_first_page=True)
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["pages"] == 3
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]


@pytest.mark.parametrize("emulator", [{"generate": 150, "seed": 25}], indirect=True)
def test_inventory_follows_an_empty_first_page(emulator, run_ansible, tmp_path):
    emulator.inject(empty_first_page=True)
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": emulator.url})
    assert run.returncode == 0, run.output[-3000:]
    assert {host: hostvars["chime_number_status"] for host, hostvars in run.hostvars().items()} == fh.served_numbers(
        emulator.orders()
    )
    assert emulator.stats()["list_requests"] == 3


# ---- "NextToken": "" (issue 11, defect 10) ----------------------------------------------------------------

# The API reference documents NextToken as absent or null on the last page, never "". A loop that takes
# "" as the end (botocore's generic paginators do) would judge the first pages of the account as all of
# it. The collection treats "" as a malformed page: retried like one, then a clear failure.


@pytest.mark.parametrize("emulator", [{"generate": 350, "seed": 27}], indirect=True)
@pytest.mark.parametrize("after", [0, 2], ids=["first-page", "third-page"])
def test_a_transient_empty_next_token_is_retried_and_the_listing_completes(emulator, run_ansible, after):
    emulator.inject(empty_string_token=1, after_requests=after)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3))
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["pages"] == 4
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in emulator.orders()]
    stats = emulator.stats()
    assert (stats["list_requests"], stats["faults_served"]) == (5, {"empty_string_token": 1})


@pytest.mark.parametrize("emulator", [{"generate": 350, "seed": 27}], indirect=True)
def test_a_persistent_empty_next_token_fails_clearly_with_no_partial_listing(emulator, run_ansible):
    emulator.inject(empty_string_token=50, after_requests=1)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3))
    fh.assert_clean_failure(
        result,
        task,
        "chime:ListPhoneNumberOrders failed after 3 attempt(s)",
        "ListPhoneNumberOrders returned an empty NextToken, which the API does not document",
    )
    assert task["error_code"] == "MalformedResponse"
    assert "documented shape" in task["msg"]
    # Page 1, then page 2 three times: never a page 3 asked for with an empty token.
    assert emulator.stats()["list_requests"] == 4


@pytest.mark.parametrize("emulator", [{"generate": 350, "seed": 27}], indirect=True)
def test_inventory_with_a_persistent_empty_next_token_shows_no_host(emulator, run_ansible, tmp_path):
    emulator.inject(empty_string_token=50, after_requests=1)
    options = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2)
    run = fh.run_inventory(run_ansible, tmp_path, options, unparsed_failed=False)
    assert run.returncode == 0
    assert run.hostvars() == {}
    assert "returned an empty NextToken" in fh.flatten(run.stderr)
    fh.assert_no_traceback(run.output)


# ---- 100,000 orders ----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("emulator", [{"generate": 100000, "seed": 26}], indirect=True)
def test_100000_orders_come_back_complete_and_in_order(emulator, run_ansible):
    # 1,000 pages of 100 (chime_sdk_voice, the default) with a throttled answer every ~250 pages on the way.
    for after in (100, 350, 600, 850):
        emulator.inject(throttle=1, after_requests=after)
    result, task = fh.run_module(run_ansible, dict(fh.FAST_RETRIES, endpoint_url=emulator.url), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:]
    served = emulator.orders()
    assert task["pages"] == 1000
    assert len(task["phone_number_orders"]) == 100000
    assert task["phone_number_orders"] == [fh.expected_order(order) for order in served]
    assert len(task["phone_numbers"]) == 300000
    assert emulator.stats()["by_status"] == {"200": 1000, "429": 4}


@pytest.mark.slow
@pytest.mark.parametrize("emulator", [{"generate": 100000, "seed": 26}], indirect=True)
def test_inventory_of_100000_orders_misses_no_page(emulator, run_ansible, tmp_path):
    # Every page is listed and judged; only the Processing numbers (about 5%, spread over all
    # 1,000 pages) become hosts, since 300,000 hosts would measure ansible-inventory, not us.
    for after in (100, 600):
        emulator.inject(throttle=1, after_requests=after)
    options = dict(fh.FAST_RETRIES, endpoint_url=emulator.url, number_status=["Processing"])
    run = fh.run_inventory(run_ansible, tmp_path, options, timeout=900)
    assert run.returncode == 0, run.output[-3000:]
    expected = {
        number: status for number, status in fh.served_numbers(emulator.orders()).items() if status == "Processing"
    }
    assert len(expected) > 10000
    assert {host: variables["chime_number_status"] for host, variables in run.hostvars().items()} == expected
    assert emulator.stats()["by_status"] == {"200": 1000, "429": 2}
