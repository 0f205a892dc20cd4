"""The newest WooCommerce snapshot ingest has published, per (store, resource, id).

WooCommerce never retries a delivery and coalesces changes, so each delivery is a snapshot of
the resource at delivery time and its delivery id is new every time. A delivery is published only
when its `date_modified_gmt` is newer than the one held: equal is a duplicate, older is stale.
The decision is one atomic conditional upsert (two racing deliveries cannot both win); a claim
whose publish then fails is released, so the snapshot is not lost to a later redelivery.
The REST sync (shared/woocommerce/sync.py) moves the held times forward to what it published.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.events import utcnow
from shared.mongo import Database, Document
from shared.woocommerce.collections import WOOCOMMERCE_SNAPSHOTS
from shared.woocommerce.payloads import snapshot_key


class Verdict(StrEnum):
    NEWER = "newer"
    DUPLICATE = "duplicate"
    STALE = "stale"


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    key: str
    previous: Document | None = None  # what was held before a NEWER claim (None: nothing)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # marks the claim's write

    @property
    def held_modified_at(self) -> datetime | None:
        return self.previous.get("modified_at") if self.previous else None


class WooCommerceSnapshots:
    def __init__(self, db: Database) -> None:
        self._collection = db[WOOCOMMERCE_SNAPSHOTS]

    async def claim(
        self, store_id: str, resource: str, resource_id: int, modified_at: datetime
    ) -> Claim:
        """Hold `modified_at` if it is newer than what is held (or nothing is)."""
        key, token = snapshot_key(store_id, resource, resource_id), uuid.uuid4().hex
        older = {"$or": [{"modified_at": {"$lt": modified_at}}, {"modified_at": None}]}
        try:
            previous = await self._collection.find_one_and_update(
                {"_id": key, **older},
                {
                    "$set": {
                        "modified_at": modified_at,
                        "deleted": False,
                        "claim": token,
                        "updated_at": utcnow(),
                    },
                    "$setOnInsert": _identity(store_id, resource, resource_id),
                },
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # the record exists and is not older
            held = await self._collection.find_one({"_id": key}, {"modified_at": 1})
            same = held is not None and held.get("modified_at") == modified_at
            return Claim(Verdict.DUPLICATE if same else Verdict.STALE, key)
        return Claim(Verdict.NEWER, key, previous, token)

    async def claim_deletion(self, store_id: str, resource: str, resource_id: int) -> Claim:
        """Mark the resource deleted unless it is already; a later snapshot undeletes it."""
        key, token = snapshot_key(store_id, resource, resource_id), uuid.uuid4().hex
        try:
            previous = await self._collection.find_one_and_update(
                {"_id": key, "deleted": {"$ne": True}},
                {
                    "$set": {"deleted": True, "claim": token, "updated_at": utcnow()},
                    "$setOnInsert": _identity(store_id, resource, resource_id),
                },
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # deleted already
            return Claim(Verdict.DUPLICATE, key)
        return Claim(Verdict.NEWER, key, previous, token)

    async def release(self, claim: Claim) -> None:
        """Undo a NEWER claim whose event could not be published, unless a later one replaced it."""
        mine = {"_id": claim.key, "claim": claim.token}
        if claim.previous is None:
            await self._collection.delete_one(mine)
        else:
            await self._collection.replace_one(mine, claim.previous)


def _identity(store_id: str, resource: str, resource_id: int) -> Document:
    return {"store_id": store_id, "resource": resource, "resource_id": resource_id}
