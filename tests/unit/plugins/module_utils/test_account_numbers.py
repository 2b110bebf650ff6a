# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account's current numbers (ListPhoneNumbers) added to the per-number view of the orders."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import account_numbers_by_e164
from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import number_from_api
from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import with_account_state


def api_number(e164, status="Unassigned", number_id=None, updated="2026-01-01T00:00:00.000Z", **extra):
    number = {
        "PhoneNumberId": number_id or "id-" + e164.lstrip("+"),
        "E164PhoneNumber": e164,
        "Status": status,
        "ProductType": "VoiceConnector",
        "UpdatedTimestamp": updated,
        "CreatedTimestamp": updated,
    }
    number.update(extra)
    return number


def entry(e164, status="Acquired", order_id="o-1"):
    """One entry of orders.latest_status_by_number."""
    return {
        "e164_phone_number": e164,
        "status": status,
        "phone_number_order_id": order_id,
        "order_status": "Successful",
        "product_type": "VoiceConnector",
        "created_timestamp": "2026-01-01T00:00:00.000Z",
        "updated_timestamp": "2026-01-01T00:00:00.000Z",
    }


def test_number_from_api_names_the_status_account_status():
    number = number_from_api(api_number("+12065550100", "Assigned", DeletionTimestamp=None, Country="US"))
    assert number == {
        "phone_number_id": "id-12065550100",
        "e164_phone_number": "+12065550100",
        "account_status": "Assigned",
        "product_type": "VoiceConnector",
        "updated_timestamp": "2026-01-01T00:00:00.000Z",
        "created_timestamp": "2026-01-01T00:00:00.000Z",
        "deletion_timestamp": None,
        "country": "US",
    }


@pytest.mark.parametrize(
    "first, second, winner",
    [
        # A number released and ordered again: the held one wins whatever its age or position.
        (
            api_number("+12065550100", "DeleteInProgress", "old", "2026-05-01T00:00:00Z"),
            api_number("+12065550100", "Unassigned", "new", "2026-01-01T00:00:00Z"),
            "new",
        ),
        (
            api_number("+12065550100", "Assigned", "held", "2026-01-01T00:00:00Z"),
            api_number("+12065550100", "ReleaseInProgress", "going", "2026-05-01T00:00:00Z"),
            "held",
        ),
        # Both held or both not: the latest update wins, by instant, not by text.
        (
            api_number("+12065550100", "Unassigned", "later", "2026-01-01T10:00:00.5Z"),
            api_number("+12065550100", "Unassigned", "earlier", "2026-01-01T11:00:00+02:00"),
            "later",
        ),
        (
            api_number("+12065550100", "DeleteInProgress", "a", "2026-01-01T00:00:00Z"),
            api_number("+12065550100", "DeleteFailed", "b", "2026-02-01T00:00:00Z"),
            "b",
        ),
        # Everything equal but the id: the greater id, so the answer never depends on listing order.
        (api_number("+12065550100", "Unassigned", "id-a"), api_number("+12065550100", "Unassigned", "id-b"), "id-b"),
        # Same id and instant: the status text decides, again whatever the order.
        (
            api_number("+12065550100", "ReleaseFailed", "same"),
            api_number("+12065550100", "DeleteFailed", "same"),
            "ReleaseFailed",
        ),
    ],
)
def test_a_number_listed_twice_keeps_one_entry_whatever_the_order(first, second, winner):
    for listed in ([first, second], [second, first]):
        [(e164, number)] = list(account_numbers_by_e164(listed).items())
        assert e164 == "+12065550100"
        assert winner in (number["phone_number_id"], number["account_status"])


def test_numbers_without_an_e164_are_left_out():
    numbers = account_numbers_by_e164([{"PhoneNumberId": "x", "Status": "Unassigned"}, api_number("+12065550100")])
    assert list(numbers) == ["+12065550100"]


def test_every_entry_gets_the_account_state_or_none():
    entries = [entry("+12065550100"), entry("+12065550101")]
    before = copy.deepcopy(entries)
    merged = with_account_state(entries, [api_number("+12065550100", "Assigned", DeletionTimestamp=None)])
    assert merged[0] == dict(
        entries[0], account_status="Assigned", phone_number_id="id-12065550100", deletion_timestamp=None
    )
    # Not in the account any more: the three keys are there, each None.
    assert merged[1] == dict(entries[1], account_status=None, phone_number_id=None, deletion_timestamp=None)
    assert entries == before  # the caller's entries are not changed


def test_a_number_the_account_holds_without_any_order_is_added_with_empty_order_fields():
    merged = with_account_state(
        [entry("+12065550101")],
        [
            api_number("+12065550100", "Unassigned", DeletionTimestamp=None, ProductType="SipMediaApplicationDialIn"),
            api_number("+12065550101", "Assigned"),
        ],
    )
    assert [item["e164_phone_number"] for item in merged] == ["+12065550100", "+12065550101"]
    assert merged[0] == {
        "e164_phone_number": "+12065550100",
        "status": None,
        "phone_number_order_id": None,
        "order_status": None,
        "created_timestamp": None,
        "updated_timestamp": None,
        "product_type": "SipMediaApplicationDialIn",
        "account_status": "Unassigned",
        "phone_number_id": "id-12065550100",
        "deletion_timestamp": None,
    }


def test_only_numbers_restricts_the_numbers_added_from_the_account():
    merged = with_account_state(
        [entry("+12065550100")],
        [api_number("+12065550100"), api_number("+12065550101"), api_number("+12065550102")],
        only_numbers={"+12065550100", "+12065550102"},
    )
    assert [item["e164_phone_number"] for item in merged] == ["+12065550100", "+12065550102"]


def test_the_merged_view_is_sorted_by_number():
    merged = with_account_state(
        [entry("+442079460958"), entry("+12065550101")], [api_number("+12065550100"), api_number("+33123456789")]
    )
    assert [item["e164_phone_number"] for item in merged] == [
        "+12065550100",
        "+12065550101",
        "+33123456789",
        "+442079460958",
    ]
