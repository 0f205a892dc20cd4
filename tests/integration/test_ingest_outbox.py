"""ingest never loses an accepted message: a webhook whose event Kafka does not take in time is
stored in the outbox and answered 200, the relay publishes it unchanged once Kafka answers; with
neither Kafka nor MongoDB answering the webhook is refused fast (503); copies of one MessageSid
arriving at once are published once.

ingest runs on loopback with its real lifespan, on a broker of this module's tests alone reached
through a proxy that can stall (tests/support/stalling_servers.py), and the session's MongoDB
reached through another.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from prometheus_client import REGISTRY

from balas.simulate import inbound_message_form, twilio_signature
from services.ingest import relay
from services.ingest.app import create_app as create_ingest_app
from services.ingest.outbox import INGEST_OUTBOX, Outbox
from services.ingest.receipts import WEBHOOK_RECEIPTS, is_accepted
from services.ingest.relay import Relay
from shared import routes, topics
from shared.events import event_id_for, utcnow
from shared.kafka import make_broker
from shared.leases import LEASES
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.server import LoopbackServer
from tests.standins.tcp_proxy import TcpProxy
from tests.standins.woocommerce_data import body_of, delivery_headers, order
from tests.support import events
from tests.support.kafka import events_with_id, records_mentioning
from tests.support.servers import Infra
from tests.support.stalling_servers import kafka_behind_proxy, mongodb_behind_proxy, proxied_uri
from tests.support.stores import save_woocommerce_store
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

PUBLIC_URL = "https://balas.example"
FALLBACK_URL = "https://fallback.balas.example"
TWILIO_TOKEN = "outbox-test-twilio-token"
WEBHOOK_SECRET = "outbox-test-webhook-secret"
TWILIO_GIVES_UP_SECONDS = 15.0  # Twilio drops a webhook not answered by then


@pytest.fixture(scope="module")
def kafka_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpProxy]:
    with kafka_behind_proxy(tmp_path_factory.mktemp("kafka")) as proxy:
        yield proxy


@pytest.fixture
def mongodb_proxy(infra: Infra) -> Iterator[TcpProxy]:
    with mongodb_behind_proxy(infra.mongodb_uri) as proxy:
        yield proxy


@pytest.fixture
def settings(
    settings: Settings, kafka_proxy: TcpProxy, mongodb_proxy: TcpProxy
) -> Iterator[Settings]:
    yield settings.updated(
        kafka={"bootstrap_servers": bootstrap(kafka_proxy), "enable_idempotence": False},
        mongodb={"uri": proxied_uri(mongodb_proxy)},
        ingest={
            "public_base_url": PUBLIC_URL,
            "fallback_base_url": FALLBACK_URL,
            "publish_timeout_seconds": 1.0,
            "mongodb_timeout_seconds": 1.0,
            "store_refresh_seconds": 0,  # every look-up asks MongoDB first
        },
        twilio={"auth_token": TWILIO_TOKEN},
    )
    kafka_proxy.restart()  # for the module's next test


@pytest.fixture
def journaled_ingest(settings: Settings) -> Iterator[str]:
    """ingest as `balas run` starts it for the embedded broker: each publish journaled first."""
    server = LoopbackServer(create_ingest_app(settings.updated(kafka={"journal": True}))).start()
    yield server.url
    server.stop()


@pytest.fixture
def second_ingest(settings: Settings) -> Iterator[str]:
    """Another replica on the same Kafka and MongoDB, with a relay of its own."""
    server = LoopbackServer(create_ingest_app(settings)).start()
    yield server.url
    server.stop()


@pytest.fixture
async def woo_store(db: Database, settings: Settings) -> Store:
    return await save_woocommerce_store(db, settings, WEBHOOK_SECRET)


def bootstrap(proxy: TcpProxy) -> str:
    return f"127.0.0.1:{proxy.port}"


async def post_message(
    ingest: str, store: Store, message_sid: str, base_url: str = PUBLIC_URL
) -> httpx.Response:
    form = inbound_message_form(
        customer="+6281100000008",
        store_number=store.whatsapp_number,
        text="Halo kak, pesanan saya sudah dikirim?",
        message_sid=message_sid,
    )
    signature = twilio_signature(TWILIO_TOKEN, base_url + routes.TWILIO_MESSAGE_PATH, form)
    async with httpx.AsyncClient(base_url=ingest, timeout=TWILIO_GIVES_UP_SECONDS) as http:
        return await http.post(
            routes.TWILIO_MESSAGE_PATH, data=form, headers={"X-Twilio-Signature": signature}
        )


async def published(settings: Settings, topic: str, event_id: str) -> int:
    """How many records of `topic` carry `event_id`."""
    return len(await events_with_id(settings, topic, event_id))


def message_sid() -> str:
    return "SM" + uuid.uuid4().hex


async def test_twenty_copies_of_one_message_at_once_are_published_once(
    ingest: str, woo_store: Store, settings: Settings
) -> None:
    sid = message_sid()

    answers = await asyncio.gather(*(post_message(ingest, woo_store, sid) for _ in range(20)))

    assert {answer.status_code for answer in answers} <= {200, 503}
    assert any(answer.status_code == 200 for answer in answers)
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_a_message_sent_again_after_it_was_accepted_is_answered_and_not_published_again(
    ingest: str, woo_store: Store, settings: Settings, db: Database
) -> None:
    sid = message_sid()

    first = await post_message(ingest, woo_store, sid)
    again = await post_message(ingest, woo_store, sid)

    assert (first.status_code, again.status_code) == (200, 200)
    assert await is_accepted(db, sid)  # the copy was answered after the accept landed
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_copies_of_many_messages_interleaved_at_once_publish_each_message_once(
    ingest: str, woo_store: Store, settings: Settings
) -> None:
    sids = [message_sid() for _ in range(8)]

    answers = await asyncio.gather(*(post_message(ingest, woo_store, sid) for sid in sids * 4))

    assert {answer.status_code for answer in answers} <= {200, 503}
    for sid in sids:
        event_id = event_id_for("whatsapp.inbound", sid)
        assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_a_message_kafka_does_not_take_is_stored_and_published_once_kafka_answers(
    ingest: str, woo_store: Store, settings: Settings, db: Database, kafka_proxy: TcpProxy
) -> None:
    sid = message_sid()
    event_id = event_id_for("whatsapp.inbound", sid)
    stored_before, _ = outbox_counts()
    kafka_proxy.stall()

    answer = await post_message(ingest, woo_store, sid)

    assert answer.status_code == 200
    stored = await db[INGEST_OUTBOX].find_one({"_id": event_id})
    assert stored is not None
    assert stored["topic"] == topics.WHATSAPP_INBOUND
    assert json.loads(stored["event"])["message_sid"] == sid
    assert outbox_counts()[0] == stored_before + 1
    async with httpx.AsyncClient(base_url=ingest, timeout=TWILIO_GIVES_UP_SECONDS) as http:
        assert (await http.get("/readyz")).status_code == 200  # still takes webhooks

    kafka_proxy.restart()

    # The webhook's own publish lands, or fails and the relay publishes the copy: once.
    await eventually(lambda: relayed(db, event_id))
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1
    duplicate = await post_message(ingest, woo_store, sid)  # Twilio's retry, after all
    assert duplicate.status_code == 200
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_the_relay_publishes_a_stored_event_unchanged_with_its_id(
    ingest: str, settings: Settings, db: Database
) -> None:
    event = events.received(store_id=f"store-{uuid.uuid4().hex[:8]}")
    _, relayed_before = outbox_counts()

    await Outbox(db).store(event, attempt_running=False)  # left by a replica that died

    await eventually(lambda: relayed(db, event.event_id))
    copies = await records_mentioning(settings, event.topic, event.event_id)
    assert copies == [event.model_dump_json().encode()]
    assert outbox_counts()[1] == relayed_before + 1


async def test_an_idle_relay_relays_an_event_handed_to_it_without_waiting_out_its_pause(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pause in ("ROUND_SECONDS", "IDLE_PAUSE_SECONDS"):  # asleep past the test's deadline
        monkeypatch.setattr(relay, pause, 3600.0)
    event = events.received(store_id=f"store-{uuid.uuid4().hex[:8]}")
    stored = Outbox(db)
    broker = make_broker(settings, "relay-test")
    await broker.start()
    started = utcnow()
    running = asyncio.create_task(Relay(db, broker, stored).run())
    try:
        await eventually(lambda: relay_lease_taken(db, started))  # a first round found nothing

        await stored.store(event, attempt_running=False)  # the webhook's publish failed

        await eventually(lambda: relayed(db, event.event_id))
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await broker.stop()
    assert await published(settings, event.topic, event.event_id) == 1


async def relay_lease_taken(db: Database, since: datetime) -> bool:
    taken = {"_id": relay.RELAY_LEASE, "taken_at": {"$gte": since}}
    return await db[LEASES].find_one(taken) is not None


def outbox_counts() -> tuple[float, float]:
    """ingest's outbox counters (the app runs in this process): stored, relayed."""
    stored, relayed = (
        REGISTRY.get_sample_value(f"balas_ingest_outbox_{name}_total") or 0.0
        for name in ("stored", "relayed")
    )
    return stored, relayed


async def relayed(db: Database, event_id: str) -> bool:
    return await db[INGEST_OUTBOX].find_one({"_id": event_id}) is None


async def test_a_woocommerce_delivery_kafka_does_not_take_is_stored_and_relayed(
    ingest: str, woo_store: Store, settings: Settings, db: Database, kafka_proxy: TcpProxy
) -> None:
    body = body_of(order())
    kafka_proxy.stall()

    async with httpx.AsyncClient(base_url=ingest, timeout=TWILIO_GIVES_UP_SECONDS) as http:
        answer = await http.post(
            routes.woocommerce_webhook_url("", woo_store.id),
            content=body,
            headers=delivery_headers("order.updated", body, WEBHOOK_SECRET),
        )

    assert (answer.status_code, answer.json()) == (200, {"outcome": "accepted"})
    stored = await db[INGEST_OUTBOX].find_one({"topic": topics.WOOCOMMERCE_ORDERS})
    assert stored is not None

    kafka_proxy.restart()

    await eventually(lambda: relayed(db, stored["_id"]))
    assert await published(settings, topics.WOOCOMMERCE_ORDERS, stored["_id"]) == 1


async def test_with_neither_kafka_nor_mongodb_answering_a_message_is_refused_fast(
    ingest: str,
    woo_store: Store,
    settings: Settings,
    kafka_proxy: TcpProxy,
    mongodb_proxy: TcpProxy,
) -> None:
    sid = message_sid()
    kafka_proxy.stall()
    mongodb_proxy.stall()

    refused = await post_message(ingest, woo_store, sid)  # fails if not answered in time

    assert refused.status_code == 503
    assert refused.headers["Retry-After"]

    kafka_proxy.restart()
    mongodb_proxy.restart()
    retried = await eventually(lambda: accepted(ingest, woo_store, sid))

    assert retried.status_code == 200
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def accepted(ingest: str, store: Store, sid: str) -> httpx.Response | None:
    answer = await post_message(ingest, store, sid)
    return answer if answer.status_code == 200 else None


async def test_a_claim_whose_holder_died_does_not_drop_the_retry(
    ingest: str, woo_store: Store, settings: Settings, db: Database
) -> None:
    held, abandoned = message_sid(), message_sid()
    now = utcnow()
    for sid, until in ((held, now + timedelta(minutes=1)), (abandoned, now)):
        claim = {"_id": sid, "state": "claimed", "claimed_until": until, "received_at": now}
        await db[WEBHOOK_RECEIPTS].insert_one(claim)

    in_progress = await post_message(ingest, woo_store, held)
    retried = await post_message(ingest, woo_store, abandoned)

    assert in_progress.status_code == 503
    assert retried.status_code == 200
    event_id = event_id_for("whatsapp.inbound", abandoned)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_a_message_signed_for_the_fallback_url_is_accepted(
    ingest: str, woo_store: Store, settings: Settings
) -> None:
    sid = message_sid()

    answer = await post_message(ingest, woo_store, sid, base_url=FALLBACK_URL)

    assert answer.status_code == 200
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_a_message_neither_kafka_nor_the_outbox_took_can_be_retried(
    ingest: str, woo_store: Store, settings: Settings, db: Database, kafka_proxy: TcpProxy
) -> None:
    sid = message_sid()
    refuse_everything = {"$jsonSchema": {"required": ["a field no event has"]}}
    await db.command("collMod", INGEST_OUTBOX, validator=refuse_everything)
    kafka_proxy.stall()

    refused = await post_message(ingest, woo_store, sid)

    assert refused.status_code == 503
    assert await db[WEBHOOK_RECEIPTS].find_one({"_id": sid}) is None  # the claim was released
    kafka_proxy.restart()
    retried = await eventually(lambda: accepted(ingest, woo_store, sid))
    assert retried.status_code == 200
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def test_with_two_replicas_each_stored_event_is_relayed_once(
    ingest: str,
    second_ingest: str,
    woo_store: Store,
    settings: Settings,
    db: Database,
    kafka_proxy: TcpProxy,
) -> None:
    sids = [message_sid() for _ in range(6)]
    kafka_proxy.stall()

    answers = await asyncio.gather(
        *(
            post_message((ingest, second_ingest)[n % 2], woo_store, sid)
            for n, sid in enumerate(sids)
        )
    )

    assert [answer.status_code for answer in answers] == [200] * len(sids)
    assert await db[INGEST_OUTBOX].count_documents({}) == len(sids)
    kafka_proxy.restart()
    await eventually(lambda: outbox_empty(db))
    for sid in sids:
        event_id = event_id_for("whatsapp.inbound", sid)
        assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1


async def outbox_empty(db: Database) -> bool:
    return await db[INGEST_OUTBOX].count_documents({}) == 0


async def test_with_mongodb_cut_a_message_for_a_store_seen_before_is_published_once(
    journaled_ingest: str, woo_store: Store, settings: Settings, mongodb_proxy: TcpProxy
) -> None:
    ingest = journaled_ingest
    assert (await post_message(ingest, woo_store, message_sid())).status_code == 200  # seen
    last_known_before, unchecked_before, unjournaled_before = outage_counts()
    sid = message_sid()
    mongodb_proxy.stall()

    answer = await post_message(ingest, woo_store, sid)  # fails if not answered in time
    mongodb_proxy.restart()

    assert answer.status_code == 200
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 1
    last_known, unchecked, unjournaled = outage_counts()
    assert last_known > last_known_before  # the store came from ingest's last-known copy
    assert unchecked == unchecked_before + 1
    assert unjournaled == unjournaled_before + 1


async def test_with_mongodb_cut_a_message_for_a_store_never_seen_is_refused_fast(
    ingest: str, woo_store: Store, settings: Settings, mongodb_proxy: TcpProxy
) -> None:
    sid = message_sid()
    mongodb_proxy.stall()

    refused = await post_message(ingest, woo_store, sid)  # fails if not answered in time
    mongodb_proxy.restart()

    assert refused.status_code == 503
    event_id = event_id_for("whatsapp.inbound", sid)
    assert await published(settings, topics.WHATSAPP_INBOUND, event_id) == 0


def outage_counts() -> tuple[float, float, float]:
    """ingest's counters of MongoDB outages: last-known stores used, receipts left unchecked,
    events published without their journal copy."""
    last_known, unchecked, unjournaled = (
        REGISTRY.get_sample_value(f"balas_ingest_{name}_total") or 0.0
        for name in ("last_known_stores", "unchecked_receipts", "unjournaled_events")
    )
    return last_known, unchecked, unjournaled
