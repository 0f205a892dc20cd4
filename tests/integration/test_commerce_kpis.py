"""Commerce KPIs from WooCommerce order snapshots against the real MongoDB: orders, revenue,
conversion and revenue attributed to conversations, counted once whatever the arrival order."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from bson import Decimal128

from services.kpi_aggregator.app import TOPICS
from services.kpi_aggregator.handlers import on_events
from services.kpi_aggregator.rebuild import rebuild
from shared import kafka
from shared.channels import Channel
from shared.events import Event, HandOverReason, OrderChanged
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY, KPI_HOURLY, KPI_ORDERS
from shared.kpis.zones import StoreZones
from shared.mongo import PROCESSED_EVENTS, Database, Document
from shared.stores.directory import Store, save_store
from shared.woocommerce.payloads import Deletion, OrderSnapshot, Topic, changed_event
from tests.standins.dates import DAY, at, day
from tests.standins.woocommerce_data import order
from tests.support.events import MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow


BUDI = "+6281234567890"  # the order's billing phone in woocommerce_data, as WhatsApp writes it
SARI = "+6281100000002"
CREATED = at(10, 2)  # woocommerce_data's date_created_gmt
PAID = at(10, 10)  # its date_paid_gmt


def snapshot(store_id: str, modified: str, **fields: Any) -> OrderChanged:
    document = order(727, modified, **fields)
    event = changed_event(
        store_id, Topic("order", "updated"), OrderSnapshot.model_validate(document)
    )
    assert isinstance(event, OrderChanged)
    return event


def pending(store_id: str, **fields: Any) -> OrderChanged:
    return snapshot(store_id, f"{DAY}T10:02:30", status="pending", date_paid_gmt=None, **fields)


def paid(store_id: str, **fields: Any) -> OrderChanged:
    return snapshot(store_id, f"{DAY}T10:15:00", status="processing", **fields)


def deletion(store_id: str, held: datetime) -> OrderChanged:
    event = changed_event(store_id, Topic("order", "deleted"), Deletion(id=727), held=held)
    assert isinstance(event, OrderChanged)
    return event


async def apply(db: Database, *batches: list[Event]) -> None:
    for batch in batches:
        await on_events(batch, db)


async def bucket(db: Database, collection: str, key: str) -> Document:
    document = await db[collection].find_one({"_id": key})
    assert document is not None, key
    return {k: v for k, v in document.items() if k not in ("_id", "store_id", "hour", "date")}


def number(value: Any) -> Any:
    """Stored money is Decimal128 (exact); compare it as a Decimal."""
    return value.to_decimal() if isinstance(value, Decimal128) else value


def figures(document: Document, prefix: str = "") -> dict[str, Any]:
    """The bucket's figures as dotted paths, zeros left out (a missing field means zero)."""
    flat: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(figures(value, f"{path}."))
        elif number(value) != 0 and key != "timezone":
            flat[path] = number(value)
    return flat


async def test_an_order_counts_created_and_paid_once_under_redelivery(
    db: Database, store_id: str
) -> None:
    created, then_paid = pending(store_id), paid(store_id)
    completed = snapshot(store_id, f"{day(1)}T08:00:00", status="completed")

    await apply(db, [created], [then_paid, completed], [created, then_paid, completed])

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert ten == {
        "orders.created": 1,
        "orders.paid": 1,
        "revenue.IDR.paid": Decimal("265000.00"),
        "revenue.IDR.orders": 1,
    }
    daily = figures(await bucket(db, KPI_DAILY, f"{store_id}|{DAY}"))  # UTC: no store
    assert daily == ten
    assert await db[KPI_HOURLY].count_documents({"store_id": store_id}) == 1


async def test_a_late_snapshot_changes_nothing_and_a_refund_counts_once(
    db: Database, store_id: str
) -> None:
    refunded = snapshot(store_id, f"{day(2)}T09:00:00", status="refunded")

    # the refund arrives first, then the older snapshots, then all of them again
    await apply(db, [refunded], [paid(store_id)], [pending(store_id), refunded])

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert ten["orders.paid"] == 1
    assert ten["revenue.IDR.paid"] == Decimal("265000.00")
    refund_hour = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{day(2)}T09"))
    assert refund_hour == {"orders.refunded": 1, "revenue.IDR.refunded": Decimal("265000.00")}


async def test_a_cancelled_unpaid_order_is_created_and_cancelled_without_revenue(
    db: Database, store_id: str
) -> None:
    cancelled = snapshot(store_id, f"{DAY}T12:00:00", status="cancelled", date_paid_gmt=None)

    await apply(db, [pending(store_id), cancelled])

    assert figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10")) == {"orders.created": 1}
    assert figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T12")) == {"orders.cancelled": 1}


async def test_a_deleted_order_counts_nothing_until_it_is_restored(
    db: Database, store_id: str
) -> None:
    live = paid(store_id)
    restored = snapshot(store_id, f"{day(3)}T08:00:00", status="processing")

    await apply(db, [live], [deletion(store_id, held=at(10, 15))])
    assert figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10")) == {}

    await apply(db, [restored])
    assert figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))["orders.paid"] == 1


async def test_an_order_placed_after_a_chat_is_the_bots_and_converts_the_chat(
    db: Database, store_id: str, make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    asked = make_received(BUDI, "Batik parang ukuran L ada?", at=CREATED - timedelta(hours=1))
    answered = make_reply_sent(asked, response_seconds=4)
    # a guest order, its billing phone typed the national way
    guest = {"customer_id": 0, "billing": {"phone": "0812-3456-7890", "first_name": "Budi"}}

    # the order is read before the conversation it came from
    await apply(db, [pending(store_id, **guest), paid(store_id, **guest)], [asked, answered])

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert ten["orders.attributed.bot"] == 1
    assert ten["revenue.IDR.attributed_bot"] == Decimal("265000.00")
    nine = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T09"))
    assert (nine["unique_customers"], nine["conversion.customers"]) == (1, 1)
    daily = figures(await bucket(db, KPI_DAILY, f"{store_id}|{DAY}"))
    assert (daily["unique_customers"], daily["conversion.customers"]) == (1, 1)

    await apply(db, [asked, answered, paid(store_id, **guest)])  # redelivered: nothing moves
    assert figures(await bucket(db, KPI_DAILY, f"{store_id}|{DAY}")) == daily


@pytest.mark.parametrize("order_first", [True, False])
async def test_a_chat_on_the_cloud_api_attributes_the_order_too(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    order_first: bool,
) -> None:
    asked = make_received(
        BUDI, "Kemeja batik ready?", at=CREATED - timedelta(hours=1), channel=Channel.WHATSAPP_CLOUD
    )
    talk, orders = [asked, make_reply_sent(asked, response_seconds=4)], [pending(store_id)]
    orders.append(paid(store_id))

    await apply(db, *([orders, talk] if order_first else [talk, orders]))

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert ten["orders.attributed.bot"] == 1
    assert ten["revenue.IDR.attributed_bot"] == Decimal("265000.00")


async def test_a_hand_over_before_the_order_makes_it_the_humans(
    db: Database, store_id: str, make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    asked = make_received(BUDI, "Mau bicara dengan admin", at=CREATED - timedelta(days=2))
    bot = make_reply_sent(asked, response_seconds=3)
    again = make_received(BUDI, "Halo?", at=CREATED - timedelta(days=1))
    handed = make_reply_sent(again, response_seconds=2, hand_over=HandOverReason.CUSTOMER_REQUEST)

    await apply(db, [asked, bot, pending(store_id), paid(store_id)])
    assert (
        figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))["orders.attributed.bot"] == 1
    )
    await apply(db, [again, handed])  # learnt later: the bot's becomes the humans'

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert "orders.attributed.bot" not in ten
    assert ten["orders.attributed.human"] == 1
    assert ten["revenue.IDR.attributed_human"] == Decimal("265000.00")


async def test_a_chat_outside_the_window_or_of_someone_else_attributes_nothing(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    too_early = make_received(BUDI, "Halo", at=CREATED - timedelta(days=7, minutes=1))
    other = make_received(SARI, "Halo", at=CREATED - timedelta(hours=1))
    after = make_received(BUDI, "Sudah bayar ya", at=CREATED + timedelta(minutes=30))

    await apply(db, [too_early, other, after, pending(store_id), paid(store_id)])

    ten = figures(await bucket(db, KPI_HOURLY, f"{store_id}|{DAY}T10"))
    assert not any(name.startswith(("orders.attributed", "conversion")) for name in ten)
    assert not any("attributed" in name for name in ten)


async def test_the_session_the_customer_ordered_from_is_credited_in_the_fact_table(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    make_closed: Callable[..., Any],
) -> None:
    asked = make_received(BUDI, "Ready kak?", at=CREATED - timedelta(hours=3))
    answered = make_reply_sent(asked, response_seconds=5)
    closed = make_closed(asked, answered.occurred_at + timedelta(hours=24), "resolved_by_bot")

    await apply(db, [asked, answered, closed])
    [row] = await db[CONVERSATION_FACTS].find({"store_id": store_id}).to_list()
    assert (row["attributed_orders"], row["attributed_revenue"]) == (0, None)

    await apply(db, [pending(store_id), paid(store_id)])  # the order comes after the close

    [row] = await db[CONVERSATION_FACTS].find({"store_id": store_id}).to_list()
    assert row["attributed_orders"] == 1
    assert (row["attributed_revenue"], row["attributed_currency"]) == ("265000.00", "IDR")


def store_order(store_id: str, order_id: int, modified: str, **fields: Any) -> OrderChanged:
    document = order(order_id, modified, **fields)
    event = changed_event(
        store_id, Topic("order", "updated"), OrderSnapshot.model_validate(document)
    )
    assert isinstance(event, OrderChanged)
    return event


async def all_figures(db: Database, store_id: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for collection in (KPI_HOURLY, KPI_DAILY):
        async for document in db[collection].find({"store_id": store_id}):
            values = figures({k: v for k, v in document.items() if k not in ("_id", "store_id")})
            values.pop("hour", None)
            values.pop("date", None)
            if values:
                found[document["_id"]] = values
    return found


async def test_rebuild_from_the_log_gives_the_commerce_numbers_of_live_aggregation(
    db: Database,
    settings: Any,
    broker: Any,
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+1555" + store_id[-9:]))
    budi_asks = make_received(BUDI, "Ada batik parang?", at=at(3))
    sari_asks = make_received(SARI, "Mau ke admin", at=at(4, days=1))
    tono = "+6281100000003"
    tono_asks = make_received(tono, "Halo", at=at(11, days=-1))
    talk: list[Event] = [
        budi_asks,
        make_reply_sent(budi_asks, response_seconds=3),
        sari_asks,
        make_reply_sent(sari_asks, 2, hand_over=HandOverReason.CUSTOMER_REQUEST),
        tono_asks,
    ]
    guest = {"customer_id": 0, "billing": {"phone": "0812-3456-7890"}}
    sari = {"billing": {"phone": SARI}, "date_created_gmt": f"{day(1)}T05:00:00"}
    sari |= {"date_paid_gmt": f"{day(1)}T05:05:00"}
    tono_order = {"billing": {"phone": tono}, "date_created_gmt": f"{day(-1)}T12:00:00"}
    snapshots: list[Event] = [
        store_order(store_id, 727, f"{day(2)}T09:00:00", status="refunded", **guest),
        store_order(store_id, 727, f"{DAY}T10:02:30", status="pending", date_paid_gmt=None),
        store_order(store_id, 727, f"{DAY}T10:15:00", status="processing", **guest),
        store_order(store_id, 728, f"{day(1)}T05:05:00", status="processing", **sari),
        store_order(
            store_id,
            730,
            f"{day(1)}T02:00:00",
            status="completed",
            date_paid_gmt=f"{day(1)}T02:00:00",
            **tono_order,
        ),
    ]
    for event in [*snapshots, *talk, snapshots[2]]:  # orders before the talk, one redelivered
        await kafka.publish(broker, event)
    handler = partial(on_events, db=db, zones=StoreZones(db))
    live_aggregator = await consumers.batch(new_group_id(), TOPICS, handler)
    ids = [f"kpi_aggregator:{event.event_id}" for event in [*snapshots, *talk]]
    deadline = datetime.now(UTC) + timedelta(seconds=60)
    while await db[PROCESSED_EVENTS].count_documents({"_id": {"$in": ids}}) < len(ids):
        assert datetime.now(UTC) < deadline, "live aggregation did not finish"
        await asyncio.sleep(0.1)
    await consumers.stop(live_aggregator, grace_seconds=30)
    live = await all_figures(db, store_id)
    live_orders = await db[KPI_ORDERS].find({"store_id": store_id}).sort("_id").to_list()
    seventh = live[f"{store_id}|{day(1)}"]
    assert seventh["orders.attributed.human"] == 1  # Sari's, handed over
    assert (
        seventh["orders.attributed.bot"] == 1
    )  # Tono's, created the day before DAY, paid the day after
    assert live[f"{store_id}|{DAY}"]["orders.attributed.bot"] == 1  # Budi's
    assert live[f"{store_id}|{day(2)}"]["revenue.IDR.refunded"] == Decimal("265000.00")
    # the range's buckets (DAY to two days later, in Jakarta) wiped or wrong
    jakarta_days = {
        "$gte": at(17, days=-1),
        "$lt": at(17, days=2),
    }
    await db[KPI_HOURLY].delete_many({"store_id": store_id, "hour": jakarta_days})
    in_range = {"store_id": store_id, "date": {"$gte": f"{DAY}", "$lte": f"{day(2)}"}}
    await db[KPI_DAILY].update_many(in_range, {"$inc": {"orders.paid": 3}})

    await rebuild(
        db,
        kafka.bootstrap_servers(settings),
        store_id,
        DAY,
        day(2),
    )

    assert await all_figures(db, store_id) == live
    rebuilt_orders = await db[KPI_ORDERS].find({"store_id": store_id}).sort("_id").to_list()
    assert rebuilt_orders == live_orders
    await on_events([snapshots[3], talk[2]], db)  # live counting goes on: nothing twice
    assert await all_figures(db, store_id) == live
