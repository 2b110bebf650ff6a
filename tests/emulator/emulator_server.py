# Copyright: contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ChimeEmulator``: the HTTP server, its state and the answer to each API request.

It ties the other modules together: ``emulator_store`` (data), ``emulator_faults`` (what goes
wrong), ``emulator_protocol`` and ``emulator_sigv4`` (the wire), ``emulator_control`` (the
``/_emulator/`` API). One lock guards the state; pages are built outside it from snapshots.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from emulator_control import handle_control
from emulator_data import DEFAULT_API
from emulator_data import AccountData
from emulator_data import EmulatorConfigError
from emulator_data import check_api
from emulator_data import generate_orders
from emulator_data import json_copy
from emulator_data import now_iso_millis
from emulator_data import parse_account
from emulator_data import parse_document
from emulator_data import parse_scope
from emulator_faults import MALFORMED_BODY
from emulator_faults import FaultPlan
from emulator_protocol import GET_KEYS
from emulator_protocol import GET_NUMBER
from emulator_protocol import GET_ORDER
from emulator_protocol import LIST_KEYS
from emulator_protocol import LIST_NUMBERS
from emulator_protocol import LIST_ORDERS
from emulator_protocol import ApiError
from emulator_protocol import FramingError
from emulator_protocol import PageTokens
from emulator_protocol import ResponseWriter
from emulator_protocol import check_resource_id
from emulator_protocol import list_page
from emulator_protocol import number_filters
from emulator_protocol import page_size
from emulator_protocol import request_body_length
from emulator_protocol import route_request
from emulator_protocol import with_next_token
from emulator_sigv4 import authenticate
from emulator_sigv4 import normalise_credentials
from emulator_store import DataStore
from emulator_store import build_number_view

_PAGE_CACHE_LIMIT = 4096
_ALL_ORDER_FILTERS = (None, None, None, None)
# What a 404 and an expired token call each kind of item.
_ITEM_NAMES = {
    LIST_ORDERS: "phone number orders",
    LIST_NUMBERS: "phone numbers",
    GET_ORDER: "phone number order",
    GET_NUMBER: "phone number",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def _new_stats():
    return {
        "requests": 0,
        "list_requests": 0,
        "get_requests": 0,
        "control_requests": 0,
        "connections": 0,
        "by_status": {},
        "by_error_code": {},
        "by_region": {},
        "by_api": {},
        "by_account": {},
        "by_operation": {},
        "faults_served": {},
    }


class _Snapshot:
    """What one API request works with, taken under the lock."""

    __slots__ = ("source", "view_key", "view_inputs", "version", "generation", "binding")

    def __init__(self, source, view_key, view_inputs, version, generation, binding):
        self.source = source
        self.view_key = view_key
        self.view_inputs = view_inputs
        self.version = version
        self.generation = generation
        self.binding = binding


class ChimeEmulator:
    """In-process emulator: ``start()`` serves in a background thread.

    ``orders`` is a list of API-shape orders (served in every region) or a data
    document (``PhoneNumberOrders``, ``PhoneNumbers``, ``Regions``, ``Accounts``);
    ``generate=N`` makes N orders with :func:`generate_orders` instead (in ``api``'s
    shape). ``api`` is the namespace a bare endpoint_url answers as (default
    ``chime-sdk-voice``). ``credentials={"AKID": "SECRET"}`` (or
    ``{"AKID": ["SECRET", "SESSION_TOKEN"]}``) turns on SigV4 signature verification.
    """

    def __init__(
        self,
        orders=None,
        generate=0,
        seed=0,
        host="127.0.0.1",
        port=0,
        api=DEFAULT_API,
        credentials=None,
        deny_regions=None,
        allow_non_loopback=False,
        verbose=False,
        faults=None,
        log_stream=None,
    ):
        check_api(api)
        if orders is not None and generate:
            raise EmulatorConfigError("give either orders or generate, not both")
        if not allow_non_loopback and not _is_loopback(host):
            raise EmulatorConfigError(
                f"refusing to bind non-loopback address {host!r}: the emulator accepts any signed "
                "request and must not be reachable from other machines; pass --allow-non-loopback "
                "(allow_non_loopback=True) to do it anyway"
            )
        self.host = host
        self.port = port
        self.api = api
        self.verbose = verbose
        self.writer = ResponseWriter(verbose, log_stream or sys.stderr)
        self._credentials = normalise_credentials(credentials)
        if generate:
            initial = parse_document(generate_orders(generate, seed, api), "generate")
        elif orders is not None:
            initial = parse_document(json_copy(orders), "orders")
        else:
            initial = (AccountData(), {})
        self._store = DataStore(initial)
        self._tokens = PageTokens()
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._connections = set()
        self._faults = FaultPlan()
        self._schedules = []
        self._page_cache = {}
        self._stats = _new_stats()
        # Start-up faults are applied once; reset() drops them with everything else.
        if deny_regions:
            self._faults.deny_regions = set(deny_regions)
        if faults:
            self.inject(**faults)

    # ---- data ------------------------------------------------------------------

    def reset(self):
        """Serve the start-up data again with no faults: clears injected and
        start-up faults, denied regions and operations, number overrides, schedules
        and stats. Outstanding NextTokens become invalid."""
        with self._lock:
            self._store.reset()
            self._faults = FaultPlan()
            self._schedules = []
            self._page_cache = {}
            self._stats = _new_stats()
        return {"ok": True}

    def set_orders(self, orders, region=None, account=None):
        """Replace data. ``region=None``: ``orders`` (a list, or a data document with
        PhoneNumberOrders/PhoneNumbers/Regions, and Accounts when ``account`` is None)
        replaces everything of ``account`` (None: all data, accounts included); a region
        name: only that region's orders (and PhoneNumbers, when the document gives them).
        Drops the number overrides of what it replaces; outstanding NextTokens expire."""
        return self._replace(json_copy(orders), region, account)

    def _replace(self, document, region, account):
        if region is None:
            top, accounts = parse_account(document, "set_orders", allow_accounts=account is None)
            count = len(top.top.orders or ())
        else:
            top, accounts = parse_scope(document, f"set_orders (region {region})"), {}
            count = len(top.orders or ())
        with self._lock:
            self._store.replace(top, accounts, region, account)
        return {"ok": True, "orders": count}

    def generate(self, n, seed=0, region=None, api=None, account=None):
        """``set_orders(generate_orders(n, seed, api or self.api), region, account)``."""
        # Fresh lists: no defensive copy needed.
        return self._replace(generate_orders(n, seed, api or self.api), region, account)

    def orders(self, region="us-east-1", account=None):
        """A deep copy of the orders a client signed with ``account`` (an access key id; None:
        any key without data of its own) sees in ``region``, as given (both namespaces)."""
        with self._lock:
            return self._store.orders(region, account)

    def numbers(self, region="us-east-1", account=None, api=None):
        """What ListPhoneNumbers (no filters) lists now for ``account`` in ``region``, in the
        shape of ``api`` (default: the emulator's root namespace)."""
        check_api(api or self.api)
        with self._lock:
            return self._store.numbers(region, account, api or self.api)

    def delete_number(self, e164, region=None, account=None):
        """Move a held number to DeleteInProgress with a DeletionTimestamp 7 days from now (the
        deletion queue). ``region=None``: wherever the account holds it."""
        with self._lock:
            self._store.delete_number(e164, region, account)
        return {"ok": True}

    def release_number(self, e164, region=None, account=None):
        """Remove a held number from the account (it is no longer listed; get answers 404)."""
        with self._lock:
            self._store.release_number(e164, region, account)
        return {"ok": True}

    def set_number_status(self, e164, status, region=None, account=None):
        """Give a held number any status (ReleaseFailed, PortinInProgress, ...); UpdatedTimestamp
        becomes now; a status other than DeleteInProgress drops DeletionTimestamp."""
        with self._lock:
            self._store.set_number_status(e164, status, region, account)
        return {"ok": True}

    def add_number(
        self, e164, status="Unassigned", product_type="VoiceConnector", region=None, account=None, members=None
    ):
        """Hold a number without any order (no OrderId). ``members`` sets or replaces API members
        (e.g. ``{"Name": "lobby", "Associations": [...]}``; a None value removes one). Replaces
        what the account held under that number in that scope."""
        with self._lock:
            self._store.add_number(e164, status, product_type, members, region, account)
        return {"ok": True}

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
        """Flip ``order_id`` (in every region and account that has it, or only in ``account``)
        to ``order_status`` and all its numbers to ``number_status`` once ``after_requests``
        further ListPhoneNumberOrders requests have been served (``counting="any"``: any API
        request). ``UpdatedTimestamp`` becomes the flip time unless ``updated_timestamp`` is
        given. ``number_status=None`` leaves the numbers alone. Derived phone numbers follow."""
        if counting not in ("list", "any"):
            raise EmulatorConfigError(f"counting must be 'list' or 'any', got {counting!r}")
        if not isinstance(after_requests, int) or isinstance(after_requests, bool) or after_requests < 0:
            raise EmulatorConfigError(f"after_requests must be a non-negative integer, got {after_requests!r}")
        with self._lock:
            if not self._store.has_order(order_id, account):
                raise EmulatorConfigError(f"unknown order id {order_id!r}")
            counter = "list_requests" if counting == "list" else "requests"
            schedule = {
                "order_id": order_id,
                "fire_after": self._stats[counter] + after_requests,
                "counter": counter,
                "order_status": order_status,
                "number_status": number_status,
                "updated_timestamp": updated_timestamp,
                "account": account,
            }
            if after_requests == 0:
                self._apply_schedule_locked(schedule)
            else:
                self._schedules.append(schedule)
        return {"ok": True}

    def _fire_schedules_locked(self):
        # Called after the current request was counted: request number
        # fire_after + 1 is the first to see the new status.
        remaining = []
        for schedule in self._schedules:
            if self._stats[schedule["counter"]] > schedule["fire_after"]:
                self._apply_schedule_locked(schedule)
            else:
                remaining.append(schedule)
        self._schedules = remaining

    def _apply_schedule_locked(self, schedule):
        self._store.set_order_status(
            schedule["order_id"],
            schedule["order_status"],
            schedule["number_status"],
            schedule["updated_timestamp"] or now_iso_millis(),
            schedule["account"],
        )

    # ---- faults and stats -------------------------------------------------------------

    def inject(self, **faults):
        """Add faults; returns the pending faults. Arguments (all optional):

        counted, each hitting the next K authenticated API requests: ``throttle``,
        ``fail_500``, ``fail_503``, ``forbidden``, ``unauthorized``, ``malformed``,
        ``truncated``, ``missing_key``, ``empty_string_token`` (list requests only), and
        ``http_error={"status": 502, "code": "SomethingNew", "count": 2, "message": ...}``
        (or a list of such). ``region``, ``account`` (access key id), ``operations`` (names
        of the four operations) and ``after_requests`` scope this call's counted faults.
        ``latency`` (seconds) delays every request, or only the next ``latency_requests``;
        ``repeat_token`` and ``empty_first_page`` are switches (``False`` turns them off);
        these three also follow ``operations``. ``deny_regions`` / ``deny_operations``
        replace the sets answered with 403 ForbiddenException. Additive; ``reset()`` or
        ``clear_faults()`` undo.
        """
        with self._lock:
            self._faults.add(self._stats["requests"], **faults)
            return self._faults.snapshot()

    def clear_faults(self):
        """Drop pending faults, latency, switches and denials (data and stats stay)."""
        with self._lock:
            self._faults = FaultPlan()
            return self._faults.snapshot()

    def stats(self):
        """Counters: requests (API calls, any outcome), list_requests and get_requests
        (ListPhoneNumberOrders / GetPhoneNumberOrder), by_operation (all four),
        control_requests, connections, by_status ({"200": n, "429": n}), by_error_code,
        by_region, by_api, by_account (access key id), faults_served, plus the pending
        faults and the number of scheduled changes."""
        with self._lock:
            result = copy.deepcopy(self._stats)
            result.update(self._faults.snapshot())
            result["scheduled"] = len(self._schedules)
        return result

    def note_control_request(self):
        with self._lock:
            self._stats["control_requests"] += 1

    # ---- lifecycle -------------------------------------------------------------------

    @property
    def url(self):
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self):
        if self._server is not None:
            raise RuntimeError("the emulator is already started")
        server_class = _Server
        if ":" in self.host:
            server_class = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        server = server_class((self.host, self.port), _Handler)
        server.emulator = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"chime-emulator-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        server = self._server
        if server is None:
            return
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Idle keep-alive connections would otherwise hold handler threads.
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def connection_opened(self, connection):
        with self._lock:
            self._connections.add(connection)
            self._stats["connections"] += 1

    def connection_closed(self, connection):
        with self._lock:
            self._connections.discard(connection)

    # ---- request handling ------------------------------------------------------------

    def _count(self, key, value):
        bucket = self._stats[key]
        bucket[value] = bucket.get(value, 0) + 1

    def _count_operation_locked(self, operation):
        self._stats["requests"] += 1
        self._count("by_operation", operation)
        if operation == LIST_ORDERS:
            self._stats["list_requests"] += 1
        elif operation == GET_ORDER:
            self._stats["get_requests"] += 1

    def reply_json(self, handler, status, document):
        self.writer.send(handler, status, json.dumps(document).encode("utf-8"))
        return status

    def handle(self, handler, method):
        raw_path, _mark, raw_query = handler.path.partition("?")
        control = raw_path == "/_emulator" or raw_path.startswith("/_emulator/")
        try:
            length = request_body_length(handler.headers)
        except FramingError as error:
            # The body's end is unknown, so nothing after it on this connection can be trusted.
            handler.close_connection = True
            if control:
                self.note_control_request()
                return self.reply_json(handler, error.status, {"error": error.message})
            # 400 is the operations' modeled BadRequestException; a 413 is the front end's.
            code = "BadRequestException" if error.status == 400 else "RequestEntityTooLargeException"
            with self._lock:
                self._stats["requests"] += 1
                self._count("by_status", str(error.status))
                self._count("by_error_code", code)
            namespace = route_request(raw_path, handler.headers.get("User-Agent", ""), self.api).namespace
            return self.writer.send_error(handler, ApiError(code, error.message, status=error.status), namespace)
        body = handler.rfile.read(length) if length else b""
        if control:
            return handle_control(self, handler, method, raw_path, raw_query, body)
        return self._handle_api(handler, method, raw_path, raw_query, body)

    def _handle_api(self, handler, method, raw_path, raw_query, body):
        route = route_request(raw_path, handler.headers.get("User-Agent", ""), self.api)
        operation = route.operation
        fault = None
        try:
            if method not in ("GET", "HEAD") or operation is None:
                with self._lock:
                    self._stats["requests"] += 1
                raise ApiError("UnknownOperationException", f"No operation matches {method} {raw_path[:200]}.")
            try:
                authorization = authenticate(self._credentials, handler.headers, method, raw_path, raw_query, body)
            except ApiError:
                with self._lock:
                    self._count_operation_locked(operation)
                raise
            region, access_key = authorization.region, authorization.access_key
            with self._lock:
                self._count_operation_locked(operation)
                self._count("by_region", region)
                self._count("by_api", route.namespace)
                self._count("by_account", access_key)
                if self._schedules:
                    self._fire_schedules_locked()
                denial = self._faults.denial(operation, region)
                if denial is None:
                    fault = self._faults.take(self._stats["requests"], operation, region, access_key)
                delay = self._faults.latency_for(operation)
                repeat_token = self._faults.repeats_token(operation)
                empty_first_page = self._faults.empties_first_page(operation)
                if fault is not None:
                    self._count("faults_served", fault.kind)
                snapshot = self._snapshot_locked(operation, access_key, region)
            if delay:
                time.sleep(delay)
            if denial is not None:
                raise ApiError("ForbiddenException", denial)
            fault_kind = fault.kind if fault is not None else None
            if fault is not None and fault.error() is not None:
                status, code, message = fault.error()
                raise ApiError(code, message, fault=fault_kind, status=status)
            if snapshot.view_inputs is not None:
                snapshot.source = build_number_view(snapshot.view_inputs)
                with self._lock:
                    self._store.cache_view(snapshot.view_key, snapshot.source, snapshot.version)
            query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
            if operation in LIST_KEYS:
                payload = self._list_body(route, query, snapshot, repeat_token, empty_first_page, fault_kind)
            else:
                payload = self._get_body(route, snapshot, fault_kind)
            if fault_kind == "malformed":
                payload = MALFORMED_BODY
            elif fault_kind == "truncated":
                payload = payload[: max(1, len(payload) // 2)]
        except ApiError as error:
            # Counted before the response goes out, so a client that reads
            # stats() right after its response always sees its own request.
            with self._lock:
                self._count("by_status", str(error.status))
                self._count("by_error_code", error.code)
            return self.writer.send_error(handler, error, route.namespace)
        with self._lock:
            self._count("by_status", "200")
        self.writer.send(handler, 200, payload, fault=fault_kind)
        return 200

    def _snapshot_locked(self, operation, access_key, region):
        store = self._store
        account_key = store.account_key(access_key)
        binding = f"{operation}|{account_key or ''}|{region}"
        if operation in (LIST_ORDERS, GET_ORDER):
            return _Snapshot(store.order_list(access_key, region), None, None, store.version, store.generation, binding)
        view_key = store.view_key(access_key, region)
        view = store.cached_view(view_key)
        inputs = store.number_view_inputs(view_key) if view is None else None
        return _Snapshot(view, view_key, inputs, store.version, store.generation, binding)

    def _list_body(self, route, query, snapshot, repeat_token, empty_first_page, fault_kind):
        operation, namespace = route.operation, route.namespace
        size = page_size(query, namespace)
        source = snapshot.source
        if operation == LIST_NUMBERS:
            filters = number_filters(query, namespace)
            positions = source.positions(filters)
        else:
            filters = _ALL_ORDER_FILTERS
            positions = range(len(source.orders))
        # A token only works in the listing it came from: same operation, account, region, filters.
        binding = f"{snapshot.binding}|{filters!r}"
        list_key = LIST_KEYS[operation]
        token = query.get("next-token", [None])[0]
        if token is None:
            if empty_first_page:
                return list_page(list_key, self._tokens.issue(snapshot.generation, binding, 0, size), [])
            offset = 0
        else:
            offset = self._tokens.read(token, snapshot.generation, binding, _ITEM_NAMES[operation])
        total = len(positions)
        if offset > total:
            raise ApiError("BadRequestException", "Invalid NextToken: it points past the end of the listing.")
        end = min(offset + size, total)
        if fault_kind == "missing_key":
            # The dangerous shape: a page with a valid NextToken but no items member.
            next_token = self._tokens.issue(snapshot.generation, binding, end, size) if end < total else None
            return b'{"NextToken":' + (json.dumps(next_token).encode("ascii") if next_token else b"null") + b"}"
        key = (snapshot.version, namespace, binding, offset, size)
        body = self._page_cache.get(key)
        if body is None:
            next_token = self._tokens.issue(snapshot.generation, binding, end, size) if end < total else None
            body = list_page(
                list_key, next_token, [source.encoded(positions[index], namespace) for index in range(offset, end)]
            )
            with self._lock:
                if len(self._page_cache) >= _PAGE_CACHE_LIMIT:
                    self._page_cache = {}
                self._page_cache[key] = body
        if fault_kind == "empty_string_token":
            body = with_next_token(body, list_key, "")
        elif repeat_token and token is not None:
            # The service hands back the token it was given: a pagination loop.
            body = with_next_token(body, list_key, token)
        return body

    def _get_body(self, route, snapshot, fault_kind):
        item_id = check_resource_id(route)
        position = snapshot.source.index.get(item_id)
        if position is None:
            raise ApiError("NotFoundException", f"The {_ITEM_NAMES[route.operation]} {item_id[:80]!r} does not exist.")
        if fault_kind == "missing_key":
            return b"{}"
        return (
            b'{"'
            + GET_KEYS[route.operation].encode("ascii")
            + b'":'
            + snapshot.source.encoded(position, route.namespace)
            + b"}"
        )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChimeEmulator"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 120

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator.connection_opened(self.request)

    def finish(self):
        self.server.emulator.connection_closed(self.request)
        try:
            super().finish()
        except OSError:
            pass

    def _dispatch(self):
        try:
            self.server.emulator.handle(self, self.command)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        # Request lines are logged by the emulator itself when verbose; this
        # only carries http.server's own errors (bad request lines). Headers,
        # and so Authorization, are never logged.
        if self.server.emulator.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))
