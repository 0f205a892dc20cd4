"""KPI day buckets, `kpi rebuild` and `replay` against real Kafka and MongoDB."""

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from bson import Decimal128
from faststream.kafka import KafkaBroker

from balas.replay import ReplayRefused, replay
from services.kpi_aggregator.app import TOPICS
from services.kpi_aggregator.handlers import on_events
from services.kpi_aggregator.rebuild import rebuild
from shared import kafka, topics
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.events import (
    ConversationClosed,
    ConversationReopened,
    DeliveryStatus,
    DeliveryStatusChanged,
    Event,
    HandOverReason,
    MessageReceived,
    NotificationSent,
    ReplySent,
    event_id_for,
)
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY, KPI_HOURLY, KPI_NOTIFICATIONS
from shared.kpis.zones import StoreZones
from shared.mongo import PROCESSED_EVENTS, Database, Document
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.dates import DAY, at, day
from tests.support.events import (
    MakeReceived,
    MakeReplySent,
    broadcast_sent,
    notification_message,
    notification_sent,
    order_changed,
)
from tests.support.kafka import publish_all

pytestmark = pytest.mark.slow

MakeClosed = Callable[..., ConversationClosed]
MakeReopened = Callable[..., ConversationReopened]

BUDI = "+6281100000001"
SARI = "+6281100000002"
TONO = "+6281100000003"
RINI = "+6281100000004"


async def jakarta_store(db: Database, store_id: str) -> None:
    await save_store(
        db,
        Store(id=store_id, name="Toko Jakarta", whatsapp_number="+1555" + store_id[-9:]),
    )  # Asia/Jakarta is the default timezone


def status(
    reply: ReplySent | NotificationSent, state: DeliveryStatus, after_seconds: float
) -> DeliveryStatusChanged:
    return DeliveryStatusChanged(
        event_id=event_id_for("whatsapp.status", reply.twilio_sid or "", state.value),
        occurred_at=reply.occurred_at + timedelta(seconds=after_seconds),
        store_id=reply.store_id,
        conversation_id=reply.conversation_id,
        twilio_sid=reply.twilio_sid or "",
        status=state,
    )


def two_days_of_traffic(make_received: MakeReceived, make_reply_sent: MakeReplySent) -> list[Event]:
    """Two Jakarta days (DAY and the next), with the awkward cases: a message at 23:30 UTC
    (next local date), a reply answered after local midnight, a late status callback, a
    hand-over, a reply not sent, fractional response times, a customer writing twice, and one
    customer (Tono) on the Cloud API."""
    budi_1 = make_received(BUDI, "Halo", at=at(3, 10))
    budi_2 = make_received(BUDI, "Ada ukuran 42?", at=at(3, 40))
    sari = make_received(SARI, "Permisi", at=at(16, 50))  # 23:50 WIB on DAY
    tono = make_received(
        TONO, "Mau ke admin", at=at(23, 30), channel=Channel.WHATSAPP_CLOUD
    )  # 06:30 WIB the next day
    late_budi = make_received(BUDI, "Kapan dikirim?", at=at(9, 0, 1, days=1))
    replies = [
        make_reply_sent(budi_1, response_seconds=2.718),
        make_reply_sent(budi_2, response_seconds=61.05, first_response=False),
        make_reply_sent(sari, response_seconds=900.125),  # answered 00:05 WIB the next day
        make_reply_sent(
            tono,
            response_seconds=1.5,
            sent=False,
            twilio_sid=None,
            not_sent_reason="twilio_not_configured",
            hand_over=HandOverReason.CUSTOMER_REQUEST,
        ),
        make_reply_sent(late_budi, response_seconds=33.3),
    ]
    statuses = [
        status(replies[0], DeliveryStatus.DELIVERED, 3),
        status(replies[0], DeliveryStatus.READ, 120),
        status(replies[2], DeliveryStatus.DELIVERED, 5),
        status(replies[2], DeliveryStatus.READ, 26 * 3600),  # read a day later
        status(replies[4], DeliveryStatus.FAILED, 2),
    ]
    return [budi_1, budi_2, sari, tono, late_budi, *replies, *statuses]


def closes_and_a_reopen(
    events: Sequence[Event], make_closed: MakeClosed, make_reopened: MakeReopened
) -> list[Event]:
    """Budi's session resolved by the bot and reopened by his late message, Sari's abandoned
    (closed after local midnight), Tono's handed over."""
    budi_1, _, sari, tono, late_budi = events[:5]
    assert isinstance(budi_1, MessageReceived)
    assert isinstance(sari, MessageReceived)
    assert isinstance(tono, MessageReceived)
    assert isinstance(late_budi, MessageReceived)
    budi_closed = at(3, 41, 1, 250000, days=1)
    return [
        make_closed(budi_1, budi_closed, "resolved_by_bot"),
        make_reopened(budi_closed, late_budi),
        make_closed(sari, at(17, 5, days=1), "abandoned"),  # 00:05 WIB, DAY + 2
        make_closed(tono, at(23, 30, 2, days=1), "handed_over_unanswered"),  # 06:30 WIB, DAY + 2
    ]


def notifications_and_answers(store_id: str, make_received: MakeReceived) -> list[Event]:
    """Order notifications on DAY: Budi's, delivered and read, answered by his first message
    an hour later, and followed by his paid order two hours later (credited to it); Sari's at
    23:00 WIB, read after local midnight, answered by her message; Rini's, answered with
    "BERHENTI"; and one not sent. A broadcast the same day: Sari's message, read, and answered
    by her message that evening; Tono's not sent. Published before the conversations, so live
    counting meets the answers before or after their notifications, as it happens."""
    budi = notification_sent(BUDI, at(2, 0), store_id=store_id, order_id=1)
    sari = notification_sent(SARI, at(16, 0), store_id=store_id, order_id=2)
    rini = notification_sent(RINI, at(5, 0), store_id=store_id, order_id=3, status="processing")
    no_consent = notification_sent(TONO, at(6, 0), store_id=store_id, order_id=4, sent=False)
    promo = broadcast_sent(SARI, at(3, 0), store_id=store_id)
    return [
        budi,
        sari,
        rini,
        no_consent,
        promo,
        broadcast_sent(TONO, at(3, 0), store_id=store_id, sent=False),
        status(promo, DeliveryStatus.READ, 600),
        status(budi, DeliveryStatus.DELIVERED, 4),
        status(budi, DeliveryStatus.READ, 600),
        status(sari, DeliveryStatus.READ, 3 * 3600),  # 02:00 WIB the next day; no "delivered"
        make_received(RINI, "BERHENTI", at=at(5, 30)),
        order_changed(
            store_id,
            11,
            modified_at=at(4, 5),
            billing_phone=BUDI,
            created_at=at(4, 0),
            paid_at=at(4, 5),
        ),  # IDR 250,000.00
    ]


async def stored(db: Database, store_id: str) -> dict[str, list[Document]]:
    return {
        name: [document async for document in db[name].find({"store_id": store_id}).sort("_id")]
        for name in (KPI_HOURLY, KPI_DAILY)
    }


async def all_counted(db: Database, events: Sequence[Event]) -> bool:
    ids = [f"kpi_aggregator:{event.event_id}" for event in events]
    return await db[PROCESSED_EVENTS].count_documents({"_id": {"$in": ids}}) == len(set(ids))


async def wait_for(check: Callable[[], Any], what: str, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


async def test_a_message_at_23_30_utc_counts_on_the_next_jakarta_date(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await jakarta_store(db, store_id)
    message = make_received(BUDI, "Halo", at=at(23, 30))

    await on_events([message], db)

    daily = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{day(1)}"})
    assert daily is not None
    assert daily["store_id"] == store_id
    assert daily["date"] == f"{day(1)}"
    assert daily["timezone"] == "Asia/Jakarta"
    assert (daily["inbound_messages"], daily["unique_customers"]) == (1, 1)
    assert await db[KPI_HOURLY].find_one({"_id": f"{store_id}|{DAY}T23"})


async def test_a_store_without_a_timezone_of_its_own_counts_days_in_utc(
    db: Database, store_id: str, make_received: MakeReceived
) -> None:
    await on_events([make_received(BUDI, "Halo", at=at(23, 30))], db)

    daily = await db[KPI_DAILY].find_one({"store_id": store_id})
    assert daily is not None
    assert (daily["date"], daily["timezone"]) == (f"{DAY}", "UTC")


async def test_rebuild_from_the_log_gives_exactly_the_numbers_of_live_aggregation(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    make_closed: MakeClosed,
    make_reopened: MakeReopened,
) -> None:
    await jakarta_store(db, store_id)
    events = two_days_of_traffic(make_received, make_reply_sent)
    events += closes_and_a_reopen(events, make_closed, make_reopened)
    notes = notifications_and_answers(store_id, make_received)
    sent = [note for note in notes if isinstance(note, NotificationSent) and note.sent]
    await db[MESSAGES].insert_many([notification_message(note) for note in sent])  # responder's
    await publish_all(broker, notes)
    await publish_all(broker, events)
    await publish_all(broker, events[:4])  # redelivered by the producer's retry: same event ids
    events += notes
    handler = partial(on_events, db=db, zones=StoreZones(db))
    live_aggregator = await consumers.batch(new_group_id(), TOPICS, handler)
    await wait_for(lambda: all_counted(db, events), "live aggregation")
    # Let the batch in flight (the redelivered copies) finish: live aggregation is done.
    await consumers.stop(live_aggregator, grace_seconds=30)
    live = await stored(db, store_id)
    assert len(live[KPI_DAILY]) == 3  # DAY and the two after, in Jakarta (the late read)
    sixth = next(d for d in live[KPI_DAILY] if d["date"] == f"{DAY}")
    assert sixth["notifications"] == {
        "order_notification": {
            "sent": 3,
            "not_sent": 1,
            "delivered": 2,  # Sari's read says it was delivered
            "read": 2,
            "replied": 3,
            "opted_out": 1,
            "orders": 1,
            "revenue": {"IDR": Decimal128("250000.00")},
        },
        "broadcast": {"sent": 1, "not_sent": 1, "delivered": 1, "read": 1, "replied": 1},
    }
    eighth = next(d for d in live[KPI_DAILY] if d["date"] == f"{day(2)}")
    assert eighth["conversations"]["closed"] == {"abandoned": 1, "handed_over_unanswered": 1}
    assert eighth["by_channel"] == {
        "whatsapp": {"conversations": {"closed": {"abandoned": 1}}},
        "whatsapp_cloud": {"conversations": {"closed": {"handed_over_unanswered": 1}}},
    }
    seventh = next(d for d in live[KPI_DAILY] if d["date"] == f"{day(1)}")
    assert seventh["by_channel"] == {
        "whatsapp": {
            "inbound_messages": 1,
            "outbound_messages": {"bot": 2},
            "conversations": {"closed": {"resolved_by_bot": 1}},
        },
        "whatsapp_cloud": {"inbound_messages": 1, "hand_overs": {"customer_request": 1}},
    }
    live_notes = await db[KPI_NOTIFICATIONS].find({"store_id": store_id}).sort("_id").to_list()
    live_rows = await db[CONVERSATION_FACTS].find({"store_id": store_id}).sort("_id").to_list()
    assert len(live_rows) == 3
    assert sorted(row["channel"] for row in live_rows) == ["whatsapp", "whatsapp", "whatsapp_cloud"]
    await db[KPI_HOURLY].delete_many({"store_id": store_id})
    await db[KPI_DAILY].update_many({"store_id": store_id}, {"$inc": {"inbound_messages": 5}})
    await db[CONVERSATION_FACTS].delete_many({"store_id": store_id})

    result = await rebuild(db, kafka.bootstrap_servers(settings), store_id, DAY, day(2))

    assert await stored(db, store_id) == live
    rebuilt_rows = await db[CONVERSATION_FACTS].find({"store_id": store_id}).sort("_id").to_list()
    assert rebuilt_rows == live_rows  # the fact table's rows too, the same as live
    rebuilt_notes = await db[KPI_NOTIFICATIONS].find({"store_id": store_id}).sort("_id").to_list()
    assert rebuilt_notes == live_notes  # and the notifications' records
    assert result.events_counted == len(events)
    assert (result.hours, result.days) == (len(live[KPI_HOURLY]), 3)


async def test_rebuild_of_one_day_leaves_the_other_days_alone_and_live_counting_goes_on(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
) -> None:
    await jakarta_store(db, store_id)
    events = two_days_of_traffic(make_received, make_reply_sent)
    await publish_all(broker, events)
    handler = partial(on_events, db=db, zones=StoreZones(db))
    live_aggregator = await consumers.batch(new_group_id(), TOPICS, handler)
    await wait_for(lambda: all_counted(db, events), "live aggregation")
    # Let the batch in flight (the redelivered copies) finish: live aggregation is done.
    await consumers.stop(live_aggregator, grace_seconds=30)
    live = await stored(db, store_id)

    await rebuild(db, kafka.bootstrap_servers(settings), store_id, day(1), day(1))
    assert await stored(db, store_id) == live

    # a customer already counted the day after DAY writes again: the rebuild's claims hold
    again = make_received(BUDI, "Halo lagi", at=at(9, 30, days=1))
    await on_events([again], db)
    seventh = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{day(1)}"})
    before = next(d for d in live[KPI_DAILY] if d["date"] == f"{day(1)}")
    assert seventh is not None
    assert seventh["inbound_messages"] == before["inbound_messages"] + 1
    assert seventh["unique_customers"] == before["unique_customers"]


async def test_replay_re_drives_a_time_range_into_one_group_and_changes_no_number(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
) -> None:
    await jakarta_store(db, store_id)
    events = two_days_of_traffic(make_received, make_reply_sent)
    first_wave = [e for e in events if isinstance(e, MessageReceived)]
    await publish_all(broker, first_wave)
    await asyncio.sleep(0.05)
    between = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await publish_all(broker, [e for e in events if not isinstance(e, MessageReceived)])
    seen: Counter[str] = Counter()

    async def counting(batch: Sequence[Event]) -> None:
        seen.update(event.event_id for event in batch if event.store_id == store_id)
        await on_events(batch, db, zones)

    zones = StoreZones(db)
    group = new_group_id()
    consumer = await consumers.batch(group, TOPICS, counting)
    await wait_for(lambda: all_counted(db, events), "live aggregation")
    live = await stored(db, store_id)
    assert set(seen.values()) == {1}

    await consumers.stop(consumer, grace_seconds=1.0)
    result = await replay(settings, topics.WHATSAPP_INBOUND, group, until=between)
    await consumers.batch(group, TOPICS, counting)  # the group comes back and reads its copies

    async def replayed() -> bool:
        return all(seen[event.event_id] == 2 for event in first_wave)

    await wait_for(replayed, "the replayed messages")
    assert result.copied >= len(first_wave)
    assert result.replay_topic == f"replay.{group}"
    await asyncio.sleep(0.5)
    assert all(seen[event.event_id] == 1 for event in events if event not in first_wave)
    assert await stored(db, store_id) == live  # handled again, counted once


async def test_replay_refuses_a_group_that_never_read_the_topic(settings: Settings) -> None:
    await kafka.ensure_topics(settings)

    with pytest.raises(ReplayRefused, match="never read"):
        await replay(settings, topics.WHATSAPP_STATUS, "no-such-group-here")


def test_the_cli_commands_rebuild_show_days_and_refuse_a_replay_with_a_reason(
    settings: Settings, store_id: str
) -> None:
    from typer.testing import CliRunner

    from balas.cli import app

    asyncio.run(kafka.ensure_topics(settings))
    env = settings.as_environment()
    runner = CliRunner()
    number = ["--number", "+6281100000008"]
    runner.invoke(app, ["store", "add", "--id", store_id, "--name", "Toko", *number], env=env)

    rebuilt = runner.invoke(
        app,
        ["kpi", "rebuild", "--store", store_id, "--from", f"{DAY}", "--to", f"{day(1)}"],
        env=env,
    )
    shown = runner.invoke(app, ["kpi", "show", "--store", store_id, "--daily"], env=env)
    refused = runner.invoke(
        app, ["replay", "--topic", "whatsapp.status", "--group", "no-such-group"], env=env
    )

    assert rebuilt.exit_code == 0, rebuilt.output
    rebuilt_range = f"rebuilt store {store_id} {DAY}..{day(1)}"
    said = " ".join(rebuilt.output.split())  # as one line: the terminal wraps it at 80 columns
    assert f"{rebuilt_range}: 0 hour buckets and 0 day buckets from 0 events" in said
    assert shown.exit_code == 0, shown.output
    assert f"KPIs of store {store_id}" in shown.output
    assert refused.exit_code == 1
    assert "never read whatsapp.status" in refused.output


async def test_rebuild_counts_an_agents_close_of_an_unanswered_hand_over_as_unanswered(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    make_closed: MakeClosed,
) -> None:
    """Closes recorded under the older rule (an agent's close of a hand-over nobody answered
    was the bot's resolution) are counted with today's once the days are rebuilt."""
    await jakarta_store(db, store_id)
    asked = make_received(BUDI, "Mau ke admin", at=at(3, 0))
    hand_over = make_reply_sent(asked, hand_over=HandOverReason.CUSTOMER_REQUEST)
    recorded = make_closed(asked, at(5, 0), "resolved_by_bot").model_copy(
        update={"closed_by": "agent-ayu"}
    )
    events = [asked, hand_over, recorded]
    await publish_all(broker, events)
    await on_events(events, db)  # live aggregation counted it as recorded
    live = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{DAY}"})
    assert live is not None
    assert live["conversations"]["closed"] == {"resolved_by_bot": 1}

    await rebuild(db, kafka.bootstrap_servers(settings), store_id, DAY, DAY)

    daily = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{DAY}"})
    assert daily is not None
    assert daily["conversations"]["closed"] == {"handed_over_unanswered": 1}
    row = await db[CONVERSATION_FACTS].find_one({"store_id": store_id})
    assert row is not None
    assert row["outcome"] == "handed_over_unanswered"
