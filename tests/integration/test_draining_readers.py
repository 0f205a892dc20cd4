"""Readers of a topic (KPI rebuild, replay, the dead-letter list, `kafka.read_topic`) read until
its log is drained, whatever end offset the broker reports, and the lag gauge counts what lies
past it: after batches of 1, 5 and 3 records on one partition the embedded broker holds offsets
0-8 and reports 7."""

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from balas import dead_letters
from balas.replay import replay
from services.kpi_aggregator.rebuild import rebuild
from shared import kafka, topics
from shared.consumer import decode
from shared.events import DeadLetter, Event, MessageReceived
from shared.kpis.collections import KPI_DAILY
from shared.mongo import Database
from shared.settings import Settings
from tests.standins.dates import DAY, at
from tests.support.events import MakeReceived
from tests.support.kafka import BURST, PublishBurst, Record, publish_in_batches
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def nine_messages(make_received: MakeReceived) -> list[MessageReceived]:
    """Nine customers writing within nine minutes of DAY (UTC)."""
    return [
        make_received(f"+628110000{n:04d}", f"pesan {n}", at=at(3, n)) for n in range(sum(BURST))
    ]


def as_records(events: Sequence[Event]) -> list[Record]:
    return [(event.key(), event.model_dump_json().encode()) for event in events]


async def test_a_read_of_a_topic_returns_every_record_of_each_partitions_last_batch(
    settings: Settings, store_id: str
) -> None:
    bootstrap = kafka.bootstrap_servers(settings)
    topic = f"test-read-{store_id}"  # the test's own: partition 2 stays empty
    await kafka.create_missing_topics(bootstrap, [topic], partitions=3, replication_factor=1)
    sent = {
        partition: [f"{partition}:{n}".encode() for n in range(sum(BURST))] for partition in (0, 1)
    }
    for partition, values in sent.items():
        await publish_in_batches(settings, topic, [(None, value) for value in values], partition)

    read = await kafka.read_topic(bootstrap, topic)

    assert {p: [r.value for r in read if r.partition == p] for p in (0, 1, 2)} == {**sent, 2: []}


async def test_a_rebuild_counts_every_message_of_the_partitions_last_batch(
    db: Database,
    settings: Settings,
    store_id: str,
    make_received: MakeReceived,
    publish_burst: PublishBurst,
) -> None:
    await publish_burst(topics.WHATSAPP_INBOUND, as_records(nine_messages(make_received)))

    result = await rebuild(db, kafka.bootstrap_servers(settings), store_id, DAY, DAY)

    daily = await db[KPI_DAILY].find_one({"store_id": store_id})
    assert daily is not None
    assert (daily["inbound_messages"], daily["unique_customers"]) == (9, 9)
    assert result.events_counted == 9


async def test_a_replay_copies_every_message_of_the_partitions_last_batch(
    settings: Settings,
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    publish_burst: PublishBurst,
) -> None:
    messages = nine_messages(make_received)
    published_from = datetime.now(UTC) - timedelta(seconds=1)
    await publish_burst(topics.WHATSAPP_INBOUND, as_records(messages))
    seen: set[str] = set()

    async def ours(batch: Sequence[Event]) -> None:
        seen.update(event.event_id for event in batch if event.store_id == store_id)

    group = new_group_id()
    reader = await consumers.batch(group, [topics.WHATSAPP_INBOUND], ours)
    await wait_until(lambda: len(seen) == 9, "the group read the burst")
    await consumers.stop(reader, grace_seconds=1.0)  # commits: the group has read the topic

    result = await replay(settings, topics.WHATSAPP_INBOUND, group, since=published_from)

    # copies of anything the previous test published in the span too, poison records included
    copies = await kafka.read_topic(kafka.bootstrap_servers(settings), result.replay_topic)
    ours = [copy for copy in copies if store_id.encode() in (copy.value or b"")]
    copied = {event.event_id for event in map(decode, ours) if event.store_id == store_id}
    assert copied == {message.event_id for message in messages}


async def test_the_dead_letter_list_shows_every_letter_of_the_partitions_last_batch(
    db: Database, settings: Settings, store_id: str, publish_burst: PublishBurst
) -> None:
    letters = [
        DeadLetter(
            topic=topics.WHATSAPP_INBOUND,
            partition=0,
            offset=n,
            key=store_id,
            payload=f'{{"store_id": "{store_id}", "n": {n}}}',
            error="RuntimeError('boom')",
            attempts=3,
            consumer_group="responder",
        )
        for n in range(sum(BURST))
    ]
    dead_letter_topic = topics.dead_letter(topics.WHATSAPP_INBOUND)
    await publish_burst(
        dead_letter_topic, [(None, letter.model_dump_json().encode()) for letter in letters]
    )

    listed = await dead_letters.list_letters(settings, db, topics.WHATSAPP_INBOUND)

    assert [s.letter for s in listed.letters if store_id in s.letter.payload] == letters


async def test_the_lag_gauge_counts_every_record_after_the_one_a_handler_holds(
    consumers: Any,
    new_group_id: Callable[[], str],
    store_id: str,
    make_received: MakeReceived,
    publish_burst: PublishBurst,
) -> None:
    messages = nine_messages(make_received)
    release = asyncio.Event()

    async def holding_the_first(event: MessageReceived) -> None:
        if event.event_id == messages[0].event_id:
            await release.wait()

    group = new_group_id()
    await consumers.keyed(group, {topics.WHATSAPP_INBOUND: holding_the_first})
    await publish_burst(topics.WHATSAPP_INBOUND, as_records(messages))
    labels = {"group": group, "topic": topics.WHATSAPP_INBOUND, "partition": "0"}

    def lag_is(records: int) -> bool:
        return REGISTRY.get_sample_value("balas_consumer_lag", labels) == records

    await wait_until(lambda: lag_is(9), "a lag of the nine records from the held one on")
    release.set()
    await wait_until(lambda: lag_is(0), "no lag once the held record is done")
