"""Deleting a store: first its wiring outside Balas (WooCommerce webhooks, the number at
Twilio; shared/stores/unwiring.py), then every document of it, collection by collection as
the personal-data map's store finders say (data_map.py, store_map.py), the store's own
document last; `stores.deleted` then tells the services to forget what they keep of it in
memory. A record in `store_deletions` (when, who asked, what was done remotely, documents
removed per collection; no personal data) is written once the remote steps are done and
outlives the store.

Safe to run again after a crash: the remote steps change nothing the second time, an
unfinished record is picked up where it was left (its counts add up), and while the store's
document is there the whole run can be redone. When WooCommerce or Twilio fail, nothing local
is deleted unless the admin chose to skip the remote steps.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from faststream.kafka import KafkaBroker
from pydantic import BaseModel, Field

from shared import kafka
from shared.events import StoreDeleted, store_deleted_event_id, utcnow
from shared.knowledge.files import delete_store_files
from shared.leases import holding, new_holder
from shared.mongo import Database
from shared.privacy.collections import STORE_DELETIONS
from shared.privacy.data_map import COLLECTIONS, Holding
from shared.privacy.store_map import QUERIED, StoreFinder, owns_key, store_filter
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store
from shared.stores.onboarding import Step, StoreNotFound
from shared.stores.unwiring import StoreUnwiring, UnwiringFailed

CONSOLE_USERS = "console_users"  # services/console/collections.py
CONSOLE_SESSIONS = "console_sessions"

Progress = Callable[[str, int], None]  # (collection, documents removed there)
# Ids per delete: the embedded MongoDB server slows down more than linearly with a long `$in`
# (2,000 journal entries: 20-40 s in one delete, 2 s in batches of 100).
_DELETE_BATCH = 100
# One deletion of a store at a time; a holder that died frees it after this.
_LEASE_TTL = timedelta(minutes=5)
# The store's own document last: while it is there, a deletion cut short is run again in full.
DELETION_ORDER: tuple[Holding, ...] = tuple(
    sorted(COLLECTIONS, key=lambda place: place.collection == STORES)
)


class DeletionStopped(Exception):
    """A remote step failed before anything local was deleted."""

    def __init__(self, step: Step) -> None:
        super().__init__(step.detail)
        self.step = step


class NumberNotBought(DeletionStopped):
    """Releasing the number was asked, but Balas did not buy it: nothing was done."""


@dataclass(frozen=True)
class DeletionRequest:
    store_id: str
    requested_by: str  # "cli", "console:<user id>": never an e-mail
    release_number: bool = False  # give the number back to Twilio (only one Balas bought)
    skip_remote: bool = False  # WooCommerce or Twilio are gone for good: delete locally only


class Removed(BaseModel):
    collection: str
    documents: int


class DeletionRecord(BaseModel):
    id: str = Field(alias="_id")
    store_id: str
    requested_by: str
    started_at: datetime
    finished_at: datetime | None = None
    remote: list[Step]  # what was done at WooCommerce and Twilio; empty when skipped
    remote_skipped: bool
    removed: list[Removed] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


async def delete_store(
    settings: Settings,
    db: Database,
    box: SecretBox,
    broker: KafkaBroker,
    request: DeletionRequest,
    on_step: Callable[[Step], None] = lambda step: None,
    progress: Progress = lambda collection, count: None,
) -> DeletionRecord:
    """Delete the store everywhere; raises StoreNotFound (no such store, and none deleted
    before), DeletionStopped (nothing deleted) or LeaseHeld (a deletion of the store is
    running elsewhere). A store deleted before is swept again: what events in flight wrote
    after its deletion goes too."""
    lease = f"store-deletion:{request.store_id}"
    async with holding(db, lease, new_holder(), _LEASE_TTL) as held:
        record = await _unfinished(db, request.store_id)
        if record is None:
            record = await _start(settings, db, box, request, on_step)
        else:  # cut short: its remote steps were done
            resumed = f"resuming the deletion started at {record.started_at:%Y-%m-%d %H:%M:%S}"
            on_step(Step(step="store", ok=True, detail=resumed + " UTC"))
        for place in DELETION_ORDER:
            collection = place.collection
            count = await _remove(db, collection, place.store_finder, request.store_id)
            record.removed = _added(record.removed, collection, count)
            removed = [item.model_dump() for item in record.removed]
            await db[STORE_DELETIONS].update_one({"_id": record.id}, {"$set": {"removed": removed}})
            progress(collection, count)
            await held.renew()
        await kafka.publish(broker, _deleted_event(record))  # the services forget the store
        record.finished_at = utcnow()
        await db[STORE_DELETIONS].update_one(
            {"_id": record.id}, {"$set": {"finished_at": record.finished_at}}
        )
    return record


async def deletable(db: Database, store_id: str) -> bool:
    """A store to delete, or one deleted before (`delete_store` sweeps it again)."""
    for collection, query in (
        (STORES, {"_id": store_id}),
        (STORE_DELETIONS, {"store_id": store_id}),
    ):
        if await db[collection].count_documents(query, limit=1):
            return True
    return False


async def _unfinished(db: Database, store_id: str) -> DeletionRecord | None:
    found = await db[STORE_DELETIONS].find_one({"store_id": store_id, "finished_at": None})
    return DeletionRecord.model_validate(found) if found else None


async def _start(
    settings: Settings,
    db: Database,
    box: SecretBox,
    request: DeletionRequest,
    on_step: Callable[[Step], None],
) -> DeletionRecord:
    """The remote steps, then the record that lets the local deletion begin."""
    document = await db[STORES].find_one({"_id": request.store_id})
    if document is None:
        return await _again(db, request, on_step)
    store = Store.model_validate(document)
    if request.release_number and not store.number_bought:
        refusal = Step(
            step="twilio",
            ok=False,
            detail=f"Balas did not buy {store.whatsapp_number}: it can be reset, not released",
        )
        on_step(refusal)
        raise NumberNotBought(refusal)
    remote: list[Step] = []
    if not request.skip_remote:
        try:
            remote = await StoreUnwiring(settings, box).unwire(
                store, request.release_number, on_step
            )
        except UnwiringFailed as failure:
            raise DeletionStopped(failure.step) from None
    return await _recorded(db, request, remote, request.skip_remote)


async def _again(
    db: Database, request: DeletionRequest, on_step: Callable[[Step], None]
) -> DeletionRecord:
    """A store deleted before: what events still in flight wrote afterwards goes too."""
    if not await db[STORE_DELETIONS].count_documents({"store_id": request.store_id}, limit=1):
        raise StoreNotFound(request.store_id)
    step = Step(step="store", ok=True, detail="deleted before: removing what was written since")
    on_step(step)
    return await _recorded(db, request, [step], remote_skipped=False)


async def _recorded(
    db: Database, request: DeletionRequest, remote: list[Step], remote_skipped: bool
) -> DeletionRecord:
    started_at = utcnow()
    record = DeletionRecord(
        id=f"{request.store_id}|{started_at.isoformat()}",
        store_id=request.store_id,
        requested_by=request.requested_by,
        started_at=started_at,
        remote=remote,
        remote_skipped=remote_skipped,
    )
    await db[STORE_DELETIONS].insert_one(record.model_dump(by_alias=True))
    return record


async def _remove(db: Database, collection: str, finder: StoreFinder, store_id: str) -> int:
    if finder in QUERIED:
        return (await db[collection].delete_many(store_filter(finder, store_id))).deleted_count
    match finder:
        case StoreFinder.EVENT_KEY:
            return await _remove_events(db, collection, store_id)
        case StoreFinder.FILE_METADATA:
            return await delete_store_files(db, store_id)
        case StoreFinder.MEMBERSHIP:
            return await _leave_accounts(db, store_id)
    return 0  # removed along with another collection's documents, or none of the store's


async def _remove_events(db: Database, collection: str, store_id: str) -> int:
    """Stored events keyed by the store or one of its conversations. Keys are bytes, which a
    query cannot match by prefix: they are read, keys only."""
    ids = [
        document["_id"]
        async for document in db[collection].find({}, {"key": 1})
        if owns_key(store_id, document.get("key"))
    ]
    removed = 0
    for start in range(0, len(ids), _DELETE_BATCH):
        batch = ids[start : start + _DELETE_BATCH]
        removed += (await db[collection].delete_many({"_id": {"$in": batch}})).deleted_count
    return removed


async def _leave_accounts(db: Database, store_id: str) -> int:
    """Users of this store only lose their accounts (and sessions); the others keep theirs,
    without it."""
    users = db[CONSOLE_USERS]
    alone = [user["_id"] async for user in users.find({"store_ids": [store_id]}, {"_id": 1})]
    if alone:
        await db[CONSOLE_SESSIONS].delete_many({"user_id": {"$in": alone}})
        await users.delete_many({"_id": {"$in": alone}, "store_ids": [store_id]})
    left = await users.update_many({"store_ids": store_id}, {"$pull": {"store_ids": store_id}})
    return len(alone) + left.modified_count


def _deleted_event(record: DeletionRecord) -> StoreDeleted:
    return StoreDeleted(
        event_id=store_deleted_event_id(record.id),
        occurred_at=record.started_at,
        store_id=record.store_id,
        requested_by=record.requested_by,
        removed={item.collection: item.documents for item in record.removed},
    )


def _added(removed: list[Removed], collection: str, count: int) -> list[Removed]:
    """The counts with `count` more for `collection` (a rerun adds to the first run's)."""
    held = sum(item.documents for item in removed if item.collection == collection)
    others = [item for item in removed if item.collection != collection]
    return [*others, Removed(collection=collection, documents=held + count)]
