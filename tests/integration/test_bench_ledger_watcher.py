"""The bench's watch of the claims ledger (bench/realtime.py) against the real MongoDB: a claim
committed before the watch began and the ones committed during it are seen, other groups'
claims are not."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bench.realtime import LedgerWatcher
from bench.webhooks import signed_webhooks
from shared import mongo
from shared.events import event_id_for
from shared.mongo import Database
from shared.settings import Settings


async def test_claims_before_and_during_the_watch_are_seen_and_other_groups_are_not(
    settings: Settings, db: Database, wait_until: Callable[..., Awaitable[None]]
) -> None:
    first, second, third = webhooks = signed_webhooks(settings, "+14155550100", 7, 3)

    async def claim(group: str, webhook_sid: str) -> None:
        event_id = event_id_for("whatsapp.inbound", webhook_sid)
        await db[mongo.PROCESSED_EVENTS].insert_one(
            {"_id": f"{group}:{event_id}", "claimed_at": datetime.now(UTC)}
        )

    await claim("enricher", first.form["MessageSid"])
    assert settings.mongodb.uri
    watcher = LedgerWatcher(settings.mongodb.uri, db.name, "enricher")
    watching = asyncio.create_task(watcher.watch(webhooks, timeout=30.0))
    # Seen by the read that follows the stream's opening: what comes next is the stream's.
    await wait_until(lambda: first.customer in watcher.visible, "the claim made before")

    await claim("kpi_aggregator", third.form["MessageSid"])
    await claim("enricher", second.form["MessageSid"])
    await wait_until(lambda: second.customer in watcher.visible, "the claim made during")
    assert third.customer not in watcher.visible  # the stream is in order: not another group's

    await claim("enricher", third.form["MessageSid"])
    await watching
    assert list(watcher.visible) == [first.customer, second.customer, third.customer]
