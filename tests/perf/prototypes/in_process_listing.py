# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prototype (tests/perf only, not shipped): what chime_phone_number_order_info does, run inside the
controller-side action plugin instead of a module process.

measure_fixed_cost.py copies this file to plugins/plugin_utils/ of a private copy of the collection,
beside action_in_process.py, and times the role with it. It answers the question of issue 13: can
the compliance action list without a module process, with the same option precedence?

How each connection option is resolved, and why it matches the module:

- **Task arguments and module_defaults.** ansible-core merges ``module_defaults`` (the action's
  own name and ``group/voiceops.chime.chime``, which lists the compliance action) into the task's
  arguments before the action runs; the shipped action passes every argument it does not own to the
  module. The module never sees defaults set for ``voiceops.chime.chime_phone_number_order_info``
  alone, and neither does this code: the same arguments either way.
- **Validation, aliases, types and AWS_* environment variables.** The module's own
  ``argument_spec()`` plus amazon.aws's ``aws_argument_spec()`` (what ``AnsibleAWSModule`` adds),
  validated by ansible-core's ``ArgumentSpecValidator``: the same aliases (``aws_region``,
  ``aws_profile``...), types, defaults, unsupported-option errors and ``env_fallback`` lookups
  (``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_PROFILE``/``AWS_DEFAULT_PROFILE``,
  ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_URL``,
  ``AWS_CA_BUNDLE``) that a module process would make.
- **The task's ``environment:``.** A module process gets it; this code runs in the worker, so the
  caller passes the task's environment (``ActionBase._compute_environment_string``) and it is
  applied to ``os.environ`` while options are validated and the client lists. That is safe only
  because ansible-core runs each task of each host in a worker process of its own.
- **Profiles, region, endpoint, validate_certs, aws_ca_bundle, aws_config.** amazon.aws's
  ``plugin_utils.base.AWSPluginBase`` (present in amazon.aws 10 and 11) builds clients from
  ``get_options()`` with the very functions ``AnsibleAWSModule`` uses (``_aws_connection_info``,
  ``_aws_region``, ``_boto3_conn``): region from the option, else the profile's or boto3's
  default; "profile and access keys together" refused; ``validate_certs``/``aws_ca_bundle`` as
  ``verify``; ``aws_config`` merged over our ``client_config()``. ``create_client`` takes it as it
  takes the module.

What differs from a module process: the interpreter is the controller's (``ansible_playbook_python``),
not ``ansible_python_interpreter``, so boto3 must be importable by the Python running
ansible-playbook (the role already runs the module with that Python unless localhost sets another
one); ``debug_botocore_endpoint_logs`` is ignored; check mode is irrelevant (the listing never
changes anything).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.amazon.aws.plugins.module_utils.botocore import check_sdk_version_supported
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.plugin_utils.base import AWSPluginBase

from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import with_account_state
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.listing import LEGACY_API_WARNING
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeApiError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeConnectionError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import create_client
from ansible_collections.voiceops.chime.plugins.module_utils.listing import list_account
from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api

# A shortcut of the prototype: the module's spec and input checks are imported from the module file.
# Shipped, they would move to module_utils so that the module and the action share them.
from ansible_collections.voiceops.chime.plugins.modules.chime_phone_number_order_info import argument_spec
from ansible_collections.voiceops.chime.plugins.modules.chime_phone_number_order_info import checked_inputs


class ControllerAWS(AWSPluginBase):
    """The connection options of one task, in the shape amazon.aws's plugin base and create_client read."""

    def __init__(self, params):
        self._params = params
        self.endpoint_url = params.get("endpoint_url")
        self.ansible_name = "voiceops.chime.chime_phone_number_compliance"

    def get_options(self):
        return self._params

    def _do_fail(self, message):
        # amazon.aws reports client creation problems through here; the listing layer's error type
        # turns them into the same failure result a module would return.
        raise ChimeConnectionError(message, code="ClientCreation")


@contextlib.contextmanager
def task_environment(environment):
    """Apply the task's ``environment:`` to this (worker) process, as a module process would get it."""
    saved = dict((name, os.environ.get(name)) for name in environment)
    os.environ.update(dict((str(name), str(value)) for name, value in environment.items()))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def module_spec():
    spec = aws_argument_spec()
    spec.update(argument_spec())
    return spec


def run_listing_module(module_args, environment, warn):
    """The result chime_phone_number_order_info would return for ``module_args`` (with ``expected``:
    the verdict), computed in this process. Never raises for an expected failure: returns
    ``failed``, ``msg`` and the error fields, as the module does."""
    with task_environment(environment or {}):
        return _run(dict(module_args), warn)


def _run(module_args, warn):
    validation = ArgumentSpecValidator(module_spec()).validate(module_args)
    if validation.error_messages:
        return dict(failed=True, msg="; ".join(validation.error_messages))
    params = validation.validated_parameters
    try:
        check_sdk_version_supported(warn=warn)
    except Exception as error:  # pylint: disable=broad-except
        return dict(failed=True, msg=str(error))
    if params.get("validate_certs") is False:
        warn(
            "validate_certs is false: the TLS certificate of the endpoint is not verified, so the "
            "phone number orders may not come from AWS. Use it only with a trusted test endpoint."
        )
    if params["api"] == "chime":
        warn(LEGACY_API_WARNING)
    if params["expected"] is None or params["phone_number_order_ids"]:
        # The prototype covers what the compliance action asks for: the whole account, judged.
        return dict(failed=True, msg="the in-process listing prototype needs expected and no phone_number_order_ids")
    try:
        inputs = checked_inputs(params)
        current_state = params["current_state"]
        client = create_client(ControllerAWS(params), params["api"])
        listing = list_account(
            client, params["api"], inputs["page_size"], inputs["policy"], current_state=current_state
        )
    except ChimeApiError as error:
        return dict(failed=True, msg=error.message, **error.as_dict())
    except ValueError as error:
        return dict(failed=True, msg=str(error))
    only_numbers = set(inputs["wanted_numbers"]) if inputs["wanted_numbers"] else None
    orders = filter_orders(
        [order_from_api(order) for order in listing.api_orders],
        params["order_status"],
        params["product_type"],
        inputs["wanted_numbers"],
    )
    phone_numbers = latest_status_by_number(orders, only_numbers)
    if current_state:
        phone_numbers = with_account_state(phone_numbers, listing.api_numbers, only_numbers)
    try:
        compliance = number_compliance(
            phone_numbers,
            params["expected"],
            fail_on_unexpected=params["fail_on_unexpected"],
            max_listed=params["max_listed"],
            current_state=current_state,
        )
    except ValueError as error:
        return dict(failed=True, msg=str(error))
    result = dict(
        changed=False, phone_number_orders=[], phone_numbers=[], pages=listing.order_pages, compliance=compliance
    )
    if current_state:
        result["phone_number_pages"] = listing.number_pages
    return result
