"""The card's link to the WooCommerce customer and their last orders, against the real MongoDB:
the same card whichever arrives first, the message or the customer and their orders."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.commerce import on_customer_changed, on_order_changed
from services.enricher.customers import commerce_views
from services.enricher.handlers import on_message_received
from shared.channels import Channel
from shared.conversations.collections import CONVERSATION_EVENTS, CONVERSATIONS
from shared.events import ConversationEnriched, CustomerChanged, MessageReceived, OrderChanged
from shared.mongo import Database, Document
from shared.stores.directory import Store, save_store
from shared.woocommerce.payloads import (
    CustomerSnapshot,
    Deletion,
    OrderSnapshot,
    Topic,
    changed_event,
)
from tests.standins.dates import DAY, at, day
from tests.standins.woocommerce_data import customer, order
from tests.support.events import MakeReceived
from tests.support.expiry import assert_cached_orders_outlive_a_sweep

pytestmark = pytest.mark.slow


BUDI = "+6281234567890"  # woocommerce_data's billing phone


def customer_event(store_id: str, modified: str = f"{DAY}T09:00:00", **fields: Any) -> Any:
    document = customer(25, modified) | fields
    event = changed_event(
        store_id, Topic("customer", "updated"), CustomerSnapshot.model_validate(document)
    )
    assert isinstance(event, CustomerChanged)
    return event


def order_event(store_id: str, order_id: int = 727, **fields: Any) -> OrderChanged:
    document = order(order_id, fields.pop("modified", f"{DAY}T10:15:00"), **fields)
    event = changed_event(
        store_id, Topic("order", "updated"), OrderSnapshot.model_validate(document)
    )
    assert isinstance(event, OrderChanged)
    return event


async def card(db: Database, store_id: str, number: str = BUDI) -> Document:
    found = await db[CONVERSATIONS].find_one({"_id": f"{store_id}:{number}"})
    assert found is not None
    return found


async def snapshots(db: Database, store_id: str, number: str = BUDI) -> list[ConversationEnriched]:
    found = db[CONVERSATION_EVENTS].find(
        {"conversation_id": f"{store_id}:{number}", "event_type": "ConversationEnriched"}
    )
    published = [ConversationEnriched.model_validate_json(fact["payload"]) async for fact in found]
    return sorted(published, key=lambda snapshot: snapshot.revision)


async def message(db: Database, event: MessageReceived) -> None:
    await on_message_received(event, db, OfflineClassifier())


EXPECTED_ORDER = {
    "id": 727,
    "number": "727",
    "status": "processing",
    "total": "265000.00",
    "currency": "IDR",
    "items": "2 x Batik Tulis Parang - L",
}


async def test_a_customer_and_order_arriving_after_the_message_update_the_card(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await message(db, make_received(BUDI, "Pesanan saya kapan dikirim?"))
    assert (await card(db, store_id))["customer"] is None

    await on_customer_changed(customer_event(store_id), db)
    await on_order_changed(order_event(store_id), db)
    await on_order_changed(order_event(store_id), db)  # redelivered: nothing new
    await assert_cached_orders_outlive_a_sweep(db, store_id)

    linked = await card(db, store_id)
    assert linked["customer"] == {"id": 25, "name": "Budi Santoso", "email": "budi@example.com"}
    [recent] = linked["recent_orders"]
    assert {k: v for k, v in recent.items() if k != "created_at"} == EXPECTED_ORDER
    assert recent["created_at"].isoformat() == f"{DAY}T10:02:00+00:00"
    published = await snapshots(db, store_id)
    assert [s.revision for s in published] == [1, 2, 3]
    assert [s.customer_id for s in published] == [None, 25, 25]
    assert linked["revision"] == 3


async def test_a_message_after_the_customer_finds_the_link_at_once(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await on_customer_changed(customer_event(store_id), db)
    await on_order_changed(order_event(store_id), db)

    await message(db, make_received(BUDI, "Halo kak"))

    linked = await card(db, store_id)
    assert linked["customer"]["id"] == 25
    assert [o["number"] for o in linked["recent_orders"]] == ["727"]
    [published] = await snapshots(db, store_id)
    assert published.customer_id == 25


async def test_a_guests_order_links_by_the_billing_phone_as_typed(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+1555" + store_id[-9:]))
    await message(db, make_received(BUDI, "Halo"))
    guest = {"customer_id": 0, "billing": {"phone": "0812-3456-7890", "first_name": "Budi"}}

    await on_order_changed(order_event(store_id, 801, **guest), db)

    linked = await card(db, store_id)
    assert linked["customer"] is None
    assert [o["number"] for o in linked["recent_orders"]] == ["801"]


async def test_the_card_keeps_the_five_newest_orders_and_forgets_deleted_ones(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await message(db, make_received(BUDI, "Halo"))
    for n in range(1, 8):  # 701 placed five days before DAY, 707 the day after
        created = f"{day(n - 6)}T10:00:00"
        await on_order_changed(
            order_event(store_id, 700 + n, date_created_gmt=created, modified=created), db
        )
    deletion = changed_event(
        store_id,
        Topic("order", "deleted"),
        Deletion(id=707),
        held=at(10, days=1),
    )

    assert [o["number"] for o in (await card(db, store_id))["recent_orders"]] == [
        "707",
        "706",
        "705",
        "704",
        "703",
    ]
    assert isinstance(deletion, OrderChanged)
    await on_order_changed(deletion, db)

    assert [o["number"] for o in (await card(db, store_id))["recent_orders"]] == [
        "706",
        "705",
        "704",
        "703",
        "702",
    ]


async def test_a_customer_who_changes_their_phone_moves_to_the_other_card(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    other = "+6281100000002"
    await message(db, make_received(BUDI, "Halo"))
    await message(db, make_received(other, "Halo juga"))
    await on_customer_changed(customer_event(store_id), db)

    moved = customer_event(
        store_id, f"{day(1)}T09:00:00", billing={"phone": "0811-0000-0002", "country": "ID"}
    )
    await on_customer_changed(moved, db)

    assert (await card(db, store_id))["customer"] is None
    assert (await card(db, store_id, other))["customer"]["id"] == 25
    # the order placed with the old number still shows on the registered customer's card
    await on_order_changed(order_event(store_id), db)
    assert [o["number"] for o in (await card(db, store_id, other))["recent_orders"]] == ["727"]
    assert [o["number"] for o in (await card(db, store_id))["recent_orders"]] == ["727"]


async def test_another_stores_customer_with_the_same_number_is_not_linked(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await message(db, make_received(BUDI, "Halo"))

    await on_customer_changed(customer_event("another-store"), db)

    assert (await card(db, store_id))["customer"] is None
    assert await snapshots(db, store_id) != []  # the message's own snapshot only
    assert len(await snapshots(db, store_id)) == 1


async def test_the_card_link_is_stamped_inside_the_current_session(
    db: Database, store_id: str, make_received: MakeReceived, hour: Callable[[int], Any]
) -> None:
    at = hour(10)
    await message(db, make_received(BUDI, "Halo", at=at))
    await message(db, make_received(BUDI, "Pesanan #727?", at=at + timedelta(minutes=3)))

    await on_customer_changed(customer_event(store_id), db)

    newest = (await snapshots(db, store_id))[-1]
    assert newest.customer_id == 25
    assert newest.occurred_at == at + timedelta(minutes=3)


async def test_an_email_conversation_links_the_customer_whose_account_email_it_is(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    email = "budi@example.com"  # woocommerce_data's account e-mail
    await message(db, make_received(email, "Pesanan saya?", channel=Channel.EMAIL))
    assert (await card(db, store_id, f"email:{email}"))["customer"] is None

    # The account arrives later, its e-mail written in another case: the card links all the same.
    await on_customer_changed(customer_event(store_id, email="Budi@Example.com"), db)
    await on_order_changed(order_event(store_id), db)
    linked = await card(db, store_id, f"email:{email}")
    assert linked["customer"]["id"] == 25
    assert [o["number"] for o in linked["recent_orders"]] == ["727"]

    other = "siti@example.com"  # no account: no link, and not the guests' orders of a number
    await message(db, make_received(other, "Halo", channel=Channel.EMAIL))
    assert (await card(db, store_id, f"email:{other}"))["customer"] is None


async def test_one_read_of_a_batch_gives_each_number_its_own_customer_and_orders(
    db: Database, store_id: str
) -> None:
    guest = "+6281299990000"
    await on_customer_changed(customer_event(store_id), db)  # Budi, customer 25
    elsewhere = {"billing": {"phone": "+6285700001111", "first_name": "Budi"}}
    await on_order_changed(order_event(store_id, 727, **elsewhere), db)  # Budi's, another phone
    guests = {"customer_id": 0, "billing": {"phone": guest, "first_name": "Sari"}}
    await on_order_changed(order_event(store_id, 801, **guests), db)
    await on_order_changed(order_event(store_id, 802, **guests, status="cancelled"), db)

    views = await commerce_views(db, None, [(store_id, BUDI), (store_id, guest)])

    assert views[(store_id, BUDI)]["customer"]["id"] == 25
    assert [o["number"] for o in views[(store_id, BUDI)]["recent_orders"]] == ["727"]
    assert views[(store_id, guest)]["customer"] is None
    assert [o["number"] for o in views[(store_id, guest)]["recent_orders"]] == ["802", "801"]
