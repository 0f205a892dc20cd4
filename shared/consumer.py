"""At-least-once Kafka consumers with retries, dead letters and safe commits.

FastStream's Kafka subscribers run one message at a time per partition, and an LLM answer takes
seconds, so consumers here run on aiokafka directly (the idea of Confluent's Parallel Consumer in
key-ordering mode):

* `KeyedConsumer` works on many keys (conversations) at once and keeps one key's events in order
  (optionally handing one poll's records of some topics to one call, the enricher's cards);
* `BatchConsumer` hands each poll to one handler call, for aggregators that write in bulk.

Both commit only the contiguous prefix of finished offsets, retry a failing handler with
exponential backoff, and publish what still fails (or cannot be decoded) to `<topic>.dlq` with
the error, then move on. Handlers must be idempotent: a crash before a commit redelivers.

A failure that says a dependency is down (shared/outages.py) is no fault of the event: it does
not count as an attempt. The consumer pauses (shared/outage_gate.py) and tries the event again
until the dependency answers, however long that takes; nothing past it is committed meanwhile.

The poll loop never blocks on anything but the poll: while the consumer cannot take records (a
dependency is down, every slot is busy, a batch is running) it pauses its partitions and keeps
polling, so it stays in its group (aiokafka's max_poll_interval_ms) and keeps its partitions.

Every consumer also reads its group's replay topic, `replay.<group>`: `balas replay` copies a
time range of a topic there (each copy names its source topic in the `replay-of` header), so a
range can be re-driven into one group, while it runs, without touching its offsets or other
groups. A copy is handled exactly like the original record of its source topic.
"""

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord as Record
from faststream.kafka import KafkaBroker

from shared import kafka, metrics, topics
from shared.events import EVENT_TYPES, DeadLetter, Event, decode_event
from shared.fetch_wait import BUSY_WAIT_MS, FetchWait
from shared.logging import loggable
from shared.offsets import PartitionProgress, lag
from shared.outage_gate import OutageGate
from shared.outages import dependency_down

log = structlog.get_logger(__name__)

# How often the poll loop looks at its room and its stop flag, and the commit loop at finished
# offsets, while records come; once quiet (no record for a while, shared/fetch_wait.py) both
# tick once a second. A record wakes a waiting poll at once, so no tick delays one.
BUSY_TICK_SECONDS = 0.2
QUIET_TICK_SECONDS = 1.0

Handler = Callable[[Any], Awaitable[None]]
BatchHandler = Callable[[Sequence[Event]], Awaitable[None]]


class PermanentError(Exception):
    """Retrying cannot help (bad data, a refusal): dead-letter the event at once."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so retries of many events do not arrive together."""
        ceiling = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        return float(ceiling * random.uniform(0.5, 1.0))


def source_topic(record: Record) -> str:
    """The topic a record belongs to: its own, or for a replayed copy the one it came from."""
    if not topics.is_replay(record.topic):
        return str(record.topic)
    for name, value in record.headers or ():
        if name == topics.REPLAY_OF_HEADER:
            return bytes(value).decode(errors="replace")
    return str(record.topic)


def decode(record: Record) -> Event:
    topic = source_topic(record)
    if topic not in EVENT_TYPES:
        raise PermanentError(f"no event type is registered for topic {topic}")
    try:
        return decode_event(topic, record.value or b"")
    except ValueError as error:  # pydantic's ValidationError is one
        names = "/".join(model.__name__ for model in EVENT_TYPES[topic])
        raise PermanentError(f"undecodable {names}: {error}") from error


class _ConsumerBase:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topic_names: Iterable[str],
        dead_letters: KafkaBroker,
        retry: RetryPolicy,
        max_in_flight: int,
        commit_interval_seconds: float = 0.2,
        batch_wait_seconds: float = 0.0,
        paced_fetches: bool = False,
        session_timeout_seconds: float = 10.0,
        replay_partitions: int = 1,
        replication_factor: int = 1,
        replay_configs: Mapping[str, str] | None = None,
    ) -> None:
        self.group_id = group_id
        self._topics = tuple(topic_names)
        self._bootstrap = bootstrap_servers
        self._replay_topic = topics.replay(group_id)
        self._replay_shape = (replay_partitions, replication_factor)
        self._replay_configs = {self._replay_topic: dict(replay_configs or {})}
        self._dead_letters = dead_letters
        self._retry = retry
        self._max_in_flight = max_in_flight
        self._commit_interval = commit_interval_seconds
        self._batch_wait = batch_wait_seconds
        self._assignments = 0  # counts rebalances: records gathered before one are fetched again
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_in_flight,
            fetch_max_wait_ms=BUSY_WAIT_MS,  # longer or paced once idle: shared/fetch_wait.py
            session_timeout_ms=int(session_timeout_seconds * 1000),
            heartbeat_interval_ms=int(session_timeout_seconds * 300),  # 3 s at 10 s, as aiokafka
        )
        self._fetch_wait = FetchWait(self._consumer, paced_fetches)
        self._progress: dict[TopicPartition, PartitionProgress] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._lag_shown: dict[TopicPartition, int] = {}  # the gauge's value, set only on a change
        self._in_flight = 0  # records taken and not finished, at most max_in_flight
        self._outages = OutageGate(group_id, retry.delay)
        self._holding = False  # partitions paused because no record may be taken now
        self._tasks: dict[TopicPartition, set[asyncio.Task[None]]] = {}
        self._stopping = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await kafka.create_missing_topics(
            self._bootstrap, [self._replay_topic], *self._replay_shape, self._replay_configs
        )
        self._consumer.subscribe((*self._topics, self._replay_topic), listener=_Rebalance(self))
        await self._consumer.start()
        self._background = [
            asyncio.create_task(self._poll_forever(), name=f"{self.group_id}-poll"),
            asyncio.create_task(self._commit_forever(), name=f"{self.group_id}-commit"),
        ]
        log.info("consumer started", group=self.group_id, topics=list(self._topics))

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop taking records, let the ones in flight finish, commit, leave the group."""
        self._stopping.set()
        poll, committer = self._background
        await poll
        await self._wait_for(self._all_tasks(), grace_seconds)
        committer.cancel()
        await self._commit()
        await self._consumer.stop()
        log.info("consumer stopped", group=self.group_id)

    # -- the poll loop ----------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        while not self._stopping.is_set():
            room = self._room()
            self._hold(room == 0)
            try:
                # Paused partitions return nothing: a held consumer only keeps its membership.
                batches = await self._gather(room)
            except KafkaError as error:
                log.warning("poll failed, retrying", group=self.group_id, error=str(error))
                await asyncio.sleep(1)
                continue
            self._fetch_wait.polled(self._holding or any(batches.values()))
            taken: list[tuple[TopicPartition, PartitionProgress, Record]] = []
            for tp, records in batches.items():
                progress = self._progress.setdefault(tp, PartitionProgress())
                if records:
                    progress.fetched(records[-1].offset)
                for record in records:
                    progress.started(record.offset)
                    taken.append((tp, progress, record))
            self._in_flight += len(taken)
            self._gauge_in_flight()
            if taken:
                self._accept(taken)

    async def _gather(self, room: int) -> dict[TopicPartition, list[Record]]:
        """One poll's records; with a batch wait, the records that come within it after a poll
        that brought some join them, so that at a low rate a batch holds several records (each
        batch costs its handler a fixed number of round trips). No record waits longer than
        the batch wait, and the loop keeps polling meanwhile."""
        batches: dict[TopicPartition, list[Record]] = await self._consumer.getmany(
            timeout_ms=int(self._tick(BUSY_TICK_SECONDS) * 1000), max_records=max(room, 1)
        )
        taken = sum(map(len, batches.values()))
        if not taken or self._batch_wait <= 0:
            return batches
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._batch_wait
        assignments = self._assignments
        while taken < room and (left := deadline - loop.time()) > 0:
            try:
                more = await self._consumer.getmany(
                    timeout_ms=max(int(left * 1000), 1), max_records=room - taken
                )
            except KafkaError:
                break  # what was gathered is handled now; the next poll reports the error
            if self._assignments != assignments:  # a rebalance: positions went back to commits
                assignments, batches = self._assignments, {}
            for tp, records in more.items():
                batches.setdefault(tp, []).extend(records)
            taken = sum(map(len, batches.values()))
        return batches

    def _tick(self, busy_seconds: float) -> float:
        """The wait of a loop's turn: once quiet never shorter than a second, nor than busy."""
        return max(busy_seconds, QUIET_TICK_SECONDS) if self._fetch_wait.quiet else busy_seconds

    def _room(self) -> int:
        """How many records may be taken now: none while a dependency is down."""
        return 0 if self._outages.down else self._max_in_flight - self._in_flight

    def _hold(self, holding: bool) -> None:
        """Pause every assigned partition while no record may be taken, resume them after."""
        if holding == self._holding:
            return
        self._holding = holding
        partitions = self._consumer.assignment()
        if holding:
            self._consumer.pause(*partitions)
        else:
            self._consumer.resume(*partitions)

    def _release(self, count: int) -> None:
        self._in_flight -= count
        self._gauge_in_flight()

    def _accept(self, taken: list[tuple[TopicPartition, PartitionProgress, Record]]) -> None:
        """Start handling `taken` (in tasks: the poll loop goes on polling)."""
        raise NotImplementedError

    def _wanted(self, record: Record) -> bool:
        """A replayed copy of a topic this consumer does not read is skipped (and committed)."""
        wanted = source_topic(record) in self._topics
        if not wanted:
            log.warning(
                "skipping a replayed record of a topic this group does not read",
                group=self.group_id,
                topic=source_topic(record),
            )
        return wanted

    def _finish(self, progress: PartitionProgress, record: Record) -> None:
        progress.finished(record.offset)

    def _track(self, tp: TopicPartition, task: asyncio.Task[None]) -> None:
        tasks = self._tasks.setdefault(tp, set())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _all_tasks(self) -> set[asyncio.Task[None]]:
        return {task for tasks in self._tasks.values() for task in tasks}

    def _gauge_in_flight(self) -> None:
        in_flight = sum(progress.in_flight for progress in self._progress.values())
        metrics.EVENTS_IN_FLIGHT.labels(self.group_id).set(in_flight)

    # -- handling one record: retries, outages waited out, then the dead-letter topic --------

    async def _process(self, record: Record, handler: Handler) -> None:
        timer = metrics.HANDLER_SECONDS.labels(self.group_id, record.topic).time()
        with timer:

            async def handle() -> None:
                await handler(decode(record))

            error, attempts = await self._attempt(handle, record.topic, self._retry.max_attempts)
        if error is None:
            metrics.EVENTS_CONSUMED.labels(self.group_id, record.topic, "handled").inc()
        else:
            await self._dead_letter(record, error, attempts)

    async def _attempt(
        self, call: Callable[[], Awaitable[None]], topic: str, max_attempts: int
    ) -> tuple[Exception | None, int]:
        """Call until it succeeds (no error), raises PermanentError or fails `max_attempts`
        times for reasons of its own (the last error). A failure because a dependency is down
        is no attempt: the call waits for the dependency and is made again."""
        attempt = 0
        try:
            while True:
                try:
                    await call()
                    return None, attempt + 1
                except Exception as failure:
                    down = None if isinstance(failure, PermanentError) else dependency_down(failure)
                    if down is not None:
                        await self._outages.wait_out(down, failure)
                        continue
                    self._outages.settled()
                    attempt += 1
                    if isinstance(failure, PermanentError) or attempt >= max_attempts:
                        return failure, attempt
                    metrics.EVENT_RETRIES.labels(self.group_id, topic).inc()
                    log.warning(
                        "handler failed, will retry",
                        group=self.group_id,
                        topic=topic,
                        attempt=attempt,
                        error=loggable(failure),
                    )
                    await asyncio.sleep(self._retry.delay(attempt))
        finally:
            self._outages.settled()  # a probe that ends, however it ends, ends its outage

    async def _dead_letter(self, record: Record, error: Exception | None, attempts: int) -> None:
        topic = source_topic(record)  # a replayed copy's letter belongs to its source topic
        letter = DeadLetter(
            topic=topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode(errors="replace") if record.key else None,
            payload=(record.value or b"").decode(errors="replace"),
            error=repr(error),
            attempts=attempts,
            consumer_group=self.group_id,
        )
        attempt = 0
        while True:  # an event is never dropped: keep trying until the dead letter is stored
            attempt += 1
            try:
                await self._dead_letters.publish(
                    letter.model_dump_json(), topic=topics.dead_letter(topic), key=record.key
                )
                break
            except Exception as failure:
                log.error("dead-letter publish failed", group=self.group_id, error=repr(failure))
                await asyncio.sleep(self._retry.delay(attempt))
        metrics.DEAD_LETTERS.labels(self.group_id, record.topic).inc()
        metrics.EVENTS_CONSUMED.labels(self.group_id, record.topic, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            group=self.group_id,
            topic=record.topic,
            offset=record.offset,
            attempts=attempts,
            error=loggable(error),
        )

    async def _process_batch(self, records: list[Record], handler: BatchHandler) -> None:
        """One call for the decodable `records`; when it keeps failing, one call per record
        (in their order), so that only the record that breaks it is dead-lettered."""
        events: list[Event] = []
        decodable: list[Record] = []
        for record in records:
            if not self._wanted(record):
                continue
            try:
                events.append(decode(record))
                decodable.append(record)
            except PermanentError as error:
                await self._dead_letter(record, error, attempts=1)
        if not decodable:
            return

        async def handle_all() -> None:
            await handler(events)

        # A single event gets its attempts below, as any event that breaks a batch does.
        attempts = 1 if len(decodable) == 1 else self._retry.max_attempts
        failure, _ = await self._attempt(handle_all, decodable[0].topic, attempts)
        if failure is None:
            for record in decodable:
                metrics.EVENTS_CONSUMED.labels(self.group_id, record.topic, "handled").inc()
            return
        log.warning("batch failed, handling its events one by one", group=self.group_id)
        for record in decodable:  # isolate the event that breaks the batch

            async def single(event: Event) -> None:
                await handler([event])

            await self._process(record, single)

    # -- commits and rebalances ---------------------------------------------------------------

    async def _commit_forever(self) -> None:
        while True:
            await asyncio.sleep(self._tick(self._commit_interval))
            await self._commit()
            self._gauge_lag()

    async def _commit(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        chosen = self._progress if partitions is None else partitions
        offsets: dict[TopicPartition, int] = {}
        for tp in chosen:
            progress = self._progress.get(tp)
            offset = progress.committable() if progress else None
            if offset is not None and offset > self._committed.get(tp, -1):
                offsets[tp] = offset
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
            self._committed.update(offsets)
        except KafkaError as error:  # the group moved on: the new owner redelivers, handlers dedupe
            log.warning("commit failed", group=self.group_id, error=repr(error))

    def _gauge_lag(self) -> None:
        """At every commit tick over every partition: at rest nothing changes, and looking up a
        labelled gauge costs more than the rest of the pass, so only a changed lag is set."""
        for tp, committed in self._committed.items():
            progress = self._progress.get(tp)
            fetched_end = progress.fetched_end if progress else 0
            behind = lag(committed, self._consumer.highwater(tp), fetched_end)
            if self._lag_shown.get(tp) != behind:
                metrics.CONSUMER_LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(behind)
                self._lag_shown[tp] = behind

    async def _partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        for tp in revoked:
            if tp in self._progress:
                self._progress[tp].revoked = True  # records not started yet are skipped
        await self._wait_for({t for tp in revoked for t in self._tasks.get(tp, set())}, 30.0)
        await self._commit(revoked)
        for tp in revoked:
            self._progress.pop(tp, None)
            self._committed.pop(tp, None)
            self._lag_shown.pop(tp, None)
            self._tasks.pop(tp, None)
            with contextlib.suppress(KeyError):  # the new owner reports this partition's lag
                metrics.CONSUMER_LAG.remove(self.group_id, tp.topic, str(tp.partition))

    async def _partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._assignments += 1
        for tp in assigned:
            self._progress[tp] = PartitionProgress()
        if self._holding:  # a new assignment starts unpaused
            self._consumer.pause(*assigned)
        await self._claim_as_reader(assigned)

    async def _claim_as_reader(self, assigned: set[TopicPartition]) -> None:
        """Commit where this group starts on partitions it never committed on (their beginning,
        as `auto_offset_reset` would): from its first assignment the group shows as a reader of
        them, whose unfinished records the embedded broker's recovery waits for
        (shared/broker_recovery.py), even before it handled one."""
        try:
            fresh = [tp for tp in assigned if await self._consumer.committed(tp) is None]
            if fresh:
                await self._consumer.commit(await self._consumer.beginning_offsets(fresh))
        except KafkaError as error:  # a later assignment tries again
            log.warning(
                "could not claim the partitions as read", group=self.group_id, error=repr(error)
            )

    @staticmethod
    async def _wait_for(tasks: set[asyncio.Task[None]], timeout: float) -> None:
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:  # unfinished work is not committed and will be redelivered
            task.cancel()
        if pending:
            await asyncio.wait(pending)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: _ConsumerBase) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self._owner._partitions_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        await self._owner._partitions_assigned(set(assigned))


class KeyedConsumer(_ConsumerBase):
    """Many keys at once, one key's events in order: each record waits for its key's previous.

    Records of `batch_topics` taken in one poll go to `batch_handler` in one call (after the
    earlier records of their keys), so their writes can be made in bulk.
    """

    def __init__(
        self,
        *,
        routes: Mapping[str, Handler],
        batch_topics: Iterable[str] = (),
        batch_handler: BatchHandler | None = None,
        **options: Any,
    ) -> None:
        self._batch_topics = frozenset(batch_topics) if batch_handler else frozenset()
        super().__init__(topic_names=[*routes, *self._batch_topics], **options)
        self._routes = dict(routes)
        self._batch_handler = batch_handler
        self._tails: dict[bytes, asyncio.Task[None]] = {}

    def _accept(self, taken: list[tuple[TopicPartition, PartitionProgress, Record]]) -> None:
        batch: list[tuple[TopicPartition, PartitionProgress, Record]] = []
        for tp, progress, record in taken:
            if source_topic(record) in self._batch_topics:
                batch.append((tp, progress, record))
                continue
            if self._key(tp, record) in {self._key(t, r) for t, _, r in batch}:
                self._start_batch(batch)  # the batch goes first: it holds this key's earlier
                batch = []
            key = self._key(tp, record)
            previous = self._tails.get(key)
            self._chain(
                [key], [tp], asyncio.create_task(self._in_order(previous, progress, record))
            )
        if batch:
            self._start_batch(batch)

    @staticmethod
    def _key(tp: TopicPartition, record: Record) -> bytes:
        return record.key or f"partition:{tp.topic}:{tp.partition}".encode()

    def _start_batch(self, batch: list[tuple[TopicPartition, PartitionProgress, Record]]) -> None:
        keys = {self._key(tp, record) for tp, _, record in batch}
        previous = {self._tails[key] for key in keys if key in self._tails}
        task = asyncio.create_task(self._batch_in_order(previous, batch))
        self._chain(keys, {tp for tp, _, _ in batch}, task)

    def _chain(
        self, keys: Iterable[bytes], partitions: Iterable[TopicPartition], task: asyncio.Task[None]
    ) -> None:
        """`task` is now the last of each of `keys`: their next records wait for it."""
        for key in keys:
            self._tails[key] = task
            task.add_done_callback(partial(self._forget_tail, key))
        for tp in partitions:
            self._track(tp, task)

    def _forget_tail(self, key: bytes, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _in_order(
        self, previous: asyncio.Task[None] | None, progress: PartitionProgress, record: Record
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            if not progress.revoked:
                if self._wanted(record):
                    await self._process(record, self._routes[source_topic(record)])
                self._finish(progress, record)
        finally:
            self._release(1)

    async def _batch_in_order(
        self,
        previous: set[asyncio.Task[None]],
        batch: list[tuple[TopicPartition, PartitionProgress, Record]],
    ) -> None:
        try:
            if previous:
                await asyncio.wait(previous)
            live = [(progress, record) for _, progress, record in batch if not progress.revoked]
            assert self._batch_handler is not None  # batches are only made when there is one
            await self._process_batch([record for _, record in live], self._batch_handler)
            for progress, record in live:
                self._finish(progress, record)
        finally:
            self._release(len(batch))


class BatchConsumer(_ConsumerBase):
    """One handler call per poll; a batch that keeps failing is split to find the poison."""

    def __init__(self, *, topic_names: Iterable[str], handler: BatchHandler, **options: Any):
        super().__init__(topic_names=topic_names, **options)
        self._handler = handler

    def _room(self) -> int:
        """One batch at a time: records that arrive meanwhile make the next batch."""
        return 0 if self._in_flight else super()._room()

    def _accept(self, taken: list[tuple[TopicPartition, PartitionProgress, Record]]) -> None:
        task = asyncio.create_task(self._run(taken))
        for tp in {tp for tp, _, _ in taken}:
            self._track(tp, task)

    async def _run(self, taken: list[tuple[TopicPartition, PartitionProgress, Record]]) -> None:
        try:
            await self._process_batch([record for _, _, record in taken], self._handler)
            for _, progress, record in taken:
                self._finish(progress, record)
        finally:
            self._release(len(taken))
