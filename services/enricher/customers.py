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
    """`commerce_view` of each (store, number) in `customers`, for a batch in a few reads: the
    registered customers of each store's numbers, then their orders.

    Every read names exactly the fields of one of the caches' indexes and the rest (`deleted`,
    the newest, the last few) is done here: the embedded server answers a filter with an `$or`,
    or with a field beside an index's fields, by scanning the whole collection (0.1-0.7 s of its
    CPU a batch with 5 000 customers and 20 000 orders)."""
    wanted = sorted(set(customers))
    registered: dict[tuple[str, str], Document] = {}
    for (store_id, field), numbers in _by_store_and_field(wanted).items():
        found = db[WOOCOMMERCE_CUSTOMERS].find(
            {"store_id": store_id, field: {"$in": numbers}}, session=session
        )
        for customer in sorted(
            [c async for c in found if c.get("deleted") is False], key=_newest_first
        ):  # a number's newest is its customer
            registered.setdefault((store_id, str(customer[field])), customer)
    orders = await _recent_orders(db, session, wanted, registered)
    return {
        item: {
            "customer": customer_summary(registered[item]) if item in registered else None,
            "recent_orders": [order_summary(order) for order in orders.get(item, [])],
        }
        for item in wanted
    }


def _field(number: str) -> str:
    """The cache field a conversation's number (or e-mail address) is found by."""
    return "email_lower" if "@" in number else "billing_e164"


def _by_store_and_field(wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for store_id, number in wanted:
        grouped.setdefault((store_id, _field(number)), []).append(number)
    return grouped


def _newest_first(document: Document) -> tuple[bool, Any]:
    modified = document.get("modified_at")
    return (modified is None, -modified.timestamp() if modified is not None else 0)


async def _recent_orders(
    db: Database,
    session: Session | None,
    wanted: Sequence[tuple[str, str]],
    registered: dict[tuple[str, str], Document],
) -> dict[tuple[str, str], list[Document]]:
    """The last RECENT_ORDERS orders of each of `wanted`: those placed with its number (guests'
    included; an e-mail address has none) and its registered customer's, one read per store
    and kind."""
    by_key: dict[tuple[str, str, Any], list[tuple[str, str]]] = {}  # (store, field, value) -> items
    for item in wanted:
        store_id, number = item
        if "@" not in number:
            by_key.setdefault((store_id, "billing_e164", number), []).append(item)
        if (customer := registered.get(item)) is not None:
            by_key.setdefault((store_id, "customer_id", customer["woocommerce_id"]), []).append(
                item
            )
    asked: dict[tuple[str, str], list[Any]] = {}
    for store_id, field, value in by_key:
        asked.setdefault((store_id, field), []).append(value)
    placed: dict[tuple[str, str], dict[str, Document]] = {}
    for (store_id, field), values in asked.items():
        found = db[WOOCOMMERCE_ORDERS].find(
            {"store_id": store_id, field: {"$in": values}}, session=session
        )
        async for order in found:
            if order.get("deleted") is not False:
                continue
            for item in by_key.get((store_id, field, order.get(field)), []):
                placed.setdefault(item, {})[order["_id"]] = order
    return {
        item: sorted(orders.values(), key=_latest_first)[:RECENT_ORDERS]
        for item, orders in placed.items()
    }


def _latest_first(order: Document) -> tuple[Any, ...]:
    created = order.get("created_at")
    return (
        created is None,
        -created.timestamp() if created is not None else 0,
        -order.get("woocommerce_id", 0),
    )


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
