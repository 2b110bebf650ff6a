# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every response the emulator serves, checked against botocore's own service models.

For the four operations in both namespaces, success pages (generated and hand-made data,
every status, numbers in the deletion queue, numbers without an order) and error bodies are
checked member by member against the operation's output or error shape: no undocumented
member, types as the model says (timestamps as ISO 8601 strings where the model says
iso8601), enum values inside the enum, required members present. The emulator's own copies of
the enums and limits are compared with the models too, and the hand-made data must exercise
every member the models define, so a change to a shape on AWS's side fails here first.
"""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse

import botocore.parsers
import botocore.session
import pytest
from botocore.compat import HTTPHeaders
from chime_emulator import APIS
from chime_emulator import MAX_RESULTS
from chime_emulator import generate_orders
from emulator_data import ASSOCIATION_NAMES
from emulator_data import NUMBER_STATUSES
from emulator_data import PRODUCT_TYPES
from emulator_data import VOICE_ONLY_NUMBER_MEMBERS
from emulator_testkit import list_all
from emulator_testkit import list_numbers
from emulator_testkit import make_client
from emulator_testkit import raw_request

SESSION = botocore.session.get_session()
MODELS = {api: SESSION.get_service_model(api) for api in APIS}
PREFIX = {"chime": "/chime", "chime-sdk-voice": "/chime-sdk-voice"}
# chime-sdk-voice's shapes gained members (PhoneNumberOrder.FocDate, PhoneNumber.PhoneNumberArn) after
# requirements.txt's botocore floor: against that model the emulator's complete answers would read as
# undocumented members. Those cases need the current model (the floors lane deselects them).
APIS_AGAINST_THE_MODEL = [
    pytest.param(api, marks=pytest.mark.newest_model) if api == "chime-sdk-voice" else api for api in APIS
]
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
# Every rest-json error carries its message outside the modeled members: botocore (and every
# other SDK) reads "message" or "Message" from any error body, whatever the shape says.
PROTOCOL_ERROR_KEYS = frozenset(("message", "Message"))


def shape_problems(shape, value, path="$"):
    """Every way the decoded JSON ``value`` breaks ``shape`` (a botocore.model.Shape); [] if none.

    JSON null counts as an absent member, as botocore's parser treats it (the service sends
    ``"NextToken": null`` on a last page).
    """
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({shape.name}), got {type(value).__name__}"]
        problems = [f"{path}.{name}: not a member of {shape.name}" for name in value if name not in shape.members]
        problems += [
            f"{path}.{name}: required member of {shape.name} is missing"
            for name in shape.metadata.get("required", [])
            if value.get(name) is None
        ]
        for name, member in shape.members.items():
            if value.get(name) is not None:
                problems += shape_problems(member, value[name], f"{path}.{name}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list ({shape.name}), got {type(value).__name__}"]
        return [
            problem
            for index, item in enumerate(value)
            for problem in shape_problems(shape.member, item, f"{path}[{index}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map ({shape.name}), got {type(value).__name__}"]
        return [
            problem
            for key, item in value.items()
            for problem in shape_problems(shape.key, key, f"{path}<key>")
            + shape_problems(shape.value, item, f"{path}[{key!r}]")
        ]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string ({shape.name}), got {type(value).__name__}"]
        if shape.enum and value not in shape.enum:
            return [f"{path}: {value!r} is not in {shape.name}'s enum {shape.enum}"]
        return []
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: expected an integer ({shape.name}), got {type(value).__name__}"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {type(value).__name__}"]
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a number, got {type(value).__name__}"]
    if kind == "timestamp":
        # rest-json bodies default to epoch seconds unless the shape says otherwise.
        if shape.serialization.get("timestampFormat", "unixTimestamp") == "iso8601":
            if not isinstance(value, str) or not ISO_8601.match(value):
                return [f"{path}: expected an ISO 8601 timestamp ({shape.name}), got {value!r}"]
            try:
                datetime.datetime.fromisoformat(value)
            except ValueError:
                return [f"{path}: {value!r} is not a valid date and time"]
            return []
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected epoch seconds ({shape.name}), got {value!r}"]
    return [f"{path}: shape type {kind} is not handled by this checker"]


def error_problems(operation_model, status, headers, body):
    """An error response against the operation's error shapes (plus the protocol's message)."""
    code = headers.get("x-amzn-ErrorType", "")
    shapes = {shape.name: shape for shape in operation_model.error_shapes}
    if code not in shapes:
        return [f"{operation_model.name}: {code!r} is not one of its errors {sorted(shapes)}"]
    shape = shapes[code]
    problems = []
    if status != shape.metadata["error"]["httpStatusCode"]:
        problems.append(f"{code}: HTTP {status}, the model says {shape.metadata['error']['httpStatusCode']}")
    document = json.loads(body)
    if not document.keys() & PROTOCOL_ERROR_KEYS:
        problems.append(f"{code}: no message in {document}")
    modeled = {key: value for key, value in document.items() if key not in PROTOCOL_ERROR_KEYS or key in shape.members}
    return problems + shape_problems(shape, modeled, f"{code}")


def parse_with_botocore(operation_model, response, body):
    """botocore's own rest-json parser over a raw response, as a client would run it."""
    parser = botocore.parsers.create_parser("rest-json")
    shape = operation_model.output_shape if response.status < 300 else None
    # Case-insensitive headers, as botocore's HTTP layer hands them to the parser.
    headers = HTTPHeaders.from_pairs(response.getheaders())
    return parser.parse({"status_code": response.status, "headers": headers, "body": body}, shape)


def fetch(emu, api, operation, path):
    """GET ``path`` in ``api``'s namespace: (decoded body, botocore-parsed result), after
    checking the body against the operation's output (or error) shape."""
    operation_model = MODELS[api].operation_model(operation)
    response, body = raw_request(emu, PREFIX[api] + path)
    if response.status == 200:
        document = json.loads(body)
        problems = shape_problems(operation_model.output_shape, document)
    else:
        document = None
        problems = error_problems(operation_model, response.status, dict(response.getheaders()), body)
    assert not problems, f"{api} {operation} {path}:\n" + "\n".join(problems[:20])
    return document, parse_with_botocore(operation_model, response, body)


def check_every_page_and_item(emu, api, get_every=1):
    """Check every list page and (every ``get_every``-th) get answer of both operations;
    returns the members seen on orders and numbers."""
    seen = {"orders": set(), "numbers": set()}
    for operation, path, items, get_operation, get_path, id_member, kind in (
        (
            "ListPhoneNumberOrders",
            "/phone-number-orders",
            "PhoneNumberOrders",
            "GetPhoneNumberOrder",
            "/phone-number-orders/",
            "PhoneNumberOrderId",
            "orders",
        ),
        (
            "ListPhoneNumbers",
            "/phone-numbers",
            "PhoneNumbers",
            "GetPhoneNumber",
            "/phone-numbers/",
            "PhoneNumberId",
            "numbers",
        ),
    ):
        token, listed = None, []
        for _page in range(1000):
            query = "?max-results=%d" % MAX_RESULTS[api] + (f"&next-token={urllib.parse.quote(token)}" if token else "")
            document, parsed = fetch(emu, api, operation, path + query)
            assert len(parsed[items]) == len(document[items])
            listed += document[items]
            token = document.get("NextToken")
            if not token:
                break
        for item in listed:
            seen[kind] |= set(item)
        for item in listed[::get_every]:
            document, parsed = fetch(emu, api, get_operation, get_path + urllib.parse.quote(item[id_member], safe=""))
            assert document == {get_operation[3:]: item}
            assert parsed[get_operation[3:]][id_member] == item[id_member]
    return seen


def hand_made(emu, api):
    """Data that uses every status and member: orders in every order status, a number in the
    deletion queue, numbers without an order in every number status, associations, names."""
    order_statuses = MODELS[api].shape_for("PhoneNumberOrderStatus").enum
    orders = []
    for index, order_status in enumerate(order_statuses):
        ordered = {"Failed": "Failed", "Processing": "Processing"}.get(order_status, "Acquired")
        order = {
            "CreatedTimestamp": "2026-01-01T00:00:%02d.000Z" % index,
            "OrderedPhoneNumbers": [
                {"E164PhoneNumber": "+1206555%04d" % index, "Status": ordered},
                {"E164PhoneNumber": "+1206556%04d" % index, "Status": "Acquired"},
            ],
            "PhoneNumberOrderId": "00000000-0000-0000-0000-%012d" % index,
            "ProductType": PRODUCT_TYPES[api][index % len(PRODUCT_TYPES[api])],
            "Status": order_status,
            "UpdatedTimestamp": "2026-01-02T00:00:%02d.000Z" % index,
        }
        if api == "chime-sdk-voice":
            order["OrderType"] = "Porting" if index % 2 else "New"
            if index % 2:
                order["FocDate"] = "2026-02-01T00:00:00.000Z"
        orders.append(order)
    emu.set_orders(orders)
    emu.delete_number("+12065560000")
    emu.set_number_status("+12065560001", "ReleaseFailed")
    for index, number_status in enumerate(NUMBER_STATUSES[api]):
        association_name = ASSOCIATION_NAMES[api][index % len(ASSOCIATION_NAMES[api])]
        emu.add_number(
            "+1206557%04d" % index,
            status=number_status,
            product_type=PRODUCT_TYPES[api][0],
            members={
                "Associations": [
                    {
                        "AssociatedTimestamp": "2026-01-03T00:00:00.000Z",
                        "Name": association_name,
                        "Value": "vc-%d" % index,
                    }
                ],
                "CallingName": "Front Desk %d" % index,
                "CallingNameStatus": "UpdateSucceeded",
                "Name": "lobby %d" % index,
            },
        )
    emu.delete_number("+12065560002")
    return orders


# ---- the checker itself ------------------------------------------------------------------


def test_the_checker_finds_each_kind_of_problem():
    shape = MODELS["chime-sdk-voice"].operation_model("GetPhoneNumber").output_shape
    good = {
        "PhoneNumber": {
            "PhoneNumberId": "+12065550100",
            "Status": "Unassigned",
            "CreatedTimestamp": "2026-01-01T00:00:00.000Z",
            "Capabilities": {"InboundCall": True},
            "Associations": [],
        }
    }
    assert shape_problems(shape, good) == []
    bad = {
        "PhoneNumber": {
            "PhoneNumberId": 7,
            "Status": "Acquired",
            "CreatedTimestamp": 1767225600,
            "Capabilities": {"InboundCall": "yes"},
            "Associations": {},
            "Surprise": 1,
        }
    }
    problems = "\n".join(shape_problems(shape, bad))
    for needle in (
        "PhoneNumberId: expected a string",
        "'Acquired' is not in PhoneNumberStatus",
        "CreatedTimestamp: expected an ISO 8601",
        "InboundCall: expected a boolean",
        "Associations: expected a list",
        "Surprise: not a member",
    ):
        assert needle in problems
    required = MODELS["chime"].operation_model("GetPhoneNumber").input_shape
    assert shape_problems(required, {}) == ["$.PhoneNumberId: required member of GetPhoneNumberRequest is missing"]


# ---- the emulator's copies of the models ------------------------------------------------------


@pytest.mark.parametrize("api", APIS_AGAINST_THE_MODEL)
def test_the_emulators_enums_and_limits_are_the_models(api):
    model = MODELS[api]
    number = model.operation_model("GetPhoneNumber").output_shape.members["PhoneNumber"]
    assert tuple(number.members["Status"].enum) == NUMBER_STATUSES[api]
    assert tuple(number.members["ProductType"].enum) == PRODUCT_TYPES[api]
    assert tuple(number.members["Associations"].member.members["Name"].enum) == ASSOCIATION_NAMES[api]
    listing = model.operation_model("ListPhoneNumbers").input_shape.members
    assert listing["MaxResults"].metadata["max"] == MAX_RESULTS[api]
    assert model.operation_model("ListPhoneNumberOrders").input_shape.members["MaxResults"].metadata["max"] == (
        MAX_RESULTS[api]
    )
    assert {name: member.serialization.get("name") for name, member in listing.items()} == {
        "Status": "status",
        "ProductType": "product-type",
        "FilterName": "filter-name",
        "FilterValue": "filter-value",
        "MaxResults": "max-results",
        "NextToken": "next-token",
    }
    assert model.operation_model("ListPhoneNumbers").http == {"method": "GET", "requestUri": "/phone-numbers"}
    assert model.operation_model("GetPhoneNumber").http == {
        "method": "GET",
        "requestUri": "/phone-numbers/{phoneNumberId}",
    }
    if api == "chime":
        assert VOICE_ONLY_NUMBER_MEMBERS.isdisjoint(number.members)
    else:
        assert VOICE_ONLY_NUMBER_MEMBERS <= set(number.members)


# ---- success pages and error bodies ----------------------------------------------------------


@pytest.mark.parametrize("api", APIS_AGAINST_THE_MODEL)
def test_generated_data_conforms_in_every_operation(emu_factory, api):
    emu = emu_factory(generate=250, seed=11, api=api)
    seen = check_every_page_and_item(emu, api, get_every=25)
    order_shape = MODELS[api].operation_model("GetPhoneNumberOrder").output_shape.members["PhoneNumberOrder"]
    assert seen["orders"] == set(order_shape.members), "generated orders use every member of the model"


@pytest.mark.parametrize("api", APIS_AGAINST_THE_MODEL)
def test_hand_made_data_with_every_status_and_member_conforms(emu_factory, api):
    emu = emu_factory(api=api)
    hand_made(emu, api)
    seen = check_every_page_and_item(emu, api)
    number_shape = MODELS[api].operation_model("GetPhoneNumber").output_shape.members["PhoneNumber"]
    assert seen["numbers"] == set(number_shape.members), "the hand-made data exercise every member of the model"
    statuses = {number["Status"] for number in emu.numbers(api=api)}
    assert statuses == set(NUMBER_STATUSES[api])
    deleted = [number for number in emu.numbers(api=api) if "DeletionTimestamp" in number]
    assert {number["Status"] for number in deleted} == {"DeleteInProgress"} and len(deleted) == 2


@pytest.mark.parametrize("api", APIS_AGAINST_THE_MODEL)
def test_the_other_namespaces_data_is_served_in_this_namespaces_shape(emu_factory, api):
    other = "chime" if api == "chime-sdk-voice" else "chime-sdk-voice"
    emu = emu_factory(api=other)
    # SDK Voice-shaped orders (values both enums share): the legacy namespace leaves out its
    # OrderType, FocDate and the numbers' OrderId, Name and PhoneNumberArn.
    emu.set_orders(generate_orders(60, seed=12, api="chime-sdk-voice"))
    check_every_page_and_item(emu, api, get_every=10)


# operation -> (a path that succeeds, a path the operation refuses, the refusal's code)
def error_cases(emu):
    order_id = emu.orders()[0]["PhoneNumberOrderId"]
    number_id = urllib.parse.quote(emu.numbers()[0]["PhoneNumberId"], safe="")
    return {
        "ListPhoneNumberOrders": ("/phone-number-orders", "/phone-number-orders?max-results=0", "BadRequestException"),
        "GetPhoneNumberOrder": (
            "/phone-number-orders/" + order_id,
            "/phone-number-orders/no-such-order",
            "NotFoundException",
        ),
        "ListPhoneNumbers": ("/phone-numbers", "/phone-numbers?status=Acquired", "BadRequestException"),
        "GetPhoneNumber": ("/phone-numbers/" + number_id, "/phone-numbers/%2B19999999999", "NotFoundException"),
    }


FAULTS = {
    "throttle": "ThrottledClientException",
    "fail_500": "ServiceFailureException",
    "fail_503": "ServiceUnavailableException",
    "forbidden": "ForbiddenException",
    "unauthorized": "UnauthorizedClientException",
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    "operation", ["ListPhoneNumberOrders", "GetPhoneNumberOrder", "ListPhoneNumbers", "GetPhoneNumber"]
)
def test_error_bodies_conform_to_the_operations_error_shapes(emu_factory, api, operation):
    emu = emu_factory(generate=5, api=api)
    good_path, bad_path, refusal = error_cases(emu)[operation]
    for fault, code in FAULTS.items():
        emu.inject(**{fault: 1, "operations": [operation]})
        assert fetch(emu, api, operation, good_path)[1]["Error"]["Code"] == code
    assert fetch(emu, api, operation, bad_path)[1]["Error"]["Code"] == refusal
    emu.inject(deny_operations=[operation])
    assert fetch(emu, api, operation, good_path)[1]["Error"]["Code"] == "ForbiddenException"


# ---- real boto3 clients -------------------------------------------------------------------------


def _comparable(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _iso(value):
    return datetime.datetime.fromisoformat(value).isoformat() if isinstance(value, str) else value


def _served(record, timestamps):
    return {
        key: (
            [dict(item, AssociatedTimestamp=_iso(item["AssociatedTimestamp"])) for item in value]
            if key == "Associations"
            else _iso(value) if key in timestamps else value
        )
        for key, value in record.items()
    }


@pytest.mark.parametrize("api", APIS_AGAINST_THE_MODEL)
def test_boto3_clients_list_and_get_both_operations(emu_factory, api):
    emu = emu_factory(api=api)
    hand_made(emu, api)
    client = make_client(emu, api)
    orders = list_all(client, page_size=3)[1]
    numbers = list_numbers(client, page_size=4)[1]
    number_stamps = ("CreatedTimestamp", "UpdatedTimestamp", "DeletionTimestamp")
    assert [_comparable(number) for number in numbers] == [
        _served(number, number_stamps) for number in emu.numbers(api=api)
    ]
    assert [order["PhoneNumberOrderId"] for order in orders] == [order["PhoneNumberOrderId"] for order in emu.orders()]
    for order in orders:
        got = client.get_phone_number_order(PhoneNumberOrderId=order["PhoneNumberOrderId"])["PhoneNumberOrder"]
        assert got == order
    for number in numbers:
        assert client.get_phone_number(PhoneNumberId=number["PhoneNumberId"])["PhoneNumber"] == number
