"""A store's knowledge library: add, replace, delete and list documents.

One code path for the console API and `balas kb`. Adding or replacing stores the original in
GridFS, records the document as `queued` and publishes `KnowledgeDocumentChanged`; the enricher
does the rest (docs/knowledge.md).

Several files are accepted or refused together: every file is checked (size, then type from its
content) before anything is stored, and one refused file refuses the request with the reason for
each refused file. Files are read twice (check, then store) so that only one is in memory at once.
"""

import contextlib
import io
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from pymongo import ReturnDocument

from shared.events import KnowledgeAction, KnowledgeDocumentChanged, knowledge_event_id, utcnow
from shared.kafka import publish
from shared.knowledge.extraction import EmptyFile, UnsupportedType, detect_type
from shared.knowledge.failures import Failure, FailureCode
from shared.knowledge.files import delete_files, put_file, read_file
from shared.knowledge.models import (
    KNOWLEDGE_DOCUMENTS,
    DocumentStatus,
    KnowledgeDocument,
    bump_revision,
)
from shared.mongo import Database, Document, Session, in_transaction

_READ_SIZE = 256 * 1024
_MAX_FILENAME = 200
_INCOMPLETE = Failure(code=FailureCode.UPLOAD_INCOMPLETE)


class Source(Protocol):
    """An uploaded file: FastAPI's UploadFile, or a local file behind the same two calls."""

    async def read(self, size: int = -1) -> bytes: ...
    async def seek(self, offset: int) -> object: ...


class InMemory:
    """A file whose bytes are at hand (a packaged sample), read like an upload."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    async def seek(self, offset: int) -> int:
        return self._data.seek(offset)


@dataclass(frozen=True)
class Incoming:
    filename: str
    source: Source


class Refusal(BaseModel):
    """Why one file was refused: `too_large` (over the limit), `empty` or `unsupported_type`."""

    filename: str
    problem: Literal["too_large", "empty", "unsupported_type"]
    reason: str


class UploadRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(f"{r.filename}: {r.reason}" for r in refusals))
        self.refusals = refusals

    @property
    def too_large(self) -> bool:
        return any(refusal.problem == "too_large" for refusal in self.refusals)


class DocumentNotFound(Exception):
    """No such document in that store (or it was deleted)."""


class NoExtractedText(Exception):
    """The document has no ready version yet, so no extracted text."""


@dataclass(frozen=True)
class _Checked:
    incoming: Incoming
    filename: str
    content_type: str
    size: int


def clean_filename(name: str) -> str:
    """The last path part, without control characters, of a sane length (shown and cited)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:_MAX_FILENAME] or "document"


async def read_limited(source: Source, limit: int) -> bytes | None:
    """The whole file, or None as soon as it proves larger than `limit` bytes."""
    await source.seek(0)
    parts: list[bytes] = []
    size = 0
    while part := await source.read(_READ_SIZE):
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    return b"".join(parts)


async def list_documents(db: Database, store_id: str) -> list[KnowledgeDocument]:
    found = db[KNOWLEDGE_DOCUMENTS].find({"store_id": store_id, "deleted_at": None})
    ordered = found.sort([("created_at", 1), ("filename", 1), ("_id", 1)])
    return [KnowledgeDocument.from_mongo(document) async for document in ordered]


async def get_document(db: Database, store_id: str, document_id: str) -> KnowledgeDocument:
    found = await db[KNOWLEDGE_DOCUMENTS].find_one(_live(store_id, document_id))
    if found is None:
        raise DocumentNotFound(document_id)
    return KnowledgeDocument.from_mongo(found)


async def extracted_text(db: Database, store_id: str, document_id: str) -> str:
    """The text extracted from the version that answers."""
    document = await get_document(db, store_id, document_id)
    if document.active_version is None:
        raise NoExtractedText(document.status)
    text = await read_file(db, document_id, document.active_version, "text")
    if text is None:  # replaced and cleaned up between the two reads
        raise NoExtractedText(document.status)
    return text.decode()


class KnowledgeLibrary:
    """The changes: each stores what it must, then tells the pipeline with an event."""

    def __init__(self, db: Database, broker: KafkaBroker, max_bytes: int) -> None:
        self._db = db
        self._broker = broker
        self._max_bytes = max_bytes

    async def add(
        self,
        store_id: str,
        files: Sequence[Incoming],
        on_added: Callable[[KnowledgeDocument], None] = lambda _: None,
    ) -> list[KnowledgeDocument]:
        """All files as new documents (version 1, queued), or none (`UploadRefused`)."""
        checked = await self._check(files)
        added: list[KnowledgeDocument] = []
        try:
            for file in checked:
                document = await self._store_new(store_id, file)
                added.append(document)
                on_added(document)
            for document in added:
                await self._publish(document, "upload")
        except BaseException:
            # All or nothing: an event that did go out finds no document and changes nothing.
            for document in added:
                await self._forget(document)
            raise
        return added

    async def replace(self, store_id: str, document_id: str, file: Incoming) -> KnowledgeDocument:
        """A new version of the document; the current one answers until the new one is ready."""
        (checked,) = await self._check([file])
        now = _now()
        found = await self._db[KNOWLEDGE_DOCUMENTS].find_one_and_update(
            _live(store_id, document_id),
            {
                "$inc": {"version": 1},
                "$set": {
                    "filename": checked.filename,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "status": DocumentStatus.QUEUED.value,
                    "reason": None,
                    "failure": None,
                    "updated_at": now,
                },
            },
            return_document=ReturnDocument.AFTER,
        )
        if found is None:
            raise DocumentNotFound(document_id)
        document = KnowledgeDocument.from_mongo(found)
        try:
            await self._put_original(document, checked)
            await self._publish(document, "upload")
        except BaseException:
            await self._db[KNOWLEDGE_DOCUMENTS].update_one(
                {"_id": document_id, "version": document.version},
                {
                    "$set": {
                        "status": DocumentStatus.FAILED.value,
                        "reason": _INCOMPLETE.english(),
                        "failure": _INCOMPLETE.model_dump(mode="json"),
                    }
                },
            )
            raise
        return document

    async def delete(self, store_id: str, document_id: str) -> None:
        """Gone from the API and from retrieval at once; the enricher removes chunks and files.

        Deleting a document whose removal is still pending publishes the deletion again.
        """

        async def mark(session: Session) -> Document | None:
            documents = self._db[KNOWLEDGE_DOCUMENTS]
            now = _now()
            marked = await documents.find_one_and_update(
                _live(store_id, document_id),
                {"$set": {"deleted_at": now, "updated_at": now}},
                session=session,
            )
            if marked is not None:
                await bump_revision(self._db, store_id, session)
                return marked
            query = {"_id": document_id, "store_id": store_id}
            return await documents.find_one(query, session=session)

        found = await in_transaction(self._db, mark)
        if found is None:
            raise DocumentNotFound(document_id)
        await self._publish(KnowledgeDocument.from_mongo(found), "delete")

    # -- steps ------------------------------------------------------------------------------

    async def _check(self, files: Sequence[Incoming]) -> list[_Checked]:
        checked: list[_Checked] = []
        refusals: list[Refusal] = []
        for file in files:
            filename = clean_filename(file.filename)
            data = await read_limited(file.source, self._max_bytes)
            if data is None:
                reason = f"larger than the limit of {_size(self._max_bytes)}"
                refusals.append(Refusal(filename=filename, problem="too_large", reason=reason))
                continue
            try:
                checked.append(_Checked(file, filename, detect_type(data), len(data)))
            except EmptyFile as error:
                refusals.append(Refusal(filename=filename, problem="empty", reason=str(error)))
            except UnsupportedType as error:
                refusals.append(
                    Refusal(filename=filename, problem="unsupported_type", reason=str(error))
                )
        if refusals:
            raise UploadRefused(refusals)
        return checked

    async def _store_new(self, store_id: str, file: _Checked) -> KnowledgeDocument:
        now = _now()
        document = KnowledgeDocument(
            id=secrets.token_hex(8),
            store_id=store_id,
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
            status=DocumentStatus.QUEUED,
            version=1,
            created_at=now,
            updated_at=now,
        )
        await self._put_original(document, file)
        await self._db[KNOWLEDGE_DOCUMENTS].insert_one(document.to_mongo())
        return document

    async def _put_original(self, document: KnowledgeDocument, file: _Checked) -> None:
        data = await read_limited(file.incoming.source, self._max_bytes)
        if data is None:  # it grew since it was checked
            raise UploadRefused(
                [
                    Refusal(
                        filename=file.filename,
                        problem="too_large",
                        reason="it grew while uploading",
                    )
                ]
            )
        await put_file(
            self._db,
            document.store_id,
            document.id,
            document.version,
            "original",
            document.filename,
            data,
        )

    async def _publish(self, document: KnowledgeDocument, action: KnowledgeAction) -> None:
        await publish(self._broker, document_event(document, action))

    async def _forget(self, document: KnowledgeDocument) -> None:
        with contextlib.suppress(Exception):  # best effort: the original error is what matters
            await self._db[KNOWLEDGE_DOCUMENTS].delete_one({"_id": document.id})
            await delete_files(self._db, document.store_id, document.id)


def document_event(
    document: KnowledgeDocument, action: KnowledgeAction
) -> KnowledgeDocumentChanged:
    """The event of an upload of the document's current version, or of its deletion."""
    return KnowledgeDocumentChanged(
        event_id=knowledge_event_id(document.id, document.version, action),
        occurred_at=utcnow(),
        store_id=document.store_id,
        document_id=document.id,
        version=document.version,
        action=action,
    )


def _size(size: int) -> str:
    megabytes = size / 1024 / 1024
    return f"{megabytes:.3g} MB" if megabytes >= 1 else f"{size:,} bytes"


def _now() -> datetime:
    """Now, to the millisecond MongoDB keeps, so an answer equals what a later read shows."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _live(store_id: str, document_id: str) -> Document:
    """A document of that store that is not deleted: another store's id is simply not found."""
    return {"_id": document_id, "store_id": store_id, "deleted_at": None}
