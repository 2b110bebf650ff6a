# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's mutable data: accounts -> regions -> orders and phone numbers.

Lists served to clients are never mutated in place: a change swaps in a new ``OrderList`` or a
new overrides map, so a page can be built outside the emulator's lock from a snapshot taken
under it. Every method of ``DataStore`` expects the caller to hold the emulator's lock; the
expensive part of a phone number listing (deriving numbers from 100,000 orders) is done by
``build_number_view`` outside it.
"""

from __future__ import annotations

import copy
import json

from emulator_data import AccountData
from emulator_data import EmulatorConfigError
from emulator_data import account_id_of
from emulator_data import deletion_timestamp
from emulator_data import derive_numbers
from emulator_data import now_iso_millis
from emulator_data import number_record
from emulator_data import project_number
from emulator_data import project_order

_VIEW_CACHE_LIMIT = 256


def _encode(document, sort_keys=False):
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


class OrderList:
    """The orders one scope serves, in listing order. Replaced, never mutated."""

    __slots__ = ("orders", "index", "_encoded")

    def __init__(self, orders, encoded=None):
        self.orders = orders
        self.index = {order["PhoneNumberOrderId"]: position for position, order in enumerate(orders)}
        # One cache per namespace: the legacy one leaves out SDK Voice-only members.
        self._encoded = encoded if encoded is not None else {}

    def encoded(self, position, api):
        # Filled lazily: start-up with 100,000 orders stays fast, and a filled
        # slot is deterministic, so racing threads write the same bytes.
        slots = self._encoded.get(api)
        if slots is None:
            slots = self._encoded.setdefault(api, [None] * len(self.orders))
        value = slots[position]
        if value is None:
            value = _encode(project_order(self.orders[position], api))
            slots[position] = value
        return value

    def replaced(self, position, order):
        orders = list(self.orders)
        orders[position] = order
        encoded = {}
        for api, slots in self._encoded.items():
            slots = list(slots)
            slots[position] = None
            encoded[api] = slots
        return OrderList(orders, encoded)


EMPTY_ORDERS = OrderList([])


class NumberView:
    """The phone numbers one (account, region) holds now: what ListPhoneNumbers lists."""

    __slots__ = ("records", "index", "_encoded", "_filtered")

    def __init__(self, records):
        self.records = records
        self.index = {record.get("PhoneNumberId"): position for position, record in enumerate(records)}
        self._encoded = {}
        self._filtered = {}

    def positions(self, filters):
        """Positions of the records matching ``filters`` (status, product_type, filter_name, filter_value)."""
        cached = self._filtered.get(filters)
        if cached is not None:
            return cached
        status, product_type, filter_name, filter_value = filters
        matching = []
        for position, record in enumerate(self.records):
            if status is not None and record.get("Status") != status:
                continue
            if product_type is not None and record.get("ProductType") != product_type:
                continue
            if filter_name is not None:
                associations = record.get("Associations")
                if not isinstance(associations, list) or not any(
                    isinstance(association, dict)
                    and association.get("Name") == filter_name
                    and association.get("Value") == filter_value
                    for association in associations
                ):
                    continue
            matching.append(position)
        matching = tuple(matching)
        self._filtered[filters] = matching
        return matching

    def encoded(self, position, api):
        slots = self._encoded.get(api)
        if slots is None:
            slots = self._encoded.setdefault(api, [None] * len(self.records))
        value = slots[position]
        if value is None:
            # Alphabetical keys, like every object the service sends.
            value = _encode(project_number(self.records[position], api), sort_keys=True)
            slots[position] = value
        return value


def _merge_patch(record, patch):
    merged = dict(record)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def build_number_view(inputs):
    """A NumberView from ``DataStore.number_view_inputs()`` (pure; run it outside the lock)."""
    orders, explicit, override_maps, region, account_id = inputs
    if explicit is not None:
        records = list(explicit)
    else:
        records = derive_numbers(orders.orders, region=region, account_id=account_id)
    by_e164 = {record["E164PhoneNumber"]: record for record in records}
    for overrides in override_maps:
        for e164, (kind, change) in overrides.items():
            if kind == "released":
                by_e164.pop(e164, None)
            elif kind == "added":
                record = number_record(
                    e164,
                    change["status"],
                    product_type=change["product_type"],
                    created=change["timestamp"],
                    updated=change["timestamp"],
                    region=region,
                    account_id=account_id,
                )
                by_e164[e164] = _merge_patch(record, change["members"])
            elif e164 in by_e164:
                by_e164[e164] = _merge_patch(by_e164[e164], change)
    return NumberView(list(by_e164.values()))


class _RegionState:
    __slots__ = ("orders", "numbers")

    def __init__(self, orders=None, numbers=None):
        self.orders = orders
        self.numbers = numbers


class _AccountState:
    """One account: top-level scope, per-region scopes and the control calls' number overrides.

    ``overrides`` maps a region (None: every region) to {e164: change}; both levels are
    replaced on change, never mutated, so a view's inputs stay a consistent snapshot.
    """

    __slots__ = ("orders", "numbers", "regions", "overrides")

    def __init__(self, data):
        self.orders = OrderList(list(data.top.orders)) if data.top.orders is not None else None
        self.numbers = tuple(data.top.numbers) if data.top.numbers is not None else None
        self.regions = {region: _region_state(scope) for region, scope in data.regions.items()}
        self.overrides = {}

    def scope_orders(self, region):
        scope = self.regions.get(region)
        if scope is not None and scope.orders is not None:
            return scope.orders
        return self.orders if self.orders is not None else EMPTY_ORDERS

    def scope_numbers(self, region):
        """Explicit numbers for ``region``, or None to derive them from the region's orders."""
        scope = self.regions.get(region)
        if scope is not None:
            if scope.numbers is not None:
                return scope.numbers
            if scope.orders is not None:
                # A region with orders of its own derives its numbers from them, even when
                # the top level lists numbers explicitly.
                return None
        return self.numbers


def _region_state(scope):
    return _RegionState(
        OrderList(list(scope.orders)) if scope.orders is not None else None,
        tuple(scope.numbers) if scope.numbers is not None else None,
    )


class DataStore:
    """Accounts keyed by access key id (None: the top-level data every other key sees)."""

    def __init__(self, initial):
        self._initial = initial
        self.generation = 0
        self.version = 0
        self.accounts = {}
        self._views = {}
        self.reset()

    def reset(self):
        top, accounts = self._initial
        self.accounts = {None: _AccountState(top)}
        self.accounts.update({key: _AccountState(data) for key, data in accounts.items()})
        self._replaced()

    def _replaced(self):
        # Outstanding NextTokens carry the generation: new data expire them.
        self.generation += 1
        self._changed()

    def _changed(self):
        self.version += 1
        self._views = {}

    # ---- reading ---------------------------------------------------------------

    def account_key(self, access_key):
        """The account a request signed with ``access_key`` sees (None: the top-level data)."""
        return access_key if access_key in self.accounts else None

    def order_list(self, access_key, region):
        return self.accounts[self.account_key(access_key)].scope_orders(region)

    def view_key(self, access_key, region):
        return (self.account_key(access_key), region)

    def cached_view(self, key):
        return self._views.get(key)

    def cache_view(self, key, view, version):
        if version != self.version:
            return
        if len(self._views) >= _VIEW_CACHE_LIMIT:
            self._views = {}
        self._views[key] = view

    def number_view_inputs(self, key):
        account_key, region = key
        state = self.accounts[account_key]
        override_maps = [state.overrides.get(None, {})]
        if region is not None:
            override_maps.append(state.overrides.get(region, {}))
        return (
            state.scope_orders(region),
            state.scope_numbers(region),
            override_maps,
            region,
            account_id_of(account_key),
        )

    def number_view(self, key):
        """The view for ``key``, built under the lock: for control calls, not for requests."""
        view = self._views.get(key)
        if view is None:
            view = build_number_view(self.number_view_inputs(key))
            self.cache_view(key, view, self.version)
        return view

    def orders(self, region, account):
        return copy.deepcopy(self.order_list(account, region).orders)

    def numbers(self, region, account, api):
        view = self.number_view(self.view_key(account, region))
        return [copy.deepcopy(project_number(record, api)) for record in view.records]

    # ---- replacing data -----------------------------------------------------------

    def replace(self, top, accounts, region, account):
        """``top``/``accounts`` from ``parse_document`` (or a region's ScopeData in ``top``
        when ``region`` is given). Drops the number overrides of what it replaces."""
        if account is not None and accounts:
            raise EmulatorConfigError("an account's data cannot hold Accounts")
        if region is None and account is None:
            self.accounts = {None: _AccountState(top)}
            self.accounts.update({key: _AccountState(data) for key, data in accounts.items()})
        elif region is None:
            self.accounts[account] = _AccountState(top)
        else:
            state = self.accounts.get(account)
            if state is None:
                state = self.accounts[account] = _AccountState(AccountData())
            state.regions[region] = _region_state(top)
            if region in state.overrides:
                state.overrides = {scope: changes for scope, changes in state.overrides.items() if scope != region}
        self._replaced()

    # ---- scheduled status changes ---------------------------------------------------

    def has_order(self, order_id, account):
        return any(order_id in order_list.index for order_list in self._order_lists(account))

    def _order_lists(self, account):
        states = self.accounts.values() if account is None else [self.accounts.get(account)]
        for state in states:
            if state is None:
                continue
            if state.orders is not None:
                yield state.orders
            for scope in state.regions.values():
                if scope.orders is not None:
                    yield scope.orders

    def set_order_status(self, order_id, order_status, number_status, stamp, account):
        """Flip ``order_id`` wherever it is (in ``account`` only, when given)."""

        def flipped(order_list):
            if order_list is None or order_id not in order_list.index:
                return order_list
            position = order_list.index[order_id]
            order = copy.deepcopy(order_list.orders[position])
            if order_status is not None:
                order["Status"] = order_status
            if number_status is not None:
                for number in order.get("OrderedPhoneNumbers") or ():
                    if isinstance(number, dict):
                        number["Status"] = number_status
            order["UpdatedTimestamp"] = stamp
            return order_list.replaced(position, order)

        for key, state in self.accounts.items():
            if account is not None and key != account:
                continue
            state.orders = flipped(state.orders)
            for scope in state.regions.values():
                scope.orders = flipped(scope.orders)
        # Same generation: tokens already handed out stay valid, since order
        # positions do not move; only cached page bytes and number views are stale.
        self._changed()

    # ---- number overrides (control calls) ---------------------------------------------

    def _account_for_change(self, account):
        state = self.accounts.get(account)
        if state is None:
            raise EmulatorConfigError(
                f"account {account!r} has no data of its own; give it some first "
                "(set_orders(..., account=KEY) or generate(..., account=KEY))"
            )
        return state

    def _holding_regions(self, state_key, e164, region):
        """The scopes where ``e164`` is held now: [region], or for region=None the top level and
        every region the account names. Raises when it is held nowhere."""
        regions = [region] if region is not None else [None] + list(self.accounts[state_key].regions)
        holding = [
            name
            for name in regions
            if any(record.get("E164PhoneNumber") == e164 for record in self.number_view((state_key, name)).records)
        ]
        if not holding:
            where = f"region {region}" if region is not None else "any region"
            raise EmulatorConfigError(f"phone number {e164!r} is not held in {where} of this account")
        return holding

    def _set_change(self, state, region, e164, change):
        scope_changes = dict(state.overrides.get(region, {}))
        scope_changes[e164] = change
        overrides = dict(state.overrides)
        overrides[region] = scope_changes
        state.overrides = overrides
        self._changed()

    def _patch(self, e164, region, account, patch):
        state = self._account_for_change(account)
        self._holding_regions(account, e164, region)
        existing = state.overrides.get(region, {}).get(e164)
        if existing is not None and existing[0] == "added":
            added = dict(existing[1])
            added["members"] = dict(added["members"], **patch)
            change = ("added", added)
        elif existing is not None and existing[0] == "patch":
            change = ("patch", dict(existing[1], **patch))
        else:
            change = ("patch", dict(patch))
        self._set_change(state, region, e164, change)

    def delete_number(self, e164, region, account):
        now = now_iso_millis()
        self._patch(
            e164,
            region,
            account,
            {"Status": "DeleteInProgress", "DeletionTimestamp": deletion_timestamp(), "UpdatedTimestamp": now},
        )

    def set_number_status(self, e164, status, region, account):
        if not isinstance(status, str) or not status:
            raise EmulatorConfigError(f"status must be a non-empty string, got {status!r}")
        patch = {"Status": status, "UpdatedTimestamp": now_iso_millis()}
        if status != "DeleteInProgress":
            # Out of the deletion queue (restored, or failed to delete): no deletion date.
            patch["DeletionTimestamp"] = None
        self._patch(e164, region, account, patch)

    def release_number(self, e164, region, account):
        state = self._account_for_change(account)
        self._holding_regions(account, e164, region)
        self._set_change(state, region, e164, ("released", None))

    def add_number(self, e164, status, product_type, members, region, account):
        state = self._account_for_change(account)
        if not isinstance(e164, str) or not e164:
            raise EmulatorConfigError(f"e164 must be a non-empty string, got {e164!r}")
        if not isinstance(status, str) or not status:
            raise EmulatorConfigError(f"status must be a non-empty string, got {status!r}")
        if members is not None and not isinstance(members, dict):
            raise EmulatorConfigError("members must be an object of API members")
        self._set_change(
            state,
            region,
            e164,
            (
                "added",
                {
                    "status": status,
                    "product_type": product_type,
                    "timestamp": now_iso_millis(),
                    "members": dict(members or {}),
                },
            ),
        )
