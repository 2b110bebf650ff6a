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
import re

from ansible_collections.voiceops.chime.plugins.module_utils.listing import API_CHOICES
from ansible_collections.voiceops.chime.plugins.module_utils.listing import LEGACY_REGION
from ansible_collections.voiceops.chime.plugins.module_utils.listing import InvalidOptionError
from ansible_collections.voiceops.chime.plugins.module_utils.orders import camel_to_snake
from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api

DEFAULT_HOSTVARS_PREFIX = "chime_"

# Bumped whenever the cached value's shape changes, so an old cache entry is never misread.
CACHE_FORMAT = 1

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

_VARIABLE_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*)?$")
_NOT_GROUP_CHARACTER = re.compile(r"[^a-z0-9]+")


def validate_hostvars_prefix(prefix):
    """Return the prefix if every host variable built with it is a valid variable name."""
    if prefix is None:
        return ""
    if not isinstance(prefix, str) or not _VARIABLE_PREFIX.match(prefix):
        raise InvalidOptionError(
            "hostvars_prefix must be empty or start with a letter or '_' and hold only letters, digits and '_', "
            "got {0!r}".format(prefix))
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
    botocore knows for the service (``available_regions``, a callable, only called then).
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
        return resolved
    if region:
        return [region]
    resolved = sorted(available_regions()) if available_regions is not None else []
    if not resolved:
        raise InvalidOptionError("api=chime_sdk_voice needs regions (or region / AWS_REGION) to list")
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


def default_group_names(entry):
    """The groups a phone number entry belongs to by default, in a stable order."""
    names = []
    for prefix, key in (("chime_number_", "status"), ("chime_order_", "order_status"),
                        ("chime_product_", "product_type")):
        part = group_name_part(entry.get(key))
        if part is not None:
            names.append(prefix + part)
    return names


def host_variables(entry, prefix=DEFAULT_HOSTVARS_PREFIX, region=None, api="chime"):
    """The host variables of one phone number entry, names prefixed with ``prefix``.

    ``chime_sdk_voice`` hosts also get ``order_type`` (None when the service did not send it,
    so templates can rely on the variable existing) and ``region``.
    """
    hostvars = {}
    for entry_key, name in _HOSTVAR_NAMES:
        hostvars[prefix + name] = entry.get(entry_key)
    if api == "chime_sdk_voice":
        hostvars[prefix + "order_type"] = entry.get("order_type")
        hostvars[prefix + "region"] = region
    return hostvars


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


def phone_number_hosts(listings, order_status=None, product_type=None, number_status=None):
    """One (entry, region) per distinct E.164 number across all listings, sorted by number.

    ``listings`` is a sequence of (region, raw API orders). Within a listing and across
    listings, the number's most recently updated order wins (the module's ``phone_numbers``
    rule, applied by ``latest_status_by_number``); when two regions hold the very same winning
    entry, the region listed first is reported. ``order_status`` and ``product_type`` filter
    orders before the rule, as the module does; ``number_status`` keeps the numbers whose
    winning status is one of those.
    """
    per_region = []
    for region, api_orders in listings:
        orders = filter_orders([order_from_api(api_order) for api_order in api_orders],
                               order_status, product_type)
        per_region.append((region, latest_status_by_number(orders)))

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
            region = next(region for entry, region in regions_by_number[winner["e164_phone_number"]]
                          if entry == winner)
            hosts.append((winner, region))

    if not number_status:
        return hosts
    statuses = set(number_status)
    return [(entry, region) for entry, region in hosts if entry["status"] in statuses]


def cache_key_suffix(api, regions, profile=None, assume_role_arn=None, endpoint_url=None, access_key=None):
    """A digest of everything that changes which orders the API returns.

    The page size and the filters do not change the raw listing, so they are not part of it.
    The access key id tells accounts apart when no profile is used; it is hashed with the
    rest, and secrets (secret key, session token) are never part of the key.
    """
    material = json.dumps({
        "format": CACHE_FORMAT,
        "api": api,
        "regions": sorted(regions or ()),
        "profile": profile or None,
        "assume_role_arn": assume_role_arn or None,
        "endpoint_url": (endpoint_url or "").rstrip("/") or None,
        "access_key": access_key or None,
    }, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def cached_listing(api, listings, skipped=()):
    """The value stored in the inventory cache: the raw listing per region, no credentials.

    ``skipped`` holds (region, message) for regions left out with ``strict: false`` so a
    cached run warns about them again.
    """
    # str(): option values may be str subclasses carrying Ansible's data tags, which the
    # cache would otherwise store as tagged objects.
    return {
        "format": CACHE_FORMAT,
        "api": str(api),
        "listings": [{"region": str(region), "orders": api_orders} for region, api_orders in listings],
        "skipped": [{"region": str(region), "message": str(message)} for region, message in skipped],
    }


def listings_from_cache(value, api):
    """(listings, skipped) from a cached value, or None if it is not one this version wrote."""
    if not isinstance(value, dict) or value.get("format") != CACHE_FORMAT or value.get("api") != api:
        return None
    listings = value.get("listings")
    skipped = value.get("skipped") or []
    if not isinstance(listings, list) or not isinstance(skipped, list):
        return None
    try:
        return ([(item["region"], item["orders"]) for item in listings],
                [(item["region"], item["message"]) for item in skipped])
    except (KeyError, TypeError):
        return None
