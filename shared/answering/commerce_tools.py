"""The responder's WooCommerce tools: an order's status and a product search, over the caches the
enricher keeps (`woocommerce_orders`, `woocommerce_products`; docs/woocommerce.md).

**Order status answers only the order's own customer**: the WhatsApp number asking must be the
order's billing phone (both in E.164, the billing phone read in the store's default country).
Otherwise the result is refused (`phone_mismatch`) and carries no order data at all, so neither
the LLM nor a citation can leak another customer's order. An unknown or deleted order is
`not_found`.

**Freshness.** The caches follow webhooks and the periodic REST reconciliation. An entry is
current as of the later of its `synced_at` (the last snapshot WooCommerce sent of it) and the
start of its resource's last finished reconciliation (`shared.woocommerce.sync.reconciled_at`).
An entry last known current longer than `max_age` ago is still answered (an order's status
rarely goes back, and "as of" helps the customer more than nothing), but the result is marked
`stale` with `as_of`, and the summary starts "As of <time>"; the caller may hand over instead.

`find_order_numbers` finds order numbers in a customer's message for the offline path.
"""

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from shared.events import utcnow
from shared.mongo import Database, Document
from shared.phones import normalise, store_country
from shared.stores.directory import Store
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS, WOOCOMMERCE_PRODUCTS
from shared.woocommerce.sync import reconciled_at

ORDER_STATUS = "order_status"
SEARCH_PRODUCTS = "search_products"
NOT_FOUND = "not_found"
PHONE_MISMATCH = "phone_mismatch"
PRODUCT_CANDIDATES = 200  # products a search ranks at most, after MongoDB's pre-filter

# WooCommerce's order statuses, in English and Indonesian.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("awaiting payment", "menunggu pembayaran"),
    "processing": ("being processed", "sedang diproses"),
    "on-hold": ("on hold", "ditahan"),
    "completed": ("completed", "selesai"),
    "cancelled": ("cancelled", "dibatalkan"),
    "refunded": ("refunded", "dana dikembalikan"),
    "failed": ("payment failed", "pembayaran gagal"),
    "checkout-draft": ("not placed yet", "belum dipesan"),
}
STOCK_LABELS: dict[str, tuple[str, str]] = {
    "instock": ("in stock", "tersedia"),
    "outofstock": ("out of stock", "stok habis"),
    "onbackorder": ("on backorder", "pre-order"),
}
_SEARCH_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "ada apa apakah aja berapa bisa buat dan di harga harganya ini itu kak kakak ke mau min "
        "nya ready sama stok stock the a an and any do does for have how is it much of price "
        "available you your yang ya masih foto fotonya gambar gambarnya photo photos picture "
        "pictures pic pics",
    )
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOCK_ORDER = {"instock": 0, "onbackorder": 1, "outofstock": 3}  # anything else: 2

# Order numbers as customers write them: `#1042`, `order 1042`, `pesanan no. 1042`,
# `no. order 1042`, `invoice 1042`. Not phone numbers (a leading 0, or longer than 10 digits)
# and not prices (`pesanan 150rb`, `order 150.000`).
_ORDER_NUMBER = re.compile(
    r"(?:(?<![\w#])#\s?"
    r"|\b(?:order(?:an)?|pesanan|invoice|inv|transaksi|trx)\b"
    r"(?:\s*(?:saya|aku|ku|my|nya|anda|is|adalah|no|nomor|nomer|number|num|nr|id)(?!\w)"
    r"|\s*[#:.-])*"
    r"\s*)"
    r"(?!0)(\d{3,10})"
    r"(?![\d.,]\d|\d|\s?(?:rb|ribu|k|jt|juta|rp|idr|pcs|buah)\b)",
    re.IGNORECASE,
)


class ToolResult(BaseModel):
    """What a tool found: `summary` is a short fact text an answer may cite; `data` the fields.

    A refused result (`ok` false) names why in `refused_reason` (`not_found`, `phone_mismatch`).
    """

    model_config = ConfigDict(frozen=True)

    tool: str
    ok: bool
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)
    refused_reason: str | None = None


def find_order_numbers(text: str) -> list[str]:
    """The order numbers in `text`, in order of appearance, each once."""
    return list(dict.fromkeys(match.group(1) for match in _ORDER_NUMBER.finditer(text)))


# Words by which a question goes on about the order just named: "where is it going?",
# "isinya apa aja?", "kapan sampainya?" (a pronoun, "-nya", or a word for a parcel).
_ABOUT_THE_ORDER = frozenset(["it", "its", "itu", "ini", "dia", "pesanan", "paket", "kiriman"])
_ABOUT_THE_ORDER |= frozenset(["resi", "status", "isi", "tracking", "parcel", "package"])
_WORD = re.compile(r"[a-z]+")


def asks_about_the_order(text: str) -> bool:
    """Whether a question goes on about an order named before it."""
    words = _WORD.findall(text.lower())
    return any(
        word in _ABOUT_THE_ORDER or (word.endswith("nya") and len(word) > 5) for word in words
    )


def others_orders_only(results: Sequence[ToolResult]) -> bool:
    """Every order looked up is another customer's: nothing about it may be told."""
    orders = [r for r in results if r.tool == ORDER_STATUS]
    return (
        bool(orders)
        and len(orders) == len(results)
        and all(r.refused_reason == PHONE_MISMATCH for r in orders)
    )


def is_own_order(store: Store, customer_number: str, billing_phone: str | None) -> bool:
    """The asking WhatsApp number is the order's billing phone (both read in E.164, a national
    billing phone in the store's default country)."""
    country = store_country(store)
    asking = normalise(customer_number, country)
    return asking is not None and normalise(billing_phone, country) == asking


async def find_order(db: Database, store_id: str, number: str) -> Document | None:
    """The cached live order with this number (or, for stores whose order numbers are their
    ids, this id)."""
    if not number:
        return None
    live = {"store_id": store_id, "deleted": False}
    orders = db[WOOCOMMERCE_ORDERS]
    order = await orders.find_one({**live, "number": number})
    if order is None and number.isdigit():
        order = await orders.find_one({**live, "_id": f"{store_id}:{int(number)}"})
    return order


class CommerceTools:
    def __init__(self, db: Database, max_age: timedelta) -> None:
        self._db = db
        self._products = db[WOOCOMMERCE_PRODUCTS]
        self._max_age = max_age

    async def order_status(
        self, store: Store, customer_number: str, order_number: str
    ) -> ToolResult:
        number = order_number.strip().lstrip("#").strip()
        order = await find_order(self._db, store.id, number)
        if order is None:
            return ToolResult(
                tool=ORDER_STATUS,
                ok=False,
                summary=f"No order {number} was found in this store.",
                data={"order_number": number},
                refused_reason=NOT_FOUND,
            )
        if not is_own_order(store, customer_number, order.get("billing_phone")):
            return ToolResult(
                tool=ORDER_STATUS,
                ok=False,
                summary=(
                    f"Order {number} is not placed with this WhatsApp number, so its details "
                    "cannot be shared in this chat."
                ),
                data={"order_number": number},
                refused_reason=PHONE_MISMATCH,
            )
        return self._order_result(store, order, await reconciled_at(self._db, store.id, "order"))

    async def search_products(self, store: Store, query: str, limit: int = 3) -> ToolResult:
        tokens, skus = search_tokens(query), sku_terms(query)
        found = await self._candidates(store.id, tokens, skus) if tokens or skus else []
        ranked = rank_products(found, tokens, skus)[: max(limit, 0)]
        if not ranked:
            return ToolResult(
                tool=SEARCH_PRODUCTS,
                ok=False,
                summary=f"No product of this store matches {query.strip()!r}.",
                data={"query": query, "products": []},
                refused_reason=NOT_FOUND,
            )
        zone = _zone(store)
        reconciled = await reconciled_at(self._db, store.id, "product")
        products = [self._product_data(p, store.currency, reconciled) for p in ranked]
        lines = [_product_line(product, self._as_of(product, zone)) for product in products]
        return ToolResult(
            tool=SEARCH_PRODUCTS,
            ok=True,
            summary="\n".join(lines),
            data={"query": query, "products": products},
        )

    # -- orders --------------------------------------------------------------------------------

    def _order_result(
        self, store: Store, order: Document, reconciled: datetime | None
    ) -> ToolResult:
        zone = _zone(store)
        status = str(order.get("status") or "unknown")
        english, indonesian = STATUS_LABELS.get(status, (status, status))
        items = [
            {"name": item.get("name", ""), "quantity": item.get("quantity", 0)}
            for item in order.get("line_items") or []
        ]
        synced = _synced_at(order, reconciled)
        stale = self._stale(synced)
        data: dict[str, Any] = {
            "order_number": order.get("number") or str(order["woocommerce_id"]),
            "status": status,
            "status_label": {"en": english, "id": indonesian},
            "total": order.get("total"),
            "currency": order.get("currency"),
            "created_at": _iso(order.get("created_at")),
            "paid_at": _iso(order.get("paid_at")),
            "items": items,
            "as_of": _iso(synced),
            "stale": stale,
        }
        parts = [f"Order {data['order_number']}: {english} ({indonesian})."]
        if data["total"] is not None:
            parts.append(f"Total {data['currency']} {data['total']}.")
        if order.get("created_at"):
            parts.append(f"Ordered {_local(order['created_at'], zone)}.")
        if order.get("paid_at"):
            parts.append(f"Paid {_local(order['paid_at'], zone)}.")
        if items:
            listed = ", ".join(f"{item['quantity']} x {item['name']}" for item in items)
            parts.append(f"Items: {listed}.")
        if stale and synced is not None:
            parts.insert(0, f"As of {_local(synced, zone)} (may have changed since):")
        return ToolResult(tool=ORDER_STATUS, ok=True, summary=" ".join(parts), data=data)

    # -- products ------------------------------------------------------------------------------

    async def _candidates(
        self, store_id: str, tokens: list[str], skus: list[str]
    ) -> list[Document]:
        """Products whose name contains a query word or whose SKU is one (MongoDB narrows,
        Python ranks)."""
        patterns = [{"name": {"$regex": re.escape(token), "$options": "i"}} for token in tokens]
        patterns += [{"sku": {"$regex": f"^{re.escape(sku)}$", "$options": "i"}} for sku in skus]
        # Only what the shop shows its customers: published (entries cached before the status
        # was kept have none) and not hidden from the catalogue.
        shown = {"status": {"$in": ["publish", None]}, "catalog_visibility": {"$ne": "hidden"}}
        cursor = self._products.find(
            {"store_id": store_id, "deleted": False, **shown, "$or": patterns}
        ).limit(PRODUCT_CANDIDATES)
        return await cursor.to_list()

    def _product_data(
        self, product: Document, currency: str, reconciled: datetime | None
    ) -> dict[str, Any]:
        synced = _synced_at(product, reconciled)
        return {
            "id": product["woocommerce_id"],
            "name": product.get("name"),
            "sku": product.get("sku"),
            "price": product.get("price"),
            "regular_price": product.get("regular_price"),
            "currency": currency,
            "stock_status": product.get("stock_status"),
            "stock_quantity": product.get("stock_quantity"),
            "permalink": product.get("permalink"),
            "image_url": product.get("image_url"),
            "as_of": _iso(synced),
            "stale": self._stale(synced),
        }

    def _as_of(self, product: dict[str, Any], zone: ZoneInfo) -> str | None:
        if not product["stale"] or product["as_of"] is None:
            return None
        return _local(datetime.fromisoformat(product["as_of"]), zone)

    def _stale(self, synced: datetime | None) -> bool:
        return synced is None or utcnow() - synced > self._max_age


def search_tokens(query: str) -> list[str]:
    """The query's words worth matching: lower case, not a stop word, two characters or more."""
    words = [word.lower() for word in _TOKEN.findall(query)]
    return list(dict.fromkeys(w for w in words if len(w) >= 2 and w not in _SEARCH_STOPWORDS))


def sku_terms(query: str) -> list[str]:
    """The query's words as a SKU could be written (`BTK-PRG`), lower case."""
    words = (word.strip(".,!?;:()[]\"'").lower() for word in query.split())
    return list(dict.fromkeys(word for word in words if len(word) >= 2))


def match_score(
    product: Document, tokens: list[str], skus: Sequence[str] = ()
) -> tuple[int, float]:
    """(query words matched, weight): a name word equal to a query word weighs 2, a name word
    starting with it (3+ letters) 1. A SKU the query names matches every word, weighing 10."""
    words = [word.lower() for word in _TOKEN.findall(str(product.get("name") or ""))]
    sku = str(product.get("sku") or "").lower()
    if sku and sku in skus:
        return max(len(tokens), 1), 10.0
    matched, weight = 0, 0.0
    for token in tokens:
        if token in words:
            matched, weight = matched + 1, weight + 2
        elif len(token) >= 3 and any(word.startswith(token) for word in words):
            matched, weight = matched + 1, weight + 1
    return matched, weight


def rank_products(
    products: list[Document], tokens: list[str], skus: Sequence[str] = ()
) -> list[Document]:
    """The most relevant products, in stock first.

    Only products matching as many query words as the best one (at least half of them) are
    kept, so an in-stock product that matches one word of three never hides the one the
    customer named; among those, in stock first, then on backorder, then the rest, out of stock
    last; then by weight, then by name.
    """
    scored = [(match_score(product, tokens, skus), product) for product in products]
    best = max((matched for (matched, _), _ in scored), default=0)
    if best == 0 or best < math.ceil(len(tokens) / 2):
        return []
    kept = [(weight, product) for (matched, weight), product in scored if matched == best]
    kept.sort(
        key=lambda item: (
            _STOCK_ORDER.get(str(item[1].get("stock_status")), 2),
            -item[0],
            str(item[1].get("name") or ""),
        )
    )
    return [product for _, product in kept]


def _product_line(product: dict[str, Any], as_of: str | None) -> str:
    price = product["price"]
    text = f"{product['name']}: "
    text += f"{product['currency']} {price}" if price is not None else "price not set"
    regular = product["regular_price"]
    if price is not None and regular not in (None, price):
        text += f" (was {regular})"
    english, indonesian = STOCK_LABELS.get(
        str(product["stock_status"]), (str(product["stock_status"]), "")
    )
    stock = f"{english} / {indonesian}" if indonesian else english
    if product["stock_quantity"] is not None and product["stock_status"] == "instock":
        stock += f", {product['stock_quantity']} left"
    text += f"; {stock}"
    if product["permalink"]:
        text += f"; {product['permalink']}"
    if as_of:
        text += f" (as of {as_of})"
    return text + "."


def _synced_at(document: Document, reconciled: datetime | None) -> datetime | None:
    """When the entry was last known current: its own last confirmation by WooCommerce, or the
    start of the last finished reconciliation of its resource (which re-published every change
    made before it), whichever is later."""
    own = document.get("synced_at") or document.get("cached_at")
    moments = [moment for moment in (own, reconciled) if isinstance(moment, datetime)]
    return max(moments, default=None)


def _zone(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else None
