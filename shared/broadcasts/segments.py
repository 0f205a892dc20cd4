"""Who a segment names: the store's customers, by their number (E.164), found in what Balas
keeps of the store — the WooCommerce order and product caches (the enricher's) and the
conversations' messages — and always only those who agreed to promotions now.

Each criterion gives a set of numbers; a segment is their intersection. Orders count by their
billing phone (`billing_e164`), so a guest's orders count as a registered customer's do.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from shared.broadcasts.model import Segment
from shared.consent.records import Purpose, contactable
from shared.conversations.collections import MESSAGES
from shared.identity import customer_number
from shared.mongo import Database
from shared.phones import display_number
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
)

PAID_STATUSES = ("processing", "completed")  # WooCommerce's statuses of a paid order
SAMPLE_SIZE = 5


class Candidate(BaseModel):
    phone: str  # E.164
    first_name: str | None = None


class Preview(BaseModel):
    """What an owner sees before scheduling: how many, and a few of them with their numbers
    masked."""

    count: int
    sample: list[str]


async def candidates(
    db: Database, store_id: str, segment: Segment, now: datetime
) -> list[Candidate]:
    """The customers the segment names who may be sent promotions, by number."""
    chosen: list[set[str]] = []
    if segment.product_ids:
        chosen.append(await _bought(db, store_id, segment.product_ids))
    if segment.categories:
        chosen.append(await _bought(db, store_id, await _in_categories(db, store_id, segment)))
    if segment.spent_over is not None:
        chosen.append(await _spent_over(db, store_id, segment.spent_over))
    if segment.wrote_within_days is not None:
        since = now - timedelta(days=segment.wrote_within_days)
        chosen.append(await _wrote_since(db, store_id, since))
    phones = set.intersection(*chosen)
    allowed = await contactable(db, store_id, phones, Purpose.PROMOTIONS)
    names = await _first_names(db, store_id, allowed)
    return [Candidate(phone=phone, first_name=names.get(phone)) for phone in sorted(allowed)]


async def preview(db: Database, store_id: str, segment: Segment, now: datetime) -> Preview:
    found = await candidates(db, store_id, segment, now)
    sample = [display_number(candidate.phone) for candidate in found[:SAMPLE_SIZE]]
    return Preview(count=len(found), sample=sample)


def _live_orders(store_id: str) -> dict[str, Any]:
    return {"store_id": store_id, "deleted": {"$ne": True}, "billing_e164": {"$ne": None}}


async def _bought(db: Database, store_id: str, product_ids: list[int]) -> set[str]:
    query = {**_live_orders(store_id), "line_items.product_id": {"$in": product_ids}}
    return {
        document["billing_e164"]
        async for document in db[WOOCOMMERCE_ORDERS].find(query, {"billing_e164": 1})
    }


async def _in_categories(db: Database, store_id: str, segment: Segment) -> list[int]:
    """The products in any of the segment's categories, by slug or name (any case)."""
    wanted = {category.strip().lower() for category in segment.categories}
    ids = []
    query = {"store_id": store_id, "categories": {"$exists": True, "$ne": []}}
    projection = {"woocommerce_id": 1, "categories": 1}
    async for product in db[WOOCOMMERCE_PRODUCTS].find(query, projection):
        named = {
            name.lower()
            for category in product["categories"]
            for name in (category.get("slug"), category.get("name"))
            if name
        }
        if named & wanted:
            ids.append(product["woocommerce_id"])
    return ids


async def _spent_over(db: Database, store_id: str, amount: Decimal) -> set[str]:
    spent: dict[str, Decimal] = {}
    query = {**_live_orders(store_id), "status": {"$in": list(PAID_STATUSES)}}
    async for order in db[WOOCOMMERCE_ORDERS].find(query, {"billing_e164": 1, "total": 1}):
        phone = order["billing_e164"]
        spent[phone] = spent.get(phone, Decimal(0)) + order_total(order)
    return {phone for phone, total in spent.items() if total > amount}


async def _wrote_since(db: Database, store_id: str, since: datetime) -> set[str]:
    query = {"store_id": store_id, "direction": "inbound", "created_at": {"$gte": since}}
    conversations = await db[MESSAGES].distinct("conversation_id", query)
    return {customer_number(conversation) for conversation in conversations}


async def _first_names(db: Database, store_id: str, phones: set[str]) -> dict[str, str]:
    """Each number's first name as the store's WooCommerce customer record has it."""
    query = {"store_id": store_id, "billing_e164": {"$in": list(phones)}, "deleted": {"$ne": True}}
    names = {}
    async for customer in db[WOOCOMMERCE_CUSTOMERS].find(
        query, {"billing_e164": 1, "first_name": 1}
    ):
        if customer.get("first_name"):
            names[customer["billing_e164"]] = customer["first_name"]
    return names


def order_total(order: dict[str, Any]) -> Decimal:
    """A cached order's total; 0 when it has none (or not a number)."""
    total = order.get("total")
    try:
        return Decimal(str(total)) if total is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
