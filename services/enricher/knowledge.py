"""Uploaded knowledge documents become the chunks that answer; deleted ones are removed.

An upload of version v: status `processing`, extract the original (in a thread: parsing and OCR
block), chunk, embed when configured, write the chunks of v (invisible until active), then one
transaction makes v the active version (`ready`, chunk count) and bumps the store's knowledge
revision; the older versions' chunks and files are deleted after (docs/knowledge.md).

Idempotent without a ledger: the document's state decides. An event of a version that is
superseded, already active or already failed, or of a deleted document, changes nothing. A file
that cannot be read marks the document `failed` with the reason and the worker carries on;
MongoDB being down raises, so the consumer retries the event. A failing embeddings endpoint does
not hold the document back: it becomes ready without vectors, searchable lexically, and
`vectors.py` embeds its chunks once the endpoint answers again.
"""

import asyncio

import structlog

from shared.events import KnowledgeDocumentChanged, utcnow
from shared.knowledge.chunking import chunk
from shared.knowledge.embeddings import Embedder
from shared.knowledge.extraction import ExtractionError, Limits, extract, full_text
from shared.knowledge.failures import Failure, FailureCode
from shared.knowledge.files import delete_files, put_file, read_file
from shared.knowledge.models import (
    KNOWLEDGE_CHUNKS,
    KNOWLEDGE_DOCUMENTS,
    Chunk,
    DocumentStatus,
    KnowledgeDocument,
    bump_revision,
    chunk_id,
)
from shared.mongo import Database, Session, in_transaction

log = structlog.get_logger(__name__)
DEFAULT_LIMITS = Limits()


async def on_knowledge_document_changed(
    event: KnowledgeDocumentChanged,
    db: Database,
    embedder: Embedder | None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    if event.action == "delete":
        await _remove(db, event)
    else:
        await _process(db, event, embedder, limits)


async def _process(
    db: Database, event: KnowledgeDocumentChanged, embedder: Embedder | None, limits: Limits
) -> None:
    found = await db[KNOWLEDGE_DOCUMENTS].find_one(
        {"_id": event.document_id, "store_id": event.store_id, "deleted_at": None}
    )
    document = KnowledgeDocument.from_mongo(found) if found else None
    if document is None or not _to_do(document, event.version):
        log.info(
            "knowledge event changes nothing", document=event.document_id, version=event.version
        )
        return
    await _set_status(db, event, DocumentStatus.PROCESSING)
    original = await read_file(db, event.document_id, event.version, "original")
    if original is None:
        await _fail(db, event, Failure(code=FailureCode.FILE_MISSING))
        return
    try:
        extracted = await asyncio.to_thread(extract, original, limits)
        drafts = chunk(extracted)
    except ExtractionError as error:
        await _fail(db, event, error.failure)
        return
    except Exception as error:
        # Parsing is pure computation on the bytes: trying the same file again fails again.
        log.exception("extraction crashed", document=event.document_id)
        crashed = Failure(code=FailureCode.CRASHED, values={"error": type(error).__name__})
        await _fail(db, event, crashed)
        return
    if not drafts:
        await _fail(db, event, Failure(code=FailureCode.NO_TEXT))
        return
    vectors = await _embedded(embedder, [d.text for d in drafts], event)
    chunks = [
        Chunk(
            id=chunk_id(event.document_id, event.version, n),
            store_id=event.store_id,
            document_id=event.document_id,
            version=event.version,
            n=n,
            text=draft.text,
            heading=draft.heading,
            locator=draft.locator,
            filename=document.filename,
            embedding=vectors[n] if vectors else None,
            embedding_model=embedder.model if embedder and vectors else None,
        )
        for n, draft in enumerate(drafts)
    ]
    text = full_text(extracted).encode()
    await put_file(
        db,
        event.store_id,
        event.document_id,
        event.version,
        "text",
        f"{document.filename}.txt",
        text,
    )
    await _write_chunks(db, event, chunks)
    if await in_transaction(db, lambda session: _activate(db, event, len(chunks), session)):
        await _delete_older_versions(db, event)
        log.info("knowledge document ready", document=event.document_id, chunks=len(chunks))
    else:  # replaced or deleted meanwhile: these chunks never answered
        await db[KNOWLEDGE_CHUNKS].delete_many(
            {"document_id": event.document_id, "version": event.version}
        )


async def _embedded(
    embedder: Embedder | None, texts: list[str], event: KnowledgeDocumentChanged
) -> list[list[float]] | None:
    """The chunks' vectors; None without an embedder, or when its endpoint fails: BM25 finds the
    chunks meanwhile, and their vectors are filled in later."""
    if embedder is None:
        return None
    try:
        return await embedder.embed_documents(texts)
    except Exception as error:
        log.warning("knowledge.embedding_failed", document=event.document_id, error=repr(error))
        return None


def _to_do(document: KnowledgeDocument, version: int) -> bool:
    """Only the newest version, once: not superseded, not active yet, not failed."""
    return (
        document.version == version
        and (document.active_version or 0) < version
        and document.status != DocumentStatus.FAILED
    )


async def _write_chunks(db: Database, event: KnowledgeDocumentChanged, chunks: list[Chunk]) -> None:
    """Replace whatever an interrupted earlier attempt left of this version."""
    collection = db[KNOWLEDGE_CHUNKS]
    await collection.delete_many({"document_id": event.document_id, "version": event.version})
    await collection.insert_many([c.to_mongo() for c in chunks])


async def _activate(
    db: Database, event: KnowledgeDocumentChanged, chunk_count: int, session: Session
) -> bool:
    """The switch: this version answers from now on, in one step with the revision."""
    switched = await db[KNOWLEDGE_DOCUMENTS].update_one(
        {"_id": event.document_id, "version": event.version, "deleted_at": None},
        {
            "$set": {
                "active_version": event.version,
                "status": DocumentStatus.READY.value,
                "reason": None,
                "failure": None,
                "chunk_count": chunk_count,
                "updated_at": utcnow(),
            }
        },
        session=session,
    )
    if switched.matched_count == 0:
        return False
    await bump_revision(db, event.store_id, session)
    return True


async def _delete_older_versions(db: Database, event: KnowledgeDocumentChanged) -> None:
    await db[KNOWLEDGE_CHUNKS].delete_many(
        {"document_id": event.document_id, "version": {"$lt": event.version}}
    )
    await delete_files(db, event.store_id, event.document_id, older_than=event.version)


async def _set_status(
    db: Database,
    event: KnowledgeDocumentChanged,
    status: DocumentStatus,
    failure: Failure | None = None,
) -> None:
    """The status, with the failure as a code (for the console) and as English (CLI, logs)."""
    await db[KNOWLEDGE_DOCUMENTS].update_one(
        {"_id": event.document_id, "version": event.version, "deleted_at": None},
        {
            "$set": {
                "status": status.value,
                "reason": failure.english() if failure else None,
                "failure": failure.model_dump(mode="json") if failure else None,
                "updated_at": utcnow(),
            }
        },
    )


async def _fail(db: Database, event: KnowledgeDocumentChanged, failure: Failure) -> None:
    """A version that cannot be read; a previous version, if any, keeps answering."""
    log.warning(
        "knowledge document failed",
        document=event.document_id,
        code=failure.code.value,
        reason=failure.english(),
    )
    await _set_status(db, event, DocumentStatus.FAILED, failure)


async def _remove(db: Database, event: KnowledgeDocumentChanged) -> None:
    """The deletion already stopped it answering; this removes its chunks, files and record."""
    documents = db[KNOWLEDGE_DOCUMENTS]
    found = await documents.find_one({"_id": event.document_id, "store_id": event.store_id})
    if found is not None and found.get("deleted_at") is None:
        log.warning(
            "deletion of a document that is not deleted ignored", document=event.document_id
        )
        return
    await db[KNOWLEDGE_CHUNKS].delete_many(
        {"document_id": event.document_id, "store_id": event.store_id}
    )
    await delete_files(db, event.store_id, event.document_id)
    await documents.delete_one({"_id": event.document_id, "store_id": event.store_id})
