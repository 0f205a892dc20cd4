"""What `balas topics` reads and changes on the broker: each topic's partitions, retention and
consumer groups' lag, and raising a topic's partition count once its groups have drained."""

import asyncio
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import IncompatibleBrokerVersion, KafkaError
from pydantic import BaseModel

from balas.wording import counted
from shared import kafka

RETENTION = "retention.ms"
DRAIN_CHECK_SECONDS = 1.0  # how often a waiting `grow` looks at the groups' lag again
METADATA_LOOKS = 10  # how often `grow` looks for the new partitions before reporting what it sees


class PartitionLag(BaseModel):
    partition: int
    end: int  # one past the partition's last record
    committed: int | None  # the group's committed offset; None: it never committed here
    lag: int  # records the group has not finished


class GroupLag(BaseModel):
    group: str
    lag: int
    partitions: list[PartitionLag]


class TopicState(BaseModel):
    topic: str
    partitions: int
    retention_ms: int | None  # None: the broker did not say (its default applies); -1: forever
    groups: list[GroupLag]  # the groups that committed offsets on the topic

    @property
    def lag(self) -> int:
        return sum(group.lag for group in self.groups)


class TopicsReport(BaseModel):
    topics: list[TopicState]
    missing: list[str]  # asked for, but not on the broker yet (created when Balas starts)


class GrowRefused(Exception):
    """A one-line reason why a topic's partitions were not raised, with what to do instead."""


async def describe(bootstrap: str, names: Sequence[str]) -> TopicsReport:
    """The state of the topics of `names` that exist on the broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        # Only existing names: asking the embedded broker about another one creates it.
        present = [name for name in names if name in existing]
        counts = await _partition_counts(admin, present)
        retention = await _retention(admin, present)
    finally:
        await admin.close()
    partitions = [TopicPartition(name, p) for name in present for p in range(counts[name])]
    bounds = await kafka.log_bounds(bootstrap, partitions)
    committed = await kafka.committed_by_group(bootstrap, partitions)
    return TopicsReport(
        topics=[
            TopicState(
                topic=name,
                partitions=counts[name],
                retention_ms=retention.get(name),
                groups=groups_of(name, counts[name], bounds, committed),
            )
            for name in present
        ],
        missing=[name for name in names if name not in existing],
    )


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    return {
        found["topic"]: len(found["partitions"]) for found in await admin.describe_topics(names)
    }


async def _retention(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Each topic's `retention.ms`, where the broker reports it (the embedded one only when the
    topic was created with it)."""
    if not names:
        return {}
    # All of each topic's settings: the embedded broker drops the connection when asked for one.
    asked = [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    return retention_by_topic(await admin.describe_configs(asked))


def retention_by_topic(responses: Iterable[Any]) -> dict[str, int]:
    """`retention.ms` of each topic in DescribeConfigs responses (any version: each entry
    starts with its name and value)."""
    found: dict[str, int] = {}
    for response in responses:
        for error, _message, _type, name, entries, *_ in response.resources:
            for key, value, *_ in entries if not error else ():
                if key == RETENTION and value is not None:
                    found[name] = int(value)
    return found


def groups_of(
    topic: str,
    partition_count: int,
    bounds: dict[TopicPartition, kafka.LogBounds],
    committed: dict[str, dict[TopicPartition, int]],
) -> list[GroupLag]:
    """The lag of every group that committed on `topic`. A partition it never committed on
    counts whole: Balas's consumers read a new partition from its beginning."""
    groups = []
    for group, offsets in sorted(committed.items()):
        if not any(tp.topic == topic for tp in offsets):
            continue
        partitions = []
        for number in range(partition_count):
            tp = TopicPartition(topic, number)
            log, done = bounds[tp], offsets.get(tp)
            lag = max(0, log.end - (log.first if done is None else done))
            partitions.append(PartitionLag(partition=number, end=log.end, committed=done, lag=lag))
        groups.append(
            GroupLag(group=group, lag=sum(p.lag for p in partitions), partitions=partitions)
        )
    return groups


async def wait_until_drained(
    bootstrap: str, topic: str, wait_seconds: float, progress: Callable[[TopicState], None]
) -> TopicState:
    """The topic's state once no group has lag on it, or after `wait_seconds`, whichever is
    first; `progress` sees each look."""
    deadline = time.monotonic() + wait_seconds
    while True:
        (state,) = (await describe(bootstrap, [topic])).topics
        progress(state)
        if state.lag == 0 or time.monotonic() >= deadline:
            return state
        await asyncio.sleep(DRAIN_CHECK_SECONDS)


async def grow(
    bootstrap: str,
    topic: str,
    partitions: int,
    known: Collection[str],
    *,
    wait_seconds: float = 0.0,
    force: bool = False,
    progress: Callable[[TopicState], None] = lambda _: None,
) -> int:
    """Raise `topic`'s partition count to `partitions`, once every group reading it has no lag
    (unless `force`): a conversation's events waiting on its old partition could otherwise be
    handled after its next ones, which hash to another partition now. The new count, as the
    broker reports it."""
    if topic not in known:
        raise GrowRefused(f"{topic} is not a Balas topic; `balas topics` lists them")
    report = await describe(bootstrap, [topic])
    if not report.topics:
        raise GrowRefused(f"{topic} does not exist yet: Balas creates its topics when it starts")
    current = report.topics[0].partitions
    if partitions <= current:
        raise GrowRefused(
            f"{topic} has {counted(current, 'partition')}; Kafka can add partitions but never "
            f"remove them, so ask for more than {current}"
        )
    if not force:
        state = await wait_until_drained(bootstrap, topic, wait_seconds, progress)
        behind = [f"{group.group} ({group.lag})" for group in state.groups if group.lag]
        if behind:
            raise GrowRefused(
                f"not grown: records of {topic} are still waiting for "
                f"{', '.join(behind)}; let the consumers catch up (are they running?) "
                "and try again, wait longer with --wait, or grow anyway with --force"
            )
    await _create_partitions(bootstrap, topic, partitions)
    return await _partitions_once_seen(bootstrap, topic, partitions)


async def _partitions_once_seen(bootstrap: str, topic: str, partitions: int) -> int:
    """The topic's partition count once the broker's metadata shows `partitions`, or after a
    few looks: in a cluster, the broker asked may learn of the new ones a moment later."""
    for _ in range(METADATA_LOOKS):
        (grown,) = (await describe(bootstrap, [topic])).topics
        if grown.partitions >= partitions:
            break
        await asyncio.sleep(DRAIN_CHECK_SECONDS)
    return grown.partitions


async def _create_partitions(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_partitions({topic: NewPartitions(partitions)})
    except IncompatibleBrokerVersion:
        raise GrowRefused(
            "this broker cannot add partitions (the embedded one cannot): with the groups "
            f"drained, stop Balas, set KAFKA_PARTITIONS={partitions} and start it again"
        ) from None
    except KafkaError as error:
        raise GrowRefused(f"the broker refused to grow {topic}: {error}") from None
    finally:
        await admin.close()
