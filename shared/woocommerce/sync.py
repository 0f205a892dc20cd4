"""Backfill and reconciliation of a store's WooCommerce through its REST API.

Customers, products and orders are read page by page and published as `CustomerChanged`,
`ProductChanged` and `OrderChanged`, the same events (same ids) a webhook of the same snapshot
gives (shared/woocommerce/payloads.py), so the enricher's caches take them like webhooks and a
page published twice changes nothing. What is published also moves ingest's newest-published
times (`woocommerce_snapshots`) forward, so later webhooks of a resource line up with it.

Resumable: a checkpoint per (store, resource) in `woocommerce_sync` records the run (full or
incremental, and its `modified_after`), its start and the last page published; a run that stops
(crash, WooCommerce down) resumes after that page. Listings are read in id order, so pages hold
still while new resources are appended at the end. Once a full run finished, later runs are
incremental: what changed since the last finished run's start, less a safety margin for clocks
and slow commits. WooCommerce's customer listing has no `modified_after`: an incremental run reads
customers newest registration first and stops at those registered before the cut-off, so it
catches new customers (changed ones come by webhook, or with `--full`).

One sync per store at a time, across processes: a run holds the lease `woocommerce-sync:<store>`.
"""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from shared.consumer import RetryPolicy
from shared.events import WooCommerceEvent, utcnow
from shared.kafka import publish
from shared.leases import Lease, holding, new_holder
from shared.mongo import DUPLICATE_KEY, Database
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import Store
from shared.woocommerce.api import DEFAULT_RETRY, PER_PAGE, WooCommerceApi
from shared.woocommerce.collections import WOOCOMMERCE_SNAPSHOTS, WOOCOMMERCE_SYNC
from shared.woocommerce.payloads import Resource, explain, listed_event, snapshot_key

log = structlog.get_logger(__name__)

SYNC_ORDER: tuple[Resource, ...] = ("customer", "product", "order")  # orders name the others
ENDPOINTS: dict[Resource, str] = {"customer": "customers", "product": "products", "order": "orders"}
SAFETY_MARGIN = timedelta(minutes=10)
LEASE_TTL = timedelta(minutes=5)  # renewed after every page
RECONCILE_TICK = timedelta(minutes=1)  # how often a reconciler looks for due stores, at most
Mode = Literal["full", "incremental"]
Progress = Callable[[Resource, int, int, int], None]
"""Called after each page: resource, page number, total pages, events published so far."""


class Checkpoint(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    store_id: str
    resource: Resource
    mode: Mode
    since: datetime | None = None  # the run's `modified_after` (incremental runs)
    run_started_at: datetime
    running: bool = True
    last_page: int = 0  # the last page whose events Kafka acknowledged
    total_pages: int = 0
    published: int = 0
    skipped: int = 0  # resources WooCommerce gave that Balas cannot read (logged)
    last_success_started_at: datetime | None = None  # the newest finished run's start
    last_success_finished_at: datetime | None = None


@dataclass(frozen=True)
class ResourceReport:
    resource: Resource
    mode: Mode
    resumed_after_page: int  # 0: started at the first page
    pages: int
    published: int
    skipped: int


def store_api(
    store: Store,
    box: SecretBox,
    timeout: float,
    retry: RetryPolicy = DEFAULT_RETRY,
    allow_private: bool = False,
) -> WooCommerceApi:
    """The REST API of a store with a WooCommerce connection, its credentials decrypted."""
    if store.woocommerce is None:
        raise ValueError(f"store {store.id} has no WooCommerce connection")
    return WooCommerceApi(
        store.woocommerce.url,
        box.decrypt(store.woocommerce.consumer_key),
        box.decrypt(store.woocommerce.consumer_secret),
        timeout=timeout,
        retry=retry,
        allow_private=allow_private,
    )


def reconcile_interval(settings: Settings) -> timedelta | None:
    """WOOCOMMERCE_RECONCILE_MINUTES as a duration; None when reconciliation is off."""
    minutes = settings.woocommerce.reconcile_minutes
    return timedelta(minutes=minutes) if minutes > 0 else None


def cache_max_age(settings: Settings) -> timedelta | None:
    """How stale a cached order or product can be when its webhook was lost: one
    interval, one tick to notice, and half an interval for the run itself (docs/woocommerce.md).
    None: no reconciliation, so no bound."""
    interval = reconcile_interval(settings)
    if interval is None:
        return None
    return interval + min(RECONCILE_TICK, interval) + interval / 2


async def sync_store(
    db: Database,
    broker: KafkaBroker,
    store_id: str,
    api: WooCommerceApi,
    *,
    full: bool = False,
    per_page: int = PER_PAGE,
    progress: Progress | None = None,
    holder: str | None = None,
) -> list[ResourceReport]:
    """Sync one store (customers, products, orders); LeaseHeld if a sync of it is running."""
    async with sync_lease(db, store_id, holder or new_holder()) as lease:
        return await run_sync(
            db, broker, store_id, api, lease, full=full, per_page=per_page, progress=progress
        )


def sync_lease(db: Database, store_id: str, holder: str) -> AbstractAsyncContextManager[Lease]:
    """The lease every sync of the store holds: one at a time, across processes."""
    return holding(db, f"woocommerce-sync:{store_id}", holder, LEASE_TTL)


async def run_sync(
    db: Database,
    broker: KafkaBroker,
    store_id: str,
    api: WooCommerceApi,
    lease: Lease,
    *,
    full: bool = False,
    per_page: int = PER_PAGE,
    progress: Progress | None = None,
) -> list[ResourceReport]:
    """Sync one store while holding its `sync_lease`."""
    run = _Run(db, broker, api, lease, per_page, progress)
    return [await run.resource(store_id, resource, full) for resource in SYNC_ORDER]


async def checkpoints(db: Database, store_id: str) -> dict[Resource, Checkpoint]:
    found = db[WOOCOMMERCE_SYNC].find({"store_id": store_id})
    loaded = [Checkpoint.model_validate(document) async for document in found]
    return {checkpoint.resource: checkpoint for checkpoint in loaded}


async def reconciled_at(db: Database, store_id: str, resource: Resource) -> datetime | None:
    """When the store's cache of `resource` last matched WooCommerce as a whole: the start of
    the newest finished sync, which published every change made before it (the enricher applies
    them within its consumer lag). None if no sync of it ever finished."""
    document = await db[WOOCOMMERCE_SYNC].find_one(
        {"_id": f"{store_id}:{resource}"}, {"last_success_started_at": 1}
    )
    moment = document.get("last_success_started_at") if document else None
    return moment if isinstance(moment, datetime) else None


def due(saved: dict[Resource, Checkpoint], interval: timedelta, now: datetime) -> bool:
    """Whether a store's reconciliation is due: never finished, interrupted, or too long ago."""
    for resource in SYNC_ORDER:
        checkpoint = saved.get(resource)
        if checkpoint is None or checkpoint.running:
            return True
        started = checkpoint.last_success_started_at
        if started is None or started <= now - interval:
            return True
    return False


class _Run:
    def __init__(
        self,
        db: Database,
        broker: KafkaBroker,
        api: WooCommerceApi,
        lease: Lease,
        per_page: int,
        progress: Progress | None,
    ) -> None:
        self._collection = db[WOOCOMMERCE_SYNC]
        self._snapshots = db[WOOCOMMERCE_SNAPSHOTS]
        self._broker, self._api, self._lease = broker, api, lease
        self._per_page, self._progress = per_page, progress

    async def resource(self, store_id: str, resource: Resource, full: bool) -> ResourceReport:
        key = f"{store_id}:{resource}"
        found = await self._collection.find_one({"_id": key})
        held = Checkpoint.model_validate(found) if found else None
        checkpoint = _next_run(key, store_id, resource, held, full, utcnow())
        resumed_after = checkpoint.last_page
        await self._save(checkpoint)
        log.info(
            "woocommerce sync started",
            store_id=store_id,
            resource=resource,
            mode=checkpoint.mode,
            after_page=resumed_after,
        )
        pages = self._api.pages(
            ENDPOINTS[resource], _params(resource, checkpoint), resumed_after + 1, self._per_page
        )
        async for page in pages:
            events = self._events(store_id, resource, page.items, checkpoint)
            await asyncio.gather(*(publish(self._broker, event) for _, event in events))
            await self._advance_snapshots(store_id, resource, events)
            checkpoint.last_page, checkpoint.total_pages = page.number, page.total_pages
            checkpoint.published += len(events)
            await self._save(checkpoint)
            await self._lease.renew()
            if self._progress is not None:
                self._progress(resource, page.number, page.total_pages, checkpoint.published)
            if _older_customers_only(resource, checkpoint, page.items):
                break
        checkpoint.running = False
        checkpoint.last_success_started_at = checkpoint.run_started_at
        checkpoint.last_success_finished_at = utcnow()
        await self._save(checkpoint)
        log.info(
            "woocommerce sync finished",
            store_id=store_id,
            resource=resource,
            mode=checkpoint.mode,
            published=checkpoint.published,
            skipped=checkpoint.skipped,
        )
        return ResourceReport(
            resource,
            checkpoint.mode,
            resumed_after,
            checkpoint.last_page - resumed_after,
            checkpoint.published,
            checkpoint.skipped,
        )

    def _events(
        self,
        store_id: str,
        resource: Resource,
        items: list[dict[str, Any]],
        checkpoint: Checkpoint,
    ) -> list[tuple[int, WooCommerceEvent]]:
        """The page's events, each with its resource's WooCommerce id."""
        events = []
        for item in items:
            try:
                events.append((int(item["id"]), listed_event(store_id, resource, item)))
            except ValidationError as error:  # one unreadable resource must not stop the sync
                checkpoint.skipped += 1
                log.warning(
                    "woocommerce resource skipped",
                    store_id=store_id,
                    resource=resource,
                    woocommerce_id=item.get("id"),
                    reason=explain(error),
                )
        return events

    async def _advance_snapshots(
        self, store_id: str, resource: Resource, events: list[tuple[int, WooCommerceEvent]]
    ) -> None:
        """Move ingest's newest-published times forward to what was just published (never
        back, and never touching `deleted`): a webhook of the same snapshot is then a duplicate,
        and a deletion webhook carries this snapshot's time, so the caches apply it even when
        the webhook of the change the sync caught was lost."""
        now, writes = utcnow(), []
        for resource_id, event in events:
            older = {"$or": [{"modified_at": {"$lt": event.modified_at}}, {"modified_at": None}]}
            writes.append(
                UpdateOne(
                    {"_id": snapshot_key(store_id, resource, resource_id), **older},
                    {
                        "$set": {"modified_at": event.modified_at, "updated_at": now},
                        "$setOnInsert": {
                            "store_id": store_id,
                            "resource": resource,
                            "resource_id": resource_id,
                            "deleted": False,
                        },
                    },
                    upsert=True,
                )
            )
        if not writes:
            return
        try:
            await self._snapshots.bulk_write(writes, ordered=False)
        except BulkWriteError as error:  # a duplicate key: ingest holds as new or newer
            if any(item["code"] != DUPLICATE_KEY for item in error.details["writeErrors"]):
                raise

    async def _save(self, checkpoint: Checkpoint) -> None:
        document = checkpoint.model_dump(by_alias=True)
        await self._collection.replace_one({"_id": checkpoint.id}, document, upsert=True)


def _next_run(
    key: str,
    store_id: str,
    resource: Resource,
    held: Checkpoint | None,
    full: bool,
    now: datetime,
) -> Checkpoint:
    """Resume an interrupted run; else start a full run (asked for, or none finished yet) or an
    incremental one from the last finished run's start, less the safety margin."""
    if held is not None and held.running and not full:
        return held
    finished = held.last_success_started_at if held else None
    mode: Mode = "full" if full or finished is None else "incremental"
    return Checkpoint(
        id=key,
        store_id=store_id,
        resource=resource,
        mode=mode,
        since=finished - SAFETY_MARGIN if mode == "incremental" and finished else None,
        run_started_at=now,
        last_success_started_at=finished,
        last_success_finished_at=held.last_success_finished_at if held else None,
    )


def _params(resource: Resource, checkpoint: Checkpoint) -> dict[str, str]:
    if checkpoint.since is None:
        return {"orderby": "id", "order": "asc"}
    if resource == "customer":  # no modified_after here: newest registrations first
        return {"orderby": "registered_date", "order": "desc"}
    since = checkpoint.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {"orderby": "id", "order": "asc", "modified_after": since, "dates_are_gmt": "true"}


def _older_customers_only(
    resource: Resource, checkpoint: Checkpoint, items: list[dict[str, Any]]
) -> bool:
    """An incremental customer run reached customers registered before its cut-off."""
    if resource != "customer" or checkpoint.since is None:
        return False
    oldest = min((_gmt(item.get("date_created_gmt")) for item in items), default=None)
    return oldest is not None and oldest < checkpoint.since


def _gmt(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unreadable: not older than anything
