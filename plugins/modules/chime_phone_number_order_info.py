#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: chime_phone_number_order_info
short_description: List Amazon Chime phone number orders and the latest status of every ordered number
version_added: 0.1.0
description:
  - Lists the phone number orders of an AWS account with C(ListPhoneNumberOrders), following every
    C(NextToken) page (botocore has no paginator for this operation), or fetches named orders with
    C(GetPhoneNumberOrder).
  - Returns the orders in snake_case and, for each distinct E.164 number, the status taken from the most
    recently updated order that contains it (RV(phone_numbers)), which is what compliance checks assert on.
  - Works with the legacy Amazon Chime namespace (O(api=chime), always C(us-east-1)) and with
    Amazon Chime SDK Voice (O(api=chime_sdk_voice), regional).
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
      - V(chime) is the legacy Amazon Chime namespace. It has one global endpoint, so O(region) is ignored and
        requests are signed for C(us-east-1).
      - V(chime_sdk_voice) is Amazon Chime SDK Voice (boto3 client C(chime-sdk-voice)). It is regional, so
        O(region) is required, and its orders may carry C(order_type) and C(foc_date).
    type: str
    choices: [chime, chime_sdk_voice]
    default: chime
  page_size:
    description:
      - The C(MaxResults) sent with each list call.
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
      - Numbers are normalised to E.164 first, so V(+1 (206\) 555-0100) matches V(+12065550100), and an unquoted
        YAML V(+12065550100) (read as an integer) works too. An entry that cannot be read as an E.164 number
        fails the task before any call, naming the entry. Duplicates count once.
      - An empty list means no filter, like O(order_status) and O(product_type).
    type: list
    elements: raw
  include_orders:
    description:
      - Return RV(phone_number_orders). Set to V(false) when only RV(phone_numbers) is needed; for large
        accounts it makes the result much smaller and the task faster.
    type: bool
    default: true
  max_attempts:
    description:
      - How many times one API call is tried before the task fails, counting the first try.
      - Applies to throttling, HTTP 500/502/503/504, timeouts, connection errors and malformed pages.
        Authentication and authorization errors (HTTP 401/403) and other HTTP 4xx errors are never retried.
    type: int
    default: 8
  retry_base_delay:
    description:
      - Base of the exponential backoff, in seconds. Retry n waits a random time between 0 and
        C(min(retry_max_delay, retry_base_delay * 2**n)) (full jitter).
    type: float
    default: 0.5
  retry_max_delay:
    description:
      - The longest single wait between two tries, in seconds. The total wait of one call is at most the sum of
        the capped waits, 35.5 seconds with the defaults.
    type: float
    default: 10.0
  expected:
    description:
      - Judge these E.164 numbers here, with the same judge as the P(voiceops.chime.number_compliance#filter)
        filter, and return the verdict as RV(compliance) instead of the per-number list.
      - Then RV(phone_numbers) and RV(phone_number_orders) are empty, so only the verdict crosses to the
        controller (about 26,000 values instead of 240,000 for 10,000 orders, the 10,000 numbers judged).
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
  - Needs the IAM action C(chime:ListPhoneNumberOrders) (and C(chime:GetPhoneNumberOrder) with
    O(phone_number_order_ids)). Both namespaces use the C(chime) IAM prefix.
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
- name: List every phone number order of the account (legacy Amazon Chime namespace)
  voiceops.chime.chime_phone_number_order_info:
  register: chime_orders

- name: Show the numbers whose latest order did not acquire them
  ansible.builtin.debug:
    msg: "{{ chime_orders.phone_numbers | rejectattr('status', 'equalto', 'Acquired') | list }}"

- name: Chime SDK Voice in eu-central-1, only what a compliance check needs
  voiceops.chime.chime_phone_number_order_info:
    api: chime_sdk_voice
    region: eu-central-1
    include_orders: false
  register: sdk_voice_numbers

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
    max_attempts: 12
    retry_max_delay: 20

- name: Set connection options once for every module of the collection
  module_defaults:
    group/voiceops.chime.chime:
      profile: compliance
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
    - One entry per distinct E.164 number in the returned orders, sorted by number.
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
compliance:
  description:
    - The verdict for O(expected), as returned by the P(voiceops.chime.number_compliance#filter) filter
      (C(acquired), C(failed), C(processing), C(missing), C(unexpected), C(duplicates), C(problems), C(counts),
      C(passed), C(message)).
  returned: when O(expected) is set
  type: dict
  sample: {"passed": true, "counts": {"expected": 1, "acquired": 1}}
pages:
  description: How many list calls were made (0 with O(phone_number_order_ids)).
  returned: always
  type: int
  sample: 11
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.voiceops.chime.plugins.module_utils.compliance import DEFAULT_MAX_LISTED
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import normalize_expected
from ansible_collections.voiceops.chime.plugins.module_utils.compliance import number_compliance
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import InvalidPhoneNumberError
from ansible_collections.voiceops.chime.plugins.module_utils.e164 import normalize_e164_list
from ansible_collections.voiceops.chime.plugins.module_utils.listing import API_CHOICES
from ansible_collections.voiceops.chime.plugins.module_utils.listing import ChimeApiError
from ansible_collections.voiceops.chime.plugins.module_utils.listing import RetryPolicy
from ansible_collections.voiceops.chime.plugins.module_utils.listing import create_client
from ansible_collections.voiceops.chime.plugins.module_utils.listing import get_orders
from ansible_collections.voiceops.chime.plugins.module_utils.listing import list_orders
from ansible_collections.voiceops.chime.plugins.module_utils.listing import validate_page_size
from ansible_collections.voiceops.chime.plugins.module_utils.orders import filter_orders
from ansible_collections.voiceops.chime.plugins.module_utils.orders import latest_status_by_number


def main():
    argument_spec = dict(
        api=dict(type="str", choices=list(API_CHOICES), default="chime"),
        page_size=dict(type="int"),
        phone_number_order_ids=dict(type="list", elements="str"),
        order_status=dict(type="list", elements="str"),
        product_type=dict(type="list", elements="str"),
        phone_numbers=dict(type="list", elements="raw"),
        include_orders=dict(type="bool", default=True),
        max_attempts=dict(type="int", default=8),
        retry_base_delay=dict(type="float", default=0.5),
        retry_max_delay=dict(type="float", default=10.0),
        expected=dict(type="list", elements="raw"),
        fail_on_unexpected=dict(type="bool", default=False),
        max_listed=dict(type="int", default=DEFAULT_MAX_LISTED),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params.get("validate_certs") is False:
        # amazon.aws switches verification off silently. The numbers this module reports feed
        # compliance checks, so an unverified endpoint must at least be visible in the run.
        module.warn("validate_certs is false: the TLS certificate of the endpoint is not verified, so the "
                    "phone number orders may not come from AWS. Use it only with a trusted test endpoint.")

    # fail_json is called outside the except blocks: inside one, ansible-core attaches the
    # traceback as "exception", and some consumers (the JUnit callback on 2.17) show only that.
    # Our errors are expected outcomes with complete messages, not crashes.
    failure = None
    # Every input is checked before the first API call.
    try:
        page_size = validate_page_size(params["api"], params["page_size"])
        policy = RetryPolicy(params["max_attempts"], params["retry_base_delay"], params["retry_max_delay"])
        wanted_numbers = normalize_e164_list(params["phone_numbers"]) if params["phone_numbers"] else None
        if params["expected"] is not None:
            normalize_expected(params["expected"])
    except (ChimeApiError, InvalidPhoneNumberError) as error:
        failure = dict(msg=str(error))
    if failure:
        module.fail_json(**failure)

    try:
        client = create_client(module, params["api"])
        if params["phone_number_order_ids"]:
            orders, pages = get_orders(client, params["phone_number_order_ids"], policy=policy), 0
        else:
            orders, pages = list_orders(client, params["api"], page_size=page_size, policy=policy)
    except ChimeApiError as error:
        failure = dict(msg=error.message, **error.as_dict())
    if failure:
        module.fail_json(**failure)

    orders = filter_orders(orders, params["order_status"], params["product_type"], wanted_numbers)
    phone_numbers = latest_status_by_number(orders, set(wanted_numbers) if wanted_numbers else None)
    if params["expected"] is not None:
        # Judged here so that only the verdict crosses to the controller: at 10,000 orders that is
        # 26,520 values instead of 240,001, which ansible-core scrubs, encodes, decodes and (on 2.19+)
        # templates one by one (docs/performance.md).
        compliance = None
        try:
            compliance = number_compliance(phone_numbers, params["expected"],
                                           fail_on_unexpected=params["fail_on_unexpected"],
                                           max_listed=params["max_listed"])
        except ValueError as error:
            failure = dict(msg=str(error))
        if failure:
            module.fail_json(**failure)
        module.exit_json(changed=False, phone_number_orders=[], phone_numbers=[], pages=pages,
                         compliance=compliance)
    module.exit_json(
        changed=False,
        phone_number_orders=orders if params["include_orders"] else [],
        phone_numbers=phone_numbers,
        pages=pages,
    )


if __name__ == "__main__":
    main()
