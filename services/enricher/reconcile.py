"""Periodic reconciliation of every store's WooCommerce through the REST API.

WooCommerce never retries a webhook, so a delivery lost to an outage is gone. Every enricher
runs this loop next to its consumer: each tick it looks at the stores with a WooCommerce
connection and runs the incremental sync (shared/woocommerce/sync.py) of those whose last
finished run started `WOOCOMMERCE_RECONCILE_MINUTES` ago or more, or that were never synced or
were interrupted. The sync's per-store lease keeps replicas (and `balas woocommerce sync`) from
running one store twice at once; the checkpoint's last run keeps them from running it more often
than the interval. A store's first run is its full backfill. A store whose WooCommerce fails is
left alone for one interval by this replica, so a dead shop does not hold up the others.
"""

import asyncio
from datetime import datetime, timedelta

import structlog
from faststream.kafka import KafkaBroker
from prometheus_client import Counter

from shared.consumer import RetryPolicy
from shared.events import utcnow
from shared.leases import LeaseHeld, LeaseLost, new_holder
from shared.mongo import Database
from shared.secrets import SecretBox, SecretsError
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store
from shared.woocommerce.api import WooCommerceUnreachable
from shared.woocommerce.sync import (
    RECONCILE_TICK,
    checkpoints,
    due,
    reconcile_interval,
    run_sync,
    store_api,
    sync_lease,
)

log = structlog.get_logger(__name__)

# Less patient than a person running `balas woocommerce sync`: a shop that stays down is tried
# again next interval, and must not hold up the other stores for long.
RECONCILE_RETRY = RetryPolicy(max_attempts=3, backoff_seconds=1.0, backoff_max_seconds=10.0)

RECONCILE_RUNS = Counter(
    "balas_woocommerce_reconcile_runs_total",
    "Reconciliation runs of one store, by outcome (synced, failed, busy).",
    ["outcome"],
)
RECONCILED_EVENTS = Counter(
    "balas_woocommerce_reconciled_events_total",
    "Events published by reconciliation runs, by resource.",
    ["resource"],
)


class Reconciler:
    def __init__(
        self,
        db: Database,
        broker: KafkaBroker,
        box: SecretBox,
        settings: Settings,
        interval: timedelta,
        holder: str | None = None,
    ) -> None:
        self._db, self._broker, self._box = db, broker, box
        self._timeout = settings.woocommerce.timeout_seconds
        self._allow_private = settings.allow_private_urls
        self.interval = interval
        self._holder = holder or new_holder()
        self._resting_until: dict[str, datetime] = {}  # stores whose last run failed here

    async def once(self, now: datetime) -> list[str]:
        """Sync every store that is due; the ids of the stores synced."""
        synced = []
        connected = self._db[STORES].find({"woocommerce": {"$ne": None}})
        for store in [Store.model_validate(document) async for document in connected]:
            if self._resting_until.get(store.id, now) > now:
                continue
            if not await self._due(store.id, now):
                continue
            if await self._sync(store, now):
                synced.append(store.id)
        return synced

    async def _due(self, store_id: str, now: datetime) -> bool:
        return due(await checkpoints(self._db, store_id), self.interval, now)

    async def _sync(self, store: Store, now: datetime) -> bool:
        try:
            api = store_api(store, self._box, self._timeout, RECONCILE_RETRY, self._allow_private)
            async with sync_lease(self._db, store.id, self._holder) as lease:
                if not await self._due(store.id, now):  # another replica just did it
                    return False
                reports = await run_sync(self._db, self._broker, store.id, api, lease)
        except LeaseHeld:  # another replica, or `balas woocommerce sync`, has it now
            RECONCILE_RUNS.labels("busy").inc()
            return False
        except (WooCommerceUnreachable, SecretsError, LeaseLost) as error:
            RECONCILE_RUNS.labels("failed").inc()
            self._resting_until[store.id] = now + self.interval
            log.warning("woocommerce reconciliation failed", store_id=store.id, reason=str(error))
            return False
        self._resting_until.pop(store.id, None)
        RECONCILE_RUNS.labels("synced").inc()
        for report in reports:
            RECONCILED_EVENTS.labels(report.resource).inc(report.published)
        return True


async def run_reconciliation(
    db: Database, broker: KafkaBroker, box: SecretBox, settings: Settings
) -> None:
    """Reconcile due stores every tick until cancelled; returns at once when turned off."""
    interval = reconcile_interval(settings)
    if interval is None:
        return
    reconciler = Reconciler(db, broker, box, settings, interval)
    tick = min(RECONCILE_TICK, interval).total_seconds()
    while True:
        try:
            await reconciler.once(utcnow())
        except Exception as error:  # the next tick tries again; the consumer goes on
            log.warning("woocommerce reconciliation tick failed", error=repr(error))
        await asyncio.sleep(tick)
