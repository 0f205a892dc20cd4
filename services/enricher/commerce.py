"""The enricher's caches of WooCommerce orders, customers and products, keyed by WooCommerce id.

Each document is `_id = "<store>:<woocommerce id>"` and holds the newest snapshot seen. A snapshot
is written only when its modified time is newer than the stored one, so redelivery, replay and
out-of-order snapshots leave the newest state. A deletion marks the document `deleted: true`
unless a snapshot newer than the one it deleted is already stored. `synced_at` is the last time a
snapshot as new as the stored one arrived (a webhook, or the REST reconciliation confirming it):
the commerce tools report answers from older entries as stale.

Orders and customers also get `billing_e164`, their billing phone in E.164 (customers also
`email_lower`, their e-mail in lower case), and the cards of the conversations with that number
or e-mail are brought up to date in the same transaction (`customers.py`); their
`conversations.enriched` snapshots go out through the outbox.
"""

from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker

from services.enricher import outbox
from services.enricher.customers import country_of, refresh_cards
from shared.events import CustomerChanged, OrderChanged, ProductChanged, WooCommerceEvent, utcnow
from shared.mongo import Database, Document, Session, in_transaction
from shared.phones import normalise
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
)

_ORDER_FIELDS = {"number", "status", "currency", "total", "customer_id", "billing_phone"} | {
    "created_at",
    "paid_at",
    "line_items",
}
_CUSTOMER_FIELDS = {"email", "first_name", "last_name", "billing_phone"}
# A customer deleted at WooCommerce is forgotten here at once (docs/privacy.md): the tombstone
# keeps only what orders the snapshots, never the person, and expires with the retention after
# the deletion (`deleted_at`), when no older snapshot is left to replay.
_FORGOTTEN_ON_DELETION = (*sorted(_CUSTOMER_FIELDS), "billing_e164", "email_lower")
_PRODUCT_FIELDS = {"name", "sku", "permalink", "price", "regular_price", "sale_price"} | {
    "stock_status",
    "stock_quantity",
    "status",
    "catalog_visibility",
    "image_url",
    "categories",
}


async def on_order_changed(
    event: OrderChanged, db: Database, broker: KafkaBroker | None = None
) -> None:
    async def apply(session: Session) -> list[str]:
        country = await country_of(db, session, event.store_id)
        fields = event.model_dump(mode="python", include=_ORDER_FIELDS)
        fields["billing_e164"] = normalise(event.billing_phone, country)
        before = await _write(db, session, WOOCOMMERCE_ORDERS, event, event.order_id, fields)
        # The cards of the old and the new number, and of the registered customer's number and
        # e-mail (their orders show on them whatever number they were placed with).
        numbers = {_number(before), fields["billing_e164"]}
        for customer_id in {_field(before, "customer_id"), event.customer_id} - {None}:
            customer = await db[WOOCOMMERCE_CUSTOMERS].find_one(
                {"_id": f"{event.store_id}:{customer_id}"}, session=session
            )
            numbers |= {_number(customer), _field(customer, "email_lower")}
        return await _refresh(db, session, event, numbers)

    await _publish(db, broker, await in_transaction(db, apply))


async def on_customer_changed(
    event: CustomerChanged, db: Database, broker: KafkaBroker | None = None
) -> None:
    async def apply(session: Session) -> list[str]:
        country = await country_of(db, session, event.store_id)
        fields = event.model_dump(include=_CUSTOMER_FIELDS)
        fields["billing_e164"] = normalise(event.billing_phone, country)
        fields["email_lower"] = event.email.strip().lower() if event.email else None
        before = await _write(db, session, WOOCOMMERCE_CUSTOMERS, event, event.customer_id, fields)
        # the cards of their old and new number, and of their old and new e-mail
        handles = {_number(before), fields["billing_e164"], fields["email_lower"]}
        return await _refresh(db, session, event, handles | {_field(before, "email_lower")})

    await _publish(db, broker, await in_transaction(db, apply))


async def on_product_changed(event: ProductChanged, db: Database) -> None:
    fields = event.model_dump(include=_PRODUCT_FIELDS)
    await in_transaction(
        db,
        lambda session: _write(db, session, WOOCOMMERCE_PRODUCTS, event, event.product_id, fields),
    )


async def _write(
    db: Database,
    session: Session,
    collection: str,
    event: WooCommerceEvent,
    woocommerce_id: int,
    fields: dict[str, Any],
) -> Document | None:
    """Apply the snapshot if it is the newest; the document as it was before (None if new).

    Inside a transaction, so the read and the write are one step: two racing writers conflict
    and the driver retries one of them.
    """
    key = f"{event.store_id}:{woocommerce_id}"
    before = await db[collection].find_one({"_id": key}, session=session)
    held: datetime | None = before.get("modified_at") if before else None
    now = utcnow()
    if event.deleted:
        # Deletes the snapshot it was published after, not a newer one (a later restore).
        if held is not None and (event.modified_at is None or held > event.modified_at):
            return before
        change: Document = {"deleted": True, "deleted_at": event.occurred_at}
    else:
        assert event.modified_at is not None  # every snapshot has one
        if held is not None and held > event.modified_at:
            return before  # older than the one held
        if held is not None and held == event.modified_at:
            # The same snapshot again (a redelivery, or the reconciliation confirming it).
            await db[collection].update_one(
                {"_id": key}, {"$set": {"synced_at": now}}, session=session
            )
            return before
        change = {**fields, "modified_at": event.modified_at, "deleted": False, "synced_at": now}
    update: Document = {
        "$set": {**change, "event_id": event.event_id, "cached_at": now},
        "$setOnInsert": {"store_id": event.store_id, "woocommerce_id": woocommerce_id},
    }
    if event.deleted and collection == WOOCOMMERCE_CUSTOMERS:
        update["$unset"] = dict.fromkeys(_FORGOTTEN_ON_DELETION, "")
    if not event.deleted:  # a restored document is no tombstone: its expiry is lifted
        update["$unset"] = {"deleted_at": ""}
    await db[collection].update_one({"_id": key}, update, upsert=True, session=session)
    return before


async def _refresh(
    db: Database, session: Session, event: WooCommerceEvent, numbers: set[str | None]
) -> list[str]:
    known = {number for number in numbers if number}
    return await refresh_cards(db, session, event.store_id, known, event.event_id)


async def _publish(db: Database, broker: KafkaBroker | None, conversation_ids: list[str]) -> None:
    """Without a broker (a test, a tool) the facts stay pending for the sweep to publish."""
    if broker is None:
        return
    for conversation_id in conversation_ids:
        await outbox.publish_pending(db, broker, conversation_id=conversation_id)


def _field(document: Document | None, name: str) -> Any:
    return document.get(name) if document else None


def _number(document: Document | None) -> str | None:
    number = _field(document, "billing_e164")
    return str(number) if number else None
