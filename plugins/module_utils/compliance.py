# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The judge: per-number facts + the expected list -> a compliance result. Pure and linear.

Used by the ``voiceops.chime.number_compliance`` filter (and through it by the
``voiceops.chime.assert_numbers_acquired`` role) and by the report builders in ``reports.py``.
Nothing here imports Ansible, so every rule is unit- and property-testable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time
from collections.abc import Mapping

from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import FAILED_STATUSES
from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import HELD_STATUSES
from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import IN_PROGRESS_STATUSES
from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import RELEASING_STATUSES
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164
from ansible_collections.voiceops.chime.plugins.module_utils.kinds import describe_value
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_ACQUIRED
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_PROCESSING
from ansible_collections.voiceops.chime.plugins.module_utils.orders import timestamp_sort_key

DEFAULT_HOSTVARS_PREFIX = "chime_"
# The voiceops.chime.chime_phone_numbers inventory plugin's default groups are
# chime_number_<status in lower snake case> and, with current_state, chime_account_<status>,
# whatever its hostvars_prefix.
INVENTORY_NUMBER_GROUP_PREFIX = "chime_number_"
INVENTORY_ACCOUNT_GROUP_PREFIX = "chime_account_"
INVENTORY_HELD_GROUPS = ("chime_account_unassigned", "chime_account_assigned")
# Marker groups (without hosts) the inventory plugin leaves: that a source loaded, whether it listed the
# account's current numbers, and which regions it skipped (chime_skipped_region_us_west_2).
INVENTORY_LOADED_GROUP = "chime_phone_numbers"
INVENTORY_CURRENT_STATE_GROUP = "chime_source_current_state"
INVENTORY_ORDERS_ONLY_GROUP = "chime_source_orders_only"
INVENTORY_SKIPPED_REGION_PREFIX = "chime_skipped_region_"
INVENTORY_LISTED_AT_PREFIX = "chime_listed_at_"
INVENTORY_LISTED_AT_FORMAT = "%Y%m%dT%H%M%SZ"
# The categories an expected number can fall in; every expected number is in exactly one.
EXPECTED_CATEGORIES = ("acquired", "released", "failed", "processing", "missing")
# Listing filters that hide orders or numbers: a verdict on a filtered listing would judge part of
# the account (a number whose latest order is filtered out would be judged by an older one).
LISTING_FILTERS = ("phone_numbers", "order_status", "product_type", "phone_number_order_ids")
# How many offending numbers a message lists before it says "... and N more". A CI log or an
# assert message with 10,000 lines helps nobody; the reports carry the complete lists.
DEFAULT_MAX_LISTED = 50
# How many invalid expected entries one error names (a pasted spreadsheet can be all junk).
MAX_INVALID_LISTED = 10


class InvalidNumberFactsError(ValueError):
    """The per-number facts given to the judge are not in a shape it understands."""


class InvalidCheckError(ValueError):
    """A combination of inputs that would make the verdict meaningless (for example a filtered listing)."""


class InvalidExpectedError(InvalidPhoneNumberError):
    """The expected list is not a list, or holds entries that are not E.164 numbers.

    ``invalid`` holds ``(index, value, reason)`` for every bad entry, in list order.
    """

    def __init__(self, invalid, message=None):
        self.invalid = invalid
        if message is None:
            message = _invalid_expected_message(invalid)
        first_value, first_reason = (invalid[0][1], invalid[0][2]) if invalid else (None, message)
        # Keep InvalidPhoneNumberError's attributes (value/reason) for callers that read them,
        # but with a message that names every bad entry and its position.
        super(InvalidExpectedError, self).__init__(first_value, first_reason)
        self.args = (message,)


def _invalid_expected_message(invalid):
    listed = "; ".join(
        "item {0} {1!r}: {2}".format(index, value, reason) for index, value, reason in invalid[:MAX_INVALID_LISTED]
    )
    more = len(invalid) - MAX_INVALID_LISTED
    if more > 0:
        listed += "; ... and {0} more".format(more)
    noun = "entry" if len(invalid) == 1 else "entries"
    return "expected list has {0} invalid {1} (E.164 numbers look like '+12065550100'): {2}".format(
        len(invalid), noun, listed
    )


def normalize_expected(expected):
    """Return (numbers, duplicates): the distinct normalised numbers in first-seen order, and the
    numbers given more than once (sorted). Raises InvalidExpectedError naming every bad entry.
    Positions in its message count from 1, as people count list items."""
    if expected is None or isinstance(expected, (str, bytes, Mapping)) or not hasattr(expected, "__iter__"):
        raise InvalidExpectedError(
            [], "expected numbers must be a list of E.164 numbers, got {0}".format(describe_value(expected))
        )
    seen = set()
    numbers = []
    duplicates = set()
    invalid = []
    for index, value in enumerate(expected):
        try:
            number = normalize_e164(value)
        except InvalidPhoneNumberError as error:
            invalid.append((index + 1, value, error.reason))
            continue
        if number in seen:
            duplicates.add(number)
        else:
            seen.add(number)
            numbers.append(number)
    if invalid:
        raise InvalidExpectedError(invalid)
    return numbers, sorted(duplicates)


def validate_check_inputs(expected, fail_on_unexpected=False, listing_options=None):
    """The one rule for what makes a check meaningful, used by every entry point (the module's
    ``expected``, the compliance action, the filter, the role). Returns normalize_expected(expected).

    - every expected entry is an E.164 number (InvalidExpectedError names each bad one);
    - an empty list checks nothing, so it is refused unless ``fail_on_unexpected`` (then the check
      asserts that the account holds no number at all);
    - a listing narrowed by a filter (``listing_options`` holding any of LISTING_FILTERS with a
      value) is refused: it hides orders and numbers, so a number whose latest order was filtered
      out would be judged by an older one, and unexpected numbers would go unseen.
    """
    numbers, duplicates = normalize_expected(expected)
    if not numbers and not fail_on_unexpected:
        raise InvalidExpectedError(
            [],
            "expected is empty: an empty list would check nothing; give the numbers "
            "that must be acquired (or set fail_on_unexpected to require that the "
            "account holds no number)",
        )
    narrowing = [name for name in LISTING_FILTERS if (listing_options or {}).get(name)]
    if narrowing:
        raise InvalidCheckError(
            "{0} cannot be combined with expected: a check judges every order and number of the account, and a "
            "filter would hide some (a number whose latest order is filtered out would be judged by an older "
            "one)".format(", ".join(narrowing))
        )
    return numbers, duplicates


class _Fact(object):
    """What the judge knows of one number, read lazily.

    ``e164``, ``status`` (the number's status in its latest order) and, with current state,
    ``account_status`` are read for every entry; the order fields and the deletion timestamp only
    when a number is reported as a problem or appears twice. On ansible-core 2.19+ every read of a
    registered variable's value is a lazy-template access (about 8 us): reading six keys of
    30,000 entries took 1.5 s in a playbook on 2.21, reading two 1.0 s.
    """

    __slots__ = ("e164", "status", "has_account", "account_status", "_entry", "_keys", "_rest")

    # Indexes into the lazily read fields (also reachable by position for callers of 0.1.0).
    _LAZY = ("phone_number_order_id", "order_status", "updated_timestamp", "created_timestamp", "deletion_timestamp")

    def __init__(self, e164, status, entry, keys, has_account=False, account_status=None):
        self.e164 = e164
        self.status = status
        self.has_account = has_account
        self.account_status = account_status
        self._entry = entry
        self._keys = keys
        self._rest = None

    def _field(self, position):
        if self._rest is None:
            entry = self._entry
            self._rest = tuple(entry.get(key) if entry is not None else None for key in self._keys)
        return self._rest[position]

    @property
    def order_id(self):
        return self._field(0)

    @property
    def order_status(self):
        return self._field(1)

    @property
    def updated_timestamp(self):
        return self._field(2)

    @property
    def created_timestamp(self):
        return self._field(3)

    @property
    def deletion_timestamp(self):
        return self._field(4)

    def __getitem__(self, index):
        # (e164, status, order_id, order_status, updated, created), as 0.1.0's tuples.
        values = (
            self.e164,
            self.status,
            self.order_id,
            self.order_status,
            self.updated_timestamp,
            self.created_timestamp,
        )
        return values[index]


_MODULE_KEYS = ("phone_number_order_id", "order_status", "updated_timestamp", "created_timestamp", "deletion_timestamp")


def _fact_fields(entry, prefix, skip_unrecognised):
    """Return a _Fact, or None to skip."""
    if not isinstance(entry, Mapping):
        raise InvalidNumberFactsError("each phone number fact must be a mapping, got {0}".format(describe_value(entry)))
    if "e164_phone_number" in entry:
        # The module's phone_numbers fact.
        has_account = "account_status" in entry
        return _Fact(
            entry["e164_phone_number"],
            entry.get("status"),
            entry,
            _MODULE_KEYS,
            has_account,
            entry.get("account_status") if has_account else None,
        )
    key = prefix + "e164_phone_number"
    if key in entry:
        # Hostvars from the voiceops.chime.chime_phone_numbers inventory plugin.
        account_key = prefix + "account_status"
        has_account = account_key in entry
        return _Fact(
            entry[key],
            entry.get(prefix + "number_status"),
            entry,
            tuple(prefix + name for name in _MODULE_KEYS),
            has_account,
            entry.get(account_key) if has_account else None,
        )
    # Another host of a mixed inventory (hostvars always carry inventory_hostname): not a number.
    if skip_unrecognised or "inventory_hostname" in entry:
        return None
    raise InvalidNumberFactsError(
        "phone number fact has neither 'e164_phone_number' nor '{0}' (pass the module's "
        "phone_numbers, or inventory hostvars): keys {1}".format(key, sorted(str(k) for k in entry)[:10])
    )


def _fact_rank(fact):
    # When one number appears twice (two inventories, two accounts' lists joined), the latest
    # order update wins, as in orders.latest_status_by_number; the rest only breaks ties, so the
    # answer never depends on the order of the input.
    return (
        timestamp_sort_key(fact.updated_timestamp),
        timestamp_sort_key(fact.created_timestamp),
        str(fact.order_id),
        str(fact.status),
        str(fact.order_status),
        str(fact.account_status),
    )


def _canonical_number(value):
    try:
        return normalize_e164(value)
    except InvalidPhoneNumberError:
        # A fact we cannot read as E.164 can never match an expected number; keep it as text
        # so it still shows up (as unexpected) instead of failing the whole check.
        return str(value)


def facts_by_number(phone_numbers, hostvars_prefix=DEFAULT_HOSTVARS_PREFIX):
    """Index per-number facts by E.164 number: ``{e164: _Fact}``.

    Accepts the module's ``phone_numbers`` list, or inventory hostvars either as a list of host
    variable mappings or as a mapping of host name to variables (such as ``hostvars``). In the
    mapping form, hosts without ``<prefix>e164_phone_number`` are other hosts and are skipped.
    """
    if phone_numbers is None:
        return {}
    if isinstance(phone_numbers, Mapping):
        if "e164_phone_number" in phone_numbers or (hostvars_prefix + "e164_phone_number") in phone_numbers:
            raise InvalidNumberFactsError(
                "phone number facts must be a list of entries or a mapping of host to variables, got a single entry"
            )
        entries, skip_unrecognised = (phone_numbers[host] for host in phone_numbers), True
    elif hasattr(phone_numbers, "__iter__") and not isinstance(phone_numbers, (str, bytes)):
        entries, skip_unrecognised = phone_numbers, False
    else:  # a string iterates too, but over characters
        raise InvalidNumberFactsError(
            "phone number facts must be a list or a mapping, got {0}".format(describe_value(phone_numbers))
        )
    indexed = {}
    for entry in entries:
        fact = _fact_fields(entry, hostvars_prefix, skip_unrecognised)
        if fact is None:
            continue
        fact.e164 = _canonical_number(fact.e164)
        current = indexed.get(fact.e164)
        if current is None or _fact_rank(fact) > _fact_rank(current):
            indexed[fact.e164] = fact
    return indexed


def _group_members(groups, names):
    members = set()
    for name in names:
        members.update(groups.get(name) or ())
    return members


def facts_from_inventory_groups(
    hostvars,
    groups,
    expected_numbers,
    fail_on_unexpected=False,
    hostvars_prefix=DEFAULT_HOSTVARS_PREFIX,
    current_state=False,
):
    """Per-number facts from the voiceops.chime.chime_phone_numbers inventory, reading as few
    host variables as possible. Returns (facts as in facts_by_number, count of numbers).

    Ansible computes a host's variables (group vars, vars plugins, ...) on every hostvars access,
    about 0.2 ms a host: 6 s for 30,000 numbers. The inventory plugin already puts each number (a
    host named by its E.164 form) in ``chime_number_<status>`` groups (and, with current state, in
    ``chime_account_<status>`` groups), so a number that is acquired is known from ``groups``
    alone: in ``chime_number_acquired`` (with current state: ``chime_account_unassigned`` or
    ``chime_account_assigned``) and in no other group of that kind. A number in two such groups
    (two sources that disagree) is read from its host variables, which the plugin keeps from the
    most recently updated order; group membership never overrides that. Host variables are read
    only for those, for expected numbers that are not acquired (for their status, order and
    reason) and, with ``fail_on_unexpected``, for the unexpected ones (for their order).
    """
    if not isinstance(hostvars, Mapping):
        raise InvalidNumberFactsError(
            "with groups, the input must be the inventory's hostvars (a mapping of "
            "host name to variables), got {0}".format(describe_value(hostvars))
        )
    if not isinstance(groups, Mapping):
        raise InvalidNumberFactsError(
            "groups must be a mapping of group name to host names, got {0}".format(describe_value(groups))
        )
    number_groups = [str(name) for name in groups if str(name).startswith(INVENTORY_NUMBER_GROUP_PREFIX)]
    account_groups = [str(name) for name in groups if str(name).startswith(INVENTORY_ACCOUNT_GROUP_PREFIX)]
    numbers = _group_members(groups, number_groups + account_groups)
    if current_state:
        good_groups = [name for name in account_groups if name in INVENTORY_HELD_GROUPS]
        other_groups = [name for name in account_groups if name not in INVENTORY_HELD_GROUPS]
    else:
        good_groups = [INVENTORY_NUMBER_GROUP_PREFIX + "acquired"]
        other_groups = [name for name in number_groups if name not in good_groups]
    good = _group_members(groups, good_groups)
    conflicting = good & _group_members(groups, other_groups)
    if current_state:
        # Two held groups at once is a conflict as well (the variables say which is current).
        held_counts = {}
        for name in good_groups:
            for host in groups.get(name) or ():
                held_counts[host] = held_counts.get(host, 0) + 1
        conflicting.update(host for host, count in held_counts.items() if count > 1)
    trusted = good - conflicting
    expected_set = set(expected_numbers)

    def host_fact(host):
        entry = hostvars[host] if host in hostvars else None
        fact = _fact_fields(entry, hostvars_prefix, True) if entry is not None else None
        if fact is None:
            return None
        fact.e164 = _canonical_number(fact.e164)
        return fact

    facts = {}
    assigned = set(groups.get("chime_account_assigned") or ())
    for host in trusted:
        fact = None
        if fail_on_unexpected and host not in expected_set:
            fact = host_fact(host)
        if fact is None:
            # Without the plugin's variables (another source added the host to the group), all we
            # know is what the groups say.
            account_status = ("Assigned" if host in assigned else "Unassigned") if current_state else None
            fact = _Fact(host, NUMBER_ACQUIRED, None, (), current_state, account_status)
        facts[host] = fact
    for host in conflicting:
        fact = host_fact(host)
        if fact is not None:
            facts[fact.e164] = fact
    for e164 in expected_numbers:
        if e164 not in trusted and e164 not in facts:
            fact = host_fact(e164)
            if fact is not None:
                facts[e164] = fact
                numbers.add(e164)
    return facts, len(numbers)


def _account_description(fact):
    if fact.account_status is None:
        return "no longer in the account"
    text = "the account shows it as {0}".format(fact.account_status)
    if fact.deletion_timestamp:
        text += " (deletion {0})".format(fact.deletion_timestamp)
    return text


def category_of(fact, current_state):
    """The category of one expected number: acquired, released, failed, processing or missing.

    Without current state the number's status in its latest order decides. With it, the account
    decides: a number counts as acquired only while the account holds it (Unassigned or
    Assigned); its latest order saying Acquired is not enough. AcquireInProgress, PortinInProgress
    and PortinCancelRequested are processing; AcquireFailed and Cancelled failed; a number the
    account is releasing or deleting, or no longer has although an order acquired it, is released.
    A number neither ordered nor held is missing. An account status this code does not know is
    failed (never acquired), with the status named in the reason.
    """
    if fact is None:
        return "missing"
    if not current_state:
        if fact.status == NUMBER_ACQUIRED:
            return "acquired"
        if fact.status == NUMBER_PROCESSING:
            return "processing"
        return "failed"
    account_status = fact.account_status
    if account_status in HELD_STATUSES:
        return "acquired"
    if account_status in IN_PROGRESS_STATUSES:
        return "processing"
    if account_status in FAILED_STATUSES:
        return "failed"
    if account_status in RELEASING_STATUSES:
        return "released"
    if account_status is None:
        if fact.status == NUMBER_ACQUIRED:
            return "released"
        if fact.status == NUMBER_PROCESSING:
            return "processing"
        if fact.status is None and fact.order_id is None:
            return "missing"
        return "failed"
    return "failed"


def _reason(category, fact, current_state):
    if category == "missing":
        return "not in any phone number order" + (" and not in the account" if current_state else "")
    order_id = fact.order_id if fact.order_id is not None else "unknown"
    order_status = fact.order_status if fact.order_status is not None else "unknown"
    from_account = current_state and (fact.account_status is not None or category == "released")
    if category == "unexpected":
        if current_state:
            return "held by the account ({0}) but not in the expected list".format(fact.account_status)
        return "acquired in order {0} but not in the expected list".format(order_id)
    if category == "released":
        if fact.order_id is not None and fact.status == NUMBER_ACQUIRED:
            return "acquired in order {0} but {1}".format(order_id, _account_description(fact))
        return _account_description(fact)
    if from_account:
        text = _account_description(fact)
        if category == "failed" and fact.account_status not in FAILED_STATUSES:
            text += ", a status this check does not count as acquired"
        if fact.order_id is not None and fact.status is not None:
            text = "{0} in order {1}, and {2}".format(
                "still Processing" if fact.status == NUMBER_PROCESSING else "number status {0}".format(fact.status),
                order_id,
                text,
            )
        return text
    if category == "processing":
        return "still Processing in order {0} (order status {1})".format(order_id, order_status)
    number_status = fact.status if fact.status is not None else "unknown"
    return "number status {0} in order {1} (order status {2})".format(number_status, order_id, order_status)


def _problem(category, e164, fact, current_state):
    problem = {"e164_phone_number": e164, "category": category, "reason": _reason(category, fact, current_state)}
    if fact is not None:
        problem["number_status"] = fact.status
        problem["phone_number_order_id"] = fact.order_id
        problem["order_status"] = fact.order_status
        if current_state:
            problem["account_status"] = fact.account_status
            if fact.deletion_timestamp is not None:
                problem["deletion_timestamp"] = fact.deletion_timestamp
    return problem


def _validated_skipped(skipped):
    """[{"region": str, "message": str}] from the caller's list of skipped parts (dicts or pairs)."""
    parts = []
    for item in skipped or ():
        if isinstance(item, Mapping):
            region, message = item.get("region"), item.get("message")
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            region, message = item
        else:
            raise InvalidNumberFactsError(
                "skipped entries must be {{region, message}} mappings, got {0!r}".format(item)
            )
        parts.append({"region": str(region), "message": str(message or "")})
    return sorted(parts, key=lambda part: part["region"])


def _listing_times(groups):
    times = []
    for name in groups:
        name = str(name)
        if name.startswith(INVENTORY_LISTED_AT_PREFIX):
            try:
                times.append(
                    calendar.timegm(time.strptime(name[len(INVENTORY_LISTED_AT_PREFIX) :], INVENTORY_LISTED_AT_FORMAT))
                )
            except ValueError:
                raise InvalidNumberFactsError("the inventory group {0} does not name a listing time".format(name))
    return times


def check_listing_age(groups, max_age, now=None):
    """Refuse inventory data older than ``max_age`` seconds (None: any age), from the plugin's
    chime_listed_at_<time> groups (the oldest source decides). A cached inventory shows the time of
    the cached listing, so a verdict on stale data is refused rather than given."""
    if max_age is None:
        return
    times = _listing_times(groups)
    if not times:
        raise InvalidNumberFactsError(
            "the inventory does not say when it was listed (no chime_listed_at_* group: a source of another "
            "version of voiceops.chime.chime_phone_numbers?), so its age cannot be checked against max_age {0} s; "
            "list with this version or judge without max_age".format(max_age)
        )
    now = time.time() if now is None else now
    oldest = min(times)
    age = now - oldest
    if age > max_age:
        raise InvalidNumberFactsError(
            "the inventory's phone numbers were listed at {0} ({1:.0f} s ago), more than max_age {2} s: the check "
            "would judge stale data. List again (ansible-inventory --flush-cache, or a shorter cache_timeout), or "
            "raise assert_numbers_acquired_max_age".format(
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(oldest)), age, max_age
            )
        )


def inventory_markers(groups, current_state=None):
    """(current_state, skipped parts) from the marker groups of the voiceops.chime.chime_phone_numbers
    inventory plugin. Raises InvalidNumberFactsError when no source loaded, or when the current
    state is asked for (or taken by default) and a source did not list it: never a verdict on
    order history alone without saying so."""
    if not isinstance(groups, Mapping):
        raise InvalidNumberFactsError(
            "groups must be a mapping of group name to host names, got {0}".format(describe_value(groups))
        )
    if INVENTORY_LOADED_GROUP not in groups:
        raise InvalidNumberFactsError(
            "No phone numbers inventory was loaded (the group {0} is missing), so the expected numbers cannot be "
            "judged. Check the voiceops.chime.chime_phone_numbers inventory source (run with "
            "ANSIBLE_INVENTORY_UNPARSED_FAILED=true to make a failed source stop the run with its error)".format(
                INVENTORY_LOADED_GROUP
            )
        )
    with_state = INVENTORY_CURRENT_STATE_GROUP in groups
    orders_only = INVENTORY_ORDERS_ONLY_GROUP in groups
    if current_state is None:
        current_state = with_state
    if current_state and orders_only:
        raise InvalidNumberFactsError(
            "the account's current numbers are needed, but {0} voiceops.chime.chime_phone_numbers inventory source "
            "was configured without current_state: true, so it listed order history only. Set current_state: true "
            "in every source, or judge on order history alone with current_state: false "
            "(assert_numbers_acquired_current_state: false)".format("a" if with_state else "the")
        )
    skipped = []
    for name in groups:
        name = str(name)
        if name.startswith(INVENTORY_SKIPPED_REGION_PREFIX):
            # Region names are letters, digits and dashes; the group name has underscores instead.
            region = name[len(INVENTORY_SKIPPED_REGION_PREFIX) :].replace("_", "-")
            skipped.append({"region": region, "message": "skipped by the inventory source (see its warning)"})
    return bool(current_state), skipped


def _detect_current_state(facts, current_state):
    with_account = [fact for fact in facts.values() if fact.has_account]
    if current_state is None:
        if with_account and len(with_account) != len(facts):
            raise InvalidNumberFactsError(
                "some phone number facts carry an account status and some do not: list every source with "
                "current_state: true (or none), so that the verdict is not half on order history"
            )
        return bool(with_account)
    if current_state and len(with_account) != len(facts):
        raise InvalidNumberFactsError(
            "current_state is true but {0} of {1} phone number facts carry no account status: list with "
            "current_state: true (module option or inventory option) or judge with current_state: false".format(
                len(facts) - len(with_account), len(facts)
            )
        )
    return bool(current_state)


def number_compliance(
    phone_numbers,
    expected,
    fail_on_unexpected=False,
    hostvars_prefix=DEFAULT_HOSTVARS_PREFIX,
    max_listed=DEFAULT_MAX_LISTED,
    groups=None,
    current_state=None,
    skipped=None,
    max_age=None,
    now=None,
):
    """Judge the expected numbers against the latest per-number facts.

    Returns a dict of lists sorted by number: ``acquired``, ``released``, ``failed``,
    ``processing``, ``missing`` (see category_of), ``unexpected`` (acquired, or with current state
    held by the account, but not expected); ``duplicates`` (expected numbers given more than once);
    ``problems`` (one entry per offending number: number, category, reason, and the statuses and
    order it comes from); ``skipped`` (parts of the account that were not listed); ``counts``;
    ``current_state``; ``passed``; and ``message``, a human summary naming every offending number
    with its reason (after ``max_listed`` of them, "... and N more").

    ``current_state``: None takes it from the facts (true when they carry the account status);
    true requires every fact to carry it. Every expected number lands in exactly one category.
    Unexpected numbers are always listed; they are problems only with ``fail_on_unexpected``. A
    non-empty ``skipped`` fails the check: nothing skipped passes. Raises InvalidExpectedError
    (see validate_check_inputs), InvalidNumberFactsError for facts of an unknown shape. Linear in
    the input sizes apart from sorting the output.

    With ``groups`` (the inventory's group name -> host names), ``phone_numbers`` must be the
    inventory's hostvars and the statuses come from the inventory plugin's default groups: see
    ``facts_from_inventory_groups``; ``max_age`` (seconds) then refuses a listing older than that
    (check_listing_age; ``now`` is for tests).
    """
    expected_numbers, duplicates = validate_check_inputs(expected, fail_on_unexpected)
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
        raise InvalidNumberFactsError("max_age must be a whole number of seconds >= 0, got {0!r}".format(max_age))
    skipped_parts = _validated_skipped(skipped)
    ordered = None
    if groups is not None:
        if not isinstance(phone_numbers, Mapping):
            raise InvalidNumberFactsError(
                "with groups, the input must be the inventory's hostvars (a mapping of "
                "host name to variables), got {0}".format(describe_value(phone_numbers))
            )
        current_state, marked_skipped = inventory_markers(groups, current_state)
        check_listing_age(groups, max_age, now)
        skipped_parts = _validated_skipped(skipped_parts + marked_skipped)
        facts, ordered = facts_from_inventory_groups(
            phone_numbers, groups, expected_numbers, fail_on_unexpected, hostvars_prefix, bool(current_state)
        )
    else:
        facts = facts_by_number(phone_numbers, hostvars_prefix)
    current_state = _detect_current_state(facts, current_state)

    categories = dict((category, []) for category in EXPECTED_CATEGORIES)
    problems = []
    for e164 in sorted(expected_numbers):
        fact = facts.get(e164)
        category = category_of(fact, current_state)
        categories[category].append(e164)
        if category != "acquired":
            problems.append(_problem(category, e164, fact if category != "missing" else None, current_state))

    expected_set = set(expected_numbers)
    unexpected = sorted(
        e164
        for e164, fact in facts.items()
        if e164 not in expected_set and category_of(fact, current_state) == "acquired"
    )
    if fail_on_unexpected and unexpected:
        problems.extend(_problem("unexpected", e164, facts[e164], current_state) for e164 in unexpected)
        problems.sort(key=lambda problem: problem["e164_phone_number"])

    result = dict(categories)
    result["unexpected"] = unexpected
    result["duplicates"] = duplicates
    result["problems"] = problems
    result["skipped"] = skipped_parts
    counts = dict((name, len(result[name])) for name in EXPECTED_CATEGORIES + ("unexpected", "duplicates", "skipped"))
    counts["expected"] = len(expected_numbers)
    counts["problems"] = len(problems)
    counts["ordered"] = len(facts) if ordered is None else ordered
    result["counts"] = counts
    result["fail_on_unexpected"] = bool(fail_on_unexpected)
    result["current_state"] = bool(current_state)
    result["passed"] = not problems and not skipped_parts
    result["message"] = compliance_message(result, max_listed)
    return result


def _all_acquired(expected):
    if expected == 1:
        return "The expected phone number is acquired"
    return "All {0} expected phone numbers are acquired".format(expected)


def _skipped_lines(result):
    skipped = result.get("skipped") or ()
    if not skipped:
        return []
    lines = ["Not every part of the account was listed, so the check cannot pass ({0} skipped):".format(len(skipped))]
    lines.extend("  region {0}: {1}".format(part["region"], part["message"]) for part in skipped)
    return lines


def compliance_message(result, max_listed=DEFAULT_MAX_LISTED):
    """One human-readable text for a compliance result: the verdict, then one line per problem."""
    counts = result["counts"]
    expected = counts["expected"]
    noun = "number" if expected == 1 else "numbers"
    unexpected_note = ""
    if counts["unexpected"] and not result.get("fail_on_unexpected"):
        unexpected_note = " {0} acquired {1} not in the expected list (not checked).".format(
            counts["unexpected"], "number is" if counts["unexpected"] == 1 else "numbers are"
        )
    if not result.get("current_state"):
        orders_only = " (judged on order history only: the account's current numbers were not checked)"
    else:
        orders_only = ""
    skipped_lines = _skipped_lines(result)
    if result["passed"]:
        return "{0}{1}.{2}".format(_all_acquired(expected), orders_only, unexpected_note)

    not_acquired = expected - counts["acquired"]
    unexpected_failing = bool(result.get("fail_on_unexpected") and counts["unexpected"])
    parts = [
        "{0} {1}".format(counts.get(category, 0), category)
        for category in ("released", "failed", "processing", "missing")
        if counts.get(category)
    ]
    if unexpected_failing:
        parts.append("{0} unexpected".format(counts["unexpected"]))
    if not_acquired:
        header = "{0} of {1} expected phone {2} {3} not acquired".format(
            not_acquired, expected, noun, "is" if not_acquired == 1 else "are"
        )
    else:
        header = _all_acquired(expected)
    if unexpected_failing:
        header = "{0}{1} {2} acquired {3} not in the expected list".format(
            header,
            ", and" if not_acquired else ", but",
            counts["unexpected"],
            "number is" if counts["unexpected"] == 1 else "numbers are",
        )
    lines = list(skipped_lines)
    if parts:
        lines.append("{0} ({1}):".format(header, ", ".join(parts)))
    else:
        lines.append("{0}{1}.".format(header, orders_only))
    problems = result["problems"]
    limit = max(0, int(max_listed))
    for problem in problems[:limit]:
        lines.append("  {0} {1}: {2}".format(problem["e164_phone_number"], problem["category"], problem["reason"]))
    if len(problems) > limit:
        lines.append("  ... and {0} more".format(len(problems) - limit))
    if unexpected_note:
        lines.append(unexpected_note.strip())
    return "\n".join(lines)
