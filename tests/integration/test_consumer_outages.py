"""Consumers pause while MongoDB is down and resume when it answers: events that arrive during an
outage are neither dead-lettered nor lost, and a poison event is still dead-lettered.

MongoDB is reached through a TCP proxy that refuses connections for the outage, for longer than
the retries (three attempts, tens of milliseconds apart) that used to dead-letter every event.
"""

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient, UpdateOne, uri_parser
from pymongo.errors import DuplicateKeyError

from shared import kafka, topics
from shared.events import (
    DeadLetter,
    DeliveryStatus,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
    event_id_for,
)
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.standins.tcp_proxy import TcpProxy
from tests.support.kafka import read_topic

pytestmark = pytest.mark.slow

MakeReceived = Callable[..., MessageReceived]
ReadDeadLetters = Callable[..., Awaitable[list[DeadLetter]]]
WaitUntil = Callable[..., Awaitable[None]]
Consumers = Any  # the `consumers` fixture of conftest.py: starts, stops and cleans up
NewGroupId = Callable[[], str]

OUTAGE_SECONDS = 4.0  # many times the old window of three attempts (and their client timeouts)
CUSTOMERS = ("+6281100000011", "+6281100000012", "+6281100000013")


@pytest.fixture
def mongodb_proxy(settings: Settings) -> Iterator[TcpProxy]:
    assert settings.mongodb.uri
    ((host, port),) = uri_parser.parse_uri(settings.mongodb.uri)["nodelist"]
    proxy = TcpProxy(host, port).start()
    yield proxy
    proxy.stop()


@pytest.fixture
async def proxied_db(settings: Settings, mongodb_proxy: TcpProxy) -> AsyncIterator[Database]:
    """The test's database through the proxy, with short timeouts so an outage shows fast."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://{mongodb_proxy.address}/?directConnection=true",
        serverSelectionTimeoutMS=500,
        connectTimeoutMS=500,
        socketTimeoutMS=1000,
    )
    yield client[settings.mongodb.database]
    await client.close()


def paused(group: str) -> float:
    labels = {"group": group, "dependency": "mongodb"}
    return REGISTRY.get_sample_value("balas_consumers_paused", labels) or 0.0


async def letters_of(settings: Settings, topic: str, store_id: str) -> list[DeadLetter]:
    """Every dead letter of this test's store on `topic` (a new group also dead-letters the
    garbage other tests left on the shared topics)."""
    records = await read_topic(kafka.bootstrap_servers(settings), topics.dead_letter(topic))
    letters = [DeadLetter.model_validate_json(record) for record in records]
    return [letter for letter in letters if store_id in letter.payload]


def delivered(store_id: str, label: str) -> DeliveryStatusChanged:
    """A status callback of this test's store; `label` (the error code) names it in assertions."""
    sid = f"SM{uuid.uuid4().hex}"
    return DeliveryStatusChanged(
        event_id=event_id_for("whatsapp.status", sid, "delivered"),
        occurred_at=datetime.now(UTC),
        store_id=store_id,
        conversation_id=f"{store_id}:{CUSTOMERS[0]}",
        twilio_sid=sid,
        status=DeliveryStatus.DELIVERED,
        error_code=label,
    )


async def publish_all(broker: KafkaBroker, events: Sequence[Event]) -> None:
    for event in events:
        await kafka.publish(broker, event)


async def test_events_that_arrive_while_mongodb_is_down_are_handled_once_in_order_after_it(
    broker: KafkaBroker,
    settings: Settings,
    consumers: Consumers,
    make_received: MakeReceived,
    store_id: str,
    new_group_id: NewGroupId,
    wait_until: WaitUntil,
    read_dead_letters: ReadDeadLetters,
    mongodb_proxy: TcpProxy,
    proxied_db: Database,
) -> None:
    handled: dict[str, list[str]] = defaultdict(list)
    failed_attempts = 0

    async def handle(event: MessageReceived) -> None:
        if event.store_id != store_id:
            return
        nonlocal failed_attempts
        try:
            await proxied_db.conversations.find_one({"_id": event.conversation_id})
        except Exception:
            failed_attempts += 1
            raise
        if event.text.startswith("poison"):
            raise ValueError("this message breaks the handler")
        with contextlib.suppress(DuplicateKeyError):  # written by an attempt the outage cut
            await proxied_db.messages.insert_one({"_id": event.event_id, "text": event.text})
        handled[event.customer_number].append(event.text)

    group = new_group_id()
    await consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle})
    await publish_all(broker, [make_received(CUSTOMERS[0], "before")])
    await wait_until(lambda: handled[CUSTOMERS[0]] == ["before"], "MongoDB to be used")

    mongodb_proxy.refuse()
    sent = {customer: [f"{customer}#{n}" for n in range(3)] for customer in CUSTOMERS}
    sent[CUSTOMERS[1]].insert(1, "poison")
    await publish_all(
        broker, [make_received(c, text) for c, texts in sent.items() for text in texts]
    )
    await wait_until(lambda: failed_attempts > 0, "a handler to find MongoDB down")
    await asyncio.sleep(OUTAGE_SECONDS)
    paused_during_outage = paused(group)
    handled_during_outage = sum(map(len, handled.values())) - 1
    mongodb_proxy.restore()
    expected = {c: [text for text in texts if text != "poison"] for c, texts in sent.items()}
    expected[CUSTOMERS[0]].insert(0, "before")
    await wait_until(
        lambda: handled == expected, "every message to be handled once MongoDB is back"
    )
    await read_dead_letters(
        topics.dead_letter(topics.WHATSAPP_INBOUND),
        lambda letter: letter.consumer_group == group and store_id in letter.payload,
        count=1,
    )
    (letter,) = await letters_of(settings, topics.WHATSAPP_INBOUND, store_id)
    await wait_until(lambda: paused(group) == 0, "the pause to be over")

    assert paused_during_outage == 1
    assert handled_during_outage == 0
    assert MessageReceived.model_validate_json(letter.payload).text == "poison"
    assert letter.attempts == 3
    assert "ValueError" in letter.error
    seconds = {"group": group, "dependency": "mongodb"}
    assert (REGISTRY.get_sample_value("balas_consumer_paused_seconds_total", seconds) or 0) > 0


async def test_a_batch_consumer_waits_out_a_stalled_mongodb_and_loses_no_status(
    broker: KafkaBroker,
    settings: Settings,
    consumers: Consumers,
    store_id: str,
    new_group_id: NewGroupId,
    wait_until: WaitUntil,
    mongodb_proxy: TcpProxy,
    proxied_db: Database,
) -> None:
    handled: list[str] = []
    failed_attempts = 0

    async def handle(batch: Sequence[Event]) -> None:
        nonlocal failed_attempts
        mine = [e for e in batch if isinstance(e, DeliveryStatusChanged) and e.store_id == store_id]
        if not mine:
            return
        try:
            await proxied_db.statuses.bulk_write(
                [
                    UpdateOne({"_id": e.event_id}, {"$set": {"sid": e.twilio_sid}}, upsert=True)
                    for e in mine
                ]
            )
        except Exception:
            failed_attempts += 1
            raise
        handled.extend(e.error_code or "" for e in mine)

    group = new_group_id()
    await consumers.batch(group, [topics.WHATSAPP_STATUS], handle)
    mongodb_proxy.stall()  # connections hang: clients see timeouts, not refusals
    labels = [f"status-{index}" for index in range(5)]
    await publish_all(broker, [delivered(store_id, label) for label in labels])
    await wait_until(lambda: failed_attempts > 0, "the batch to find MongoDB hanging")
    await asyncio.sleep(OUTAGE_SECONDS)
    paused_during_outage = paused(group)
    handled_during_outage = len(handled)
    mongodb_proxy.restore()
    await wait_until(lambda: sorted(handled) == labels, "every status to be handled")

    assert paused_during_outage == 1
    assert handled_during_outage == 0
    assert await letters_of(settings, topics.WHATSAPP_STATUS, store_id) == []
    assert await proxied_db.statuses.count_documents({}) == len(labels)
