"""Customer hashes in MongoDB are keyed, and the migration (`balas kpi rehash`) turns the unkeyed
ones older versions stored into keyed ones without changing a figure."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from services.kpi_aggregator.handlers import on_events
from services.kpi_aggregator.rehash import rehash, rehash_once, unkeyed_hash
from shared import identity, mongo
from shared.conversations.collections import CONVERSATIONS
from shared.events import ConversationClosed, MessageReceived
from shared.kpis.collections import (
    CONVERSATION_FACTS,
    KPI_CONVERSIONS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMERS,
    KPI_DAILY,
    KPI_ORDERS,
)
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.standins.dates import DAY, at

BUDI = "+6281100000001"  # still holds a conversation: rehashed from his number
GONE = "+6281100000002"  # held nowhere any more: rekeyed as he was
MORNING = at(3, 10)
KPI_COLLECTIONS = (
    KPI_CUSTOMERS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMER_DAYS,
    KPI_CONVERSIONS,
    KPI_ORDERS,
    CONVERSATION_FACTS,
    KPI_DAILY,
)


async def everything(db: Database, store_id: str) -> dict[str, list[Document]]:
    return {
        name: await db[name].find({"_id": {"$regex": store_id}}).sort("_id").to_list()
        for name in KPI_COLLECTIONS
    }


async def store_as_an_older_version_did(db: Database, store_id: str) -> None:
    """Two customers of DAY with unkeyed hashes in every KPI collection."""
    await db[CONVERSATIONS].insert_one({"_id": f"{store_id}:{BUDI}"})
    for n, number in enumerate((BUDI, GONE)):
        old = unkeyed_hash(number)
        conversion = f"d|{store_id}|{DAY}|{old}"
        order = f"{store_id}:100{n}"
        await db[KPI_CUSTOMERS].insert_one(
            {
                "_id": f"{store_id}|{old}",
                "store_id": store_id,
                "customer_hash": old,
                "first_at": MORNING,
            }
        )
        await db[KPI_CUSTOMER_HOURS].insert_one(
            {"_id": f"{store_id}|{DAY}T03|{old}", "claimed_at": MORNING}
        )
        await db[KPI_CUSTOMER_DAYS].insert_one(
            {"_id": f"{store_id}|{DAY}|{old}", "claimed_at": MORNING}
        )
        await db[KPI_CONVERSIONS].insert_one(
            {
                "_id": conversion,
                "store_id": store_id,
                "hour": None,
                "day": f"{DAY}",
                "orders": [order],
            }
        )
        await db[KPI_ORDERS].insert_one(
            {"_id": order, "store_id": store_id, "customer_hash": old, "converts": [conversion]}
        )
    # A fact row names its conversation, so only a customer whose number is held has one.
    await db[CONVERSATION_FACTS].insert_one(
        {
            "_id": f"{store_id}:{BUDI}|{DAY}T05:00:00",
            "store_id": store_id,
            "conversation_id": f"{store_id}:{BUDI}",
            "customer_hash": unkeyed_hash(BUDI),
        }
    )
    await db[KPI_DAILY].insert_one(
        {
            "_id": f"{store_id}|{DAY}",
            "store_id": store_id,
            "date": f"{DAY}",
            "inbound_messages": 2,
            "unique_customers": 2,
        }
    )


def on_database(settings: Settings, work: Callable[[Database], Awaitable[object]]) -> None:
    """Run `work` on the test's database from a test that is not async (a CLI test)."""

    async def run() -> None:
        client = mongo.connect(settings.mongodb.uri or "")
        try:
            await work(client[settings.mongodb.database])
        finally:
            await client.close()

    asyncio.run(run())


async def test_aggregation_stores_keyed_hashes_only(
    db: Database,
    store_id: str,
    make_received: Callable[..., MessageReceived],
    make_closed: Callable[..., ConversationClosed],
) -> None:
    message = make_received(BUDI, "Halo", at=MORNING)

    await on_events([message, make_closed(message, MORNING.replace(hour=5), "abandoned")], db)

    stored = str(await everything(db, store_id))
    assert identity.customer_hash(BUDI) in stored
    assert unkeyed_hash(BUDI) not in stored


async def test_the_migration_keys_every_old_hash_and_changes_no_figure(
    db: Database, store_id: str, make_received: Callable[..., MessageReceived]
) -> None:
    await store_as_an_older_version_did(db, store_id)
    customers_before = await db[KPI_CUSTOMERS].count_documents({"store_id": store_id})

    result = await rehash(db)

    after = await everything(db, store_id)
    text = str(after)
    assert unkeyed_hash(BUDI) not in text
    assert unkeyed_hash(GONE) not in text
    assert (result.by_number, result.unmapped) == (1, 1)
    budi = identity.customer_hash(BUDI)
    assert [row["customer_hash"] for row in after[KPI_CUSTOMERS]].count(budi) == 1
    assert await db[KPI_CUSTOMERS].count_documents({"store_id": store_id}) == customers_before
    # every order still names the conversion claim it supports
    claims = {claim["_id"] for claim in after[KPI_CONVERSIONS]}
    assert {claim for order in after[KPI_ORDERS] for claim in order["converts"]} == claims
    gone = {order["customer_hash"] for order in after[KPI_ORDERS]} - {budi}
    assert len(gone) == 1
    assert {row["customer_hash"] for row in after[KPI_CUSTOMERS]} == {budi, *gone}

    again = await rehash(db)

    assert again.documents == 0
    assert await everything(db, store_id) == after
    # Budi writes again the same day: the migrated claims know him, nothing counts twice
    await on_events([make_received(BUDI, "Masih ada?", at=MORNING.replace(hour=3, minute=40))], db)
    daily = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{DAY}"})
    assert daily is not None
    assert (daily["inbound_messages"], daily["unique_customers"]) == (3, 2)


async def test_the_aggregator_migrates_once_and_remembers_it(db: Database, store_id: str) -> None:
    await store_as_an_older_version_did(db, store_id)

    first: Any = await rehash_once(db)
    second = await rehash_once(db)

    assert first is not None
    assert first.documents > 0
    assert second is None
    assert unkeyed_hash(BUDI) not in str(await everything(db, store_id))


def test_the_rehash_command_reports_what_it_did_and_nothing_the_second_time(
    settings: Settings,
) -> None:
    from typer.testing import CliRunner

    from balas.cli import app

    on_database(settings, lambda db: store_as_an_older_version_did(db, "store-cli"))
    env, runner = {**settings.as_environment(), "COLUMNS": "200"}, CliRunner()

    first = runner.invoke(app, ["kpi", "rehash"], env=env)
    second = runner.invoke(app, ["kpi", "rehash"], env=env)

    assert first.exit_code == 0, first.output
    assert "1 customer rehashed from their numbers, 1 whose number" in first.output
    assert second.exit_code == 0, second.output
    assert "rewrote 0 documents" in second.output
    on_database(settings, lambda db: db.client.drop_database(db.name))
