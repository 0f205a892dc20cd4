"""A stand-in for a shop's WooCommerce REST API (`/wp-json/wc/v3`) as the `woocommerce` package
calls it: orders, customers, products (paginated, filtered, sorted), one order (read, update,
its notes read and added) and webhooks (list, create, update, delete), behind WooCommerce's
authentication.

Authentication is checked the way WooCommerce checks it: OAuth 1.0a query signing (what the
package sends over plain http, so what this loopback server sees), and HTTP basic auth or
`consumer_key`/`consumer_secret` query parameters (what it sends over https). Errors have
WordPress's JSON shape `{"code", "message", "data": {"status"}}`. Faults can be injected (the
next N matching requests answer 429 with `Retry-After`, or 500/503, or stall for a while and
then answer), every request is recorded, and webhook and order writes are counted, so tests can
prove backoff, resumption and idempotence.

The shop's resources are built with tests/standins/woocommerce_data.py; `realistic_shop` makes
an Indonesian shop: IDR totals, phone numbers written the many ways customers write them.
"""

import asyncio
import base64
import hashlib
import hmac
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from tests.standins import woocommerce_data as wc
from tests.standins.dates import at
from tests.standins.server import LoopbackServer

API_PREFIX = "/wp-json/wc/v3/"
SITE_OFFSET = timedelta(hours=7)  # the shop's WordPress timezone (Asia/Jakarta)
NONCE_WINDOW_SECONDS = 15 * 60  # WooCommerce refuses OAuth timestamps older than this
WEBHOOK_TOPICS = {
    f"{resource}.{event}"
    for resource in ("order", "product", "coupon", "customer")
    for event in ("created", "updated", "deleted", "restored")
} - {"customer.restored"}

Match = Callable[[str, dict[str, str]], bool]  # (path, query) -> whether a fault applies


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    at: float  # time.monotonic()
    status: int = 0


@dataclass
class _Fault:
    status: int  # 0: no error, only the stall
    retry_after: str | None
    match: Match | None
    stall_seconds: float = 0.0
    method: str | None = None  # only requests of this method


def _gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _local(moment: datetime) -> str:
    return _gmt(moment + SITE_OFFSET)


def _parse(text: str) -> datetime:
    """A WooCommerce date parameter; an offset is dropped, as WordPress's date query does."""
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


def _rawurlencode(text: str) -> str:
    """PHP's rawurlencode (RFC 3986), which WooCommerce's OAuth check uses."""
    return quote(text, safe="~")


@dataclass
class WooCommerceStandIn:
    consumer_key: str
    consumer_secret: str
    read_only: bool = False  # the key's permission: webhook writes are refused
    ping_webhooks: bool = False  # post WooCommerce's `webhook_id=N` ping when one is created
    woocommerce_active: bool = True  # False: WordPress answers, but has no wc/v3 routes
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)  # with their secrets
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # per order id
    requests: list[Recorded] = field(default_factory=list)
    webhook_writes: int = 0
    pings: list[tuple[str, int]] = field(default_factory=list)  # (delivery URL, answer)
    _faults: list[_Fault] = field(default_factory=list)
    _nonces: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def start(self) -> "WooCommerceStandIn":
        self._server = LoopbackServer(self._app()).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    # -- what tests do -------------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        status: int = 429,
        retry_after: float | None = None,
        match: Match | None = None,
        method: str | None = None,
    ) -> None:
        """The next `count` requests (that `match` and are of `method`, if given) answer
        `status` instead."""
        header = None if retry_after is None else f"{retry_after:g}"
        with self._lock:
            self._faults.extend(_Fault(status, header, match, method=method) for _ in range(count))

    def stall_next(
        self, count: int, seconds: float, match: Match | None = None, method: str | None = None
    ) -> None:
        """The next `count` requests (that `match` and are of `method`) wait `seconds` before
        they are answered (and done): what a client with a shorter timeout sees as no answer."""
        with self._lock:
            self._faults.extend(_Fault(0, None, match, seconds, method) for _ in range(count))

    def order_writes(self, order_id: int) -> list[Recorded]:
        """The updates of one order that were answered with success."""
        return [r for r in self.recorded(f"orders/{order_id}", "PUT") if r.status == 200]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def touch(self, resource: str, resource_id: int, **fields: Any) -> dict[str, Any]:
        """Change a resource now, as the shop would: new fields and a new modified time."""
        document = self._collection(resource)[resource_id]
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        document.update(fields, date_modified_gmt=_gmt(now), date_modified=_local(now))
        return document

    def recorded(self, endpoint: str, method: str = "GET") -> list[Recorded]:
        path = API_PREFIX + endpoint
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    def _collection(self, resource: str) -> dict[int, dict[str, Any]]:
        collections = {"order": self.orders, "customer": self.customers, "product": self.products}
        return collections[resource]

    # -- the HTTP side ----------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE"])
        async def anything(path: str, request: Request) -> Response:
            query = dict(request.query_params)  # a repeated parameter: the last one, as PHP
            recorded = Recorded(request.method, "/" + path, query, time.monotonic())
            with self._lock:
                self.requests.append(recorded)
            response = await self._answer(request, "/" + path, query)
            recorded.status = response.status_code
            return response

        return app

    async def _answer(self, request: Request, path: str, query: dict[str, str]) -> Response:
        fault = self._take_fault(request.method, path, query)
        if isinstance(fault, float):
            await asyncio.sleep(fault)
        elif fault is not None:
            return fault
        if not path.startswith(API_PREFIX) or not self.woocommerce_active:
            if path.startswith("/wp-json/"):
                return _error(
                    404, "rest_no_route", "No route was found matching the URL and request method."
                )
            return HTMLResponse("<html><body><h1>Not Found</h1></body></html>", status_code=404)
        endpoint = path.removeprefix(API_PREFIX).strip("/")
        write = request.method != "GET"
        refusal = self._authenticate(request, query, write)
        if refusal is not None:
            return refusal
        listings = {"orders": self.orders, "customers": self.customers, "products": self.products}
        if request.method == "GET" and endpoint in listings:
            return self._list(endpoint, listings[endpoint], query)
        if endpoint == "webhooks" and request.method == "GET":
            return self._list(endpoint, self.webhooks, query)
        if endpoint == "webhooks" and request.method == "POST":
            return await self._create_webhook(await request.json())
        head, _, webhook_id = endpoint.partition("/")
        if head == "orders" and webhook_id:
            return await self._one_order(request, webhook_id)
        if head == "webhooks" and webhook_id.isdigit() and request.method == "PUT":
            return self._update_webhook(int(webhook_id), await request.json())
        if head == "webhooks" and webhook_id.isdigit() and request.method == "DELETE":
            return self._delete_webhook(int(webhook_id), query)
        return _error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _take_fault(self, method: str, path: str, query: dict[str, str]) -> Response | float | None:
        """The injected answer; or how long to stall before answering normally."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.method not in (None, method):
                    continue
                if fault.match is None or fault.match(path, query):
                    del self._faults[index]
                    break
            else:
                return None
        if fault.status == 0:
            return fault.stall_seconds
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.status == 429:
            return Response("Too Many Requests", 429, headers, media_type="text/plain")
        if fault.status == 503:  # WordPress's maintenance mode
            body = "<h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1>"
            return HTMLResponse(body, 503, headers)
        body = "<p>There has been a critical error on this website.</p>"
        return HTMLResponse(body, fault.status, headers)

    # -- authentication, as WooCommerce's WC_REST_Authentication does it ---------------------

    def _authenticate(
        self, request: Request, query: dict[str, str], write: bool
    ) -> Response | None:
        if "oauth_consumer_key" in query:
            problem = self._oauth_problem(request, query)
        else:
            key, secret = self._basic_or_query_credentials(request, query)
            if key != self.consumer_key:  # an unknown key: WooCommerce treats it as anonymous
                if write:
                    return _error(
                        401,
                        "woocommerce_rest_cannot_create",
                        "Sorry, you are not allowed to create resources.",
                    )
                return _error(
                    401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
                )
            problem = None if secret == self.consumer_secret else "Consumer secret is invalid."
        if problem is None and write and self.read_only:
            problem = "The API key provided does not have write permissions."
        if problem is not None:
            return _error(401, "woocommerce_rest_authentication_error", problem)
        return None

    @staticmethod
    def _basic_or_query_credentials(request: Request, query: dict[str, str]) -> tuple[str, str]:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:]).decode()
            key, _, secret = decoded.partition(":")
            return key, secret
        return query.get("consumer_key", ""), query.get("consumer_secret", "")

    def _oauth_problem(self, request: Request, query: dict[str, str]) -> str | None:
        if query["oauth_consumer_key"] != self.consumer_key:
            return "Consumer key is invalid."
        method = query.get("oauth_signature_method", "")
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return "Invalid signature - signature method is invalid."
        try:
            stamp = int(query.get("oauth_timestamp", ""))
        except ValueError:
            return "Invalid timestamp."
        if abs(time.time() - stamp) > NONCE_WINDOW_SECONDS:
            return "Invalid timestamp."
        nonce = query.get("oauth_nonce", "")
        with self._lock:
            if nonce in self._nonces:
                return "Invalid nonce - nonce has already been used."
            self._nonces.add(nonce)
        given = query.get("oauth_signature", "").replace(" ", "+")
        params = sorted((k, v) for k, v in query.items() if k != "oauth_signature")
        pairs = [_rawurlencode(f"{_rawurlencode(k)}={_rawurlencode(v)}") for k, v in params]
        base_uri = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        signed = f"{request.method}&{_rawurlencode(base_uri)}&{'%26'.join(pairs)}"
        algorithm = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
        digest = hmac.new(f"{self.consumer_secret}&".encode(), signed.encode(), algorithm)
        expected = base64.b64encode(digest.digest()).decode()
        if not hmac.compare_digest(expected, given):
            return "Invalid signature - provided signature does not match."
        return None

    # -- listings ------------------------------------------------------------------------------

    def _list(
        self, endpoint: str, collection: dict[int, dict[str, Any]], query: dict[str, str]
    ) -> Response:
        try:
            per_page = int(query.get("per_page", "10"))
            page = int(query.get("page", "1"))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): page, per_page")
        if not 1 <= per_page <= 100 or page < 1:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        with self._lock:
            items = [dict(document) for document in collection.values()]
        items = [item for item in items if _selected(endpoint, item, query)]
        items.sort(key=_sort_key(endpoint, query.get("orderby")))
        if query.get("order", "asc" if endpoint == "customers" else "desc") == "desc":
            items.reverse()
        total, pages = len(items), math.ceil(len(items) / per_page)
        chunk = items[(page - 1) * per_page : page * per_page]
        if endpoint == "webhooks":
            chunk = [_public_webhook(item) for item in chunk]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        return JSONResponse(chunk, headers=headers)

    # -- one order -----------------------------------------------------------------------------

    async def _one_order(self, request: Request, rest: str) -> Response:
        """GET and PUT `orders/{id}`, GET and POST `orders/{id}/notes`."""
        order_id, _, sub = rest.partition("/")
        if not order_id.isdigit() or int(order_id) not in self.orders:
            return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        number, method = int(order_id), request.method
        if sub == "" and method == "GET":
            with self._lock:
                return JSONResponse(dict(self.orders[number]))
        if sub == "" and method == "PUT":
            return self._update_order(number, await request.json())
        if sub == "notes" and method == "GET":
            with self._lock:
                return JSONResponse(list(reversed(self.notes.get(number, []))))
        if sub == "notes" and method == "POST":
            body = await request.json()
            if not str(body.get("note") or "").strip():
                return _error(
                    400, "woocommerce_rest_missing_parameter", "Missing parameter(s): note"
                )
            with self._lock:
                held = self.notes.setdefault(number, [])
                note = {
                    "id": 900 + sum(len(n) for n in self.notes.values()),
                    "author": "Balas",
                    "note": body["note"],
                    "customer_note": bool(body.get("customer_note")),
                    "date_created_gmt": _gmt(datetime.now(UTC).replace(tzinfo=None)),
                }
                held.append(note)
            return JSONResponse(note, status_code=201)
        return _error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _update_order(self, order_id: int, body: dict[str, Any]) -> Response:
        statuses = {"pending", "processing", "on-hold", "completed", "cancelled", "refunded"}
        if "status" in body and body["status"] not in statuses | {"failed"}:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        with self._lock:
            order = self.orders[order_id]
            if "status" in body:
                order["status"] = body["status"]
            for address in ("billing", "shipping"):
                if isinstance(body.get(address), dict):
                    order[address] = {**order.get(address, {}), **body[address]}
            now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
            order.update(date_modified_gmt=_gmt(now), date_modified=_local(now))
            return JSONResponse(dict(order))

    # -- webhooks ------------------------------------------------------------------------------

    async def _create_webhook(self, body: dict[str, Any]) -> Response:
        topic, url = str(body.get("topic", "")).lower(), str(body.get("delivery_url", ""))
        if topic not in WEBHOOK_TOPICS:
            return _error(
                400,
                "woocommerce_rest_shop_webhook_invalid_topic",
                "Webhook topic is required and must be valid.",
            )
        if not url.startswith(("http://", "https://")):
            return _error(
                400,
                "woocommerce_rest_shop_webhook_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            )
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with self._lock:
            self.webhook_writes += 1
            webhook_id = max(self.webhooks, default=40) + 1
            resource, _, event = topic.partition(".")
            self.webhooks[webhook_id] = {
                "id": webhook_id,
                "name": body.get("name") or f"Webhook created on {now:%b %d, %Y @ %I:%M %p}",
                "status": "active",  # WooCommerce creates webhooks active, whatever is asked
                "topic": topic,
                "resource": resource,
                "event": event,
                "hooks": [f"woocommerce_{topic.replace('.', '_')}"],
                "delivery_url": url,
                "secret": body.get("secret")
                or "generated-" + hashlib.md5(url.encode()).hexdigest(),
                "date_created": _local(now),
                "date_created_gmt": _gmt(now),
                "date_modified": _local(now),
                "date_modified_gmt": _gmt(now),
            }
            created = _public_webhook(self.webhooks[webhook_id])
        if self.ping_webhooks:
            await self._ping(webhook_id, url)
        return JSONResponse(created, status_code=201)

    def _update_webhook(self, webhook_id: int, body: dict[str, Any]) -> Response:
        with self._lock:
            self.webhook_writes += 1
            webhook = self.webhooks.get(webhook_id)
            if webhook is None:
                return _error(400, "woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.")
            status = body.get("status")
            if status and status not in ("active", "paused", "disabled"):
                return _error(
                    400,
                    "woocommerce_rest_shop_webhook_invalid_status",
                    "Webhook status must be valid.",
                )
            for name in ("name", "secret", "status", "delivery_url", "topic"):
                if body.get(name):
                    webhook[name] = body[name]
            now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
            webhook.update(date_modified=_local(now), date_modified_gmt=_gmt(now))
            return JSONResponse(_public_webhook(webhook))

    def _delete_webhook(self, webhook_id: int, query: dict[str, str]) -> Response:
        if query.get("force") not in ("true", "1"):  # webhooks have no trash
            return _error(
                501,
                "woocommerce_rest_trash_not_supported",
                "Webhooks do not support trashing.",
            )
        with self._lock:
            webhook = self.webhooks.pop(webhook_id, None)
            if webhook is None:
                return _error(400, "woocommerce_rest_shop_webhook_invalid_id", "ID is invalid.")
            self.webhook_writes += 1
            return JSONResponse(_public_webhook(webhook))

    async def _ping(self, webhook_id: int, url: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(url, content=f"webhook_id={webhook_id}")
            self.pings.append((url, answer.status_code))
        except httpx.HTTPError:
            self.pings.append((url, 0))


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status)


def _public_webhook(webhook: dict[str, Any]) -> dict[str, Any]:
    """WooCommerce never returns a webhook's secret, in any context."""
    return {name: value for name, value in webhook.items() if name != "secret"}


def _selected(endpoint: str, item: dict[str, Any], query: dict[str, str]) -> bool:
    if endpoint == "customers":  # no date filters here: WooCommerce ignores them for customers
        return query.get("role", "customer") in ("all", item.get("role"))
    if endpoint == "webhooks":
        return query.get("status", "all") in ("all", item["status"])
    status = query.get("status", "any")
    if status == "any" and item.get("status") == "trash":
        return False
    if status != "any" and item.get("status") not in status.split(","):
        return False
    gmt = query.get("dates_are_gmt", "") in ("1", "true")
    for name, column, after in (
        ("modified_after", "date_modified", True),
        ("modified_before", "date_modified", False),
        ("after", "date_created", True),
        ("before", "date_created", False),
    ):
        if name in query:
            value = item.get(f"{column}_gmt" if gmt else column)
            if value is None:
                return False
            moment, bound = _parse(value), _parse(query[name])
            if (moment <= bound) if after else (moment >= bound):
                return False
    return True


def _sort_key(endpoint: str, orderby: str | None) -> Callable[[dict[str, Any]], Any]:
    if endpoint == "customers":
        columns = {"id": "id", "registered_date": "date_created_gmt", "name": "last_name"}
        column = columns.get(orderby or "name", "last_name")
    else:
        columns = {"id": "id", "date": "date_created_gmt", "modified": "date_modified_gmt"}
        columns |= {"title": "name"}
        column = columns.get(orderby or "date", "id")
    return lambda item: (item.get(column) or "", item["id"])


# -- a realistic Indonesian shop ------------------------------------------------------------------

FIRST_NAMES = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Putri", "Joko", "Wahyu", "Sri"]
FIRST_NAMES += ["Rudi", "Ayu", "Fajar", "Indah", "Eko", "Lestari", "Bayu", "Nur", "Hendra", "Maya"]
LAST_NAMES = ["Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Kusuma", "Nugroho"]
LAST_NAMES += ["Setiawan", "Halim", "Siregar", "Nasution", "Gunawan", "Wibowo", "Putri"]
CITIES = [
    ("Jakarta Selatan", "12160"),
    ("Bandung", "40115"),
    ("Surabaya", "60271"),
    ("Yogyakarta", "55213"),
    ("Medan", "20112"),
    ("Denpasar", "80232"),
    ("Makassar", "90111"),
    ("Malang", "65119"),
]
CATALOGUE = [
    ("Batik Tulis Parang", "BTK-PRG", 450000, 395000),
    ("Kemeja Batik Mega Mendung", "KMJ-MGM", 275000, None),
    ("Kain Tenun Ikat Sumba", "TNN-SMB", 1250000, None),
    ("Sambal Roa 200 g", "SBL-ROA", 55000, 49000),
    ("Kopi Gayo Arabika 250 g", "KPI-GYO", 98000, None),
    ("Keripik Tempe Malang", "KRP-TMP", 25000, None),
    ("Tas Anyaman Rotan", "TAS-RTN", 185000, 165000),
    ("Dompet Kulit Garut", "DMP-GRT", 210000, None),
    ("Madu Hutan Sumbawa 500 ml", "MDU-SMB", 135000, None),
    ("Teh Tarik Instan (10 sachet)", "TEH-TRK", 32000, None),
]
ORDER_STATUSES = ["completed"] * 5 + ["processing"] * 3 + ["pending", "on-hold"]
ORDER_STATUSES += ["cancelled", "refunded"]
# The shop's data is dated before this (UTC, naive): the test data's day, so that its orders
# (placed in the 90 days before) lie inside the retention window (tests/standins/dates.py).
ANCHOR = at(3).replace(tzinfo=None)


def phone_in_some_format(rng: random.Random, subscriber: str) -> str:
    """One Indonesian mobile number (`subscriber` = 8xx..., without 0 or +62) as people type it."""
    head, middle, tail = subscriber[:3], subscriber[3:7], subscriber[7:]
    formats = [
        f"0{subscriber}",
        f"0{head}-{middle}-{tail}",
        f"0{head} {middle} {tail}",
        f"+62{subscriber}",
        f"+62 {head}-{middle}-{tail}",
        f"+62 {head} {middle} {tail}",
        f"62{subscriber}",
        f"(+62) {head} {middle}{tail}",
    ]
    return rng.choice(formats)


def realistic_shop(
    shop: WooCommerceStandIn,
    orders: int = 120,
    customers: int = 40,
    products: int = 10,
    seed: int = 7,
) -> WooCommerceStandIn:
    """Fill `shop` with a deterministic Indonesian shop; returns it."""
    rng = random.Random(seed)
    catalogue = [CATALOGUE[i % len(CATALOGUE)] for i in range(products)]
    for index, (name, sku, regular, sale) in enumerate(catalogue):
        product_id = 101 + index
        created = ANCHOR - timedelta(days=200 - index)
        modified = created + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
        document = wc.product(product_id, _gmt(modified))
        managed = rng.random() < 0.7
        quantity = rng.randint(0, 40) if managed else None
        stock_status = "instock" if (quantity is None or quantity > 0) else "outofstock"
        slug = name.lower().replace(" ", "-").replace("(", "").replace(")", "")
        document.update(
            name=name if index < len(CATALOGUE) else f"{name} ({index})",
            slug=slug,
            sku=f"{sku}-{index}",
            permalink=f"https://toko.example/produk/{slug}/",
            date_created_gmt=_gmt(created),
            date_created=_local(created),
            date_modified=_local(modified),
            price=str(sale or regular),
            regular_price=str(regular),
            sale_price="" if sale is None else str(sale),
            on_sale=sale is not None,
            manage_stock=managed,
            stock_quantity=quantity,
            stock_status=rng.choice(["onbackorder", stock_status]) if not managed else stock_status,
        )
        shop.products[product_id] = document
    people = []
    for index in range(customers):
        customer_id = 2 + index  # user 1 is the shop's administrator
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        subscriber = "8" + str(rng.choice([11, 12, 13, 21, 22, 52, 53, 57, 77, 78, 95, 96]))
        subscriber += "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([7, 8])))
        created = ANCHOR - timedelta(days=rng.randint(30, 365), minutes=rng.randint(0, 1440))
        modified = created + timedelta(days=rng.randint(0, 20))
        city, postcode = rng.choice(CITIES)
        email = f"{first.lower()}.{last.lower()}{customer_id}@example.co.id"
        document = wc.customer(customer_id, _gmt(modified))
        document.update(
            date_created_gmt=_gmt(created),
            date_created=_local(created),
            date_modified=_local(modified),
            email=email,
            first_name=first,
            last_name=last,
            username=f"{first.lower()}{customer_id}",
            billing={
                "first_name": first,
                "last_name": last,
                "address_1": f"Jl. {rng.choice(LAST_NAMES)} No. {rng.randint(1, 120)}",
                "city": city,
                "postcode": postcode,
                "country": "ID",
                "email": email,
                "phone": phone_in_some_format(rng, subscriber),
            },
        )
        shop.customers[customer_id] = document
        people.append((customer_id, first, last, email, subscriber, city, postcode))
    for index in range(orders):
        order_id = 5001 + index
        spread = 90 * 24 * 60 // max(orders, 1)  # minutes between orders over 90 days
        created = ANCHOR - timedelta(days=90, minutes=-index * spread - rng.randint(0, 59))
        status = rng.choice(ORDER_STATUSES)
        modified = created + timedelta(minutes=rng.randint(1, 4000))
        guest = rng.random() < 0.25 or not people
        if guest:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            subscriber = "81" + "".join(str(rng.randint(0, 9)) for _ in range(9))
            customer_id, email = 0, f"{first.lower()}{order_id}@example.com"
            city, postcode = rng.choice(CITIES)
        else:
            customer_id, first, last, email, subscriber, city, postcode = rng.choice(people)
        lines = []
        for line_number, product_id in enumerate(
            rng.sample(sorted(shop.products), k=min(len(shop.products), rng.randint(1, 3)))
        ):
            product = shop.products[product_id]
            quantity = rng.randint(1, 3)
            price = int(product["price"])
            lines.append(
                {
                    "id": order_id * 10 + line_number,
                    "name": product["name"],
                    "product_id": product_id,
                    "variation_id": 0,
                    "quantity": quantity,
                    "subtotal": f"{price * quantity}.00",
                    "total": f"{price * quantity}.00",
                    "sku": product["sku"],
                    "price": price,
                    "meta_data": [],
                }
            )
        shipping = rng.choice([0, 9000, 15000, 22000])
        total = sum(int(line["total"].split(".")[0]) for line in lines) + shipping
        paid = status in ("processing", "completed", "refunded")
        paid_at = created + timedelta(minutes=rng.randint(1, 90)) if paid else None
        completed_at = modified if status == "completed" else None
        document = wc.order(
            order_id,
            _gmt(modified),
            number=str(order_id),
            order_key=f"wc_order_{hashlib.sha1(str(order_id).encode()).hexdigest()[:13]}",
            status=status,
            date_created=_local(created),
            date_created_gmt=_gmt(created),
            date_modified=_local(modified),
            shipping_total=f"{shipping}.00",
            total=f"{total}.00",
            customer_id=customer_id,
            billing={
                "first_name": first,
                "last_name": last,
                "company": "",
                "address_1": f"Jl. {rng.choice(LAST_NAMES)} No. {rng.randint(1, 120)}",
                "city": city,
                "postcode": postcode,
                "country": "ID",
                "email": email,
                "phone": phone_in_some_format(rng, subscriber),
            },
            payment_method=rng.choice(["bacs", "cod", "midtrans"]),
            date_paid=_local(paid_at) if paid_at else None,
            date_paid_gmt=_gmt(paid_at) if paid_at else None,
            date_completed=_local(completed_at) if completed_at else None,
            date_completed_gmt=_gmt(completed_at) if completed_at else None,
            line_items=lines,
        )
        shop.orders[order_id] = document
    return shop
