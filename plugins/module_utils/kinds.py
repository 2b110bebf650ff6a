# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How error messages name a value that was given: its kind in the user's words, and the value itself.

``type(value).__name__`` is not for users: ansible-core 2.19 and later hands plugins its own classes
(``_AnsibleLazyTemplateList``, ``_AnsibleTaggedStr``, ``_AnsibleLazyTemplateDict``), 2.17 its unsafe
ones (``AnsibleUnsafeText``), and Python says ``NoneType`` or ``dict``. A user wrote YAML or Jinja:
the message should say "a list", "the string '+1 206'" or "null", whichever Ansible version ran.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping
from collections.abc import Set

SHOWN_MAX_CHARACTERS = 80


def shown(value):
    """``repr(value)``, cut to SHOWN_MAX_CHARACTERS: a pasted 100,000-entry blob must not become the message."""
    text = repr(value)
    if len(text) > SHOWN_MAX_CHARACTERS:
        text = text[:SHOWN_MAX_CHARACTERS] + "... ({0} characters)".format(len(text))
    return text


def _count(value, noun):
    try:
        size = len(value)
    except TypeError:  # an iterable without a length: say what it is, not how long
        return noun
    return "{0} of {1} {2}".format(noun, size, "item" if size == 1 else "items")


def describe_value(value):
    """The kind of ``value`` in YAML's words, with the value itself when it is a scalar.

    ``"a list of 3 items"``, ``"a mapping of 1 item"``, ``"the string 'abc'"``, ``"the number 5"``,
    ``"the boolean true"``, ``"null"``; anything else is named by its class, without the leading
    underscores of a private one.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "the boolean {0}".format("true" if value else "false")
    if isinstance(value, (int, float)):
        return "the number {0}".format(shown(value))
    if isinstance(value, str):
        return "the string {0}".format(shown(value))
    if isinstance(value, bytes):
        return "the bytes {0}".format(shown(value))
    if isinstance(value, Mapping):
        return _count(value, "a mapping")
    if isinstance(value, Set):
        return _count(value, "a set")
    if hasattr(value, "__iter__"):
        return _count(value, "a list")
    return "a value of type {0}".format(type(value).__name__.lstrip("_"))
