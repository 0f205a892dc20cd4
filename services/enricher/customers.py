"""The link between a conversation and the store's WooCommerce customer, and their last orders.

A conversation is `<store>:<customer number in E.164>`; the caches index each customer's and
each order's billing phone in E.164 (`billing_e164`, read in the store's default country), so
the card finds the registered customer with that number and the last orders placed with it,
guests' orders included (plus the registered customer's orders placed with another number).
An e-mail conversation (`<store>:email:<address>`) finds the registered customer whose account
e-mail is that address (`email_lower`), and their orders.

The card keeps what was found (`customer`, `recent_orders`); it is computed from the caches
when the card gets its first customer message and recomputed whenever a customer or order
snapshot touching the number arrives (both in transactions that write the card, so one of two
at once retries and sees the other), so the link is the same whichever came first. Names and
e-mails are on the card for the store's admins and are never logged.
"""

from typing import Any

from services.enricher import outbox
from services.enricher.cards import enriched_event
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS
from shared.events import event_id_for
from shared.identity import conversation_id as conversation_id_of
from shared.mongo import Database, Document, Session
from shared.phones import store_country
from shared.stores.collections import STORES
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS, WOOCOMMERCE_ORDERS

RECENT_ORDERS = 5
ITEMS_SHOWN = 3
ITEMS_MAX_CHARS = 120


async def country_of(db: Database, session: Session, store_id: str) -> str:
    """The store's default country for numbers typed without a country code."""
    store = await db[STORES].find_one({"_id": store_id}, {"default_country": 1}, session=session)
    return store_country(store or {})


async def commerce_view(
    db: Database, session: Session | None, store_id: str, number: str
) -> dict[str, Any]:
    """The card's `customer` (or None) and `recent_orders` (newest first) for `number` (or the
    e-mail address of an e-mail conversation)."""
    by_email = "@" in number
    customer = await db[WOOCOMMERCE_CUSTOMERS].find_one(
        {
            "store_id": store_id,
            "email_lower" if by_email else "billing_e164": number,
            "deleted": False,
        },
        sort=[("modified_at", -1)],
        session=session,
    )
    placed_by: list[Document] = [] if by_email else [{"billing_e164": number}]
    if customer is not None:
        placed_by.append({"customer_id": customer["woocommerce_id"]})
    if not placed_by:
        return {"customer": None, "recent_orders": []}
    orders = (
        db[WOOCOMMERCE_ORDERS]
        .find({"store_id": store_id, "deleted": False, "$or": placed_by}, session=session)
        .sort([("created_at", -1), ("woocommerce_id", -1)])
        .limit(RECENT_ORDERS)
    )
    return {
        "customer": customer_summary(customer) if customer else None,
        "recent_orders": [order_summary(order) async for order in orders],
    }


def customer_summary(customer: Document) -> dict[str, Any]:
    name = " ".join(filter(None, [customer.get("first_name"), customer.get("last_name")]))
    return {"id": customer["woocommerce_id"], "name": name or None, "email": customer.get("email")}


def order_summary(order: Document) -> dict[str, Any]:
    return {
        "id": order["woocommerce_id"],
        "number": order.get("number"),
        "status": order.get("status"),
        "total": order.get("total"),
        "currency": order.get("currency"),
        "created_at": order.get("created_at"),
        "items": items_summary(order.get("line_items") or []),
    }


def items_summary(items: list[Document]) -> str:
    """`2 x Batik Tulis Parang - L, 1 x Kain` (the first ITEMS_SHOWN, then `+N more`)."""
    shown = [f"{item.get('quantity', 0)} x {item.get('name', '')}".strip() for item in items]
    text = ", ".join(shown[:ITEMS_SHOWN])
    if len(shown) > ITEMS_SHOWN:
        text += f" +{len(shown) - ITEMS_SHOWN} more"
    return text if len(text) <= ITEMS_MAX_CHARS else text[: ITEMS_MAX_CHARS - 1] + "…"


async def refresh_cards(
    db: Database, session: Session, store_id: str, numbers: set[str], trigger_event_id: str
) -> list[str]:
    """Recompute the commerce part of the existing cards of `numbers` after a customer or order
    snapshot; each card that changed gets a new revision and a `conversations.enriched` fact in
    the outbox. The conversation ids of those cards."""
    changed = []
    for number in sorted(numbers):
        channel = Channel.EMAIL if "@" in number else Channel.WHATSAPP
        conversation_id = conversation_id_of(store_id, number, channel)
        card = await db[CONVERSATIONS].find_one({"_id": conversation_id}, session=session)
        if card is None or card.get("last_activity_at") is None:
            continue  # the customer never wrote: the card links when they do
        view = await commerce_view(db, session, store_id, number)
        if all(card.get(field) == value for field, value in view.items()):
            continue  # a redelivery, or nothing this card shows changed
        changes = {**view, "revision": card.get("revision", 0) + 1}
        card.update(changes)
        await db[CONVERSATIONS].update_one(
            {"_id": conversation_id}, {"$set": changes}, session=session
        )
        # Stamped at the card's last activity, so the snapshot stays in the current session
        # (a commerce change says nothing about when the customer talked).
        snapshot_id = event_id_for("conversations.enriched", trigger_event_id, conversation_id)
        snapshot = enriched_event(card, snapshot_id, card["last_activity_at"])
        await outbox.record(db, session, [snapshot])
        changed.append(conversation_id)
    return changed
