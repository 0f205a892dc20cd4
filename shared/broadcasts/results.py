"""What a broadcast achieved, counted per customer it reached, each from the moment their
message went out to the end of the broadcast's attribution window (docs/notifications.md#results):

- delivered, read: the channel's status callbacks on the message (read counts as delivered);
- replied: the customer wrote in that conversation in the window;
- opted out: the customer withdrew promotion consent in the window (a STOP, the console);
- orders, revenue: WooCommerce orders billed to the customer's number created in the window
  (cancelled, failed and refunded ones left out), revenue summed per currency.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from shared.broadcasts.model import Broadcast
from shared.broadcasts.segments import order_total
from shared.consent.collections import CONSENT_EVENTS
from shared.consent.records import Purpose, State
from shared.conversations.collections import MESSAGES
from shared.events import DeliveryStatus
from shared.identity import conversation_id
from shared.mongo import Database
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS

NOT_SALES = ("cancelled", "failed", "refunded")


class Results(BaseModel):
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    opted_out: int = 0
    orders: int = 0
    revenue: dict[str, str] = Field(default_factory=dict)  # currency → decimal string
    attribution_days: int


async def results(db: Database, broadcast: Broadcast) -> Results:
    window = timedelta(days=broadcast.attribution_days)
    sent = await _sent(db, broadcast.id)
    counted = Results(sent=len(sent), attribution_days=broadcast.attribution_days)
    if not sent:
        return counted
    ranks = {status.value: status.rank for status in DeliveryStatus if not status.is_failure}
    for message in sent:
        rank = ranks.get(message.get("delivery_status") or "", -1)
        counted.delivered += rank >= DeliveryStatus.DELIVERED.rank
        counted.read += rank >= DeliveryStatus.READ.rank
    since = {m["conversation_id"]: m["finished_at"] for m in sent}
    counted.replied = await _replied(db, broadcast.store_id, since, window)
    by_phone = {m["customer_number"]: m["finished_at"] for m in sent}
    counted.opted_out = await _opted_out(db, broadcast.store_id, by_phone, window)
    counted.orders, counted.revenue = await _orders(db, broadcast.store_id, by_phone, window)
    return counted


async def _sent(db: Database, broadcast_id: str) -> list[dict[str, Any]]:
    query = {"broadcast_id": broadcast_id, "state": "sent"}
    fields = {"conversation_id": 1, "customer_number": 1, "finished_at": 1, "delivery_status": 1}
    return [message async for message in db[MESSAGES].find(query, fields)]


def _within(at: datetime, since: datetime, window: timedelta) -> bool:
    return since <= at <= since + window


async def _replied(
    db: Database, store_id: str, since: dict[str, datetime], window: timedelta
) -> int:
    query = {
        "store_id": store_id,
        "direction": "inbound",
        "conversation_id": {"$in": list(since)},
        "created_at": {"$gte": min(since.values()), "$lte": max(since.values()) + window},
    }
    replied = set()
    async for message in db[MESSAGES].find(query, {"conversation_id": 1, "created_at": 1}):
        if _within(message["created_at"], since[message["conversation_id"]], window):
            replied.add(message["conversation_id"])
    return len(replied)


async def _opted_out(
    db: Database, store_id: str, since: dict[str, datetime], window: timedelta
) -> int:
    ids = {conversation_id(store_id, phone): phone for phone in since}
    query = {
        "conversation_id": {"$in": list(ids)},
        "purpose": Purpose.PROMOTIONS.value,
        "state": State.WITHDRAWN.value,
    }
    out = set()
    async for record in db[CONSENT_EVENTS].find(query, {"conversation_id": 1, "at": 1}):
        phone = ids[record["conversation_id"]]
        if _within(record["at"], since[phone], window):
            out.add(phone)
    return len(out)


async def _orders(
    db: Database, store_id: str, since: dict[str, datetime], window: timedelta
) -> tuple[int, dict[str, str]]:
    query = {
        "store_id": store_id,
        "billing_e164": {"$in": list(since)},
        "deleted": {"$ne": True},
        "status": {"$nin": list(NOT_SALES)},
    }
    fields = {"billing_e164": 1, "created_at": 1, "total": 1, "currency": 1}
    orders = 0
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    async for order in db[WOOCOMMERCE_ORDERS].find(query, fields):
        created = order.get("created_at")
        if created is None or not _within(created, since[order["billing_e164"]], window):
            continue
        orders += 1
        revenue[order.get("currency") or "?"] += order_total(order)
    return orders, {currency: str(total) for currency, total in revenue.items()}
