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

from collections.abc import Mapping

from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_ACQUIRED
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_PROCESSING
from ansible_collections.voiceops.chime.plugins.module_utils.orders import timestamp_sort_key

DEFAULT_HOSTVARS_PREFIX = "chime_"
# The voiceops.chime.chime_phone_numbers inventory plugin's default groups are
# chime_number_<status in lower snake case>, whatever its hostvars_prefix.
INVENTORY_NUMBER_GROUP_PREFIX = "chime_number_"
# The categories an expected number can fall in; every expected number is in exactly one.
EXPECTED_CATEGORIES = ("acquired", "failed", "processing", "missing")
# How many offending numbers a message lists before it says "... and N more". A CI log or an
# assert message with 10,000 lines helps nobody; the reports carry the complete lists.
DEFAULT_MAX_LISTED = 50
# How many invalid expected entries one error names (a pasted spreadsheet can be all junk).
MAX_INVALID_LISTED = 10


class InvalidNumberFactsError(ValueError):
    """The per-number facts given to the judge are not in a shape it understands."""


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
        "item {0} {1!r}: {2}".format(index, value, reason)
        for index, value, reason in invalid[:MAX_INVALID_LISTED]
    )
    more = len(invalid) - MAX_INVALID_LISTED
    if more > 0:
        listed += "; ... and {0} more".format(more)
    noun = "entry" if len(invalid) == 1 else "entries"
    return "expected list has {0} invalid {1} (E.164 numbers look like '+12065550100'): {2}".format(
        len(invalid), noun, listed)


def normalize_expected(expected):
    """Return (numbers, duplicates): the distinct normalised numbers in first-seen order, and the
    numbers given more than once (sorted). Raises InvalidExpectedError naming every bad entry."""
    if expected is None or isinstance(expected, (str, bytes, Mapping)) or not hasattr(expected, "__iter__"):
        raise InvalidExpectedError([], "expected numbers must be a list of E.164 numbers, got {0}".format(
            type(expected).__name__))
    seen = set()
    numbers = []
    duplicates = set()
    invalid = []
    for index, value in enumerate(expected):
        try:
            number = normalize_e164(value)
        except InvalidPhoneNumberError as error:
            invalid.append((index, value, error.reason))
            continue
        if number in seen:
            duplicates.add(number)
        else:
            seen.add(number)
            numbers.append(number)
    if invalid:
        raise InvalidExpectedError(invalid)
    return numbers, sorted(duplicates)


class _Fact(object):
    """(e164, number_status, order_id, order_status, updated, created) of one entry, read lazily.

    Only the number and its status are read for every entry; the order fields only when a
    number is reported as a problem or appears twice. On ansible-core 2.19+ every read of a
    registered variable's value is a lazy-template access (about 8 us): reading six keys of
    30,000 entries took 1.5 s in a playbook on 2.21, reading two 1.0 s. Indexes and slices
    like the tuple this replaces.
    """

    __slots__ = ("e164", "status", "_entry", "_keys", "_rest")

    def __init__(self, e164, status, entry, keys):
        self.e164 = e164
        self.status = status
        self._entry = entry
        self._keys = keys
        self._rest = None

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[position] for position in range(6))[index]
        if index == 0:
            return self.e164
        if index == 1:
            return self.status
        if self._rest is None:
            self._rest = tuple(self._entry.get(key) for key in self._keys)
        return self._rest[index - 2]


_MODULE_KEYS = ("phone_number_order_id", "order_status", "updated_timestamp", "created_timestamp")


def _fact_fields(entry, prefix, skip_unrecognised):
    """Return a _Fact, or None to skip."""
    if not isinstance(entry, Mapping):
        raise InvalidNumberFactsError(
            "each phone number fact must be a mapping, got {0}".format(type(entry).__name__)
        )
    if "e164_phone_number" in entry:
        # The module's phone_numbers fact.
        return _Fact(entry["e164_phone_number"], entry.get("status"), entry, _MODULE_KEYS)
    key = prefix + "e164_phone_number"
    if key in entry:
        # Hostvars from the voiceops.chime.chime_phone_numbers inventory plugin.
        return _Fact(entry[key], entry.get(prefix + "number_status"), entry,
                     tuple(prefix + name for name in ("phone_number_order_id", "order_status", "updated_timestamp",
                                                      "created_timestamp")))
    # Another host of a mixed inventory (hostvars always carry inventory_hostname): not a number.
    if skip_unrecognised or "inventory_hostname" in entry:
        return None
    raise InvalidNumberFactsError(
        "phone number fact has neither 'e164_phone_number' nor '{0}' (pass the module's "
        "phone_numbers, or inventory hostvars): keys {1}".format(key, sorted(str(k) for k in entry)[:10])
    )


def _fact_rank(fields):
    # When one number appears twice (two inventories, two accounts' lists joined), the latest
    # update wins, as in orders.latest_status_by_number; the rest only breaks ties, so the
    # answer never depends on the order of the input.
    return (timestamp_sort_key(fields[4]), timestamp_sort_key(fields[5]),
            str(fields[2]), str(fields[1]), str(fields[3]))


def _canonical_number(value):
    try:
        return normalize_e164(value)
    except InvalidPhoneNumberError:
        # A fact we cannot read as E.164 can never match an expected number; keep it as text
        # so it still shows up (as unexpected) instead of failing the whole check.
        return str(value)


def facts_by_number(phone_numbers, hostvars_prefix=DEFAULT_HOSTVARS_PREFIX):
    """Index per-number facts by E.164 number: ``{e164: (e164, number_status, order_id,
    order_status, updated_timestamp, created_timestamp)}``.

    Accepts the module's ``phone_numbers`` list, or inventory hostvars either as a list of host
    variable mappings or as a mapping of host name to variables (such as ``hostvars``). In the
    mapping form, hosts without ``<prefix>e164_phone_number`` are other hosts and are skipped.
    """
    if phone_numbers is None:
        return {}
    if isinstance(phone_numbers, (str, bytes)):
        raise InvalidNumberFactsError("phone number facts must be a list or a mapping, got a string")
    if isinstance(phone_numbers, Mapping):
        if "e164_phone_number" in phone_numbers or (hostvars_prefix + "e164_phone_number") in phone_numbers:
            raise InvalidNumberFactsError(
                "phone number facts must be a list of entries or a mapping of host to variables, "
                "got a single entry")
        entries, skip_unrecognised = (phone_numbers[host] for host in phone_numbers), True
    elif hasattr(phone_numbers, "__iter__"):
        entries, skip_unrecognised = phone_numbers, False
    else:
        raise InvalidNumberFactsError(
            "phone number facts must be a list or a mapping, got {0}".format(type(phone_numbers).__name__))
    indexed = {}
    for entry in entries:
        fields = _fact_fields(entry, hostvars_prefix, skip_unrecognised)
        if fields is None:
            continue
        fields.e164 = _canonical_number(fields.e164)
        e164 = fields.e164
        current = indexed.get(e164)
        if current is None or _fact_rank(fields) > _fact_rank(current):
            indexed[e164] = fields
    return indexed


def facts_from_inventory_groups(hostvars, groups, expected_numbers, fail_on_unexpected=False,
                                hostvars_prefix=DEFAULT_HOSTVARS_PREFIX):
    """Per-number facts from the voiceops.chime.chime_phone_numbers inventory, reading as few
    host variables as possible. Returns (facts as in facts_by_number, count of numbers).

    Ansible computes a host's variables (group vars, vars plugins, ...) on every hostvars access,
    about 0.2 ms a host: 6 s for 30,000 numbers. The inventory plugin already puts each number (a
    host named by its E.164 form) in ``chime_number_<status>`` groups, so an Acquired number is
    known from ``groups`` alone. Host variables are read only for expected numbers that are not
    Acquired (for their status, order and reason) and, with ``fail_on_unexpected``, for the
    unexpected ones (for their order).
    """
    if not isinstance(hostvars, Mapping):
        raise InvalidNumberFactsError("with groups, the input must be the inventory's hostvars (a mapping of "
                                      "host name to variables), got {0}".format(type(hostvars).__name__))
    if not isinstance(groups, Mapping):
        raise InvalidNumberFactsError("groups must be a mapping of group name to host names, got {0}".format(
            type(groups).__name__))
    numbers = set()
    for name in groups:
        if str(name).startswith(INVENTORY_NUMBER_GROUP_PREFIX):
            numbers.update(groups[name])
    acquired = set(groups.get(INVENTORY_NUMBER_GROUP_PREFIX + "acquired") or ())
    expected_set = set(expected_numbers)

    def host_facts(host):
        entry = hostvars[host] if host in hostvars else None
        fields = _fact_fields(entry, hostvars_prefix, True) if entry is not None else None
        if fields is None:
            return None
        fields.e164 = _canonical_number(fields.e164)
        return fields

    facts = {}
    for host in acquired:
        fields = None
        if fail_on_unexpected and host not in expected_set:
            fields = host_facts(host)
        # Without the plugin's variables (another source added the host to the group), all we
        # know is what the group says.
        facts[host] = fields or (host, NUMBER_ACQUIRED, None, None, None, None)
    for e164 in expected_numbers:
        if e164 not in acquired:
            fields = host_facts(e164)
            if fields is not None:
                facts[e164] = fields
                numbers.add(e164)
    return facts, len(numbers)


def _reason(category, fields):
    if category == "missing":
        return "not in any phone number order"
    number_status = fields[1] if fields[1] is not None else "unknown"
    order_id = fields[2] if fields[2] is not None else "unknown"
    order_status = fields[3] if fields[3] is not None else "unknown"
    if category == "unexpected":
        return "acquired in order {0} but not in the expected list".format(order_id)
    if category == "processing":
        return "still Processing in order {0} (order status {1})".format(order_id, order_status)
    return "number status {0} in order {1} (order status {2})".format(number_status, order_id, order_status)


def _problem(category, e164, fields):
    problem = {"e164_phone_number": e164, "category": category, "reason": _reason(category, fields)}
    if fields is not None:
        problem["number_status"] = fields[1]
        problem["phone_number_order_id"] = fields[2]
        problem["order_status"] = fields[3]
    return problem


def number_compliance(phone_numbers, expected, fail_on_unexpected=False,
                      hostvars_prefix=DEFAULT_HOSTVARS_PREFIX, max_listed=DEFAULT_MAX_LISTED, groups=None):
    """Judge the expected numbers against the latest per-number facts.

    Returns a dict of lists sorted by number: ``acquired``, ``failed`` (latest status anything
    but Acquired or Processing), ``processing``, ``missing`` (in no order), ``unexpected``
    (Acquired but not expected); ``duplicates`` (expected numbers given more than once);
    ``problems`` (one entry per offending number: number, category, reason, and the status and
    order it comes from); ``counts``; ``passed``; and ``message``, a human summary naming every
    offending number with its reason (after ``max_listed`` of them, "... and N more").

    Every expected number lands in exactly one of acquired/failed/processing/missing. Unexpected
    numbers are always listed; they are problems only with ``fail_on_unexpected``. Raises
    InvalidExpectedError naming every invalid expected entry, InvalidNumberFactsError for facts
    of an unknown shape. Linear in the input sizes apart from sorting the output.

    With ``groups`` (the inventory's group name -> host names), ``phone_numbers`` must be the
    inventory's hostvars and the statuses come from the inventory plugin's default groups: see
    ``facts_from_inventory_groups``.
    """
    expected_numbers, duplicates = normalize_expected(expected)
    ordered = None
    if groups is not None:
        facts, ordered = facts_from_inventory_groups(phone_numbers, groups, expected_numbers,
                                                     fail_on_unexpected, hostvars_prefix)
    else:
        facts = facts_by_number(phone_numbers, hostvars_prefix)

    categories = dict((category, []) for category in EXPECTED_CATEGORIES)
    problems = []
    for e164 in sorted(expected_numbers):
        fields = facts.get(e164)
        if fields is None:
            category = "missing"
        elif fields[1] == NUMBER_ACQUIRED:
            category = "acquired"
        elif fields[1] == NUMBER_PROCESSING:
            category = "processing"
        else:
            category = "failed"
        categories[category].append(e164)
        if category != "acquired":
            problems.append(_problem(category, e164, fields))

    expected_set = set(expected_numbers)
    unexpected = sorted(e164 for e164, fields in facts.items()
                        if fields[1] == NUMBER_ACQUIRED and e164 not in expected_set)
    if fail_on_unexpected and unexpected:
        problems.extend(_problem("unexpected", e164, facts[e164]) for e164 in unexpected)
        problems.sort(key=lambda problem: problem["e164_phone_number"])

    result = dict(categories)
    result["unexpected"] = unexpected
    result["duplicates"] = duplicates
    result["problems"] = problems
    counts = dict((name, len(result[name])) for name in EXPECTED_CATEGORIES + ("unexpected", "duplicates"))
    counts["expected"] = len(expected_numbers)
    counts["problems"] = len(problems)
    counts["ordered"] = len(facts) if ordered is None else ordered
    result["counts"] = counts
    result["fail_on_unexpected"] = bool(fail_on_unexpected)
    result["passed"] = not problems
    result["message"] = compliance_message(result, max_listed)
    return result


def _all_acquired(expected):
    if expected == 1:
        return "The expected phone number is acquired"
    return "All {0} expected phone numbers are acquired".format(expected)


def compliance_message(result, max_listed=DEFAULT_MAX_LISTED):
    """One human-readable text for a compliance result: the verdict, then one line per problem."""
    counts = result["counts"]
    expected = counts["expected"]
    noun = "number" if expected == 1 else "numbers"
    unexpected_note = ""
    if counts["unexpected"] and not result.get("fail_on_unexpected"):
        unexpected_note = " {0} acquired {1} not in the expected list (not checked).".format(
            counts["unexpected"], "number is" if counts["unexpected"] == 1 else "numbers are")
    if result["passed"]:
        return "{0}.{1}".format(_all_acquired(expected), unexpected_note)

    not_acquired = expected - counts["acquired"]
    unexpected_failing = bool(result.get("fail_on_unexpected") and counts["unexpected"])
    parts = ["{0} {1}".format(counts[category], category)
             for category in ("failed", "processing", "missing") if counts[category]]
    if unexpected_failing:
        parts.append("{0} unexpected".format(counts["unexpected"]))
    if not_acquired:
        header = "{0} of {1} expected phone {2} {3} not acquired".format(
            not_acquired, expected, noun, "is" if not_acquired == 1 else "are")
    else:
        header = _all_acquired(expected)
    if unexpected_failing:
        header = "{0}{1} {2} acquired {3} not in the expected list".format(
            header, ", and" if not_acquired else ", but", counts["unexpected"],
            "number is" if counts["unexpected"] == 1 else "numbers are")
    lines = ["{0} ({1}):".format(header, ", ".join(parts))]
    problems = result["problems"]
    limit = max(0, int(max_listed))
    for problem in problems[:limit]:
        lines.append("  {0} {1}: {2}".format(problem["e164_phone_number"], problem["category"], problem["reason"]))
    if len(problems) > limit:
        lines.append("  ... and {0} more".format(len(problems) - limit))
    if unexpected_note:
        lines.append(unexpected_note.strip())
    return "\n".join(lines)
