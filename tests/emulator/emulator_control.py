# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's control API: HTTP under ``/_emulator/`` and the Python ``ChimeEmulatorClient``.

Every control call maps to a ``ChimeEmulator`` method of the same name, so a test drives an
emulator in another process exactly as it drives one in its own. The HTTP side has no
authentication (the emulator only listens on loopback), so it refuses what a web page could
send: a POST needs ``Content-Type: application/json`` (an HTML form or a ``text/plain`` fetch
cannot set it without a CORS preflight, which is never answered), and a request carrying an
``Origin`` header (every browser request that could change state does) is refused outright,
which also stops DNS-rebinding pages.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from emulator_data import EmulatorConfigError

_CONTROL_PREFIX = "/_emulator/"

# POST action -> the ChimeEmulator method it calls with the JSON body as keyword arguments
_POST_ACTIONS = {
    "inject": "inject",
    "clear-faults": "clear_faults",
    "reset": "reset",
    "generate": "generate",
    "schedule": "schedule_status",
    "numbers/delete": "delete_number",
    "numbers/release": "release_number",
    "numbers/status": "set_number_status",
    "numbers/add": "add_number",
}

_GET_ACTIONS = frozenset(("health", "stats", "orders", "numbers"))


def _query_value(query, name, default=None):
    values = query.get(name)
    return values[0] if values else default


def handle_control(emulator, handler, method, raw_path, raw_query, body):
    """Answer one ``/_emulator/...`` request; returns the HTTP status sent."""
    emulator.note_control_request()
    action = raw_path[len(_CONTROL_PREFIX) :].strip("/") if raw_path.startswith(_CONTROL_PREFIX) else ""
    if handler.headers.get("Origin") is not None:
        return emulator.reply_json(
            handler, 403, {"error": "control requests from a web page (with an Origin " "header) are refused"}
        )
    if method == "POST" and handler.headers.get_content_type() != "application/json":
        return emulator.reply_json(
            handler, 415, {"error": "control POST requests need Content-Type: " "application/json"}
        )
    try:
        arguments = json.loads(body) if body.strip() else {}
        if not isinstance(arguments, dict):
            raise EmulatorConfigError("the request body must be a JSON object")
        query = urllib.parse.parse_qs(raw_query)
        if method in ("GET", "HEAD") and action == "health":
            result = {"ok": True, "api": emulator.api}
        elif method in ("GET", "HEAD") and action == "stats":
            result = emulator.stats()
        elif method in ("GET", "HEAD") and action == "orders":
            result = {
                "PhoneNumberOrders": emulator.orders(
                    _query_value(query, "region", "us-east-1"), account=_query_value(query, "account")
                )
            }
        elif method in ("GET", "HEAD") and action == "numbers":
            result = {
                "PhoneNumbers": emulator.numbers(
                    _query_value(query, "region", "us-east-1"),
                    account=_query_value(query, "account"),
                    api=_query_value(query, "api"),
                )
            }
        elif action not in _POST_ACTIONS and action not in _GET_ACTIONS:
            return emulator.reply_json(handler, 404, {"error": f"unknown control action {action!r}"})
        elif method != "POST":
            return emulator.reply_json(handler, 405, {"error": f"use POST for /_emulator/{action}"})
        elif action == "orders":
            region = arguments.pop("region", None)
            account = arguments.pop("account", None)
            result = emulator.set_orders(arguments, region=region, account=account)
        elif action in _POST_ACTIONS:
            result = getattr(emulator, _POST_ACTIONS[action])(**arguments)
        else:
            return emulator.reply_json(handler, 405, {"error": f"use GET for /_emulator/{action}"})
    except (EmulatorConfigError, TypeError, ValueError) as exc:
        return emulator.reply_json(handler, 400, {"error": str(exc)})
    return emulator.reply_json(handler, 200, result)


class ChimeEmulatorClient:
    """Drive a separately started emulator (``--port 0`` in a subprocess)
    through its HTTP control API; same method names as ``ChimeEmulator``."""

    def __init__(self, url, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, action, document=None):
        data = None if document is None else json.dumps(document).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}{_CONTROL_PREFIX}{action}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            except ValueError:
                detail = exc.reason
            raise EmulatorConfigError(f"emulator control {action} failed: {detail}") from None

    @staticmethod
    def _query(**values):
        present = {name: value for name, value in values.items() if value is not None}
        return "?" + urllib.parse.urlencode(present) if present else ""

    def health(self):
        return self._call("GET", "health")

    def inject(self, **faults):
        return self._call("POST", "inject", faults)

    def clear_faults(self):
        return self._call("POST", "clear-faults", {})

    def reset(self):
        return self._call("POST", "reset", {})

    def set_orders(self, orders, region=None, account=None):
        document = {"PhoneNumberOrders": orders} if isinstance(orders, list) else dict(orders)
        if region is not None:
            document["region"] = region
        if account is not None:
            document["account"] = account
        return self._call("POST", "orders", document)

    def generate(self, n, seed=0, region=None, api=None, account=None):
        return self._call("POST", "generate", {"n": n, "seed": seed, "region": region, "api": api, "account": account})

    def schedule_status(
        self,
        order_id,
        after_requests=0,
        order_status="Successful",
        number_status="Acquired",
        updated_timestamp=None,
        counting="list",
        account=None,
    ):
        return self._call(
            "POST",
            "schedule",
            {
                "order_id": order_id,
                "after_requests": after_requests,
                "order_status": order_status,
                "number_status": number_status,
                "updated_timestamp": updated_timestamp,
                "counting": counting,
                "account": account,
            },
        )

    def stats(self):
        return self._call("GET", "stats")

    def orders(self, region="us-east-1", account=None):
        return self._call("GET", "orders" + self._query(region=region, account=account))["PhoneNumberOrders"]

    def numbers(self, region="us-east-1", account=None, api=None):
        return self._call("GET", "numbers" + self._query(region=region, account=account, api=api))["PhoneNumbers"]

    def delete_number(self, e164, region=None, account=None):
        return self._call("POST", "numbers/delete", {"e164": e164, "region": region, "account": account})

    def release_number(self, e164, region=None, account=None):
        return self._call("POST", "numbers/release", {"e164": e164, "region": region, "account": account})

    def set_number_status(self, e164, status, region=None, account=None):
        return self._call(
            "POST", "numbers/status", {"e164": e164, "status": status, "region": region, "account": account}
        )

    def add_number(
        self, e164, status="Unassigned", product_type="VoiceConnector", region=None, account=None, members=None
    ):
        return self._call(
            "POST",
            "numbers/add",
            {
                "e164": e164,
                "status": status,
                "product_type": product_type,
                "region": region,
                "account": account,
                "members": members,
            },
        )
