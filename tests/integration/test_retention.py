"""Retention holds: documents older than their collection's expiry really disappear from the
database, and younger ones stay. Every collection the personal-data map gives an expiry is
covered, so a new one is covered without a new test.

The database's own TTL monitor deletes them, made to run at once (tests/support/expiry.py)."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from faststream.kafka import KafkaBroker

from services.kpi_aggregator.expiry import date_undated_rows
from shared import kafka, topics
from shared.consumer import KeyedConsumer
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.kpis.collections import KPI_CONVERSIONS, KPI_CUSTOMERS, KPI_ORDERS
from shared.mongo import Database
from shared.privacy.data_map import COLLECTIONS, Finder, Holding
from shared.privacy.store_retention import SWEPT, sweep_store_retention
from shared.runtime import Runtime
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings, BotSettingsRepository, PrivacySettings
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS
from tests.support.expiry import run_ttl_monitor
from tests.support.waiting import eventually

DAY = timedelta(days=1)


async def ttl_seconds(db: Database, holding: Holding) -> float:
    """The TTL the database applies to the field the map says `holding` expires on."""
    for index in (await db[holding.collection].index_information()).values():
        if "expireAfterSeconds" in index and index["key"] == [(holding.expiry, 1)]:
            return float(index["expireAfterSeconds"])
    raise AssertionError(f"{holding.collection} has no TTL index on {holding.expiry}")


async def test_every_expiring_collection_loses_what_is_older_than_its_expiry(
    db: Database,
) -> None:
    expiring = [holding for holding in COLLECTIONS if holding.expiry]
    now = datetime.now(UTC)
    for holding in expiring:
        ttl = timedelta(seconds=await ttl_seconds(db, holding))
        await db[holding.collection].insert_many(
            [
                {"_id": "expired", "store_id": "toko", holding.expiry: now - ttl - DAY},
                {"_id": "kept", "store_id": "toko", holding.expiry: now - ttl + DAY},
            ]
        )

    async def expired_left() -> list[str]:
        await run_ttl_monitor(db)
        return [
            holding.collection
            for holding in expiring
            if await db[holding.collection].find_one({"_id": "expired"}) is not None
        ]

    async def all_expired_gone() -> bool:
        return not await expired_left()

    await eventually(all_expired_gone, timeout=120)

    for holding in expiring:
        assert await db[holding.collection].find_one({"_id": "kept"}), holding.collection


async def test_personal_data_expires_within_the_retention_window(
    db: Database, settings: Settings
) -> None:
    """A collection with personal data expires within RETENTION_DAYS, or the map says why it
    keeps it otherwise (and how long)."""
    window = settings.retention.window.total_seconds()
    for holding in COLLECTIONS:
        if not holding.personal:
            continue
        within = holding.expiry is not None and await ttl_seconds(db, holding) <= window
        assert within or holding.kept, holding.collection


async def topic_retention(bootstrap: str, name: str) -> str | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [answer] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    finally:
        await admin.close()
    [resource] = answer.to_object()["resources"]
    entries = {entry["config_names"]: entry["config_value"] for entry in resource["config_entries"]}
    return entries.get("retention.ms")


async def test_a_topic_with_personal_data_is_created_with_the_retention(settings: Settings) -> None:
    # Topics are shared by the session's tests: this one creates its own, as ensure_topics does.
    bootstrap = kafka.bootstrap_servers(settings)
    name = f"test.retention.{uuid.uuid4().hex[:8]}"
    wanted = {name: {"retention.ms": str(30 * 86_400_000)}}

    await kafka.create_missing_topics(bootstrap, [name], 1, 1, wanted)
    await kafka.align_topic_configs(bootstrap, wanted)  # already right: nothing to change

    assert await topic_retention(bootstrap, name) == str(30 * 86_400_000)


async def test_kpi_rows_written_before_they_had_an_expiry_are_dated_and_expire(
    db: Database,
) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    long_ago = now - timedelta(days=400)
    await db[KPI_CUSTOMERS].insert_many(
        [
            {"_id": "toko|gone", "store_id": "toko", "customer_hash": "gone", "first_at": long_ago},
            {"_id": "toko|kept", "store_id": "toko", "customer_hash": "kept", "first_at": now},
        ]
    )
    await db[KPI_CONVERSIONS].insert_many(
        [
            {"_id": "h|gone", "store_id": "toko", "hour": long_ago, "day": None, "orders": ["1"]},
            {"_id": "d|gone", "store_id": "toko", "hour": None, "day": long_ago.date().isoformat()},
            {"_id": "d|kept", "store_id": "toko", "hour": None, "day": now.date().isoformat()},
        ]
    )

    assert await date_undated_rows(db) == 5
    assert await date_undated_rows(db) == 0  # dated once

    async def only_the_recent_left() -> bool:
        await run_ttl_monitor(db)
        customers = await db[KPI_CUSTOMERS].distinct("_id")
        claims = await db[KPI_CONVERSIONS].distinct("_id")
        return customers == ["toko|kept"] and claims == ["d|kept"]

    await eventually(only_the_recent_left, timeout=120)


def store_document(holding: Holding, store_id: str, name: str, at: datetime) -> dict[str, object]:
    """A document of `store_id` in `holding`, found by the key the map names for it."""
    conversation = f"{store_id}:+62811000{name}"
    ids: dict[Finder | None, str] = {
        Finder.ID_IS_CONVERSATION: conversation,
        Finder.CLAIM_SUFFIX: f"{store_id}|{name}",
    }
    assert holding.expiry is not None
    return {
        "_id": ids.get(holding.finder, f"{store_id}-{name}"),
        "store_id": store_id,
        "conversation_id": conversation,
        holding.expiry: at,
    }


async def test_a_store_with_a_shorter_retention_is_swept_of_what_is_older(
    db: Database, settings: Settings
) -> None:
    now = datetime.now(UTC)
    short, other = f"short{uuid.uuid4().hex[:6]}", f"other{uuid.uuid4().hex[:6]}"
    privacy = PrivacySettings(retention_days=30)
    await BotSettingsRepository(db).save(short, BotSettings(privacy=privacy), 0)
    for holding in SWEPT:
        await db[holding.collection].insert_many(
            [
                store_document(holding, store, name, now - timedelta(days=age))
                for store in (short, other)
                for name, age in (("1", 40), ("2", 10))
            ]
        )

    deleted = await sweep_store_retention(db, settings.retention.days, now)

    assert deleted == len(SWEPT)
    for holding in SWEPT:
        left = {
            (doc["store_id"], doc[holding.expiry]) async for doc in db[holding.collection].find()
        }
        assert len(left) == 3, holding.collection
        assert min(at for store, at in left if store == short) > now - timedelta(days=30)


async def test_the_sweep_covers_every_collection_a_store_can_be_told_apart_in() -> None:
    swept = {holding.collection for holding in SWEPT}

    assert {MESSAGES, CONVERSATIONS, KNOWLEDGE_GAPS, WOOCOMMERCE_ORDERS} <= swept
    assert KPI_ORDERS not in swept  # counted with RETENTION_DAYS (orders.settled)


async def test_a_consumers_replay_topic_keeps_copies_no_longer_than_the_retention(
    settings: Settings, db: Database, broker: KafkaBroker
) -> None:
    group = f"test-retention-{uuid.uuid4().hex[:8]}"
    runtime = Runtime(settings, db.client, db, broker)  # the options every service's are from
    consumer = KeyedConsumer(
        routes={topics.WHATSAPP_STATUS: lambda event: asyncio.sleep(0)},
        **runtime.consumer_options(group),
    )
    await consumer.start()
    await consumer.stop()

    retention = await topic_retention(kafka.bootstrap_servers(settings), topics.replay(group))
    assert retention == str(settings.retention.days * 86_400_000)
