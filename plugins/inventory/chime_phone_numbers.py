# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: chime_phone_numbers
short_description: Amazon Chime ordered phone numbers as inventory hosts
version_added: 0.1.0
description:
  - Lists the phone number orders of an AWS account with C(ListPhoneNumberOrders) and adds one host per distinct
    E.164 number, named by that number (for example C(+12065550100)).
  - With O(current_state=true), also lists the account's numbers as they are now (C(ListPhoneNumbers)), concurrently,
    and gives every host the account's status of its number (C(chime_account_status)) and the group
    C(chime_account_<status>) (C(chime_account_absent) for a number the account no longer holds). Numbers the account
    holds that no order contains become hosts too.
  - Each number takes its status from the most recently updated order that contains it, the same rule as the
    C(phone_numbers) result of M(voiceops.chime.chime_phone_number_order_info), so a number that failed in an old
    order and was acquired in a newer one is C(Acquired).
  - 'Hosts are grouped by default into C(chime_number_<status>) (for example C(chime_number_acquired)),
    C(chime_order_<status>) and C(chime_product_<type>), the service values in lower snake case
    (C(VoiceConnector) becomes C(chime_product_voice_connector)).'
  - Every host is also in the group C(chime_phone_numbers), which exists (possibly empty) whenever the listing
    succeeded, so a playbook can tell an account without orders from a source that failed to load.
  - 'Each source also leaves marker groups without hosts: C(chime_source_current_state) or C(chime_source_orders_only)
    (whether it listed the account''s current numbers), C(chime_skipped_region_<region>) for every region skipped
    with O(strict=false), and C(chime_listed_at_<UTC time>) (for example C(chime_listed_at_20261201T024151Z)), when
    the data it shows was listed; a run answered from the cache shows the time of the cached listing. The
    C(voiceops.chime.assert_numbers_acquired) role reads them, so that it never passes on a listing that skipped
    part of the account, lacked the current state or is older than its C(assert_numbers_acquired_max_age).'
  - When several sources (files, accounts, regions) report one number, the host keeps the values and default
    groups of the most recently updated order, whichever source reported it first.
  - Every value from the service or the cache reaches Ansible as unsafe text, never as a template, on every
    supported ansible-core.
  - Every host gets C(ansible_connection=local), since a phone number is not a machine to log in to; O(compose)
    can set another value.
  - The configuration file name must end with C(chime_phone_numbers.yml) or C(chime_phone_numbers.yaml).
  - With O(cache=true), the raw API listing is cached under a key made of everything that changes it (O(api),
    the regions, O(profile), the access key id, O(assume_role_arn), O(endpoint_url)), so changing any of them never
    serves another account's or region's answer. The filters, O(hostvars_prefix) and the constructed options are
    applied after the cache, so changing them needs no new API calls. C(--flush-cache) lists again.
author:
  - voiceops.chime contributors (@voiceops)
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
options:
  plugin:
    description: The name of this plugin; it marks the file as a configuration for it.
    required: true
    type: str
    choices: [voiceops.chime.chime_phone_numbers]
  api:
    description:
      - Which API namespace to list.
      - V(chime_sdk_voice) is Amazon Chime SDK Voice, the namespace AWS develops. It is regional; every region in
        O(regions) is listed, at the same time, and each host gets C(chime_region) and C(chime_order_type). A region
        in which botocore knows no C(chime-sdk-voice) endpoint fails the source before any call.
      - V(chime) is the legacy Amazon Chime namespace, whose service reached end of support on 2026-02-20; the
        source warns every time it is used. It is global, so it is listed exactly once (signed for C(us-east-1)) and
        O(regions) and O(region) are ignored.
    type: str
    choices: [chime, chime_sdk_voice]
    default: chime_sdk_voice
  regions:
    description:
      - The regions to list with O(api=chime_sdk_voice), fetched concurrently.
      - When empty, O(region) (or C(AWS_REGION)) is used, and when that is unset too, every region botocore knows
        for C(chime-sdk-voice).
      - A number ordered in several regions is one host, from its most recently updated order.
    type: list
    elements: str
    default: []
  order_status:
    description:
      - Keep only orders whose status is one of these (for example V(Successful), V(Partial), V(Failed),
        V(Processing)), before the latest-order rule. Compared exactly as the service spells them.
    type: list
    elements: str
  product_type:
    description:
      - Keep only orders of these product types (for example V(VoiceConnector), V(BusinessCalling),
        V(SipMediaApplicationDialIn)), before the latest-order rule.
    type: list
    elements: str
  current_state:
    description:
      - Also list the account's numbers as they are now with C(ListPhoneNumbers) (needs the IAM action
        C(chime:ListPhoneNumbers)), and add C(account_status), C(phone_number_id) and C(deletion_timestamp) host
        variables (with O(hostvars_prefix)) and the C(chime_account_<status>) groups (for example
        C(chime_account_unassigned), C(chime_account_delete_in_progress)).
      - Needed by the C(voiceops.chime.assert_numbers_acquired) role with C(source=inventory), which judges the
        account as it is now by default.
    type: bool
    default: false
    version_added: 0.2.0
  number_status:
    description:
      - Keep only numbers whose status in their latest order is one of these (V(Acquired), V(Processing),
        V(Failed)).
    type: list
    elements: str
  strict:
    description:
      - V(true) makes two kinds of problem fail the inventory source instead of being passed over.
      - 'A region that denies the listing (HTTP 401/403): with V(false) and several regions, it is skipped with a
        warning and the marker group C(chime_skipped_region_<region>) (the C(voiceops.chime.assert_numbers_acquired)
        role then fails, naming it); with V(true) the source fails.'
      - 'An expression in O(compose), O(groups) or O(keyed_groups) that cannot be evaluated for a host: with V(false)
        it is ignored for that host, as in every constructed inventory plugin; with V(true) the source fails.'
      - Every other listing failure (throttling past the retry budget, a malformed page, a repeated C(NextToken))
        always fails the source, whatever this says.
    type: bool
    default: false
  hostvars_prefix:
    description:
      - The prefix of every host variable this plugin sets (C(ansible_connection) aside).
      - With the default the variables are C(chime_e164_phone_number), C(chime_number_status),
        C(chime_phone_number_order_id), C(chime_order_status), C(chime_product_type), C(chime_created_timestamp),
        C(chime_updated_timestamp), and for O(api=chime_sdk_voice) also C(chime_order_type) and C(chime_region).
      - May be empty; otherwise it must start with a letter or C(_) and hold only letters, digits and C(_).
    type: str
    default: chime_
  page_size:
    description:
      - The C(MaxResults) sent with each list call. Defaults to the API's maximum (99 for V(chime), 100 for
        V(chime_sdk_voice)), which makes the fewest round trips.
    type: int
  max_attempts:
    description:
      - How many times one API call is tried before the inventory source fails, counting the first try. From 1 to
        100.
      - Applies to throttling (HTTP 429), HTTP 500/502/503/504, timeouts, connection errors and malformed pages.
        HTTP 401/403 and other 4xx errors are never retried.
    type: int
    default: 8
  retry_base_delay:
    description:
      - Base of the exponential backoff, in seconds. Retry n waits a random time between 0 and
        C(min(retry_max_delay, retry_base_delay * 2**n)). A finite number from 0 to 600.
    type: float
    default: 0.5
  retry_max_delay:
    description:
      - The longest single wait between two tries, in seconds (35.5 seconds in all for one call with the defaults).
        A finite number from 0 to 600.
    type: float
    default: 10.0
notes:
  - Needs the IAM action C(chime:ListPhoneNumberOrders) (both namespaces use the C(chime) IAM prefix),
    C(chime:ListPhoneNumbers) with O(current_state=true), and C(sts:AssumeRole) with O(assume_role_arn).
  - A denied call (HTTP 401/403) fails the inventory source with the error code and the IAM action. With
    O(strict=false) (the default of O(strict)) and several regions, a region that denies the call is skipped with a
    warning and the marker group C(chime_skipped_region_<region>), and the other regions still load; when every
    region denies it, the source fails. The role fails on a skipped region.
    Any other failure (throttling beyond O(max_attempts), a malformed page, a repeated C(NextToken)) always fails
    the source, so a partial listing is never shown as the whole inventory.
  - Timestamps are the exact ISO 8601 strings the service sent.
  - A cached run makes no AWS calls at all, not even the O(assume_role_arn) one. The cache holds the raw orders
    (and numbers) only, never credentials. A cache entry is checked like an API page; one that fails the check
    is listed again, with a warning, instead of failing every run until C(--flush-cache).
  - C(ansible-inventory) and C(ansible-playbook) only warn when an inventory source fails; set
    C(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (or C(unparsed_is_failed) in C(ansible.cfg)) to make a failed listing
    fail the command, which a pipeline usually wants.
seealso:
  - module: voiceops.chime.chime_phone_number_order_info
  - name: ListPhoneNumberOrders API reference
    description: The Amazon Chime SDK Voice API call this plugin wraps.
    link: https://docs.aws.amazon.com/chime-sdk/latest/APIReference/API_voice-chime_ListPhoneNumberOrders.html
"""

EXAMPLES = r"""
# chime_phone_numbers.yml: every number ordered in the legacy Amazon Chime namespace,
# with the credentials of the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...).
plugin: voiceops.chime.chime_phone_numbers

---

# prod.chime_phone_numbers.yaml: Chime SDK Voice in two regions, through a role, cached for an hour,
# with a group per region and the numbers that are not acquired in their own group.
plugin: voiceops.chime.chime_phone_numbers
api: chime_sdk_voice
regions:
  - us-east-1
  - us-west-2
assume_role_arn: arn:aws:iam::123456789012:role/chime-inventory-read
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
strict: false
keyed_groups:
  - key: chime_region
    prefix: chime_region
groups:
  chime_needs_attention: chime_number_status != 'Acquired'
compose:
  number_digits: chime_e164_phone_number[1:]

---

# Only VoiceConnector numbers, against the local emulator, without a prefix on the variables.
plugin: voiceops.chime.chime_phone_numbers
endpoint_url: http://127.0.0.1:8080
product_type:
  - VoiceConnector
hostvars_prefix: ""
"""

import concurrent.futures
import time

from ansible.errors import AnsibleError

from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase

from ansible_collections.voiceops.chime.plugins.module_utils.inventory import ALL_NUMBERS_GROUP
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import DEFAULT_GROUP_PREFIXES
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import SOURCE_CURRENT_STATE_GROUP
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import SOURCE_ORDERS_ONLY_GROUP
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import InvalidCacheError
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import cache_key_suffix
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import cached_listing
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import default_group_names
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import entry_from_hostvars
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import host_variables
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import listed_at_group
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import listings_from_cache
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import phone_number_hosts
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import replaces
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import resolve_regions
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import skipped_region_group
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import validate_hostvars_prefix
from ansible_collections.voiceops.chime.plugins.module_utils.inventory import validate_string_list
from ansible_collections.voiceops.chime.plugins.module_utils.listing import LEGACY_API_WARNING
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeAccessDeniedError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeApiError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import RetryPolicy
from ansible_collections.voiceops.chime.plugins.module_utils.listing import chime_sdk_voice_regions
from ansible_collections.voiceops.chime.plugins.module_utils.listing import create_client
from ansible_collections.voiceops.chime.plugins.module_utils.listing import list_account
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_api
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_endpoint_url
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_page_size
from ansible_collections.voiceops.chime.plugins.module_utils.redact import redact_text
from ansible_collections.voiceops.chime.plugins.plugin_utils.unsafe import make_unsafe

# Regions are I/O bound (one HTTP round trip per page); more threads than this only adds
# throttling pressure on the account.
MAX_REGION_WORKERS = 8


class _RegionClientSource:
    """What listing.create_client() needs (``region``, ``endpoint_url``, ``client()``), for one region.

    Going through create_client() keeps the module's client settings (botocore retries off, our
    retry loop on, timestamps kept as text) in one place for both entry points.
    """

    def __init__(self, plugin, region):
        self.region = region
        self.endpoint_url = plugin.get_option("endpoint_url")
        self._plugin = plugin

    def client(self, service, **kwargs):
        return self._plugin.client(service, **kwargs)


def _list_region(client, api, page_size, policy, current_state):
    """(api_orders, api_numbers) of one region, or the ChimeApiError that stopped the listing."""
    try:
        listing = list_account(client, api, page_size=page_size, policy=policy, current_state=current_state)
    except ChimeApiError as error:
        return None, error
    return (listing.api_orders, listing.api_numbers), None


class InventoryModule(AWSInventoryBase):
    NAME = "voiceops.chime.chime_phone_numbers"
    INVENTORY_FILE_SUFFIXES = ("chime_phone_numbers.yml", "chime_phone_numbers.yaml")

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._cache_key_suffix = None

    def _do_fail(self, message):
        raise AnsibleError("{0}: {1}".format(self.NAME, redact_text(message)))

    def warn(self, message):
        # Every warning passes here: no URL credentials, whatever the message quotes.
        super(InventoryModule, self).warn(redact_text(message))

    def _set_frozen_credentials(self):
        # AWSInventoryBase.parse() assumes the role at once; defer it to _fetch_listings() so a
        # run answered from the cache makes no AWS call at all.
        pass

    def get_cache_key(self, path):
        # The core key only tells config files apart; ours also changes with every option that
        # changes the API's answer (see cache_key_suffix), hashed so no value shows in clear.
        return "{0}_{1}".format(super(InventoryModule, self).get_cache_key(path), self._cache_key_suffix)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        settings = self._read_settings()
        self._cache_key_suffix = cache_key_suffix(
            settings["api"],
            settings["regions"],
            profile=self.get_option("profile"),
            assume_role_arn=self.get_option("assume_role_arn"),
            endpoint_url=self.get_option("endpoint_url"),
            access_key=None if self.get_option("profile") else self.get_option("access_key"),
            current_state=settings["current_state"],
        )

        cached = None
        result_was_cached, cache_value = self.get_cached_result(path, cache)
        if result_was_cached:
            try:
                cached = listings_from_cache(cache_value, settings["api"], settings["current_state"])
            except InvalidCacheError as error:
                self.warn("{0}: the cached listing cannot be used ({1}); listing again".format(self.NAME, error))
        if cached is not None:
            listings, skipped, listed_at = cached
            for region, message in skipped:
                self.warn(
                    "{0}: region {1} was skipped when this cached listing was made: {2}".format(
                        self.NAME, region, message
                    )
                )
        else:
            listed_at = time.time()
            listings, skipped = self._fetch_listings(settings)

        self._populate(listings, skipped, settings, listed_at)
        if cached is None:
            # update_cached_result() keeps an existing entry while cache is true; a cached value
            # this version cannot read must be replaced, hence cache=False for it.
            self.update_cached_result(
                path,
                cache and not result_was_cached,
                cached_listing(settings["api"], listings, skipped, settings["current_state"], listed_at),
            )

    def _read_settings(self):
        """Every option checked before any API call or cache lookup."""
        try:
            api = validate_api(self.get_option("api"))
            regions = self.get_option("regions")
            # Only asked for when it is used: resolving it may read the AWS config files.
            region = self.region if api == "chime_sdk_voice" and not regions else None
            validate_endpoint_url(self.get_option("endpoint_url"))
            settings = dict(
                api=api,
                regions=resolve_regions(api, regions, region, available_regions=chime_sdk_voice_regions),
                page_size=validate_page_size(api, self.get_option("page_size")),
                policy=RetryPolicy(
                    self.get_option("max_attempts"),
                    self.get_option("retry_base_delay"),
                    self.get_option("retry_max_delay"),
                ),
                order_status=validate_string_list("order_status", self.get_option("order_status")),
                product_type=validate_string_list("product_type", self.get_option("product_type")),
                number_status=validate_string_list("number_status", self.get_option("number_status")),
                prefix=validate_hostvars_prefix(self.get_option("hostvars_prefix")),
                current_state=bool(self.get_option("current_state")),
                strict=bool(self.get_option("strict")),
                compose=self.get_option("compose"),
                groups=self.get_option("groups"),
                keyed_groups=self.get_option("keyed_groups"),
            )
        except ChimeApiError as error:
            self.fail_aws(error.message)
        if api == "chime":
            self.warn("{0}: {1}".format(self.NAME, LEGACY_API_WARNING))
            if regions:
                self.warn(
                    "{0}: regions is ignored with api=chime: the legacy namespace is global and is listed "
                    "once".format(self.NAME)
                )
        return settings

    def _fetch_listings(self, settings):
        """[(region, raw orders, raw numbers or None)] in the configured region order, and
        [(region, message)] skipped."""
        api = settings["api"]
        super(InventoryModule, self)._set_frozen_credentials()
        # Clients are made here, one after the other: boto3 sessions are not thread-safe, clients are.
        known_regions = chime_sdk_voice_regions()
        try:
            clients = [
                (region, create_client(_RegionClientSource(self, region), api, known_regions))
                for region in settings["regions"]
            ]
        except ChimeApiError as error:
            self.fail_aws(error.message)

        arguments = (api, settings["page_size"], settings["policy"], settings["current_state"])
        if len(clients) == 1:
            region, client = clients[0]
            outcomes = [(region, _list_region(client, *arguments))]
        else:
            workers = min(len(clients), MAX_REGION_WORKERS)
            with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
                futures = [(region, executor.submit(_list_region, client, *arguments)) for region, client in clients]
                outcomes = [(region, future.result()) for region, future in futures]

        listings = []
        skipped = []
        for region, (listed, error) in outcomes:
            if error is None:
                listings.append((region, listed[0], listed[1]) if settings["current_state"] else (region, listed[0]))
                continue
            where = "region {0}: ".format(region) if api == "chime_sdk_voice" else ""
            if isinstance(error, ChimeAccessDeniedError) and not settings["strict"] and len(outcomes) > 1:
                self.warn("{0}: skipped {1}{2}".format(self.NAME, where, error.message))
                skipped.append((region, error.message))
                continue
            self.fail_aws("{0}{1}".format(where, error.message))
        if not listings:
            self.fail_aws(
                "every region denied the listing ({0}); nothing to show".format(
                    "; ".join("{0}: {1}".format(region, message) for region, message in skipped)
                )
            )
        return listings, skipped

    def _claim_host(self, name, entry, prefix):
        """Add the host, or decide against it when another source already reported this number with a
        more recent order. Returns False when the existing host keeps its values."""
        inventory = self.inventory
        host = inventory.get_host(name)
        if host is not None:
            existing = entry_from_hostvars(host.get_vars(), prefix)
            if existing is not None:
                if not replaces(entry, existing):
                    return False
                # This source's order is newer: the host leaves the default groups the older one put it in.
                for group in list(host.get_groups()):
                    if group.name.startswith(DEFAULT_GROUP_PREFIXES):
                        group.remove_host(host)
        inventory.add_host(name)
        return True

    def _populate(self, listings, skipped, settings, listed_at):
        api = settings["api"]
        prefix = settings["prefix"]
        compose = settings["compose"]
        groups = settings["groups"]
        keyed_groups = settings["keyed_groups"]
        strict = settings["strict"]
        current_state = settings["current_state"]
        # Templating every host costs far more than adding it; skip it entirely when the
        # config asks for nothing to be constructed.
        constructed = bool(compose or groups or keyed_groups)

        inventory = self.inventory
        add_child = inventory.add_child
        set_variable = inventory.set_variable
        # Always present, even for an account with no orders: its presence tells consumers (the
        # assert_numbers_acquired role) that this source loaded, so a failed listing, which
        # ansible-inventory only warns about, is never judged as "no numbers ordered".
        inventory.add_group(ALL_NUMBERS_GROUP)
        inventory.add_group(SOURCE_CURRENT_STATE_GROUP if current_state else SOURCE_ORDERS_ONLY_GROUP)
        for region, _message in skipped:
            inventory.add_group(skipped_region_group(region))
        inventory.add_group(listed_at_group(listed_at))
        known_groups = set((ALL_NUMBERS_GROUP,))
        hosts = phone_number_hosts(
            listings, settings["order_status"], settings["product_type"], settings["number_status"], current_state
        )
        for entry, region in hosts:
            # Service data: never a template (ansible-core < 2.19 would run Jinja in it).
            name = make_unsafe(entry["e164_phone_number"])
            if not self._claim_host(name, entry, prefix):
                continue
            add_child(ALL_NUMBERS_GROUP, name)
            for group in default_group_names(entry, current_state):
                if group not in known_groups:
                    inventory.add_group(group)
                    known_groups.add(group)
                add_child(group, name)
            hostvars = make_unsafe(host_variables(entry, prefix, region=region, api=api, current_state=current_state))
            hostvars["ansible_connection"] = "local"
            for varname, value in hostvars.items():
                set_variable(name, varname, value)
            if constructed:
                # The constructed options are the user's own templates; the data they read is unsafe.
                self._set_composite_vars(compose, hostvars, name, strict=strict)
                self._add_host_to_composed_groups(groups, hostvars, name, strict=strict)
                self._add_host_to_keyed_groups(keyed_groups, hostvars, name, strict=strict)
