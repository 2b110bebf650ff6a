# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hand data from the service or a cache to Ansible as text that is never templated.

Before ansible-core 2.19 every string in a variable is a template unless it is marked unsafe: an
order id ``{{ lookup('pipe', 'touch PWNED') }}`` in a host variable or a filter's result would run
when a later task reads it. ``wrap_var`` marks a value (recursively) as unsafe; from 2.19 on, data is
untrusted unless marked as a template, and ``wrap_var`` strips any such mark, so one call is right
on every supported version. Controller-side only (inventory, filter and action plugins).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.utils.unsafe_proxy import wrap_var


def make_unsafe(value):
    """``value`` with every string in it (keys and values, recursively) marked as never a template."""
    return wrap_var(value)
