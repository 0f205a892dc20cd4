"""Consumers pause while MongoDB is down and resume when it answers: events that arrive during an
outage are neither dead-lettered nor lost, and a poison event is still dead-lettered.

MongoDB is reached through a TCP proxy that refuses connections for the outage, for longer than
the retries (three attempts, tens of milliseconds apart) that used to dead-letter every event.
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence

import pytest
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient, UpdateOne, uri_parser
from pymongo.errors import DuplicateKeyError

from shared import topics
from shared.events import (
    DeadLetter,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
)
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.standins.tcp_proxy import TcpProxy
from tests.support.kafka import ConsumerKit, records_mentioning

pytestmark = pytest.mark.slow

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
        retryWrites=False,  # as the embedded server's URI has it: no second try by the driver
    )
    yield client[settings.mongodb.database]
    await client.close()


def paused(group: str) -> float:
    labels = {"group": group, "dependency": "mongodb"}
    return REGISTRY.get_sample_value("balas_consumers_paused", labels) or 0.0


async def letters_of(settings: Settings, topic: str, store_id: str) -> list[DeadLetter]:
    """Every dead letter of this test's store on `topic` (a new group also dead-letters the
    garbage other tests left on the shared topics)."""
    records = await records_mentioning(settings, topics.dead_letter(topic), store_id)
    letters = [DeadLetter.model_validate_json(record) for record in records]
    return [letter for letter in letters if store_id in letter.payload]


async def test_events_that_arrive_while_mongodb_is_down_are_handled_once_in_order_after_it(
    kit: ConsumerKit,
    settings: Settings,
    mongodb_proxy: TcpProxy,
    proxied_db: Database,
) -> None:
    handled: dict[str, list[str]] = defaultdict(list)
    failed_attempts = 0

    async def handle(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
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

    group = kit.new_group_id()
    await kit.consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle})
    await kit.publish([kit.received(CUSTOMERS[0], "before")])
    await kit.wait_until(lambda: handled[CUSTOMERS[0]] == ["before"], "MongoDB to be used")

    mongodb_proxy.refuse()
    sent = {customer: [f"{customer}#{n}" for n in range(3)] for customer in CUSTOMERS}
    sent[CUSTOMERS[1]].insert(1, "poison")
    await kit.publish([kit.received(c, text) for c, texts in sent.items() for text in texts])
    await kit.wait_until(lambda: failed_attempts > 0, "a handler to find MongoDB down")
    await asyncio.sleep(OUTAGE_SECONDS)
    paused_during_outage = paused(group)
    handled_during_outage = sum(map(len, handled.values())) - 1
    mongodb_proxy.restore()
    expected = {c: [text for text in texts if text != "poison"] for c, texts in sent.items()}
    expected[CUSTOMERS[0]].insert(0, "before")
    await kit.wait_until(
        lambda: handled == expected, "every message to be handled once MongoDB is back"
    )
    await kit.dead_letters(
        topics.dead_letter(topics.WHATSAPP_INBOUND),
        group,
        lambda letter: kit.store_id in letter.payload,
        count=1,
    )
    (letter,) = await letters_of(settings, topics.WHATSAPP_INBOUND, kit.store_id)
    await kit.wait_until(lambda: paused(group) == 0, "the pause to be over")

    assert paused_during_outage == 1
    assert handled_during_outage == 0
    assert MessageReceived.model_validate_json(letter.payload).text == "poison"
    assert letter.attempts == 3
    assert "ValueError" in letter.error
    seconds = {"group": group, "dependency": "mongodb"}
    assert (REGISTRY.get_sample_value("balas_consumer_paused_seconds_total", seconds) or 0) > 0


async def test_a_batch_consumer_waits_out_a_stalled_mongodb_and_loses_no_status(
    kit: ConsumerKit,
    settings: Settings,
    mongodb_proxy: TcpProxy,
    proxied_db: Database,
) -> None:
    handled: list[str] = []
    failed_attempts = 0

    async def handle(batch: Sequence[Event]) -> None:
        nonlocal failed_attempts
        mine = [
            e for e in batch if isinstance(e, DeliveryStatusChanged) and e.store_id == kit.store_id
        ]
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

    group = kit.new_group_id()
    await kit.consumers.batch(group, [topics.WHATSAPP_STATUS], handle)
    mongodb_proxy.stall()  # connections hang: clients see timeouts, not refusals
    labels = [f"status-{index}" for index in range(5)]
    await kit.publish([kit.delivered(label) for label in labels])
    await kit.wait_until(lambda: failed_attempts > 0, "the batch to find MongoDB hanging")
    await asyncio.sleep(OUTAGE_SECONDS)
    paused_during_outage = paused(group)
    handled_during_outage = len(handled)
    mongodb_proxy.restore()
    await kit.wait_until(lambda: sorted(handled) == labels, "every status to be handled")

    assert paused_during_outage == 1
    assert handled_during_outage == 0
    assert await letters_of(settings, topics.WHATSAPP_STATUS, kit.store_id) == []
    assert await proxied_db.statuses.count_documents({}) == len(labels)
