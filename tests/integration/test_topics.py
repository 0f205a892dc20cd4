"""`balas topics` against the session's broker: every Balas topic with its partitions and each
group's lag, counted to the partition's real end (after batches of 1, 5 and 3 records the
embedded broker reports 7 of 9); `grow` refuses unknown topics, counts that do not grow, and
groups that have not drained, and grows once they have; a broker that does not answer is one
line saying what to do."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner

from balas import cli_support
from balas.cli import app
from balas.topic_admin import GroupLag, GrowRefused, TopicsReport, describe, grow
from shared import kafka, topics
from shared.events import MessageReceived
from shared.infra import free_port
from shared.settings import Settings
from tests.support.kafka import BURST, PublishBurst
from tests.support.servers import Infra
from tests.support.waiting import DEADLINE_SECONDS, eventually

pytestmark = pytest.mark.slow

COLUMNS = 80


def group_lag(report: TopicsReport, topic: str, group: str) -> GroupLag | None:
    (state,) = [state for state in report.topics if state.topic == topic]
    return next((found for found in state.groups if found.group == group), None)


async def own_topic(settings: Settings, records: int, partitions: int = 2) -> str:
    """A topic of this test alone holding `records` records, so that growing it touches no
    topic another test reads."""
    name = f"test-{uuid.uuid4().hex[:12]}.grow"
    bootstrap = kafka.bootstrap_servers(settings)
    await kafka.create_missing_topics(bootstrap, [name], partitions, 1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for number in range(records):
            await producer.send_and_wait(name, b"%d" % number, key=b"conversation-%d" % number)
    finally:
        await producer.stop()
    return name


async def consume(settings: Settings, topic: str, group: str, records: int) -> None:
    """Read `records` more records of `topic` as `group` and commit where it got to. Its
    partitions are assigned, not joined: a group's join takes seconds on the embedded broker."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers(settings),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        await consumer.topics()  # fresh metadata: the topic is new
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
        read = 0
        while read < records:
            batches = await consumer.getmany(timeout_ms=200, max_records=records - read)
            read += sum(len(batch) for batch in batches.values())
        await consumer.commit()
    finally:
        await consumer.stop()


async def test_the_list_shows_every_balas_topic_with_its_partition_count(
    settings: Settings, broker: Any
) -> None:
    shown = await asyncio.to_thread(
        lambda: CliRunner().invoke(app, ["topics", "--json"], env=settings.as_environment())
    )

    assert shown.exit_code == 0, shown.output
    report = TopicsReport.model_validate_json(shown.output)
    assert [state.topic for state in report.topics] == list(topics.with_dead_letters())
    assert {state.partitions for state in report.topics} == {settings.kafka.partitions}
    assert report.missing == []


async def test_the_table_fits_80_columns_and_names_every_topic_whole(
    settings: Settings, broker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_support.console, "width", COLUMNS)

    shown = await asyncio.to_thread(
        lambda: CliRunner().invoke(app, ["topics"], env=settings.as_environment())
    )

    assert shown.exit_code == 0, shown.output
    lines = [line.rstrip() for line in shown.output.splitlines()]
    assert max(len(line) for line in lines) <= COLUMNS
    first_cells = {line.split()[0] for line in lines if line.strip()}
    assert set(topics.with_dead_letters()) <= first_cells


async def test_a_groups_lag_counts_the_whole_last_batch_and_goes_to_zero_once_it_is_consumed(
    settings: Settings,
    consumers: Any,
    new_group_id: Callable[[], str],
    make_received: Callable[..., MessageReceived],
    publish_burst: PublishBurst,
) -> None:
    messages = [make_received(f"+62811000{n:04d}", f"pesan {n}") for n in range(sum(BURST))]
    release = asyncio.Event()

    async def holding_the_first(event: MessageReceived) -> None:
        if event.event_id == messages[0].event_id:
            await release.wait()

    group = new_group_id()
    await consumers.keyed(group, {topics.WHATSAPP_INBOUND: holding_the_first})
    records = [(event.key(), event.model_dump_json().encode()) for event in messages]
    await publish_burst(topics.WHATSAPP_INBOUND, records)
    bootstrap = kafka.bootstrap_servers(settings)

    async def lag_is(records: int) -> bool:
        report = await describe(bootstrap, [topics.WHATSAPP_INBOUND])
        found = group_lag(report, topics.WHATSAPP_INBOUND, group)
        return found is not None and found.lag == records

    await eventually(lambda: lag_is(9))  # the held record and the eight after it
    release.set()
    await eventually(lambda: lag_is(0))


async def test_grow_refuses_while_a_group_has_lag_and_grows_once_it_has_drained(
    settings: Settings, infra: Infra, new_group_id: Callable[[], str]
) -> None:
    topic, group = await own_topic(settings, records=6), new_group_id()
    await consume(settings, topic, group, records=2)
    bootstrap = kafka.bootstrap_servers(settings)

    with pytest.raises(GrowRefused, match=rf"still waiting for {group} \(4\).*--force"):
        await grow(bootstrap, topic, 4, known=[topic])

    waiting = asyncio.create_task(
        grow(bootstrap, topic, 4, known=[topic], wait_seconds=DEADLINE_SECONDS)
    )
    await consume(settings, topic, group, records=4)
    if infra.embedded_kafka:  # it has no CreatePartitions: the drain check passed, then this
        with pytest.raises(GrowRefused, match=r"cannot add partitions.*KAFKA_PARTITIONS=4"):
            await waiting
        return
    assert await waiting == 4
    (grown,) = (await describe(bootstrap, [topic])).topics
    assert grown.partitions == 4


async def test_grow_refuses_an_unknown_topic_without_creating_it(settings: Settings) -> None:
    bootstrap = kafka.bootstrap_servers(settings)
    unknown = f"test-{uuid.uuid4().hex[:12]}.unknown"

    with pytest.raises(GrowRefused, match="is not a Balas topic"):
        await grow(bootstrap, unknown, 9, known=topics.with_dead_letters())

    assert (await describe(bootstrap, [unknown])).missing == [unknown]


@pytest.mark.parametrize("fewer", [0, 1], ids=["equal", "fewer"])
async def test_grow_refuses_a_count_that_does_not_grow_in_one_line(
    settings: Settings, broker: Any, fewer: int
) -> None:
    asked = settings.kafka.partitions - fewer
    command = ["topics", "grow", topics.WHATSAPP_INBOUND, "--partitions", str(asked)]
    env = settings.as_environment()

    shown = await asyncio.to_thread(lambda: CliRunner().invoke(app, command, env=env))

    assert shown.exit_code == 1
    assert "Traceback" not in shown.output
    assert " ".join(shown.output.split()) == (
        f"{topics.WHATSAPP_INBOUND} has {settings.kafka.partitions} partitions; Kafka can add "
        f"partitions but never remove them, so ask for more than {settings.kafka.partitions}"
    )


@pytest.mark.parametrize(
    "command", [["topics"], ["topics", "grow", topics.WHATSAPP_INBOUND, "--partitions", "9"]]
)
async def test_a_broker_that_does_not_answer_is_one_line_saying_what_to_do(
    settings: Settings, command: list[str]
) -> None:
    closed = settings.updated(kafka={"bootstrap_servers": f"127.0.0.1:{free_port()}"})
    env = {**os.environ, **closed.as_environment()}

    # A fresh process, as a user runs it: what an earlier test configured (logging) cannot
    # change what it prints.
    shown = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "balas", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert shown.returncode == 1
    assert "Traceback" not in shown.stdout + shown.stderr
    assert " ".join(shown.stdout.split()).startswith("Kafka does not answer: is Balas running?")
