# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data model of the Chime emulator: orders, phone numbers, accounts, and deterministic data.

Pure functions and plain values only (no HTTP, no locks): generating orders, reading and
checking data documents, deriving the phone numbers an account holds from its orders, and
shaping a record for a namespace. ``emulator_store`` keeps the mutable state built from these.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import time

API_CHIME = "chime"
API_CHIME_SDK_VOICE = "chime-sdk-voice"
APIS = (API_CHIME, API_CHIME_SDK_VOICE)
# What a bare endpoint_url answers as. botocore sends byte-identical requests for both
# namespaces, so the root has to pick one; chime-sdk-voice is the namespace AWS keeps.
DEFAULT_API = API_CHIME_SDK_VOICE

# Enums from botocore's service models (PhoneNumberStatus, PhoneNumberProductType,
# PhoneNumberAssociationName). The model-check unit tests compare these with botocore, so a
# change on AWS's side fails a test instead of drifting silently.
NUMBER_STATUSES = {
    API_CHIME: (
        "AcquireInProgress",
        "AcquireFailed",
        "Unassigned",
        "Assigned",
        "ReleaseInProgress",
        "DeleteInProgress",
        "ReleaseFailed",
        "DeleteFailed",
    ),
    API_CHIME_SDK_VOICE: (
        "Cancelled",
        "PortinCancelRequested",
        "PortinInProgress",
        "AcquireInProgress",
        "AcquireFailed",
        "Unassigned",
        "Assigned",
        "ReleaseInProgress",
        "DeleteInProgress",
        "ReleaseFailed",
        "DeleteFailed",
    ),
}
PRODUCT_TYPES = {
    API_CHIME: ("BusinessCalling", "VoiceConnector", "SipMediaApplicationDialIn"),
    API_CHIME_SDK_VOICE: ("VoiceConnector", "SipMediaApplicationDialIn"),
}
ASSOCIATION_NAMES = {
    API_CHIME: ("AccountId", "UserId", "VoiceConnectorId", "VoiceConnectorGroupId", "SipRuleId"),
    API_CHIME_SDK_VOICE: ("VoiceConnectorId", "VoiceConnectorGroupId", "SipRuleId"),
}

# Members only the chime-sdk-voice model has. The legacy namespace leaves them out, so each
# namespace sends exactly its documented shape from the same data.
VOICE_ONLY_ORDER_MEMBERS = frozenset(("FocDate", "OrderType"))
VOICE_ONLY_NUMBER_MEMBERS = frozenset(("Name", "OrderId", "PhoneNumberArn"))

# An ordered number's status (latest order) -> the status of the number the account holds.
# Failed numbers (and anything unknown) are not held at all.
HELD_STATUS_BY_ORDERED_STATUS = {"Acquired": "Unassigned", "Processing": "AcquireInProgress"}

# AWS keeps a deleted number in the deletion queue for 7 days before it is gone.
DELETION_QUEUE_DAYS = 7

# The account id in the ARNs of data served to access keys without an account of their own.
DEFAULT_ACCOUNT_ID = "123456789012"

_DOCUMENT_KEYS = ("PhoneNumberOrders", "PhoneNumbers", "Regions", "Accounts")


class EmulatorConfigError(ValueError):
    """A bad emulator setting (data file, bind address, fault value, control call)."""


# --------------------------------------------------------------------------- timestamps

_GENERATE_EPOCH_MS = 1672531200000  # 2023-01-01T00:00:00.000Z


def iso_millis(epoch_ms):
    seconds, millis = divmod(int(epoch_ms), 1000)
    t = time.gmtime(seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t[0], t[1], t[2], t[3], t[4], t[5], millis)


def now_iso_millis():
    return iso_millis(time.time() * 1000)


class _MillisFormatter:
    """ISO 8601 UTC with milliseconds; caches the date part, which changes
    rarely in a run of increasing timestamps."""

    def __init__(self):
        self._day = None
        self._prefix = ""

    def __call__(self, epoch_ms):
        day, ms_of_day = divmod(epoch_ms, 86_400_000)
        if day != self._day:
            self._day = day
            self._prefix = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
        seconds, millis = divmod(ms_of_day, 1000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return "%s%02d:%02d:%02d.%03dZ" % (self._prefix, hour, minute, second, millis)


def timestamp_sort_key(value):
    """Seconds since the epoch for an ISO 8601 string or a number; -inf for anything else.

    Data are served as given, junk included, so "latest order" must never crash on a
    timestamp it cannot read: such an order simply counts as the oldest.
    """
    if isinstance(value, bool):
        return float("-inf")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return float("-inf")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed.timestamp()
    return float("-inf")


# --------------------------------------------------------------------------- generated orders


def _npa_nxx_codes():
    # NANP area codes and exchange codes are [2-9]XX; N11 codes are service
    # codes (411, 911, ...) and never appear as regular numbers.
    return [c for c in range(200, 1000) if c % 100 != 11]


_NANP_CODES = _npa_nxx_codes()


def check_api(api):
    if api not in APIS:
        raise EmulatorConfigError(f"unknown api {api!r}; expected one of {', '.join(APIS)}")
    return api


def generate_orders(n, seed=0, api=DEFAULT_API):
    """Return ``n`` deterministic orders in the API's JSON shape.

    Pure: the same ``(n, seed, api)`` always gives the same list. Each order has
    three distinct ``+1`` NANP numbers (distinct across the whole list), ISO
    timestamps with milliseconds that increase with the index, and statuses that
    agree with the numbers' statuses: about 84% Successful (all Acquired), 6%
    Partial (one Failed), 5% Failed, 5% Processing. With
    ``api="chime-sdk-voice"`` (the default) orders also carry ``OrderType`` (and
    ``FocDate`` for porting orders) and use only that namespace's product types;
    ``api="chime"`` gives the legacy shape. Keys are in the service's
    (alphabetical) order.
    """
    check_api(api)
    n = int(n)
    if n < 0:
        raise EmulatorConfigError(f"cannot generate a negative number of orders: {n}")
    rng = random.Random(f"voiceops.chime:{seed}")
    codes = _NANP_CODES
    n_codes = len(codes)
    # The seed moves the number block so two seeds give different numbers.
    number_base = rng.randrange(0, 10_000 * n_codes * (n_codes - 64))
    voice = api == API_CHIME_SDK_VOICE
    stamp = _MillisFormatter()
    orders = []
    append = orders.append
    created_ms = _GENERATE_EPOCH_MS + rng.randrange(0, 86_400_000)
    # One 128-bit draw per order for the id and one 64-bit draw for every other
    # choice keeps 100,000 orders around a second.
    for index in range(n):
        bits = rng.getrandbits(64)
        order_id = "%032x" % rng.getrandbits(128)
        k = number_base + 3 * index
        numbers = []
        for j in range(3):
            rest, line = divmod(k + j, 10_000)
            numbers.append("+1%03d%03d%04d" % (codes[(rest // n_codes) % n_codes], codes[rest % n_codes], line))
        roll = (bits & 0xFFFF) / 65536.0
        if roll < 0.84:
            order_status, number_statuses = "Successful", ("Acquired", "Acquired", "Acquired")
        elif roll < 0.90:
            failed = (bits >> 56) % 3
            order_status = "Partial"
            number_statuses = tuple("Failed" if j == failed else "Acquired" for j in range(3))
        elif roll < 0.95:
            order_status, number_statuses = "Failed", ("Failed", "Failed", "Failed")
        else:
            order_status, number_statuses = "Processing", ("Processing", "Processing", "Processing")
        product_roll = ((bits >> 16) & 0xFFFF) / 65536.0
        if voice:
            product_type = "VoiceConnector" if product_roll < 0.8 else "SipMediaApplicationDialIn"
        elif product_roll < 0.4:
            product_type = "BusinessCalling"
        elif product_roll < 0.9:
            product_type = "VoiceConnector"
        else:
            product_type = "SipMediaApplicationDialIn"
        created_ms += 60_000 + ((bits >> 32) & 0xFFFFF) % 600_000
        updated_ms = created_ms
        if order_status != "Processing":
            updated_ms += 1_000 + ((bits >> 52) & 0xFFF) * 29
        order = {"CreatedTimestamp": stamp(created_ms)}
        if voice:
            if ((bits >> 60) & 0xF) == 0:
                order["FocDate"] = stamp(created_ms + 14 * 86_400_000)
                order["OrderType"] = "Porting"
            else:
                order["OrderType"] = "New"
        order["OrderedPhoneNumbers"] = [
            {"E164PhoneNumber": numbers[0], "Status": number_statuses[0]},
            {"E164PhoneNumber": numbers[1], "Status": number_statuses[1]},
            {"E164PhoneNumber": numbers[2], "Status": number_statuses[2]},
        ]
        order["PhoneNumberOrderId"] = "-".join(
            (order_id[:8], order_id[8:12], order_id[12:16], order_id[16:20], order_id[20:])
        )
        order["ProductType"] = product_type
        order["Status"] = order_status
        order["UpdatedTimestamp"] = stamp(updated_ms)
        append(order)
    return orders


# --------------------------------------------------------------------------- data documents


def load_data_file(path):
    """Read a ``--data`` file (see :func:`parse_document` for the shapes)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise EmulatorConfigError(f"cannot read data file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise EmulatorConfigError(f"data file {path} is not valid JSON: {exc}") from None
    return document


def json_copy(document):
    # Faster than copy.deepcopy for this shape, and proves the data is JSON.
    try:
        return json.loads(json.dumps(document))
    except (TypeError, ValueError) as exc:
        raise EmulatorConfigError(f"data must be JSON data: {exc}") from None


def check_orders(orders, where):
    if not isinstance(orders, list):
        raise EmulatorConfigError(f"{where}: PhoneNumberOrders must be a list, got {type(orders).__name__}")
    for position, order in enumerate(orders):
        if not isinstance(order, dict):
            raise EmulatorConfigError(f"{where}: order #{position} is not an object")
        # Values are served exactly as given (the documented sample has a
        # non-UUID id and a non-enum product type); only the id is required,
        # because GetPhoneNumberOrder looks orders up by it.
        if not isinstance(order.get("PhoneNumberOrderId"), str):
            raise EmulatorConfigError(f"{where}: order #{position} has no string PhoneNumberOrderId")
    return orders


def check_numbers(numbers, where):
    """Explicit phone numbers: objects with a string E164PhoneNumber, served as given.

    A missing PhoneNumberId is filled in with the E.164 number, which is what AWS uses as
    the id, so GetPhoneNumber can find every number.
    """
    if not isinstance(numbers, list):
        raise EmulatorConfigError(f"{where}: PhoneNumbers must be a list, got {type(numbers).__name__}")
    for position, number in enumerate(numbers):
        if not isinstance(number, dict):
            raise EmulatorConfigError(f"{where}: phone number #{position} is not an object")
        e164 = number.get("E164PhoneNumber")
        if not isinstance(e164, str) or not e164:
            raise EmulatorConfigError(f"{where}: phone number #{position} has no string E164PhoneNumber")
        if "PhoneNumberId" not in number:
            number["PhoneNumberId"] = e164
        elif not isinstance(number["PhoneNumberId"], str) or not number["PhoneNumberId"]:
            raise EmulatorConfigError(f"{where}: phone number #{position} has a PhoneNumberId that is not a string")
    return numbers


class ScopeData:
    """What one scope (an account's top level, or one region of it) defines.

    ``orders``/``numbers`` are None when the scope does not define them, so the
    enclosing scope's (or derived) values apply.
    """

    __slots__ = ("orders", "numbers")

    def __init__(self, orders=None, numbers=None):
        self.orders = orders
        self.numbers = numbers


class AccountData:
    """One account's data document: top-level scope plus per-region scopes."""

    __slots__ = ("top", "regions")

    def __init__(self, top=None, regions=None):
        self.top = top or ScopeData()
        self.regions = regions or {}


def parse_scope(document, where):
    """A region entry or a region-scoped set_orders() document -> ScopeData."""
    if isinstance(document, list):
        return ScopeData(orders=check_orders(document, where))
    if isinstance(document, dict) and ("PhoneNumberOrders" in document or "PhoneNumbers" in document):
        orders = numbers = None
        if "PhoneNumberOrders" in document:
            orders = check_orders(document["PhoneNumberOrders"], where)
        if "PhoneNumbers" in document:
            numbers = check_numbers(document["PhoneNumbers"], where)
        return ScopeData(orders, numbers)
    raise EmulatorConfigError(
        f"{where}: expected a list of orders or an object with PhoneNumberOrders " "and/or PhoneNumbers"
    )


def parse_account(document, where, allow_accounts):
    """A data document -> (AccountData, {access_key: AccountData})."""
    if isinstance(document, list):
        return AccountData(ScopeData(orders=check_orders(document, where))), {}
    if not isinstance(document, dict) or not any(key in document for key in _DOCUMENT_KEYS):
        raise EmulatorConfigError(
            f"{where}: expected a JSON object with PhoneNumberOrders, PhoneNumbers, " "Regions or Accounts"
        )
    top = ScopeData()
    if "PhoneNumberOrders" in document:
        top.orders = check_orders(document["PhoneNumberOrders"], where)
    if "PhoneNumbers" in document:
        top.numbers = check_numbers(document["PhoneNumbers"], where)
    region_map = document.get("Regions") or {}
    if not isinstance(region_map, dict):
        raise EmulatorConfigError(f"{where}: Regions must be an object of region -> {{PhoneNumberOrders: [...]}}")
    regions = {
        region: parse_scope(region_document, f"{where} (region {region})")
        for region, region_document in region_map.items()
    }
    accounts = {}
    if "Accounts" in document:
        if not allow_accounts:
            raise EmulatorConfigError(f"{where}: an account's document cannot hold Accounts")
        account_map = document["Accounts"]
        if not isinstance(account_map, dict):
            raise EmulatorConfigError(f"{where}: Accounts must be an object of access key id -> data document")
        for access_key, account_document in account_map.items():
            accounts[access_key] = parse_account(account_document, f"{where} (account {access_key})", False)[0]
    return AccountData(top, regions), accounts


def parse_document(document, where):
    """Check a data document; return (top-level AccountData, {access_key: AccountData}).

    Shapes: a list of orders (every region); ``{"PhoneNumberOrders": [...]}``;
    ``{"PhoneNumbers": [...]}`` (explicit numbers instead of numbers derived from the
    orders); ``{"Regions": {"eu-west-2": {"PhoneNumberOrders": [...], "PhoneNumbers": [...]}}}``;
    ``{"Accounts": {"AKIA...": <a document of the same shapes, without Accounts>}}``;
    any combination. The caller passes a private copy: lists are kept, not copied.
    """
    return parse_account(document, where, True)


# --------------------------------------------------------------------------- phone numbers

# Longest prefix wins. Enough for the numbers tests use; a number with an unknown
# prefix is served without Country (the member is optional).
_COUNTRY_BY_PREFIX = {
    "1": "US",
    "7": "RU",
    "27": "ZA",
    "31": "NL",
    "32": "BE",
    "33": "FR",
    "34": "ES",
    "39": "IT",
    "41": "CH",
    "43": "AT",
    "44": "GB",
    "45": "DK",
    "46": "SE",
    "47": "NO",
    "48": "PL",
    "49": "DE",
    "52": "MX",
    "55": "BR",
    "61": "AU",
    "64": "NZ",
    "65": "SG",
    "81": "JP",
    "82": "KR",
    "91": "IN",
    "353": "IE",
    "358": "FI",
}
_TOLL_FREE_PREFIXES = ("+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888", "+44800", "+44808")


def country_of(e164):
    digits = e164[1:] if e164.startswith("+") else e164
    for length in (3, 2, 1):
        country = _COUNTRY_BY_PREFIX.get(digits[:length])
        if country:
            return country
    return None


def number_type_of(e164):
    return "TollFree" if e164.startswith(_TOLL_FREE_PREFIXES) else "Local"


def account_id_of(access_key):
    """A stable 12-digit account id for an access key id (for ARNs); never the key itself."""
    if access_key is None:
        return DEFAULT_ACCOUNT_ID
    return "%012d" % (int(hashlib.sha256(access_key.encode("utf-8")).hexdigest(), 16) % 10**12)


def number_record(
    e164,
    status,
    product_type=None,
    created=None,
    updated=None,
    order_id=None,
    region=None,
    account_id=DEFAULT_ACCOUNT_ID,
):
    """A PhoneNumber in the chime-sdk-voice shape, keys in alphabetical order.

    ``project_number`` drops the members the legacy namespace does not have.
    """
    record = {
        "Associations": [],
        "CallingNameStatus": "Unassigned",
        "Capabilities": {
            "InboundCall": True,
            "InboundMMS": False,
            "InboundSMS": True,
            "OutboundCall": True,
            "OutboundMMS": False,
            "OutboundSMS": True,
        },
    }
    country = country_of(e164)
    if country:
        record["Country"] = country
    if created is not None:
        record["CreatedTimestamp"] = created
    record["E164PhoneNumber"] = e164
    if order_id is not None:
        record["OrderId"] = order_id
    if region:
        record["PhoneNumberArn"] = f"arn:aws:chime:{region}:{account_id}:phone-number/{e164}"
    record["PhoneNumberId"] = e164
    if product_type is not None:
        record["ProductType"] = product_type
    record["Status"] = status
    record["Type"] = number_type_of(e164)
    if updated is not None:
        record["UpdatedTimestamp"] = updated
    return record


def latest_orders_by_number(orders):
    """{e164: (order, ordered_number_status)} from each number's latest order.

    Latest = greatest UpdatedTimestamp; on a tie (or unreadable timestamps) the later order
    in the list wins. Keys in order of first appearance, so the listing is stable.
    """
    latest = {}
    for position, order in enumerate(orders):
        ordered = order.get("OrderedPhoneNumbers")
        if not isinstance(ordered, list):
            continue
        rank = (timestamp_sort_key(order.get("UpdatedTimestamp")), position)
        for entry in ordered:
            if not isinstance(entry, dict):
                continue
            e164 = entry.get("E164PhoneNumber")
            if not isinstance(e164, str) or not e164:
                continue
            previous = latest.get(e164)
            if previous is None or rank >= previous[0]:
                latest[e164] = (rank, order, entry.get("Status"))
    return {e164: (order, status) for e164, (_rank, order, status) in latest.items()}


def derive_numbers(orders, region=None, account_id=DEFAULT_ACCOUNT_ID):
    """The numbers an account holds according to its orders (latest order per number wins):
    ``Acquired`` -> ``Unassigned``, ``Processing`` -> ``AcquireInProgress``, failed -> absent."""
    records = []
    for e164, (order, ordered_status) in latest_orders_by_number(orders).items():
        held_status = HELD_STATUS_BY_ORDERED_STATUS.get(ordered_status) if isinstance(ordered_status, str) else None
        if held_status is None:
            continue
        records.append(
            number_record(
                e164,
                held_status,
                product_type=order.get("ProductType"),
                created=order.get("CreatedTimestamp"),
                updated=order.get("UpdatedTimestamp"),
                order_id=order.get("PhoneNumberOrderId"),
                region=region,
                account_id=account_id,
            )
        )
    return records


def project_order(order, api):
    """The order as ``api`` serves it: the legacy namespace leaves out SDK Voice-only members."""
    if api == API_CHIME and not VOICE_ONLY_ORDER_MEMBERS.isdisjoint(order):
        return {key: value for key, value in order.items() if key not in VOICE_ONLY_ORDER_MEMBERS}
    return order


def project_number(record, api):
    """The number as ``api`` serves it: the legacy namespace leaves out SDK Voice-only members."""
    if api == API_CHIME and not VOICE_ONLY_NUMBER_MEMBERS.isdisjoint(record):
        return {key: value for key, value in record.items() if key not in VOICE_ONLY_NUMBER_MEMBERS}
    return record


def deletion_timestamp(now_ms=None):
    """When a number deleted now leaves the deletion queue."""
    if now_ms is None:
        now_ms = time.time() * 1000
    return iso_millis(now_ms + DELETION_QUEUE_DAYS * 86_400_000)
