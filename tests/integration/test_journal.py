"""The event journal: what a journaling publisher keeps in MongoDB, and history read from it
rather than from the broker (which the embedded one forgets when it restarts)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from services.ingest.app import create_app as create_ingest_app
from services.kpi_aggregator.rebuild import rebuild
from shared import kafka, topics
from shared.consumer import decode
from shared.events import MessageReceived
from shared.journal import JOURNAL, Journal
from shared.journal_scan import history
from shared.kpis.collections import KPI_DAILY
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.dates import DAY, at
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

NOBODY_LISTENS = "127.0.0.1:1"  # a bootstrap address that proves the broker is not asked


@pytest.fixture
async def journaling_broker(settings: Settings) -> AsyncIterator[KafkaBroker]:
    await kafka.ensure_topics(settings)
    publisher = kafka.make_broker(settings.updated(kafka={"journal": True}), "test")
    await publisher.start()
    yield publisher
    await publisher.stop()


async def test_every_publish_is_journaled_and_reads_back_as_the_broker_would_hand_it_out(
    db: Database,
    journaling_broker: KafkaBroker,
    make_received: Callable[..., MessageReceived],
) -> None:
    sent = [make_received("+6281100000001", f"Halo {n}") for n in range(3)]
    for event in sent:
        await kafka.publish(journaling_broker, event)

    assert await db[JOURNAL].count_documents({}) == len(sent)
    since = datetime.now(UTC) - timedelta(hours=1)
    async with history(NOBODY_LISTENS, topics.WHATSAPP_INBOUND, since, Journal(db)) as scan:
        records = [record async for batch in scan.batches() for record in batch]
    assert scan.total == len(sent)
    assert [decode(record) for record in records] == sent
    assert [record.key for record in records] == [event.key() for event in sent]


def _pymongo_tasks() -> set[asyncio.Task[Any]]:
    """The tasks pending on the loop that run pymongo's code (a client's monitors)."""
    return {
        task
        for task in asyncio.all_tasks()
        if not task.done() and "pymongo" in Path(task.get_coro().cr_code.co_filename).parts
    }


async def test_a_stopped_journaling_broker_leaves_no_task_of_its_mongodb_client(
    db: Database, settings: Settings, make_received: Callable[..., MessageReceived]
) -> None:
    """The journal's client is the broker's own: stopping the broker closes it."""
    await kafka.ensure_topics(settings)
    before = _pymongo_tasks()  # the test's own client's (the `db` fixture)
    publisher = kafka.make_broker(settings.updated(kafka={"journal": True}), "test")
    await publisher.start()
    await kafka.publish(publisher, make_received("+6281100000001", "Halo"))
    assert _pymongo_tasks() - before  # the journal's client is open: its monitors run

    await publisher.stop()

    assert _pymongo_tasks() - before == set()


async def test_ingest_stopped_leaves_no_task_of_its_journals_mongodb_client(
    db: Database, settings: Settings
) -> None:
    """Ingest's producer is the same Broker, stopped with ingest's lifespan."""
    await kafka.ensure_topics(settings)
    before = _pymongo_tasks()
    app = create_ingest_app(settings.updated(kafka={"journal": True}))
    async with app.router.lifespan_context(app):
        broker = app.state.ingest.broker
        journals = [m for m in broker.middlewares if isinstance(m, kafka.JournalMiddleware)]
        await journals[0].client.admin.command("ping")  # opens the client: its monitors run
        assert _pymongo_tasks() - before

    assert _pymongo_tasks() - before == set()


async def test_a_publisher_without_the_journal_keeps_nothing_in_it(
    db: Database, broker: KafkaBroker, make_received: Callable[..., MessageReceived]
) -> None:
    await kafka.publish(broker, make_received("+6281100000001", "Halo"))

    assert await db[JOURNAL].count_documents({}) == 0


async def test_rebuild_from_the_journal_equals_the_rebuild_from_the_broker(
    db: Database,
    settings: Settings,
    journaling_broker: KafkaBroker,
    store_id: str,
    make_received: Callable[..., MessageReceived],
) -> None:
    await save_store(db, Store(id=store_id, name="Toko", whatsapp_number="+1555" + store_id[-9:]))
    for minute in range(4):
        customer = f"+62811000000{minute:02d}"
        event = make_received(customer, "Halo", at=at(3, minute))
        await kafka.publish(journaling_broker, event)

    from_broker = await rebuild(db, kafka.bootstrap_servers(settings), store_id, DAY, DAY)
    stored = await db[KPI_DAILY].find({"store_id": store_id}).to_list()
    from_journal = await rebuild(db, NOBODY_LISTENS, store_id, DAY, DAY, from_journal=True)

    assert from_journal.events_counted == from_broker.events_counted == 4
    assert await db[KPI_DAILY].find({"store_id": store_id}).to_list() == stored


async def test_a_group_counts_as_a_reader_from_its_first_assignment_before_it_handled_anything(
    settings: Settings, consumers: Any, new_group_id: Callable[[], str]
) -> None:
    """So the recovery watermark waits for a group that has not finished its first record."""
    group = new_group_id()

    async def never_finishes(event: Any) -> None:
        await asyncio.Event().wait()

    await consumers.keyed(group, {topics.AGENT_COMMANDS: never_finishes})
    bootstrap = kafka.bootstrap_servers(settings)
    watcher = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await watcher.start()
    try:
        partitions = [
            TopicPartition(topics.AGENT_COMMANDS, p) for p in range(settings.kafka.partitions)
        ]

        async def every_partition_claimed() -> bool:
            return all([await watcher.committed(tp) is not None for tp in partitions])

        await eventually(every_partition_claimed)
    finally:
        await watcher.stop()
