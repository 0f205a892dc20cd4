"""Knowledge documents and their chunks as stored, and how readers load exactly what answers.

A document has versions: an upload is version 1, each replacement the next. `version` is the
newest one asked for (what `status` describes); `active_version` is the one whose chunks answer
customers, None until a first version is ready. The chunks of a new version are written first
(invisible: they are not the active version), then one transaction sets `active_version` and
bumps the store's revision in `knowledge_revisions`; the old version's chunks are deleted after.
A deleted document is marked `deleted_at` and the revision bumped in one transaction, so it stops
answering at once; the enricher removes its chunks, files and record later.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

from shared.knowledge.collections import (
    KNOWLEDGE_CHUNKS,
    KNOWLEDGE_DOCUMENTS,
    KNOWLEDGE_FILES,
    KNOWLEDGE_REVISIONS,
)
from shared.knowledge.failures import Failure
from shared.mongo import Database, Document, Session

__all__ = [
    "KNOWLEDGE_CHUNKS",
    "KNOWLEDGE_DOCUMENTS",
    "KNOWLEDGE_FILES",
    "KNOWLEDGE_REVISIONS",
    "Chunk",
    "DocumentStatus",
    "KnowledgeDocument",
    "answering",
    "bump_revision",
    "chunk_id",
    "current_revision",
    "load_active_chunks",
]

# Loads that raced a change are retried this often; a snapshot returned after that carries its
# (old) revision, so the reader's next revision check reloads it.
_LOAD_ATTEMPTS = 5


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class _Stored(BaseModel):
    """A model kept in MongoDB under `_id` = `id`."""

    model_config = ConfigDict(extra="ignore")

    id: str

    @classmethod
    def from_mongo(cls, document: Document) -> Self:
        return cls.model_validate({**document, "id": document["_id"]})

    def to_mongo(self) -> Document:
        return {"_id": self.id, **self.model_dump(mode="python", exclude={"id"})}


class KnowledgeDocument(_Stored):
    """One uploaded document; `filename`, `content_type` and `size` are those of `version`.

    `reason` says in English why `version` failed and `failure` the same as a code with values
    (for the console's languages; None on documents that failed before codes were stored); when a
    replacement fails the previous version, if any, still answers (`active_version`).
    `chunk_count` counts the active version's chunks.
    """

    store_id: str
    filename: str
    content_type: str
    size: int
    status: DocumentStatus
    reason: str | None = None
    failure: Failure | None = None
    version: int
    active_version: int | None = None
    chunk_count: int = 0
    created_at: datetime
    updated_at: datetime


class Chunk(_Stored):
    """A retrievable piece of one version of a document; `locator` is cited ("page 3")."""

    store_id: str
    document_id: str
    version: int
    n: int
    text: str
    heading: str | None = None
    locator: str
    filename: str
    embedding: list[float] | None = None
    embedding_model: str | None = None  # vectors of another model are not comparable


def chunk_id(document_id: str, version: int, n: int) -> str:
    return f"{document_id}:{version}:{n}"


async def current_revision(db: Database, store_id: str, session: Session | None = None) -> int:
    """The store's knowledge revision: it moves whenever the set of answering chunks changes."""
    found = await db[KNOWLEDGE_REVISIONS].find_one({"_id": store_id}, session=session)
    return int(found["revision"]) if found else 0


async def bump_revision(db: Database, store_id: str, session: Session) -> None:
    """Inside the transaction that changes what answers, so readers see both or neither."""
    await db[KNOWLEDGE_REVISIONS].update_one(
        {"_id": store_id}, {"$inc": {"revision": 1}}, upsert=True, session=session
    )


def answering(store_id: str) -> dict[str, Any]:
    """The filter of a store's documents that answer: not deleted, with an active version."""
    return {"store_id": store_id, "deleted_at": None, "active_version": {"$ne": None}}


async def load_active_chunks(db: Database, store_id: str) -> tuple[int, list[Chunk]]:
    """The revision and exactly the chunks answering at it: the active version of each document.

    Loading is two reads, so the revision is read again after them; if it moved, a replacement
    or deletion happened in between and the load is repeated.
    """
    revision, chunks = 0, []
    for _ in range(_LOAD_ATTEMPTS):
        revision = await current_revision(db, store_id)
        active: dict[str, int] = {
            document["_id"]: document["active_version"]
            async for document in db[KNOWLEDGE_DOCUMENTS].find(
                answering(store_id), {"active_version": 1}
            )
        }
        found = db[KNOWLEDGE_CHUNKS].find(
            {"store_id": store_id, "document_id": {"$in": list(active)}}
        )
        chunks = [
            Chunk.from_mongo(document)
            async for document in found
            if active.get(document["document_id"]) == document["version"]
        ]
        if await current_revision(db, store_id) == revision:
            break
    chunks.sort(key=lambda chunk: (chunk.document_id, chunk.n))
    return revision, chunks
