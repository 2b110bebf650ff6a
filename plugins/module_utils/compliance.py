# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The judge: per-number facts + the expected list -> a compliance result. Pure and linear."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_ACQUIRED
from ansible_collections.voiceops.chime.plugins.module_utils.orders import NUMBER_PROCESSING

DEFAULT_HOSTVARS_PREFIX = "chime_"


class InvalidNumberFactsError(ValueError):
    """The per-number facts given to the judge are not in a shape it understands."""


def _fact_fields(entry, prefix):
    """Return (e164, number_status, order_id, order_status) from a module fact or inventory hostvars."""
    if not isinstance(entry, dict):
        raise InvalidNumberFactsError(
            "each phone number fact must be a mapping, got {0!r}".format(entry)
        )
    if "e164_phone_number" in entry:
        # The module's phone_numbers fact.
        return (entry["e164_phone_number"], entry.get("status"),
                entry.get("phone_number_order_id"), entry.get("order_status"))
    key = prefix + "e164_phone_number"
    if key in entry:
        # Hostvars from the voiceops.chime.chime_phone_numbers inventory plugin.
        return (entry[key], entry.get(prefix + "number_status"),
                entry.get(prefix + "phone_number_order_id"), entry.get(prefix + "order_status"))
    raise InvalidNumberFactsError(
        "phone number fact has neither 'e164_phone_number' nor '{0}': keys {1}".format(
            key, sorted(entry)[:10])
    )


def facts_by_number(phone_numbers, hostvars_prefix=DEFAULT_HOSTVARS_PREFIX):
    """Index per-number facts by E.164 number.

    Accepts the module's ``phone_numbers`` list, or inventory hostvars either as a list of
    host variable mappings or as a mapping of host name to variables.
    """
    if phone_numbers is None:
        return {}
    entries = phone_numbers.values() if isinstance(phone_numbers, dict) else phone_numbers
    if isinstance(entries, (str, bytes)):
        raise InvalidNumberFactsError("phone number facts must be a list, got a string")
    indexed = {}
    for entry in entries:
        e164, number_status, order_id, order_status = _fact_fields(entry, hostvars_prefix)
        indexed[e164] = (number_status, order_id, order_status)
    return indexed


def _reason(category, e164, facts):
    if category == "missing":
        return "not in any phone number order"
    number_status, order_id, order_status = facts
    return "number status {0} in order {1} (order status {2})".format(number_status, order_id, order_status)


def number_compliance(phone_numbers, expected, fail_on_unexpected=False,
                      hostvars_prefix=DEFAULT_HOSTVARS_PREFIX):
    """Judge the expected numbers against the latest per-number facts.

    Returns lists sorted by number: ``acquired``, ``failed`` (any final status other than
    Acquired), ``processing``, ``missing`` (never ordered), ``unexpected`` (Acquired but not
    expected), ``problems`` (one entry per offending number with its reason), ``counts`` and
    ``passed``. Every expected number lands in exactly one of acquired/failed/processing/missing.
    Raises InvalidPhoneNumberError naming the first invalid expected entry.
    """
    if expected is None or isinstance(expected, (str, bytes, dict)):
        raise InvalidPhoneNumberError(expected, "expected numbers must be a list")
    facts = facts_by_number(phone_numbers, hostvars_prefix)
    expected_numbers = set()
    for value in expected:
        expected_numbers.add(normalize_e164(value))

    categories = {"acquired": [], "failed": [], "processing": [], "missing": []}
    problems = []
    for e164 in sorted(expected_numbers):
        number_facts = facts.get(e164)
        if number_facts is None:
            category = "missing"
        elif number_facts[0] == NUMBER_ACQUIRED:
            category = "acquired"
        elif number_facts[0] == NUMBER_PROCESSING:
            category = "processing"
        else:
            category = "failed"
        categories[category].append(e164)
        if category != "acquired":
            entry = {"e164_phone_number": e164, "category": category,
                     "reason": _reason(category, e164, number_facts)}
            if number_facts is not None:
                entry["number_status"] = number_facts[0]
                entry["phone_number_order_id"] = number_facts[1]
            problems.append(entry)

    unexpected = sorted(e164 for e164, number_facts in facts.items()
                        if number_facts[0] == NUMBER_ACQUIRED and e164 not in expected_numbers)
    if fail_on_unexpected:
        for e164 in unexpected:
            problems.append({"e164_phone_number": e164, "category": "unexpected",
                             "reason": "acquired but not in the expected list",
                             "number_status": NUMBER_ACQUIRED,
                             "phone_number_order_id": facts[e164][1]})
        problems.sort(key=lambda problem: problem["e164_phone_number"])

    result = dict(categories)
    result["unexpected"] = unexpected
    result["problems"] = problems
    result["counts"] = dict((name, len(numbers)) for name, numbers in result.items() if name != "problems")
    result["counts"]["expected"] = len(expected_numbers)
    result["passed"] = not problems
    return result
