# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prototype (tests/perf only, not shipped): the compliance action, listing in its own process.

measure_fixed_cost.py installs this file as plugins/action/chime_phone_number_compliance.py of a
private copy of the collection, with the shipped action renamed to
chime_phone_number_compliance_shipped.py, and in_process_listing.py in plugins/plugin_utils/. Everything
the shipped action does (inputs, polling, reports, error sets) stays; only its call of the listing
module is replaced by the same work done in this worker process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.utils.display import Display

from ansible_collections.voiceops.chime.plugins.action.chime_phone_number_compliance_shipped import LISTING_MODULE
from ansible_collections.voiceops.chime.plugins.action.chime_phone_number_compliance_shipped import (
    ActionModule as ShippedActionModule,
)
from ansible_collections.voiceops.chime.plugins.plugin_utils.in_process_listing import run_listing_module

display = Display()


class ActionModule(ShippedActionModule):

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        if module_name != LISTING_MODULE:
            return super(ActionModule, self)._execute_module(
                module_name=module_name, module_args=module_args, task_vars=task_vars, **kwargs
            )
        environment = {}
        self._compute_environment_string(environment)
        return run_listing_module(module_args, environment, display.warning)
