#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: chime_phone_number_order_info
short_description: List Amazon Chime phone number orders, the latest status of every ordered number and, optionally, what the account holds now
version_added: 0.1.0
description:
  - Lists the phone number orders of an AWS account with C(ListPhoneNumberOrders), following every
    C(NextToken) page (botocore has no paginator for this operation), or fetches named orders with
    C(GetPhoneNumberOrder).
  - Returns the orders in snake_case and, for each distinct E.164 number, the status taken from the most
    recently updated order that contains it (RV(phone_numbers)), which is what compliance checks assert on.
  - With O(current_state=true), also lists the account's numbers as they are now with C(ListPhoneNumbers), at the
    same time as the orders, and adds the account's status of each number (RV(phone_numbers[].account_status)).
    An order's history says a number was acquired; only the account says whether it still is.
  - Works with Amazon Chime SDK Voice (O(api=chime_sdk_voice), the default, regional) and with the legacy Amazon
    Chime namespace (O(api=chime), always C(us-east-1)). AWS ended support for the Amazon Chime service on
    2026-02-20; every run with O(api=chime) warns.
  - Throttling (HTTP 429 C(ThrottledClientException)), C(ServiceFailureException) (500),
    C(ServiceUnavailableException) (503), timeouts and malformed pages are retried with jittered exponential
    backoff up to O(max_attempts). A failure never returns a partial list.
  - This module never changes anything; it supports check mode and always returns C(changed=false).
author:
  - voiceops.chime contributors (@voiceops)
options:
  api:
    description:
      - Which API namespace to call.
      - V(chime_sdk_voice) is Amazon Chime SDK Voice (boto3 client C(chime-sdk-voice)), the namespace AWS develops.
        It is regional, and the region comes from O(region), the C(AWS_REGION) or C(AWS_DEFAULT_REGION) environment
        variable, or the profile. With none set, or with a region in which botocore knows no C(chime-sdk-voice)
        endpoint, the task fails before any call, naming the valid regions. Its orders may carry C(order_type)
        and C(foc_date).
      - V(chime) is the legacy Amazon Chime namespace, whose service reached end of support on 2026-02-20 (the
        Amazon Chime SDK is not affected). It has one global endpoint, so O(region) is ignored and requests are
        signed for C(us-east-1). Every run with it warns. Its product type C(BusinessCalling) is historical.
    type: str
    choices: [chime, chime_sdk_voice]
    default: chime_sdk_voice
  page_size:
    description:
      - The C(MaxResults) sent with each list call (C(ListPhoneNumberOrders) and C(ListPhoneNumbers) alike).
      - Defaults to the API's maximum (99 for V(chime), 100 for V(chime_sdk_voice)), which makes the fewest
        round trips. Values outside that range fail before any call is made.
    type: int
  phone_number_order_ids:
    description:
      - Fetch exactly these orders with C(GetPhoneNumberOrder) instead of listing all orders.
      - An id that does not exist fails the task, naming the id.
    type: list
    elements: str
  order_status:
    description:
      - Keep only orders whose status is one of these, for example V(Successful), V(Partial), V(Failed),
        V(Processing). Compared exactly as the service spells them.
    type: list
    elements: str
  product_type:
    description:
      - Keep only orders of these product types, for example V(VoiceConnector), V(BusinessCalling),
        V(SipMediaApplicationDialIn).
    type: list
    elements: str
  phone_numbers:
    description:
      - Keep only orders that contain at least one of these numbers, and report only these numbers in
        RV(phone_numbers).
      - Numbers are normalised to E.164 first, so V(+1 (206\) 555-0100) matches V(+12065550100). Quote every number
        in YAML, since an unquoted V(+12065550100) is read as an integer (and a leading V(0) as octal), which is refused
        with a hint to quote it. An entry that cannot be read as an E.164 number fails the task before any call,
        naming the entry. Duplicates count once.
      - An empty list means no filter, like O(order_status) and O(product_type).
    type: list
    elements: raw
  current_state:
    description:
      - Also list the account's numbers as they are now (C(ListPhoneNumbers), all pages, concurrently with the
        orders) and add to every RV(phone_numbers) entry the number's C(account_status), C(phone_number_id) and,
        when the service sends it, C(deletion_timestamp). A number the account holds that no listed order
        contains is included too, with its order fields null.
      - Needs the IAM action C(chime:ListPhoneNumbers). A failure of either listing fails the task.
      - Off by default for this module, which lists what was ordered; the compliance check
        (M(voiceops.chime.chime_phone_number_compliance) and the role) turns it on by default.
    type: bool
    default: false
    version_added: 0.2.0
  include_orders:
    description:
      - Return RV(phone_number_orders). Set to V(false) when only RV(phone_numbers) is needed; for large
        accounts it makes the result much smaller and the task faster.
    type: bool
    default: true
  max_attempts:
    description:
      - How many times one API call is tried before the task fails, counting the first try. From 1 to 100.
      - Applies to throttling, HTTP 500/502/503/504, timeouts, connection errors and malformed pages.
        Authentication and authorization errors (HTTP 401/403) and other HTTP 4xx errors are never retried.
    type: int
    default: 8
  retry_base_delay:
    description:
      - Base of the exponential backoff, in seconds. Retry n waits a random time between 0 and
        C(min(retry_max_delay, retry_base_delay * 2**n)) (full jitter). A finite number from 0 to 600.
    type: float
    default: 0.5
  retry_max_delay:
    description:
      - The longest single wait between two tries, in seconds. The total wait of one call is at most the sum of
        the capped waits, 35.5 seconds with the defaults. A finite number from 0 to 600.
    type: float
    default: 10.0
  expected:
    description:
      - Judge these E.164 numbers here, with the same judge as the P(voiceops.chime.number_compliance#filter)
        filter, and return the verdict as RV(compliance) instead of the per-number list.
      - Then RV(phone_numbers) and RV(phone_number_orders) are empty, so only the verdict crosses to the
        controller.
      - The same rules as every other entry point of the collection apply, before any call. Every entry must be
        an E.164 number. An empty list is refused unless O(fail_on_unexpected=true) (it would check nothing). And
        O(phone_numbers), O(order_status), O(product_type) and O(phone_number_order_ids) are refused, since a
        filtered listing would judge part of the account.
      - With O(current_state=true) the verdict is on the account as it is now (category C(released) for a number
        an order acquired that the account no longer holds); without it, on order history only.
    type: list
    elements: raw
    version_added: 0.1.0
  fail_on_unexpected:
    description:
      - With O(expected), also fail the verdict for acquired numbers that are not expected.
    type: bool
    default: false
  max_listed:
    description:
      - With O(expected), how many offending numbers the verdict's message lists before C(... and N more).
    type: int
    default: 50
notes:
  - Needs the IAM action C(chime:ListPhoneNumberOrders), C(chime:ListPhoneNumbers) with O(current_state=true), and
    C(chime:GetPhoneNumberOrder) with O(phone_number_order_ids). Both namespaces use the C(chime) IAM prefix.
  - Requires boto3 and botocore at the floors of the collection's C(requirements.txt), which are those of
    amazon.aws (shown under Requirements).
  - A C(NextToken) of V("") is treated as a malformed page (retried, then a failure), not as the end of the
    listing, because the API documents an absent or null token on the last page, and ending early would hide numbers.
  - User information in O(endpoint_url) (C(https://user:password@host)) never appears in messages, warnings or the
    echoed invocation.
  - Timestamps are returned exactly as the service sent them (ISO 8601 strings). Fields the service adds to an
    order in the future are passed through with snake_case names.
  - A failed task carries C(error_code), C(http_status), C(iam_action) and C(attempts) next to C(msg), and never
    a partial RV(phone_number_orders) or RV(phone_numbers).
  - Botocore's own retries are switched off for these calls so that the retry budget is the one set here; an
    O(aws_config) with C(retries) is merged over that and adds botocore retries under each of ours.
  - O(validate_certs=false) makes the task warn, because without verification anyone on the network path could
    answer for the endpoint.
  - All options can be set once with C(module_defaults) for C(group/voiceops.chime.chime). That group extends
    C(group/amazon.aws.aws), so the same defaults also reach amazon.aws modules; defaults set only for
    C(group/amazon.aws.aws) do not reach this module.
seealso:
  - name: ListPhoneNumberOrders API reference
    description: The Amazon Chime SDK Voice API call this module wraps.
    link: https://docs.aws.amazon.com/chime-sdk/latest/APIReference/API_voice-chime_ListPhoneNumberOrders.html
  - plugin: voiceops.chime.chime_phone_numbers
    plugin_type: inventory
  - plugin: voiceops.chime.number_compliance
    plugin_type: filter
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List every phone number order in the region of the environment (Amazon Chime SDK Voice)
  voiceops.chime.chime_phone_number_order_info:
  register: chime_orders

- name: Show the numbers whose latest order did not acquire them
  ansible.builtin.debug:
    msg: "{{ chime_orders.phone_numbers | rejectattr('status', 'equalto', 'Acquired') | list }}"

- name: Every number in eu-central-1 with what the account holds now, without the orders
  voiceops.chime.chime_phone_number_order_info:
    region: eu-central-1
    current_state: true
    include_orders: false
  register: sdk_voice_numbers

- name: Numbers an order acquired that the account no longer holds (deleted, or in the deletion queue)
  ansible.builtin.debug:
    msg: >-
      {{ sdk_voice_numbers.phone_numbers | selectattr('status', 'equalto', 'Acquired')
         | rejectattr('account_status', 'in', ['Unassigned', 'Assigned']) | map(attribute='e164_phone_number') | list }}

- name: Orders that contain given numbers, written the way people write them
  voiceops.chime.chime_phone_number_order_info:
    phone_numbers:
      - "+1 (206) 555-0100"
      - "+12065550101"
    order_status: [Successful, Partial]

- name: Fetch two known orders
  voiceops.chime.chime_phone_number_order_info:
    phone_number_order_ids:
      - 6e6a3c1e-5a2c-4c1b-9a41-1f7c2d0b9e11
      - 0d4e6f2a-8b3c-4d5e-9f60-7a8b9c0d1e2f

- name: Against the local emulator, with a patient retry budget for a heavily throttled account
  voiceops.chime.chime_phone_number_order_info:
    endpoint_url: http://127.0.0.1:8080
    region: us-east-1
    max_attempts: 12
    retry_max_delay: 20

- name: The legacy Amazon Chime namespace (end of support 2026-02-20; the task warns)
  voiceops.chime.chime_phone_number_order_info:
    api: chime

- name: Set connection options once for every module of the collection
  module_defaults:
    group/voiceops.chime.chime:
      profile: compliance
      region: us-west-2
  block:
    - name: List orders with the play's connection options
      voiceops.chime.chime_phone_number_order_info:
      register: chime_orders
"""

RETURN = r"""
phone_number_orders:
  description:
    - Every order listed (or fetched), after the O(order_status), O(product_type) and O(phone_numbers) filters,
      in the order the service returned them. Empty when O(include_orders=false).
  returned: always
  type: list
  elements: dict
  contains:
    phone_number_order_id:
      description: The order id, exactly as the service sent it (not necessarily a UUID).
      type: str
      sample: abc12345-de67-89f0-123g-h45i678j9012
    product_type:
      description: The phone number product type.
      type: str
      sample: VoiceConnector
    status:
      description: The order status.
      type: str
      sample: Successful
    order_type:
      description: V(New) or V(Porting). Only when the service sends it (O(api=chime_sdk_voice)).
      type: str
      returned: when sent by the service
      sample: New
    ordered_phone_numbers:
      description: The numbers in the order, each with its status in that order.
      type: list
      elements: dict
      contains:
        e164_phone_number:
          description: The number in E.164 format.
          type: str
          sample: "+12065550100"
        status:
          description: V(Processing), V(Acquired) or V(Failed).
          type: str
          sample: Acquired
    created_timestamp:
      description: When the order was created, ISO 8601, as the service sent it.
      type: str
      sample: "2017-10-06T15:45:35.345Z"
    updated_timestamp:
      description: When the order was last updated, ISO 8601, as the service sent it.
      type: str
      sample: "2017-10-06T15:45:35.345Z"
    foc_date:
      description: The firm order commitment date. Only when the service sends it.
      type: str
      returned: when sent by the service
      sample: "2026-12-01T00:00:00.000Z"
phone_numbers:
  description:
    - One entry per distinct E.164 number in the returned orders (and, with O(current_state=true), held by the
      account), sorted by number.
    - Each entry comes from the most recently updated order that contains the number, so a number that failed
      in an old order and was acquired in a newer one is V(Acquired).
    - With O(phone_numbers) set, only those numbers.
  returned: always
  type: list
  elements: dict
  contains:
    e164_phone_number:
      description: The number in E.164 format.
      type: str
      sample: "+12065550100"
    status:
      description: The number's status in its latest order (V(Acquired), V(Processing) or V(Failed)).
      type: str
      sample: Acquired
    phone_number_order_id:
      description: The latest order containing the number.
      type: str
      sample: abc12345-de67-89f0-123g-h45i678j9012
    order_status:
      description: The status of that order.
      type: str
      sample: Successful
    product_type:
      description: The product type of that order.
      type: str
      sample: VoiceConnector
    created_timestamp:
      description: When that order was created.
      type: str
      sample: "2017-10-06T15:45:35.345Z"
    updated_timestamp:
      description: When that order was last updated.
      type: str
      sample: "2017-10-06T15:45:35.345Z"
    order_type:
      description: The order type of that order, when the service sends it.
      type: str
      returned: when sent by the service
      sample: New
    account_status:
      description:
        - The number's status in the account now (C(PhoneNumberStatus) of C(ListPhoneNumbers)), for example
          V(Unassigned), V(Assigned), V(DeleteInProgress) or V(PortinInProgress); null when the account no longer
          holds the number.
      type: str
      returned: when O(current_state=true)
      sample: Unassigned
    phone_number_id:
      description: The account's id of the number; null when the account does not hold it.
      type: str
      returned: when O(current_state=true)
      sample: "+12065550100"
    deletion_timestamp:
      description: When the account will delete the number (a number in the deletion queue); null otherwise.
      type: str
      returned: when O(current_state=true)
      sample: "2026-12-08T10:00:00.000Z"
compliance:
  description:
    - The verdict for O(expected), as returned by the P(voiceops.chime.number_compliance#filter) filter
      (C(acquired), C(released), C(failed), C(processing), C(missing), C(unexpected), C(duplicates), C(problems),
      C(skipped), C(counts), C(current_state), C(fail_on_unexpected), C(passed), C(message)).
  returned: when O(expected) is set
  type: dict
  sample: {"passed": true, "counts": {"expected": 1, "acquired": 1}}
pages:
  description: How many C(ListPhoneNumberOrders) calls were made (0 with O(phone_number_order_ids)).
  returned: always
  type: int
  sample: 11
phone_number_pages:
  description: How many C(ListPhoneNumbers) calls were made.
  returned: when O(current_state=true)
  type: int
  sample: 31
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.voiceops.chime.plugins.module_utils.account_numbers import with_account_state
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_MAX_LISTED
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import validate_check_inputs
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164_list
from ansible_collections.voiceops.chime.plugins.module_utils.listing import API_CHOICES
from ansible_collections.voiceops.chime.plugins.module_utils.listing import DEFAULT_API
from ansible_collections.voiceops.chime.plugins.module_utils.listing import LEGACY_API_WARNING
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeApiError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import RetryPolicy
from ansible_collections.voiceops.chime.plugins.module_utils.listing import create_client
from ansible_collections.voiceops.chime.plugins.module_utils.listing import endpoint_secrets
from ansible_collections.voiceops.chime.plugins.module_utils.listing import get_orders
from ansible_collections.voiceops.chime.plugins.module_utils.listing import list_account
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_endpoint_url
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_page_size
from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number
from ansible_collections.voiceops.chime.plugins.module_utils.orders import order_from_api


def argument_spec():
    return dict(
        api=dict(type="str", choices=list(API_CHOICES), default=DEFAULT_API),
        page_size=dict(type="int"),
        phone_number_order_ids=dict(type="list", elements="str"),
        order_status=dict(type="list", elements="str"),
        product_type=dict(type="list", elements="str"),
        phone_numbers=dict(type="list", elements="raw"),
        include_orders=dict(type="bool", default=True),
        current_state=dict(type="bool", default=False),
        max_attempts=dict(type="int", default=8),
        retry_base_delay=dict(type="float", default=0.5),
        retry_max_delay=dict(type="float", default=10.0),
        expected=dict(type="list", elements="raw"),
        fail_on_unexpected=dict(type="bool", default=False),
        max_listed=dict(type="int", default=DEFAULT_MAX_LISTED),
    )


def checked_inputs(params):
    """Every input checked before the first API call; raises ChimeApiError or ValueError naming it."""
    validate_endpoint_url(params.get("endpoint_url"))
    inputs = dict(
        page_size=validate_page_size(params["api"], params["page_size"]),
        policy=RetryPolicy(params["max_attempts"], params["retry_base_delay"], params["retry_max_delay"]),
        wanted_numbers=normalize_e164_list(params["phone_numbers"]) if params["phone_numbers"] else None,
    )
    if params["expected"] is not None:
        validate_check_inputs(params["expected"], params["fail_on_unexpected"], params)
    return inputs


def warn(module, message):
    """Warn through the AnsibleModule inside AnsibleAWSModule.

    amazon.aws 11's AnsibleAWSModule.warn also hands its warnings to exit_json on ansible-core 2.19 and
    later, which ansible-core deprecates: every run that warned showed a DEPRECATION WARNING ("Passing
    `warnings` to `exit_json` ... will be removed from ansible-core version 2.23") that was not the user's to
    fix. ansible-core itself returns the warnings of AnsibleModule.warn, on every version we support.
    """
    getattr(module, "_module", module).warn(message)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    # A user:password in endpoint_url is a credential: masked wherever Ansible prints this task's
    # values (the echoed invocation at -vvv included), on top of the API layer's redaction.
    for secret in endpoint_secrets(params.get("endpoint_url")):
        module.no_log_values.add(secret)
    if params.get("validate_certs") is False:
        # amazon.aws switches verification off silently. The numbers this module reports feed
        # compliance checks, so an unverified endpoint must at least be visible in the run.
        warn(
            module,
            "validate_certs is false: the TLS certificate of the endpoint is not verified, so the "
            "phone number orders may not come from AWS. Use it only with a trusted test endpoint.",
        )
    if params["api"] == "chime":
        warn(module, LEGACY_API_WARNING)

    # fail_json is called outside the except blocks: inside one, ansible-core attaches the
    # traceback as "exception", and some consumers (the JUnit callback on 2.17) show only that.
    # Our errors are expected outcomes with complete messages, not crashes.
    failure = None
    try:
        inputs = checked_inputs(params)
    except (ChimeApiError, ValueError) as error:
        failure = dict(msg=str(error), **(error.as_dict() if isinstance(error, ChimeApiError) else {}))
    if failure:
        module.fail_json(**failure)

    current_state = params["current_state"]
    number_pages = 0
    api_numbers = None
    try:
        client = create_client(module, params["api"])
        if params["phone_number_order_ids"]:
            orders, pages = get_orders(client, params["phone_number_order_ids"], policy=inputs["policy"]), 0
            if current_state:
                listing = list_account(
                    client, params["api"], inputs["page_size"], inputs["policy"], current_state=True, orders=False
                )
                api_numbers, number_pages = listing.api_numbers, listing.number_pages
        else:
            listing = list_account(
                client, params["api"], inputs["page_size"], inputs["policy"], current_state=current_state
            )
            orders = [order_from_api(api_order) for api_order in listing.api_orders]
            pages, api_numbers, number_pages = listing.order_pages, listing.api_numbers, listing.number_pages
    except ChimeApiError as error:
        failure = dict(msg=error.message, **error.as_dict())
    if failure:
        module.fail_json(**failure)

    wanted_numbers = inputs["wanted_numbers"]
    only_numbers = set(wanted_numbers) if wanted_numbers else None
    orders = filter_orders(orders, params["order_status"], params["product_type"], wanted_numbers)
    phone_numbers = latest_status_by_number(orders, only_numbers)
    if current_state:
        phone_numbers = with_account_state(phone_numbers, api_numbers, only_numbers)
    extra = dict(phone_number_pages=number_pages) if current_state else {}
    if params["expected"] is not None:
        # Judged here so that only the verdict crosses to the controller: at 10,000 orders that is
        # a few thousand values instead of hundreds of thousands, which ansible-core scrubs, encodes,
        # decodes and (on 2.19+) templates one by one (docs/performance.md).
        compliance = None
        try:
            compliance = number_compliance(
                phone_numbers,
                params["expected"],
                fail_on_unexpected=params["fail_on_unexpected"],
                max_listed=params["max_listed"],
                current_state=current_state,
            )
        except ValueError as error:
            failure = dict(msg=str(error))
        if failure:
            module.fail_json(**failure)
        module.exit_json(
            changed=False, phone_number_orders=[], phone_numbers=[], pages=pages, compliance=compliance, **extra
        )
    module.exit_json(
        changed=False,
        phone_number_orders=orders if params["include_orders"] else [],
        phone_numbers=phone_numbers,
        pages=pages,
        **extra
    )


if __name__ == "__main__":
    main()
