# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test data shared by the unit, integration and fault suites (tests/conftest.py puts tests/ on sys.path).

Written out independently of plugins/module_utils/orders.py, so a test that compares the collection's
output with these builders checks the documented shape, not the code against itself.
"""

from __future__ import annotations

# The ListPhoneNumberOrders sample response body from the Amazon Chime API reference,
# byte for byte: "NextToken": null, an id that is not a UUID ('123g'), a ProductType that
# is not in the enum ('Voice Connector'), ISO timestamps with milliseconds.
API_REFERENCE_SAMPLE = (
    '{"NextToken":null,"PhoneNumberOrders":[{"CreatedTimestamp":"2019-08-12T22:10:20.504Z",'
    '"OrderedPhoneNumbers":[{"E164PhoneNumber":"+12065550100","Status":"Acquired"},'
    '{"E164PhoneNumber":"+12065550101","Status":"Acquired"}],'
    '"PhoneNumberOrderId":"abc12345-de67-89f0-123g-h45i678j9012","ProductType":"Voice Connector",'
    '"Status":"Successful","UpdatedTimestamp":"2019-08-12T22:10:31.186Z"}]}'
)


def api_order(order_id, updated, numbers, status="Successful", product_type="VoiceConnector", created=None, **extra):
    """One order in the API's shape; ``numbers`` is a list of (E.164, number status) pairs."""
    order = {
        "PhoneNumberOrderId": order_id,
        "ProductType": product_type,
        "Status": status,
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers],
        "CreatedTimestamp": created or updated,
        "UpdatedTimestamp": updated,
    }
    order.update(extra)
    return order


def expected_order(api_order_value):
    """The snake_case order the module documents for one API order."""
    order = {
        "phone_number_order_id": api_order_value["PhoneNumberOrderId"],
        "product_type": api_order_value["ProductType"],
        "status": api_order_value["Status"],
        "ordered_phone_numbers": [
            {"e164_phone_number": number["E164PhoneNumber"], "status": number["Status"]}
            for number in api_order_value["OrderedPhoneNumbers"]
        ],
        "created_timestamp": api_order_value["CreatedTimestamp"],
        "updated_timestamp": api_order_value["UpdatedTimestamp"],
    }
    for key, name in (("OrderType", "order_type"), ("FocDate", "foc_date")):
        if key in api_order_value:
            order[name] = api_order_value[key]
    return order
