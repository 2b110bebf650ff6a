# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure building blocks of the ``voiceops.chime.chime_phone_numbers`` inventory plugin.

Raw API listings (one per region) -> one host per phone number (latest-order rule of
``orders.latest_status_by_number``) -> host variables and default group names. Nothing here
talks to AWS or needs Ansible running, so every rule is unit-testable; the plugin only
adds the results to the inventory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import math
import re
import time

from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import with_account_state
from ansible_collections.voiceops.chime.plugins.module_utils.listing import API_CHOICES
from ansible_collections.voiceops.chime.plugins.module_utils.listing import LEGACY_REGION
from ansible_collections.voiceops.chime.plugins.module_utils.listing import InvalidOptionError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import MalformedResponseError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_list_page
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_numbers_page
from ansible_collections.voiceops.chime.plugins.module_utils.orders import camel_to_snake
from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_rank

DEFAULT_HOSTVARS_PREFIX = "chime_"

# Bumped whenever the cached value's shape changes, so an old cache entry is never misread.
# 2 (0.2.0): each listing may carry the account's numbers (current_state).
CACHE_FORMAT = 2

# latest_status_by_number() entry key -> host variable name (before the prefix). The entry's
# bare "status" is the number's status; the hostvar says so, next to chime_order_status.
_HOSTVAR_NAMES = (
    ("e164_phone_number", "e164_phone_number"),
    ("status", "number_status"),
    ("phone_number_order_id", "phone_number_order_id"),
    ("order_status", "order_status"),
    ("product_type", "product_type"),
    ("created_timestamp", "created_timestamp"),
    ("updated_timestamp", "updated_timestamp"),
)
# With current_state, from with_account_state(); the entry's account_status keeps its name.
_ACCOUNT_HOSTVAR_NAMES = (
    ("account_status", "account_status"),
    ("phone_number_id", "phone_number_id"),
    ("deletion_timestamp", "deletion_timestamp"),
)

_VARIABLE_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*)?$")
_NOT_GROUP_CHARACTER = re.compile(r"[^a-z0-9]+")


def validate_hostvars_prefix(prefix):
    """Return the prefix if every host variable built with it is a valid variable name."""
    if prefix is None:
        return ""
    if not isinstance(prefix, str) or not _VARIABLE_PREFIX.match(prefix):
        raise InvalidOptionError(
            "hostvars_prefix must be empty or start with a letter or '_' and hold only letters, digits and '_', "
            "got {0!r}".format(prefix)
        )
    return prefix


def validate_string_list(name, values):
    """Return a filter option as a list of strings (None when unset or empty)."""
    if not values:
        return None
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise InvalidOptionError("{0} must be a list of strings, got {1!r}".format(name, values))
    for value in values:
        if not isinstance(value, str) or not value:
            raise InvalidOptionError("{0} entries must be non-empty strings, got {1!r}".format(name, value))
    return list(values)


def resolve_regions(api, regions, region=None, available_regions=None):
    """The regions to list, in a stable order without duplicates.

    The legacy ``chime`` namespace is global: it is listed once, in ``us-east-1``, whatever
    ``regions`` says. ``chime_sdk_voice`` lists ``regions``, else ``region``, else every region
    botocore knows for the service (``available_regions``, a callable). A region botocore knows
    no endpoint for fails here, before any call, naming the valid ones.
    """
    if api not in API_CHOICES:
        raise InvalidOptionError("api must be one of {0}, got {1!r}".format(", ".join(API_CHOICES), api))
    if api == "chime":
        return [LEGACY_REGION]
    if regions:
        if isinstance(regions, str) or not isinstance(regions, (list, tuple)):
            raise InvalidOptionError("regions must be a list of region names, got {0!r}".format(regions))
        resolved = []
        for name in regions:
            if not isinstance(name, str) or not name.strip():
                raise InvalidOptionError("regions entries must be non-empty strings, got {0!r}".format(name))
            name = name.strip()
            if name not in resolved:
                resolved.append(name)
    elif region:
        resolved = [region]
    else:
        resolved = sorted(available_regions()) if available_regions is not None else []
        if not resolved:
            raise InvalidOptionError("api=chime_sdk_voice needs regions (or region / AWS_REGION) to list")
        return resolved
    if available_regions is not None:
        known = set(available_regions())
        unknown = [name for name in resolved if name not in known]
        if unknown:
            raise InvalidOptionError(
                "{0} {1} no Amazon Chime SDK Voice endpoint; use one of: {2}".format(
                    "region" if len(unknown) == 1 else "regions",
                    ", ".join(repr(name) for name in unknown) + (" has" if len(unknown) == 1 else " have"),
                    ", ".join(sorted(known)),
                ),
                code="UnknownRegion",
            )
    return resolved


def group_name_part(value):
    """A service value as a lower snake case group name part: VoiceConnector -> voice_connector.

    None or a value with no letters or digits gives None (no group).
    """
    if value is None:
        return None
    text = _NOT_GROUP_CHARACTER.sub("_", camel_to_snake(str(value))).strip("_")
    return text or None


# Every phone number host is in this group; the group exists whenever the source loaded.
ALL_NUMBERS_GROUP = "chime_phone_numbers"


# Markers a source leaves in the inventory (groups without hosts), so that a consumer such as the
# assert_numbers_acquired role can tell what was listed: whether the account's current numbers were
# (chime_source_current_state) or not (chime_source_orders_only), and which regions were skipped.
SOURCE_CURRENT_STATE_GROUP = "chime_source_current_state"
SOURCE_ORDERS_ONLY_GROUP = "chime_source_orders_only"
SKIPPED_REGION_GROUP_PREFIX = "chime_skipped_region_"
# The default groups of a number, by prefix (see default_group_names).
DEFAULT_GROUP_PREFIXES = ("chime_number_", "chime_order_", "chime_product_", "chime_account_")
# chime_account_<status> for a number the account no longer holds (no PhoneNumberStatus has this name).
ACCOUNT_ABSENT_GROUP = "chime_account_absent"


# chime_listed_at_<UTC time of the listing, as 20261201T024151Z>: when the data a source shows was listed
# (a cached listing keeps the time it was made), so that a compliance check can refuse stale data.
LISTED_AT_GROUP_PREFIX = "chime_listed_at_"
LISTED_AT_FORMAT = "%Y%m%dT%H%M%SZ"


def listed_at_group(epoch_seconds):
    """The marker group of a listing made at ``epoch_seconds``: chime_listed_at_20261201T024151Z."""
    return LISTED_AT_GROUP_PREFIX + time.strftime(LISTED_AT_FORMAT, time.gmtime(epoch_seconds))


def skipped_region_group(region):
    """The marker group of a skipped region: chime_skipped_region_us_east_1."""
    return SKIPPED_REGION_GROUP_PREFIX + (group_name_part(region) or "unknown")


def default_group_names(entry, current_state=False):
    """The groups a phone number entry belongs to by default, in a stable order."""
    names = []
    for prefix, key in (
        ("chime_number_", "status"),
        ("chime_order_", "order_status"),
        ("chime_product_", "product_type"),
    ):
        part = group_name_part(entry.get(key))
        if part is not None:
            names.append(prefix + part)
    if current_state:
        part = group_name_part(entry.get("account_status"))
        names.append("chime_account_" + part if part is not None else ACCOUNT_ABSENT_GROUP)
    return names


def host_variables(entry, prefix=DEFAULT_HOSTVARS_PREFIX, region=None, api="chime", current_state=False):
    """The host variables of one phone number entry, names prefixed with ``prefix``.

    ``chime_sdk_voice`` hosts also get ``order_type`` (None when the service did not send it,
    so templates can rely on the variable existing) and ``region``; with ``current_state``,
    ``account_status``, ``phone_number_id`` and ``deletion_timestamp``.
    """
    hostvars = {}
    for entry_key, name in _HOSTVAR_NAMES:
        hostvars[prefix + name] = entry.get(entry_key)
    if current_state:
        for entry_key, name in _ACCOUNT_HOSTVAR_NAMES:
            hostvars[prefix + name] = entry.get(entry_key)
    if api == "chime_sdk_voice":
        hostvars[prefix + "order_type"] = entry.get("order_type")
        hostvars[prefix + "region"] = region
    return hostvars


def entry_from_hostvars(variables, prefix=DEFAULT_HOSTVARS_PREFIX):
    """The per-number entry a host of this plugin was built from, or None for a host that is not
    one of ours (another source added it)."""
    if not variables or (prefix + "e164_phone_number") not in variables:
        return None
    entry = dict((entry_key, variables.get(prefix + name)) for entry_key, name in _HOSTVAR_NAMES)
    for entry_key, name in _ACCOUNT_HOSTVAR_NAMES:
        if (prefix + name) in variables:
            entry[entry_key] = variables.get(prefix + name)
    return entry


def replaces(entry, existing):
    """True when ``entry`` should replace ``existing`` for the same number (another source, or
    another account or region, already reported it): its order was updated more recently. On a
    tie the number keeps what it has. Group membership never decides; the latest order does."""
    return order_rank(entry) > order_rank(existing)


def _order_from_entry(entry):
    # A one-number order that phone_number_entry() turns back into exactly ``entry``, so the
    # winners of several regions can be ranked by latest_status_by_number() itself: the rule
    # stays in one place (orders.py) instead of being copied here.
    order = {
        "phone_number_order_id": entry["phone_number_order_id"],
        "status": entry["order_status"],
        "product_type": entry["product_type"],
        "created_timestamp": entry["created_timestamp"],
        "updated_timestamp": entry["updated_timestamp"],
        "ordered_phone_numbers": [{"e164_phone_number": entry["e164_phone_number"], "status": entry["status"]}],
    }
    if "order_type" in entry:
        order["order_type"] = entry["order_type"]
    return order


def phone_number_hosts(listings, order_status=None, product_type=None, number_status=None, current_state=False):
    """One (entry, region) per distinct E.164 number across all listings, sorted by number.

    ``listings`` is a sequence of (region, raw API orders) or, with ``current_state``, of
    (region, raw API orders, raw API numbers). Within a listing and across listings, the number's
    most recently updated order wins (the module's ``phone_numbers`` rule, applied by
    ``latest_status_by_number``); when two regions hold the very same winning entry, the region
    listed first is reported. ``order_status`` and ``product_type`` filter orders before the rule,
    as the module does; ``number_status`` keeps the numbers whose winning status is one of those.
    With ``current_state`` every entry gets the account's state (``with_account_state``), and the
    numbers the account holds without any listed order become entries too (filtered by
    ``product_type``; ``number_status``, an order status, drops them).
    """
    per_region = []
    numbers_by_region = []
    for listing in listings:
        region, api_orders = listing[0], listing[1]
        orders = filter_orders([order_from_api(api_order) for api_order in api_orders], order_status, product_type)
        per_region.append((region, latest_status_by_number(orders)))
        if current_state:
            numbers_by_region.append((region, listing[2] or []))

    if len(per_region) == 1:
        region, entries = per_region[0]
        hosts = [(entry, region) for entry in entries]
    else:
        regions_by_number = {}
        candidates = []
        for region, entries in per_region:
            for entry in entries:
                regions_by_number.setdefault(entry["e164_phone_number"], []).append((entry, region))
                candidates.append(_order_from_entry(entry))
        hosts = []
        for winner in latest_status_by_number(candidates):
            region = next(region for entry, region in regions_by_number[winner["e164_phone_number"]] if entry == winner)
            hosts.append((winner, region))

    if current_state:
        region_of = dict((entry["e164_phone_number"], region) for entry, region in hosts)
        all_numbers = []
        for region, api_numbers in numbers_by_region:
            for api_number in api_numbers:
                all_numbers.append(api_number)
                # A number held without an order is reported in the first region that holds it.
                region_of.setdefault(api_number.get("E164PhoneNumber"), region)
        products = set(product_type or ())
        merged = []
        for entry in with_account_state([entry for entry, _region in hosts], all_numbers):
            if entry.get("phone_number_order_id") is None and products and entry.get("product_type") not in products:
                continue
            merged.append((entry, region_of.get(entry["e164_phone_number"])))
        hosts = merged

    if not number_status:
        return hosts
    statuses = set(number_status)
    return [(entry, region) for entry, region in hosts if entry["status"] in statuses]


def cache_key_suffix(
    api, regions, profile=None, assume_role_arn=None, endpoint_url=None, access_key=None, current_state=False
):
    """A digest of everything that changes what the API returns.

    The page size and the filters do not change the raw listing, so they are not part of it.
    The access key id tells accounts apart when no profile is used; it is hashed with the
    rest, and secrets (secret key, session token) are never part of the key.
    """
    material = json.dumps(
        {
            "format": CACHE_FORMAT,
            "api": api,
            "regions": sorted(regions or ()),
            "profile": profile or None,
            "assume_role_arn": assume_role_arn or None,
            "endpoint_url": (endpoint_url or "").rstrip("/") or None,
            "access_key": access_key or None,
            "current_state": bool(current_state),
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def cached_listing(api, listings, skipped=(), current_state=False, listed_at=None):
    """The value stored in the inventory cache: the raw listing per region, no credentials.

    ``listings`` as for phone_number_hosts. ``skipped`` holds (region, message) for regions left
    out with ``strict: false`` so a cached run warns about them (and marks them) again.
    ``listed_at`` (epoch seconds, default now) is when the listing was made: a cached run reports
    that time, never its own.
    """
    # str(): option values may be str subclasses carrying Ansible's data tags, which the
    # cache would otherwise store as tagged objects.
    entries = []
    for listing in listings:
        entry = {"region": str(listing[0]), "orders": listing[1]}
        if current_state:
            entry["numbers"] = listing[2]
        entries.append(entry)
    return {
        "format": CACHE_FORMAT,
        "api": str(api),
        "current_state": bool(current_state),
        "listed_at": float(time.time() if listed_at is None else listed_at),
        "listings": entries,
        "skipped": [{"region": str(region), "message": str(message)} for region, message in skipped],
    }


class InvalidCacheError(ValueError):
    """A cache entry that is not a listing this version wrote, or whose pages fail the API's shape checks."""


def listings_from_cache(value, api, current_state=False):
    """(listings, skipped, listed_at) from a cached value.

    Cached data is as untrusted as an API page (a cache file can be edited or corrupted): every
    listing is checked with the same shape checks as the API's pages. Raises InvalidCacheError
    saying what is wrong; the plugin then lists again instead of failing on every run.
    """
    if not isinstance(value, dict) or value.get("format") != CACHE_FORMAT:
        raise InvalidCacheError("it was written by another version of the plugin")
    if value.get("api") != api or bool(value.get("current_state")) != bool(current_state):
        raise InvalidCacheError("it was written for other options")
    listings = value.get("listings")
    skipped = value.get("skipped") or []
    if not isinstance(listings, list) or not isinstance(skipped, list):
        raise InvalidCacheError("listings or skipped is not a list")
    listed_at = value.get("listed_at")
    if (
        isinstance(listed_at, bool)
        or not isinstance(listed_at, (int, float))
        or not math.isfinite(listed_at)
        or listed_at <= 0
    ):
        raise InvalidCacheError("it does not say when it was listed")
    result = []
    try:
        for item in listings:
            if not isinstance(item, dict) or not isinstance(item.get("region"), str):
                raise InvalidCacheError("a listing without a region name")
            validate_list_page({"PhoneNumberOrders": item.get("orders")})
            if current_state:
                validate_numbers_page({"PhoneNumbers": item.get("numbers")})
                result.append((item["region"], item["orders"], item["numbers"]))
            else:
                result.append((item["region"], item["orders"]))
        parts = []
        for item in skipped:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("region"), str)
                or not isinstance(item.get("message"), str)
            ):
                raise InvalidCacheError("a skipped region entry that is not {region, message} text")
            parts.append((item["region"], item["message"]))
    except MalformedResponseError as error:
        raise InvalidCacheError(error.message.replace("returned a page with", "has"))
    return result, parts, float(listed_at)
