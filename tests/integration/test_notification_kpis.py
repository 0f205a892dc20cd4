"""Notification figures through the aggregator's handler and the session's MongoDB: the same
figures whatever order the notification, its status callbacks and the customer's answer are
read in, each counted once, and each order credited to one notification
(docs/kpis.md#notifications)."""

from datetime import timedelta
from typing import Any

import pytest
from bson import Decimal128

from services.kpi_aggregator.handlers import on_events
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.events import DeliveryStatus, Event, NotificationSent
from shared.kpis.collections import KPI_DAILY, KPI_NOTIFICATIONS
from shared.mongo import Database
from tests.standins.dates import DAY, at
from tests.support.events import (
    MakeReceived,
    broadcast_sent,
    notification_message,
    notification_sent,
    order_changed,
    received,
    status_changed,
)

pytestmark = pytest.mark.slow

BUDI = "+6281100000011"
SARI = "+6281100000012"
RINI = "+6281100000013"
SENT_AT = at(2, 0)  # no store saved: its days are UTC days


async def figures(
    db: Database, store_id: str, source: str = "order_notification"
) -> dict[str, Any]:
    daily = await db[KPI_DAILY].find_one({"store_id": store_id, "date": f"{DAY}"})
    assert daily is not None
    return dict(daily["notifications"][source])


def the_story(store_id: str, make_received: MakeReceived) -> tuple[NotificationSent, list[Event]]:
    note = notification_sent(BUDI, SENT_AT, store_id=store_id)
    sid = note.twilio_sid or ""
    conversation = {"store_id": store_id, "conversation_id": note.conversation_id}
    return note, [
        status_changed(
            DeliveryStatus.DELIVERED, SENT_AT + timedelta(seconds=3), sid=sid, **conversation
        ),
        status_changed(
            DeliveryStatus.READ, SENT_AT + timedelta(minutes=5), sid=sid, **conversation
        ),
        make_received(BUDI, "Makasih kak, ditunggu", at=SENT_AT + timedelta(hours=2)),
        make_received(BUDI, "stop", at=SENT_AT + timedelta(hours=3)),
        make_received(BUDI, "Kak, sudah sampai", at=SENT_AT + timedelta(hours=30)),  # too late
    ]


EXPECTED = {"sent": 1, "delivered": 1, "read": 1, "replied": 1, "opted_out": 1}


async def test_a_notification_read_first_then_its_callbacks_and_answers(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    note, after = the_story(store_id, make_received)
    await on_events([note], db)
    for event in after:
        await on_events([event], db)
    await on_events([note, *after], db)  # redelivered: nothing more

    assert await figures(db, store_id) == EXPECTED


async def test_callbacks_and_answers_read_before_their_notification_count_the_same(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    """The callbacks' notification is found through the responder's message; the answers
    through the fact table's stamps."""
    note, after = the_story(store_id, make_received)
    await db[MESSAGES].insert_one(notification_message(note))  # as the responder keeps it
    await on_events(after, db)
    await on_events([note], db)

    assert await figures(db, store_id) == EXPECTED
    record = await db[KPI_NOTIFICATIONS].find_one({"_id": note.message_id})
    assert record is not None
    assert BUDI not in str(record)  # the customer's hash, never the number


async def test_the_same_number_elsewhere_or_on_another_channel_is_not_a_reply(
    db: Database, store_id: str
) -> None:
    note = notification_sent(BUDI, SENT_AT, store_id=store_id)
    an_hour_later = SENT_AT + timedelta(hours=1)
    other_store = received(BUDI, "Halo", an_hour_later, store_id=f"{store_id}-other")
    cloud = received(BUDI, "Halo", an_hour_later, store_id=store_id, channel=Channel.WHATSAPP_CLOUD)
    await on_events([other_store, cloud], db)  # before the notification: the look-back
    await on_events([note], db)
    await on_events([other_store, cloud], db)  # after it: the records' query

    assert await figures(db, store_id) == {"sent": 1}


async def test_an_order_is_credited_once_to_the_customers_last_notification_before_it(
    db: Database, store_id: str
) -> None:
    """Read in the worst order: the order first, then the earlier notification (credited
    with it), then the later one (which takes it over); an order placed four days after is
    nobody's (3-day window)."""
    earlier = notification_sent(BUDI, SENT_AT, store_id=store_id, order_id=1, status="completed")
    later = notification_sent(BUDI, SENT_AT + timedelta(hours=3), store_id=store_id, order_id=2)
    placed = SENT_AT + timedelta(hours=5)
    order = order_changed(
        store_id, 3, modified_at=placed, billing_phone=BUDI, created_at=placed, paid_at=placed
    )
    too_late = SENT_AT + timedelta(days=4)
    late_order = order_changed(store_id, 4, modified_at=too_late, billing_phone=BUDI)
    late_order = late_order.model_copy(update={"created_at": too_late})

    await on_events([order, late_order], db)
    await on_events([earlier], db)
    assert (await figures(db, store_id))["orders"] == 1
    await on_events([later], db)
    await on_events([order, earlier], db)  # redelivered: nothing moves

    daily = await figures(db, store_id)
    assert daily["sent"] == 2
    assert daily["orders"] == 1
    assert daily["revenue"] == {"IDR": Decimal128("250000.00")}
    credited = {
        document["_id"]: [credit["key"] for credit in document["orders"]]
        async for document in db[KPI_NOTIFICATIONS].find({"store_id": store_id})
    }
    assert credited == {earlier.message_id: [], later.message_id: [f"{store_id}:3"]}


async def test_a_broadcast_counts_under_its_own_source_beside_an_order_notification(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    """Budi gets an order notification, then a broadcast; Sari the broadcast, whose read
    callback comes before its message's event (found through the responder's message). Both
    answer, Sari with "BERHENTI"; Budi's next order goes to his broadcast, the last message
    before it. A message written first that names no source (sent before these figures
    existed) counts nowhere."""
    note = notification_sent(BUDI, SENT_AT, store_id=store_id)
    promo_at = SENT_AT + timedelta(hours=2)
    budi = broadcast_sent(BUDI, promo_at, store_id=store_id)
    sari = broadcast_sent(SARI, promo_at, store_id=store_id)
    older = notification_message(broadcast_sent(RINI, promo_at, store_id=store_id))
    del older["notification_source"]
    await db[MESSAGES].insert_many([notification_message(sari), older])  # the responder's

    def read(sid: str | None, conversation: str) -> Event:
        return status_changed(
            DeliveryStatus.READ,
            promo_at + timedelta(minutes=1),
            sid=sid or "",
            store_id=store_id,
            conversation_id=conversation,
        )

    await on_events([read(sari.twilio_sid, sari.conversation_id)], db)
    await on_events([read(older["twilio_sid"], older["conversation_id"])], db)
    await on_events([note, budi], db)
    await on_events([sari], db)
    placed = promo_at + timedelta(hours=3)
    await on_events(
        [
            status_changed(
                DeliveryStatus.DELIVERED,
                promo_at + timedelta(seconds=2),
                sid=budi.twilio_sid or "",
                store_id=store_id,
                conversation_id=budi.conversation_id,
            ),
            make_received(BUDI, "Masih ada promonya kak?", at=promo_at + timedelta(hours=1)),
            make_received(SARI, "BERHENTI", at=promo_at + timedelta(hours=1)),
            order_changed(
                store_id,
                7,
                modified_at=placed,
                billing_phone=BUDI,
                created_at=placed,
                paid_at=placed,
            ),
        ],
        db,
    )
    await on_events([budi, sari, note], db)  # redelivered: nothing more

    assert await figures(db, store_id) == {"sent": 1, "replied": 1}
    assert await figures(db, store_id, "broadcast") == {
        "sent": 2,
        "delivered": 2,  # Sari's read says it was delivered
        "read": 1,
        "replied": 2,
        "opted_out": 1,
        "orders": 1,
        "revenue": {"IDR": Decimal128("250000.00")},
    }
    counted = await db[KPI_NOTIFICATIONS].distinct("_id", {"store_id": store_id})
    assert sorted(counted) == sorted([note.message_id, budi.message_id, sari.message_id])
