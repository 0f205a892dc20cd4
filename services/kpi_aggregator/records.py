"""Writing back the per-item records a batch folded its events into (orders, notifications)."""

from collections.abc import Mapping
from typing import Protocol

from pymongo import ReplaceOne

from shared.mongo import Database, Document, Session


class Record(Protocol):
    def document(self) -> Document: ...


async def save_changed(
    db: Database,
    session: Session,
    collection: str,
    records: Mapping[str, Record],
    before: Mapping[str, Record | None],
) -> None:
    """Replace the records that differ from what the batch read (new ones included) in one
    bulk write: a record the batch left as it was costs nothing."""
    writes = [
        ReplaceOne({"_id": key}, record.document(), upsert=True)
        for key, record in records.items()
        if before.get(key) != record
    ]
    if writes:
        await db[collection].bulk_write(writes, session=session)
