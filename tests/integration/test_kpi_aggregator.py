"""The KPI aggregator's batches against the real MongoDB: hour buckets, counted exactly once."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.kpi_aggregator.handlers import on_events
from shared.events import (
    DeliveryStatus,
    DeliveryStatusChanged,
    ReplySent,
    event_id_for,
)
from shared.kpis.collections import KPI_HOURLY
from shared.kpis.keys import bucket_id
from shared.mongo import Database, Document
from tests.support.events import Hour, MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow


BUDI = "+6281100000001"
SARI = "+6281100000002"


@pytest.fixture
def bucket(db: Database, store_id: str) -> Callable[[datetime], Any]:
    """The stored bucket of this test's store for an hour, without its identity fields."""

    async def read(hour: datetime) -> dict[str, Any] | None:
        document = await db[KPI_HOURLY].find_one({"_id": bucket_id(store_id, hour)})
        if document is None:
            return None
        assert document["store_id"] == store_id
        assert document["hour"] == hour
        return {k: v for k, v in document.items() if k not in ("_id", "store_id", "hour")}

    return read


async def all_buckets(db: Database, store_id: str) -> list[Document]:
    return [document async for document in db[KPI_HOURLY].find({"store_id": store_id}).sort("_id")]


def delivered(
    reply: ReplySent, status: DeliveryStatus, after_seconds: float
) -> DeliveryStatusChanged:
    return DeliveryStatusChanged(
        event_id=event_id_for("whatsapp.status", reply.twilio_sid or "", status.value),
        occurred_at=reply.occurred_at + timedelta(seconds=after_seconds),
        store_id=reply.store_id,
        conversation_id=reply.conversation_id,
        twilio_sid=reply.twilio_sid or "",
        status=status,
    )


async def test_each_figure_lands_in_the_hour_bucket_it_belongs_to(
    db: Database,
    bucket: Callable[[datetime], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    ten, eleven = hour(10), hour(11)
    from_budi = make_received(BUDI, "Halo", at=ten + timedelta(minutes=5))
    from_sari = make_received(SARI, "Permisi", at=ten + timedelta(minutes=40))
    answer = make_reply_sent(from_sari, response_seconds=1220)  # 11:00:20
    read = delivered(answer, DeliveryStatus.READ, after_seconds=60)

    await on_events([from_budi, from_sari, answer, read], db)

    assert await bucket(ten) == {
        "inbound_messages": 2,
        "unique_customers": 2,
        "customers": {"new": 2},  # their first messages ever in this store
        "response_time": {"count": 1, "sum_seconds": 1220},
        "first_response": {"count": 1, "sum_seconds": 1220, "histogram": {"1800": 1}},
        "by_channel": {"whatsapp": {"inbound_messages": 2}},
    }
    assert await bucket(eleven) == {
        "outbound_messages": {"bot": 1},
        "delivery": {"read": 1},
        "by_channel": {"whatsapp": {"outbound_messages": {"bot": 1}}},
    }


async def test_applying_the_same_batch_again_changes_nothing(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(BUDI, "Halo", at=hour(9) + timedelta(minutes=59))
    batch = [message, make_reply_sent(message, response_seconds=90)]
    await on_events(batch, db)
    counted_once = await all_buckets(db, store_id)

    await on_events(batch, db)

    assert await all_buckets(db, store_id) == counted_once
    assert len(counted_once) == 2  # the 09:00 and the 10:00 bucket


async def test_an_event_twice_in_one_batch_counts_once(
    db: Database, bucket: Callable[[datetime], Any], make_received: MakeReceived, hour: Hour
) -> None:
    message = make_received(BUDI, "Halo", at=hour(10))

    await on_events([message, message], db)

    assert await bucket(hour(10)) == {
        "inbound_messages": 1,
        "unique_customers": 1,
        "customers": {"new": 1},
        "by_channel": {"whatsapp": {"inbound_messages": 1}},
    }


async def test_a_customer_counts_once_per_hour_however_many_batches_they_appear_in(
    db: Database, bucket: Callable[[datetime], Any], make_received: MakeReceived, hour: Hour
) -> None:
    ten = hour(10)
    batches = [
        [make_received(BUDI, "satu", at=ten + timedelta(minutes=5))],
        [
            make_received(BUDI, "dua", at=ten + timedelta(minutes=30)),
            make_received(SARI, "halo", at=ten + timedelta(minutes=31)),
            make_received(BUDI, "tiga", at=ten + timedelta(minutes=32)),
        ],
        [make_received(BUDI, "empat", at=hour(11) + timedelta(minutes=10))],
    ]

    for batch in batches:
        await on_events(batch, db)

    assert await bucket(ten) == {
        "inbound_messages": 4,
        "unique_customers": 2,
        "customers": {"new": 2},
        "by_channel": {"whatsapp": {"inbound_messages": 4}},
    }
    # Budi wrote before: at 11:00 he is a returning customer.
    assert await bucket(hour(11)) == {
        "inbound_messages": 1,
        "unique_customers": 1,
        "customers": {"returning": 1},
        "by_channel": {"whatsapp": {"inbound_messages": 1}},
    }


async def test_first_responses_fill_the_histogram_and_later_replies_do_not(
    db: Database,
    bucket: Callable[[datetime], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    ten = hour(10)
    messages = [
        make_received(f"+62811000001{index:02d}", "Halo", at=ten + timedelta(minutes=index))
        for index in range(5)
    ]
    replies = [
        make_reply_sent(messages[0], response_seconds=3),
        make_reply_sent(messages[1], response_seconds=20),
        make_reply_sent(messages[2], response_seconds=25),
        make_reply_sent(messages[3], response_seconds=100),
        make_reply_sent(messages[4], response_seconds=4, first_response=False),
    ]

    await on_events(replies, db)

    counts = await bucket(ten)
    assert counts["first_response"] == {
        "count": 4,
        "sum_seconds": 148,
        "histogram": {"5": 1, "30": 2, "120": 1},
    }
    assert counts["response_time"] == {"count": 5, "sum_seconds": 152}


async def test_replies_that_could_not_go_out_and_hand_overs_are_counted(
    db: Database,
    bucket: Callable[[datetime], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(BUDI, "Mau bicara dengan admin", at=hour(10))
    not_sent = make_reply_sent(
        message,
        response_seconds=2,
        sent=False,
        twilio_sid=None,
        not_sent_reason="twilio_not_configured",
        hand_over="customer_request",
    )

    await on_events([not_sent], db)

    assert await bucket(hour(10)) == {
        "replies_not_sent": 1,
        "hand_overs": {"customer_request": 1},
        "by_channel": {"whatsapp": {"hand_overs": {"customer_request": 1}}},
    }
