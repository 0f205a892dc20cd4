"""The enricher's caches of WooCommerce orders, customers and products, keyed by WooCommerce id.

Each document is `_id = "<store>:<woocommerce id>"` and holds the newest snapshot seen. A snapshot
is written only when its modified time is newer than the stored one, in one conditional upsert,
so redelivery, replay and out-of-order snapshots leave the newest state. A deletion marks the
document `deleted: true` unless a snapshot newer than the one it deleted is already stored.
"""

import contextlib
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.events import CustomerChanged, OrderChanged, ProductChanged, WooCommerceEvent, utcnow
from shared.mongo import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
    Database,
    Document,
)


async def on_order_changed(event: OrderChanged, db: Database) -> None:
    fields = event.model_dump(
        mode="python",
        include={"number", "status", "currency", "total", "customer_id", "billing_phone"}
        | {"created_at", "paid_at", "line_items"},
    )
    await _apply(db, WOOCOMMERCE_ORDERS, event, event.order_id, fields)


async def on_customer_changed(event: CustomerChanged, db: Database) -> None:
    fields = event.model_dump(include={"email", "first_name", "last_name", "billing_phone"})
    await _apply(db, WOOCOMMERCE_CUSTOMERS, event, event.customer_id, fields)


async def on_product_changed(event: ProductChanged, db: Database) -> None:
    fields = event.model_dump(
        include={"name", "permalink", "price", "regular_price", "sale_price"}
        | {"stock_status", "stock_quantity"}
    )
    await _apply(db, WOOCOMMERCE_PRODUCTS, event, event.product_id, fields)


async def _apply(
    db: Database,
    collection: str,
    event: WooCommerceEvent,
    woocommerce_id: int,
    fields: dict[str, Any],
) -> None:
    key = {"_id": f"{event.store_id}:{woocommerce_id}"}
    identity: Document = {"store_id": event.store_id, "woocommerce_id": woocommerce_id}
    if event.deleted:
        guard = _not_newer_than(event.modified_at)
        change: Document = {"deleted": True, "deleted_at": event.occurred_at}
    else:
        assert event.modified_at is not None  # every snapshot has one
        guard = _older_than(event.modified_at)
        change = {**fields, "modified_at": event.modified_at, "deleted": False}
    # A DuplicateKeyError: the stored snapshot is as new or newer, so this one changes nothing.
    with contextlib.suppress(DuplicateKeyError):
        await db[collection].update_one(
            {**key, **guard},
            {
                "$set": {**change, "event_id": event.event_id, "cached_at": utcnow()},
                "$setOnInsert": identity,
            },
            upsert=True,
        )


def _older_than(moment: datetime) -> Document:
    return {"$or": [{"modified_at": {"$lt": moment}}, {"modified_at": None}]}


def _not_newer_than(moment: datetime | None) -> Document:
    if moment is None:
        return {"modified_at": None}
    return {"$or": [{"modified_at": {"$lte": moment}}, {"modified_at": None}]}
