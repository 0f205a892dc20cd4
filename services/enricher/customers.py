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

from collections.abc import Sequence
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
FACETS_PER_READ = 50  # numbers whose orders one aggregation reads (its answer is one document)
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
    return (await commerce_views(db, session, [(store_id, number)]))[(store_id, number)]


async def commerce_views(
    db: Database, session: Session | None, customers: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """`commerce_view` of each (store, number) in `customers`, for a batch in two reads: the
    registered customers of them all, then each one's last orders (one `$facet` per number)."""
    wanted = sorted(set(customers))
    if not wanted:
        return {}
    found = db[WOOCOMMERCE_CUSTOMERS].find(
        {"$or": [_customer_query(store_id, number) for store_id, number in wanted]},
        sort=[("modified_at", -1)],
        session=session,
    )
    asked = set(wanted)
    registered: dict[tuple[str, str], Document] = {}
    async for customer in found:  # newest first: a number's first is its customer
        for number in (customer.get("billing_e164"), customer.get("email_lower")):
            key = (str(customer["store_id"]), str(number))
            if key in asked:
                registered.setdefault(key, customer)
    placed_by = {item: _placed_by(item[1], registered.get(item)) for item in wanted}
    orders: dict[tuple[str, str], list[Document]] = {}
    asking = [item for item in wanted if placed_by[item]]
    for start in range(0, len(asking), FACETS_PER_READ):
        orders.update(
            await _recent_orders(db, session, asking[start : start + FACETS_PER_READ], placed_by)
        )
    return {
        item: {
            "customer": customer_summary(registered[item]) if item in registered else None,
            "recent_orders": [order_summary(order) for order in orders.get(item, [])],
        }
        for item in wanted
    }


def _customer_query(store_id: str, number: str) -> Document:
    return {
        "store_id": store_id,
        "email_lower" if "@" in number else "billing_e164": number,
        "deleted": False,
    }


def _placed_by(number: str, customer: Document | None) -> list[Document]:
    """Whose orders a card shows: the number's own (guests' included), the customer's."""
    placed_by: list[Document] = [] if "@" in number else [{"billing_e164": number}]
    if customer is not None:
        placed_by.append({"customer_id": customer["woocommerce_id"]})
    return placed_by


async def _recent_orders(
    db: Database,
    session: Session | None,
    asking: Sequence[tuple[str, str]],
    placed_by: dict[tuple[str, str], list[Document]],
) -> dict[tuple[str, str], list[Document]]:
    """The last RECENT_ORDERS orders of each of `asking`, in one aggregation."""
    queries = [
        {"store_id": store_id, "deleted": False, "$or": placed_by[(store_id, number)]}
        for store_id, number in asking
    ]
    facets = {
        str(index): [
            {"$match": query},
            {"$sort": {"created_at": -1, "woocommerce_id": -1}},
            {"$limit": RECENT_ORDERS},
        ]
        for index, query in enumerate(queries)
    }
    cursor = await db[WOOCOMMERCE_ORDERS].aggregate(
        [{"$match": {"$or": queries}}, {"$facet": facets}], session=session
    )
    results = await cursor.to_list()
    found = results[0] if results else {}
    return {item: found.get(str(index), []) for index, item in enumerate(asking)}


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
