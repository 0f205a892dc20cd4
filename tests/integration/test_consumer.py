"""KeyedConsumer and BatchConsumer on the real broker: order, retries, dead letters, commits."""

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner

from shared import fetch_wait, kafka, topics
from shared.consumer import KeyedConsumer, PermanentError
from shared.events import (
    DeliveryStatusChanged,
    Event,
    MessageReceived,
)
from shared.settings import Settings
from tests.support.kafka import ConsumerKit

pytestmark = pytest.mark.slow

BUDI = "+6281100000001"
SARI = "+6281100000002"


async def neighbour_of(settings: Settings, store_id: str, customer: str) -> str:
    """Another customer whose conversation shares the partition of `customer`'s conversation."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers(settings))
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topics.WHATSAPP_INBOUND])
    finally:
        await admin.close()
    partitions = list(range(len(described["partitions"])))

    def partition_of(number: str) -> int:  # as the producer chooses it: murmur2 of the key
        return int(DefaultPartitioner()(f"{store_id}:{number}".encode(), partitions, partitions))

    candidates = (f"+6281300000{index:03d}" for index in range(1000))
    return next(
        n for n in candidates if n != customer and partition_of(n) == partition_of(customer)
    )


# -- KeyedConsumer ---------------------------------------------------------------------------


async def test_a_conversation_is_handled_in_order_while_conversations_run_at_once(
    kit: ConsumerKit,
) -> None:
    customers = [f"+62812000000{index:02d}" for index in range(4)]
    events = [kit.received(c, f"{c}#{n}") for n in range(5) for c in customers]  # interleaved
    await kit.publish(events)
    handled: dict[str, list[str]] = defaultdict(list)
    busy: set[str] = set()
    overlapping: list[str] = []
    most_at_once = 0

    async def handle(event: MessageReceived) -> None:
        nonlocal most_at_once
        if event.store_id != kit.store_id:
            return
        if event.conversation_id in busy:
            overlapping.append(event.text)
        busy.add(event.conversation_id)
        most_at_once = max(most_at_once, len(busy))
        await asyncio.sleep(0.02)  # a little I/O, so that other conversations can start
        handled[event.customer_number].append(event.text)
        busy.discard(event.conversation_id)

    await kit.consumers.keyed(kit.new_group_id(), {topics.WHATSAPP_INBOUND: handle})
    await kit.wait_until(
        lambda: sum(map(len, handled.values())) == len(events), "every message to be handled"
    )

    assert handled == {c: [f"{c}#{n}" for n in range(5)] for c in customers}
    assert overlapping == []
    assert most_at_once > 1


@pytest.mark.parametrize("paced", [False, True], ids=["long polls", "paced fetches"])
async def test_a_consumer_that_went_quiet_still_takes_the_next_record(
    kit: ConsumerKit, monkeypatch: pytest.MonkeyPatch, paced: bool
) -> None:
    monkeypatch.setattr(fetch_wait, "IDLE_AFTER_SECONDS", 0.0)  # quiet after any empty poll
    handled: list[str] = []

    async def handle(event: MessageReceived) -> None:
        if event.store_id == kit.store_id:
            handled.append(event.text)

    consumer = await kit.consumers.keyed(
        kit.new_group_id(), {topics.WHATSAPP_INBOUND: handle}, paced_fetches=paced
    )
    await kit.wait_until(lambda: consumer._fetch_wait.quiet, "a quiet poll")
    assert fetch_wait_ms(consumer) == (
        fetch_wait.PACED_WAIT_MS if paced else fetch_wait.IDLE_WAIT_MS
    )
    await kit.publish([kit.received(BUDI, "after a quiet spell")])

    await kit.wait_until(lambda: handled == ["after a quiet spell"], "the record to be handled")


def fetch_wait_ms(consumer: KeyedConsumer) -> int:
    """The wait the consumer's next fetch asks the broker for (aiokafka keeps it privately)."""
    fetcher = consumer._consumer._fetcher
    return int(fetcher._fetch_max_wait_ms) if fetcher else fetch_wait.BUSY_WAIT_MS


async def test_a_failing_handler_is_retried_until_it_succeeds_and_keeps_the_order(
    kit: ConsumerKit,
) -> None:
    await kit.publish([kit.received(BUDI, "flaky"), kit.received(BUDI, "next")])
    attempts: Counter[str] = Counter()
    handled: list[str] = []

    async def handle(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
            return
        attempts[event.text] += 1
        if event.text == "flaky" and attempts["flaky"] <= 2:
            raise ConnectionError("MongoDB blinked")
        handled.append(event.text)

    await kit.consumers.keyed(kit.new_group_id(), {topics.WHATSAPP_INBOUND: handle})
    await kit.wait_until(lambda: len(handled) == 2, "both messages to be handled")

    assert handled == ["flaky", "next"]
    assert attempts == {"flaky": 3, "next": 1}


async def test_undecodable_and_refused_events_are_dead_lettered_and_the_key_moves_on(
    kit: ConsumerKit,
) -> None:
    key = f"{kit.store_id}:{BUDI}"
    await kit.broker.publish(b"{this is not json", topic=topics.WHATSAPP_INBOUND, key=key.encode())
    refused = kit.received(BUDI, "refuse me")
    await kit.publish([refused, kit.received(BUDI, "after")])
    handled: list[str] = []

    async def handle(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
            return
        if event.text == "refuse me":
            raise PermanentError("the store was deleted")
        handled.append(event.text)

    group = kit.new_group_id()
    await kit.consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle})
    letters = await kit.dead_letters(
        topics.dead_letter(topics.WHATSAPP_INBOUND),
        group,
        lambda letter: letter.key == key,
        count=2,
    )
    await kit.wait_until(lambda: handled == ["after"], "the next message of the key to be handled")

    garbage, permanent = sorted(letters, key=lambda letter: letter.offset)
    assert garbage.payload == "{this is not json"
    assert "undecodable MessageReceived" in garbage.error
    assert garbage.attempts == 1
    assert garbage.topic == topics.WHATSAPP_INBOUND
    assert MessageReceived.model_validate_json(permanent.payload) == refused
    assert "PermanentError" in permanent.error
    assert "the store was deleted" in permanent.error
    assert permanent.attempts == 1


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_the_last_attempt(
    kit: ConsumerKit,
) -> None:
    doomed = kit.received(SARI, "doomed")
    await kit.publish([doomed])
    attempts = 0

    async def handle(event: MessageReceived) -> None:
        nonlocal attempts
        if event.store_id == kit.store_id:
            attempts += 1
            raise ValueError("the model's answer is not JSON")

    group = kit.new_group_id()
    await kit.consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle})
    (letter,) = await kit.dead_letters(
        topics.dead_letter(topics.WHATSAPP_INBOUND),
        group,
        lambda letter: letter.key == doomed.conversation_id,
        count=1,
    )

    assert letter.attempts == 3
    assert attempts == 3
    assert "ValueError" in letter.error
    assert MessageReceived.model_validate_json(letter.payload) == doomed


async def test_after_a_stop_only_the_unfinished_rest_of_a_partition_is_delivered_again(
    kit: ConsumerKit,
    settings: Settings,
) -> None:
    # Budi's third message blocks; Sari's messages come after it in the same partition and
    # finish, but the partition's commit cannot pass the unfinished one.
    sari = await neighbour_of(settings, kit.store_id, BUDI)
    sent_by = {"budi-1": BUDI, "budi-2": BUDI, "budi-3": BUDI, "sari-1": sari, "sari-2": sari}
    await kit.publish([kit.received(number, label) for label, number in sent_by.items()])
    group = kit.new_group_id()
    first_run: list[str] = []
    blocked = asyncio.Event()

    async def handle_until_blocked(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
            return
        if event.text == "budi-3":
            blocked.set()
            await asyncio.Event().wait()  # stuck until the consumer gives up on it
        first_run.append(event.text)

    first = await kit.consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle_until_blocked})
    await kit.wait_until(
        lambda: blocked.is_set() and {"sari-1", "sari-2"} <= set(first_run),
        "budi-3 to block while Sari's messages finish",
    )
    await kit.consumers.stop(first, grace_seconds=0.5)
    second_run: list[str] = []

    async def handle(event: MessageReceived) -> None:
        if event.store_id == kit.store_id:
            second_run.append(event.text)

    await kit.consumers.keyed(group, {topics.WHATSAPP_INBOUND: handle})
    await kit.wait_until(
        lambda: {"budi-3", "sari-1", "sari-2"} <= set(second_run),
        "the unfinished message and those after it to come again",
    )

    assert sorted(first_run) == ["budi-1", "budi-2", "sari-1", "sari-2"]
    # Budi's messages keep their order, so a redelivered budi-1 would have come before budi-3.
    assert sorted(second_run) == ["budi-3", "sari-1", "sari-2"]


async def test_messages_keep_flowing_through_the_free_slot_while_a_handler_hangs(
    kit: ConsumerKit,
    settings: Settings,
) -> None:
    # Budi's message hangs and holds one of two slots; Sari's come after it in its partition.
    sari = await neighbour_of(settings, kit.store_id, BUDI)
    later = [kit.received(sari, f"sari-{index}") for index in range(6)]
    await kit.publish([kit.received(BUDI, "hangs"), *later])
    handled: list[str] = []

    async def handle(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
            return
        if event.text == "hangs":
            await asyncio.Event().wait()
        handled.append(event.text)

    await kit.consumers.keyed(
        kit.new_group_id(), {topics.WHATSAPP_INBOUND: handle}, max_in_flight=2
    )
    await kit.wait_until(lambda: len(handled) == len(later), "Sari's messages to pass the hung one")

    assert handled == [event.text for event in later]


async def test_stop_gives_up_on_stuck_handlers_after_the_grace_even_with_every_slot_taken(
    kit: ConsumerKit,
) -> None:
    # Two slots, three messages whose handlers hang: the poll loop waits for a slot to free.
    customers = [BUDI, SARI, "+6281100000003"]
    await kit.publish([kit.received(number, "hangs") for number in customers])
    started: list[str] = []
    cancelled: list[str] = []

    async def hang(event: MessageReceived) -> None:
        if event.store_id != kit.store_id:
            return
        started.append(event.customer_number)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(event.customer_number)
            raise

    consumer = await kit.consumers.keyed(
        kit.new_group_id(), {topics.WHATSAPP_INBOUND: hang}, max_in_flight=2
    )
    await kit.wait_until(lambda: len(started) == 2, "two handlers to hang and take both slots")

    stopping = asyncio.create_task(kit.consumers.stop(consumer, grace_seconds=0.5))
    await kit.wait_until(stopping.done, "stop() to give up on the stuck handlers")

    assert stopping.exception() is None
    assert sorted(cancelled) == sorted(started)
    assert len(started) == 2


async def test_records_of_batched_topics_taken_in_one_poll_go_to_one_call(kit: ConsumerKit) -> None:
    events = [kit.received(c, f"{c}#{n}") for n in range(3) for c in (BUDI, SARI)]
    await kit.publish(events)
    calls: list[list[str]] = []

    async def handle(batch: Sequence[Event]) -> None:
        mine = [
            e.text for e in batch if isinstance(e, MessageReceived) and e.store_id == kit.store_id
        ]
        if mine:
            calls.append(mine)

    await kit.consumers.keyed(
        kit.new_group_id(), {}, batch_topics=[topics.WHATSAPP_INBOUND], batch_handler=handle
    )
    await kit.wait_until(lambda: sum(map(len, calls)) == len(events), "every message to be handled")

    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(event.text for event in events)


async def test_batched_records_keep_their_order_and_a_poison_record_is_dead_lettered_alone(
    kit: ConsumerKit,
) -> None:
    key = f"{kit.store_id}:{BUDI}"
    healthy = [kit.received(c, f"{c}#{n}") for n in range(5) for c in (BUDI, SARI)]
    poison = kit.received(BUDI, "poison")
    await kit.publish(healthy[:4])
    await kit.broker.publish(b"{this is not json", topic=topics.WHATSAPP_INBOUND, key=key.encode())
    await kit.publish([poison, *healthy[4:]])
    calls: list[list[str]] = []

    async def handle(batch: Sequence[Event]) -> None:
        mine = [
            e.text for e in batch if isinstance(e, MessageReceived) and e.store_id == kit.store_id
        ]
        if "poison" in mine:
            raise ValueError("cannot card this message")
        if mine:
            calls.append(mine)

    group = kit.new_group_id()
    await kit.consumers.keyed(
        group, {}, batch_topics=[topics.WHATSAPP_INBOUND], batch_handler=handle
    )
    letters = await kit.dead_letters(
        topics.dead_letter(topics.WHATSAPP_INBOUND),
        group,
        lambda letter: letter.key == key,
        count=2,
    )
    handled = [text for call in calls for text in call]
    await kit.wait_until(lambda: len(handled) >= len(healthy), "the healthy messages to be handled")

    for customer in (BUDI, SARI):
        assert [t for t in handled if t.startswith(customer)] == [
            f"{customer}#{n}" for n in range(5)
        ]
    failing, undecodable = sorted(letters, key=lambda letter: letter.payload)
    assert undecodable.payload == "{this is not json"
    assert MessageReceived.model_validate_json(failing.payload) == poison


# -- BatchConsumer ---------------------------------------------------------------------------


async def test_a_batch_consumer_hands_a_poll_to_one_call(kit: ConsumerKit) -> None:
    events = [kit.delivered(f"s{index}") for index in range(5)]
    await kit.publish(events)
    calls: list[list[str]] = []

    async def handle(batch: Sequence[Event]) -> None:
        mine = [e.error_code or "" for e in kit.own(batch, DeliveryStatusChanged)]
        if mine:
            calls.append(mine)

    await kit.consumers.batch(kit.new_group_id(), [topics.WHATSAPP_STATUS], handle)
    await kit.wait_until(lambda: sum(map(len, calls)) == len(events), "every status to be handled")

    assert calls == [["s0", "s1", "s2", "s3", "s4"]]


async def test_with_a_batch_wait_records_that_come_soon_after_a_poll_join_its_batch(
    kit: ConsumerKit,
) -> None:
    calls: list[list[str]] = []  # each call's records: this test's labels, "other" for the rest

    async def handle(batch: Sequence[Event]) -> None:
        mine = [e.error_code or "" for e in kit.own(batch, DeliveryStatusChanged)]
        if mine:
            calls.append(mine + ["other"] * (len(batch) - len(mine)))

    # Room for two records: the wait ends as soon as both are there, not at its end.
    await kit.consumers.batch(
        kit.new_group_id(), [topics.WHATSAPP_STATUS], handle, 2, batch_wait_seconds=5.0
    )
    await kit.publish([kit.delivered("caught-up")])  # behind the other tests' statuses
    await kit.wait_until(lambda: any("caught-up" in call for call in calls), "the catch-up")
    await kit.publish([kit.delivered("first")])
    await asyncio.sleep(0.5)  # polled alone by now: without the wait it would be a batch of one
    await kit.publish([kit.delivered("second")])
    await kit.wait_until(
        lambda: "second" in [label for call in calls for label in call],
        "the two statuses to be handled",
    )

    # The other tests' statuses on other partitions may still be coming in; one of them may
    # take the batch's second place, but "first" never goes alone.
    (batch,) = [call for call in calls if "first" in call]
    assert batch in (["first", "second"], ["first", "other"])


async def test_a_poison_event_in_a_batch_is_dead_lettered_and_the_rest_is_handled(
    kit: ConsumerKit,
) -> None:
    poison = kit.delivered("poison")
    events = [kit.delivered("ok-1"), poison, kit.delivered("ok-2")]
    await kit.publish(events)
    await kit.broker.publish(
        b"[]", topic=topics.WHATSAPP_STATUS, key=poison.conversation_id.encode()
    )
    await kit.publish([kit.delivered("ok-3")])
    handled: list[str] = []

    async def handle(batch: Sequence[Event]) -> None:
        mine = [e.error_code or "" for e in kit.own(batch, DeliveryStatusChanged)]
        if "poison" in mine:
            raise ValueError("cannot count this status")
        handled.extend(mine)

    group = kit.new_group_id()
    await kit.consumers.batch(group, [topics.WHATSAPP_STATUS], handle)
    letters = await kit.dead_letters(
        topics.dead_letter(topics.WHATSAPP_STATUS),
        group,
        lambda letter: letter.key == poison.conversation_id,
        count=2,
    )
    await kit.wait_until(lambda: len(handled) == 3, "the healthy statuses to be handled")

    assert sorted(handled) == ["ok-1", "ok-2", "ok-3"]
    undecodable, failing = sorted(letters, key=lambda letter: letter.payload)
    assert undecodable.payload == "[]"
    assert undecodable.attempts == 1
    assert DeliveryStatusChanged.model_validate_json(failing.payload) == poison
    assert "ValueError" in failing.error
    assert failing.attempts == 3
