"""Broadcasts on the session's MongoDB and the Twilio stand-in: a few hundred recipients, the
sweep cut short twice (a send whose answer is lost, then the sweep task killed) and resumed by
another after its lease, and still exactly one message to every customer who agreed to
promotions, none to anyone else, none after a STOP or a cancel."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from faststream.kafka import KafkaBroker
from twilio.base.exceptions import TwilioRestException

from services.kpi_aggregator.handlers import on_events
from services.responder import broadcasts
from services.responder.broadcasts import LEASE, send_due
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_delivery_status_changed
from shared import kafka, topics
from shared.broadcasts import model
from shared.broadcasts.collections import BROADCAST_RECIPIENTS
from shared.broadcasts.model import (
    Broadcast,
    BroadcastField,
    BroadcastPlan,
    BroadcastTemplate,
    Limits,
    RecipientState,
    Segment,
    Status,
)
from shared.broadcasts.results import results
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State
from shared.conversations.collections import MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import DeliveryStatus, Event, NotificationSent, decode_event
from shared.kpis.collections import KPI_DAILY
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.kafka import records_mentioning

pytestmark = pytest.mark.slow

TEMPLATE = "HX" + "b" * 32
FAST = Limits(per_second=1000, daily_customers=100_000)


def customers(n: int) -> list[str]:
    base = uuid.uuid4().int % 10**4
    return sorted(f"+62813{base:04d}{i:03d}" for i in range(n))


async def wrote_today(db: Database, store: Store, phones: list[str]) -> None:
    """Each customer wrote to the store an hour ago."""
    at = datetime.now(UTC) - timedelta(hours=1)
    documents = [
        inbound_message_document(events.received(phone, "Halo kak", at, store_id=store.id))
        for phone in phones
    ]
    await db[MESSAGES].insert_many(documents)


async def promotions(db: Database, store: Store, phone: str, state: State, key: str) -> None:
    change = Change(
        purposes=[Purpose.PROMOTIONS],
        state=state,
        source=Source.CHECKOUT if state is State.GRANTED else Source.CHAT,
        wording="Ya, kirimi saya promo lewat WhatsApp" if state is State.GRANTED else "STOP",
    )
    at = datetime.now(UTC) - (timedelta(hours=2) if state is State.GRANTED else timedelta())
    await records.apply(db, store.id, phone, change, key=key, at=at)


async def scheduled(db: Database, store: Store) -> Broadcast:
    await model.save_limits(db, store.id, FAST)
    plan = BroadcastPlan(
        name="Promo 12.12",
        template=BroadcastTemplate(
            template=TEMPLATE,
            variables={"1": BroadcastField.FIRST_NAME, "2": BroadcastField.STORE_NAME},
        ),
        segment=Segment(wrote_within_days=7),
    )
    broadcast = await model.create(db, store.id, plan)
    return await model.schedule(db, broadcast, datetime.now(UTC) - timedelta(seconds=1))


def after_sends(
    hooks: dict[int, Callable[[], Awaitable[None]]],
) -> Callable[[float], Awaitable[None]]:
    """A pace that does not wait, and runs `hooks[n]` after the n-th message of the sweep."""
    sent = 0

    async def pace(seconds: float) -> None:
        nonlocal sent
        sent += 1
        if hook := hooks.get(sent):
            await hook()

    return pace


def received_by(twilio: TwilioStandIn, phones: list[str]) -> dict[str, int]:
    return {phone: len(twilio.sent_to(phone)) for phone in phones}


@pytest.mark.parametrize(
    "size", [pytest.param(40), pytest.param(300, marks=pytest.mark.faults_slow)]
)
async def test_a_broadcast_cut_short_twice_sends_once_to_each_consenting_customer(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn, size: int
) -> None:
    phones = customers(size)
    await wrote_today(db, store, phones)
    silent = set(phones[::10])  # one in ten never agreed to promotions
    agreed = [phone for phone in phones if phone not in silent]
    for phone in agreed:
        await promotions(db, store, phone, State.GRANTED, f"checkout:{phone}")
    await db[WOOCOMMERCE_CUSTOMERS].insert_one(
        {
            "_id": f"{store.id}:9",
            "store_id": store.id,
            "billing_e164": agreed[0],
            "first_name": "Sari",
        }
    )
    stopping = agreed[-5:]  # write STOP while the broadcast is on its way
    broadcast = await scheduled(db, store)

    async def stop_some() -> None:
        for phone in stopping:
            await promotions(db, store, phone, State.WITHDRAWN, f"stop:{phone}")

    async def lose_the_next_answer() -> None:
        twilio_api.fail_after_accepting(1)  # sent, but the sweep never hears so

    pace = after_sends({size // 8: stop_some, size // 4: lose_the_next_answer})
    with pytest.raises(TwilioRestException):
        await send_due(deps, sleep=pace)

    killed = asyncio.Event()

    async def kill() -> None:
        killed.set()
        await asyncio.sleep(3600)  # the task is cancelled here, its lease still held

    sweep = asyncio.create_task(send_due(deps, sleep=after_sends({size // 4: kill})))
    await killed.wait()
    sweep.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sweep
    assert await send_due(deps, sleep=after_sends({})) == 0  # the lease still holds it

    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    assert await send_due(deps, clock=lambda: later, sleep=after_sends({})) == 1

    received = received_by(twilio_api, phones)
    consenting = [phone for phone in agreed if phone not in stopping]
    assert {phone: received[phone] for phone in consenting} == dict.fromkeys(consenting, 1)
    assert {phone: received[phone] for phone in silent | set(stopping)} == dict.fromkeys(
        silent | set(stopping), 0
    )
    first = twilio_api.sent_to(agreed[0])[0]
    assert first["content_sid"] == TEMPLATE
    assert json.loads(first["content_variables"]) == {"1": "Sari", "2": store.name}
    anonymous = twilio_api.sent_to(agreed[1])[0]  # no first name known: WhatsApp wants one
    assert json.loads(anonymous["content_variables"])["1"] == "-"
    done = await model.find(db, store.id, broadcast.id)
    assert done is not None
    assert done.status is Status.DONE
    assert done.started_at is not None
    assert done.started_at < later  # the first run's, not the last's
    progress = await model.progress(db, broadcast.id)
    assert (progress.recipients, progress.sent, progress.skipped) == (
        len(agreed),
        len(consenting),
        5,
    )
    assert progress.pending == progress.sending == progress.failed == 0


async def test_a_cancelled_broadcast_sends_nothing_more(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    phones = customers(30)
    await wrote_today(db, store, phones)
    for phone in phones:
        await promotions(db, store, phone, State.GRANTED, f"checkout:{phone}")
    broadcast = await scheduled(db, store)

    async def cancel() -> None:
        await model.cancel(db, broadcast)

    await send_due(deps, sleep=after_sends({10: cancel}))
    assert await send_due(deps, sleep=after_sends({})) == 0  # cancelled: never taken again

    received = received_by(twilio_api, phones)
    assert sum(received.values()) == 10
    assert set(received.values()) == {0, 1}
    progress = await model.progress(db, broadcast.id)
    assert (progress.sent, progress.cancelled, progress.pending) == (10, 20, 0)
    # Twilio's callbacks reach the broadcast's messages through the responder's handler
    first, second = [
        message async for message in db[MESSAGES].find({"broadcast_id": broadcast.id}).limit(2)
    ]
    for message, status in ((first, DeliveryStatus.READ), (second, DeliveryStatus.DELIVERED)):
        callback = events.status_changed(
            status,
            datetime.now(UTC),
            sid=message["twilio_sid"],
            store_id=store.id,
            conversation_id=message["conversation_id"],
        )
        await on_delivery_status_changed(callback, deps)
    counted = await results(db, broadcast)
    assert (counted.sent, counted.delivered, counted.read) == (10, 2, 1)
    with pytest.raises(model.NotCancellable):
        await model.cancel(db, broadcast)


async def test_the_daily_messaging_limit_pauses_the_broadcast_until_there_is_room(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    phones = customers(12)
    await wrote_today(db, store, phones)
    for phone in phones:
        await promotions(db, store, phone, State.GRANTED, f"checkout:{phone}")
    broadcast = await scheduled(db, store)
    await model.save_limits(db, store.id, Limits(per_second=1000, daily_customers=10))

    await send_due(deps, sleep=after_sends({}))
    paused = await model.find(db, store.id, broadcast.id)
    assert paused is not None
    assert paused.status is Status.PAUSED
    assert sum(received_by(twilio_api, phones).values()) == 10
    assert paused.resume_at is not None
    assert await send_due(deps, sleep=after_sends({})) == 0  # no room yet

    assert paused.resume_at - datetime.now(UTC) > timedelta(hours=23)
    resumed = paused.resume_at + timedelta(minutes=1)
    await send_due(deps, clock=lambda: resumed, sleep=after_sends({}))
    # in a day's time the first ten leave the window: the last two go
    assert received_by(twilio_api, phones) == dict.fromkeys(phones, 1)


async def test_a_sweep_cut_short_between_a_send_and_its_publish_loses_no_figure(
    db: Database,
    deps: ResponderDeps,
    settings: Settings,
    store: Store,
    twilio_api: TwilioStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kafka fails right after the second message went out; the next sweep publishes that
    message's fact without sending it again, and the KPI aggregator counts each message once
    under `notifications.broadcast`."""
    phones = customers(3)
    await wrote_today(db, store, phones)
    for phone in phones:
        await promotions(db, store, phone, State.GRANTED, f"checkout:{phone}")
    broadcast = await scheduled(db, store)
    publishes = 0

    async def kafka_down_once(broker: KafkaBroker, event: Event) -> None:
        nonlocal publishes
        publishes += 1
        if publishes == 2:
            raise ConnectionError("Kafka is down")
        await kafka.publish(broker, event)

    monkeypatch.setattr(broadcasts, "publish", kafka_down_once)
    with pytest.raises(ConnectionError):
        await send_due(deps, sleep=after_sends({}))
    await send_due(deps, sleep=after_sends({}))

    assert received_by(twilio_api, phones) == dict.fromkeys(phones, 1)
    published = [
        decode_event(topics.MESSAGES_OUTBOUND, raw)
        for raw in await records_mentioning(settings, topics.MESSAGES_OUTBOUND, broadcast.id)
    ]
    facts = [
        event
        for event in published
        if isinstance(event, NotificationSent)
        and event.message_id.startswith(f"broadcast:{broadcast.id}:")
    ]
    assert sorted(fact.message_id for fact in facts) == [
        broadcasts.message_id(broadcast.id, phone) for phone in phones
    ]
    assert {(fact.source, fact.sent) for fact in facts} == {("broadcast", True)}
    await on_events([*facts, *facts], db)  # and again, redelivered
    days = db[KPI_DAILY].find({"store_id": store.id})
    assert sum([day["notifications"]["broadcast"]["sent"] async for day in days]) == 3


async def test_of_two_claims_of_a_recipient_at_once_one_wins(db: Database, store: Store) -> None:
    """Two sweeps claiming the same rows at once: each row is won exactly once, and a row a
    cancel reached first is won by nobody."""
    broadcast_id = uuid.uuid4().hex[:12]
    rows = [f"{broadcast_id}:{phone}" for phone in customers(25)]
    await db[BROADCAST_RECIPIENTS].insert_many(
        [
            {"_id": row, "broadcast_id": broadcast_id, "state": RecipientState.PENDING.value}
            for row in rows
        ]
    )
    cancelled = rows[-5:]
    await db[BROADCAST_RECIPIENTS].update_many(
        {"_id": {"$in": cancelled}}, {"$set": {"state": RecipientState.CANCELLED.value}}
    )

    first, second = await asyncio.gather(
        asyncio.gather(*(model.claim(db, row) for row in rows)),
        asyncio.gather(*(model.claim(db, row) for row in reversed(rows))),
    )

    wins = [a + b for a, b in zip(first, reversed(second), strict=True)]
    assert dict(zip(rows, wins, strict=True)) == {row: int(row not in cancelled) for row in rows}
    states = {
        row["_id"]: row["state"]
        async for row in db[BROADCAST_RECIPIENTS].find({"broadcast_id": broadcast_id})
    }
    assert states == {
        row: (RecipientState.CANCELLED if row in cancelled else RecipientState.SENDING).value
        for row in rows
    }
