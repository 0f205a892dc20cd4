"""Retention holds: documents older than their collection's expiry really disappear from the
database, and younger ones stay. Every collection the personal-data map gives an expiry is
covered, so a new one is covered without a new test.

The database's own TTL monitor deletes them, made to run at once (tests/support/expiry.py)."""

import uuid
from datetime import UTC, datetime, timedelta

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.kpi_aggregator.expiry import date_undated_rows
from shared import kafka
from shared.kpis.collections import KPI_CONVERSIONS, KPI_CUSTOMERS
from shared.mongo import Database
from shared.privacy.data_map import COLLECTIONS, Holding
from shared.settings import Settings
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
