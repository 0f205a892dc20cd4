"""The enricher's knowledge pipeline against the real MongoDB (and Kafka where the consumer runs):
documents become chunks once, a replacement switches atomically, a deletion removes everything."""

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import openai
import pytest

from services.enricher.knowledge import on_knowledge_document_changed
from services.enricher.vectors import fill_missing_vectors
from shared import metrics, topics
from shared.events import DeadLetter, KnowledgeDocumentChanged
from shared.knowledge.collections import KNOWLEDGE_FILES
from shared.knowledge.embeddings import Embedder
from shared.knowledge.files import read_file
from shared.knowledge.library import (
    Incoming,
    KnowledgeLibrary,
    document_event,
    extracted_text,
    get_document,
)
from shared.knowledge.models import (
    KNOWLEDGE_CHUNKS,
    KNOWLEDGE_DOCUMENTS,
    DocumentStatus,
    KnowledgeDocument,
    current_revision,
    load_active_chunks,
)
from shared.knowledge.retrieval import Retriever
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.standins.openai_api import EMBEDDING_DIMENSIONS, OpenAIStandIn
from tests.support.kafka import Consumers, records_mentioning
from tests.support.uploads import BytesSource

pytestmark = pytest.mark.slow

WaitUntil = Callable[..., Awaitable[None]]

SHIPPING = b"""# Pengiriman

Ongkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari kerja.

## Retur

Barang bisa dikembalikan dalam 7 hari dengan struk pembelian.
"""
SHIPPING_V2 = b"""# Pengiriman

Mulai Juni ongkos kirim ke Bandung gratis untuk semua pesanan.
"""
PRICES = b"product,price\nKaos Polos,Rp 75.000\nKemeja Batik,Rp 180.000\n"
# Starts like a PDF, so the upload is accepted; extraction then finds it unreadable.
CORRUPT_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8


async def add(
    library: KnowledgeLibrary, store_id: str, name: str, data: bytes
) -> KnowledgeDocument:
    (document,) = await library.add(store_id, [Incoming(name, BytesSource(data))])
    return document


async def process(
    db: Database, event: KnowledgeDocumentChanged, embedder: Embedder | None = None
) -> None:
    await on_knowledge_document_changed(event, db, embedder)


async def stored_chunks(db: Database, document_id: str) -> list[Document]:
    return await db[KNOWLEDGE_CHUNKS].find({"document_id": document_id}).sort("_id").to_list()


async def file_ids(db: Database, document_id: str) -> set[str]:
    files = db[f"{KNOWLEDGE_FILES}.files"].find({"metadata.document_id": document_id})
    return {stored["_id"] async for stored in files}


async def test_an_upload_becomes_ready_with_chunks_that_answer(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    document = await add(library, store_id, "pengiriman.md", SHIPPING)

    await process(db, document_event(document, "upload"))

    ready = await get_document(db, store_id, document.id)
    assert ready.status == DocumentStatus.READY
    assert ready.active_version == 1
    assert ready.reason is None
    revision, chunks = await load_active_chunks(db, store_id)
    assert revision == 1
    assert ready.chunk_count == len(chunks) >= 2  # the Retur heading starts its own chunk
    assert all(chunk.filename == "pengiriman.md" for chunk in chunks)
    assert [chunk.id for chunk in chunks] == [f"{document.id}:1:{n}" for n in range(len(chunks))]
    assert any("Bandung Rp 15.000" in chunk.text for chunk in chunks)
    assert any(chunk.heading and "Retur" in chunk.heading for chunk in chunks)
    assert all(chunk.embedding is None for chunk in chunks)  # offline: no embedder
    assert "7 hari" in await extracted_text(db, store_id, document.id)


async def test_chunks_are_embedded_when_embeddings_are_configured(
    db: Database,
    library: KnowledgeLibrary,
    store_id: str,
    embedder: Embedder,
    openai_api: OpenAIStandIn,
) -> None:
    document = await add(library, store_id, "harga.csv", PRICES)

    await process(db, document_event(document, "upload"), embedder)

    _, chunks = await load_active_chunks(db, store_id)
    assert len(chunks) == 2  # one per product row
    assert all(len(chunk.embedding or []) == EMBEDDING_DIMENSIONS for chunk in chunks)
    assert all(chunk.embedding_model == "text-embedding-3-small" for chunk in chunks)
    # Plain strings went out (no tiktoken token arrays), one batch for the document.
    (request,) = openai_api.embedding_requests
    assert request["input"] == [chunk.text for chunk in chunks]


async def test_when_embeddings_fail_the_document_is_ready_and_found_lexically_until_filled_in(
    db: Database,
    library: KnowledgeLibrary,
    store_id: str,
    embedder: Embedder,
    openai_api: OpenAIStandIn,
) -> None:
    document = await add(library, store_id, "pengiriman.md", SHIPPING)
    openai_api.fail_next_embeddings(1, status=503)

    await process(db, document_event(document, "upload"), embedder)

    assert (await get_document(db, store_id, document.id)).status == DocumentStatus.READY
    revision, chunks = await load_active_chunks(db, store_id)
    assert chunks
    assert all(chunk.embedding is None for chunk in chunks)
    retriever = Retriever(db, embedder)
    (found, *_) = await retriever.search(store_id, "berapa ongkos kirim ke Bandung?")
    assert "Bandung Rp 15.000" in found.text
    assert not (await retriever.index(store_id)).has_vectors

    openai_api.fail_next_embeddings(1, status=503)  # still down: nothing changes
    with pytest.raises(openai.APIStatusError):
        await fill_missing_vectors(db, embedder)
    assert await current_revision(db, store_id) == revision

    # Back. The database is shared: other tests' chunks without vectors are filled in too.
    assert await fill_missing_vectors(db, embedder) >= len(chunks)

    assert await current_revision(db, store_id) == revision + 1  # the retrievers rebuild
    _, filled = await load_active_chunks(db, store_id)
    assert all(len(chunk.embedding or []) == EMBEDDING_DIMENSIONS for chunk in filled)
    assert all(chunk.embedding_model == embedder.model for chunk in filled)
    assert (await retriever.index(store_id)).has_vectors
    assert await fill_missing_vectors(db, embedder) == 0


async def test_a_corrupt_file_fails_with_its_reason_and_the_next_document_is_processed(
    db: Database,
    library: KnowledgeLibrary,
    store_id: str,
    consumers: Consumers,
    new_group_id: Callable[[], str],
    wait_until: WaitUntil,
    settings: Settings,
) -> None:
    group = new_group_id()
    handler = partial(on_knowledge_document_changed, db=db, embedder=None)
    states: dict[str, str] = {}

    corrupt, good = await library.add(
        store_id,
        [
            Incoming("katalog.pdf", BytesSource(CORRUPT_PDF)),
            Incoming("faq.md", BytesSource(SHIPPING)),
        ],
    )

    async def record(event: KnowledgeDocumentChanged) -> None:
        await handler(event)
        found = await db[KNOWLEDGE_DOCUMENTS].find_one({"_id": event.document_id})
        if found is not None:
            states[event.document_id] = found["status"]

    await consumers.keyed(group, {topics.KNOWLEDGE_DOCUMENTS: record})
    await wait_until(lambda: states.get(good.id) == "ready", "the second document to be ready")

    failed = await get_document(db, store_id, corrupt.id)
    assert failed.status == DocumentStatus.FAILED
    assert failed.reason
    assert "PDF" in failed.reason  # the human reason the admin sees
    assert failed.active_version is None
    assert await stored_chunks(db, corrupt.id) == []
    handled = metrics.EVENTS_CONSUMED.labels(group, topics.KNOWLEDGE_DOCUMENTS, "handled")
    assert handled._value.get() >= 2
    # A bad file is a status, not a dead letter. The group read the whole shared topic: the
    # letters of other tests' records, poison records included, are not this test's.
    dead_letter_topic = topics.dead_letter(topics.KNOWLEDGE_DOCUMENTS)
    letters = map(
        DeadLetter.model_validate_json, await records_mentioning(settings, dead_letter_topic, group)
    )
    assert [letter for letter in letters if store_id in letter.payload] == []


async def test_a_replacement_switches_atomically_and_the_old_version_is_removed(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    first = await add(library, store_id, "pengiriman.md", SHIPPING)
    await process(db, document_event(first, "upload"))
    _, old_chunks = await load_active_chunks(db, store_id)

    second = await library.replace(
        store_id, first.id, Incoming("pengiriman-juni.md", BytesSource(SHIPPING_V2))
    )

    # Until the new version is ready the old one answers, unchanged.
    assert second.version == 2
    assert second.status == DocumentStatus.QUEUED
    assert second.active_version == 1
    assert await load_active_chunks(db, store_id) == (1, old_chunks)

    await process(db, document_event(second, "upload"))

    revision, chunks = await load_active_chunks(db, store_id)
    assert revision == 2
    assert {chunk.version for chunk in chunks} == {2}
    assert any("gratis" in chunk.text for chunk in chunks)
    assert all(chunk.filename == "pengiriman-juni.md" for chunk in chunks)
    assert [c["version"] for c in await stored_chunks(db, first.id)] == [2] * len(chunks)
    assert await file_ids(db, first.id) == {f"{first.id}:2:original", f"{first.id}:2:text"}
    ready = await get_document(db, store_id, first.id)
    assert (ready.status, ready.active_version, ready.chunk_count) == ("ready", 2, len(chunks))
    assert "gratis" in await extracted_text(db, store_id, first.id)


async def test_a_failed_replacement_leaves_the_previous_version_answering(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    first = await add(library, store_id, "katalog.md", SHIPPING)
    await process(db, document_event(first, "upload"))
    before = await load_active_chunks(db, store_id)

    second = await library.replace(
        store_id, first.id, Incoming("katalog.pdf", BytesSource(CORRUPT_PDF))
    )
    await process(db, document_event(second, "upload"))

    failed = await get_document(db, store_id, first.id)
    assert (failed.status, failed.version, failed.active_version) == ("failed", 2, 1)
    assert failed.reason
    assert await load_active_chunks(db, store_id) == before


async def test_redelivered_and_superseded_events_change_nothing(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    first = await add(library, store_id, "pengiriman.md", SHIPPING)
    await process(db, document_event(first, "upload"))
    second = await library.replace(store_id, first.id, Incoming("b.md", BytesSource(SHIPPING_V2)))
    await process(db, document_event(second, "upload"))
    state = await db[KNOWLEDGE_DOCUMENTS].find_one({"_id": first.id})
    chunks = await stored_chunks(db, first.id)

    await process(db, document_event(second, "upload"))  # redelivered
    await process(db, document_event(first, "upload"))  # replayed: version 1 is superseded

    assert await db[KNOWLEDGE_DOCUMENTS].find_one({"_id": first.id}) == state
    assert await stored_chunks(db, first.id) == chunks
    assert await current_revision(db, store_id) == 2


async def test_a_deleted_document_stops_answering_at_once_and_then_disappears(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    kept = await add(library, store_id, "harga.csv", PRICES)
    gone = await add(library, store_id, "pengiriman.md", SHIPPING)
    for document in (kept, gone):
        await process(db, document_event(document, "upload"))
    assert await file_ids(db, gone.id)

    await library.delete(store_id, gone.id)

    revision, chunks = await load_active_chunks(db, store_id)
    assert revision == 3  # two uploads, one deletion
    assert {chunk.document_id for chunk in chunks} == {kept.id}

    deletion = document_event(gone, "delete")
    await process(db, deletion)
    await process(db, deletion)  # redelivered: nothing left to do

    assert await db[KNOWLEDGE_DOCUMENTS].find_one({"_id": gone.id}) is None
    assert await stored_chunks(db, gone.id) == []
    assert await file_ids(db, gone.id) == set()
    assert await read_file(db, kept.id, 1, "original") == PRICES
    await process(db, document_event(gone, "upload"))  # a late upload event finds nothing
    assert await stored_chunks(db, gone.id) == []


SAMPLE_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "sample_store"


async def test_every_document_of_the_sample_store_becomes_ready(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    paths = sorted(p for p in SAMPLE_STORE.iterdir() if p.name not in ("README.md", "generate.py"))
    documents = await library.add(
        store_id, [Incoming(path.name, BytesSource(path.read_bytes())) for path in paths]
    )

    for document in documents:
        await process(db, document_event(document, "upload"))

    ready = [await get_document(db, store_id, document.id) for document in documents]
    assert [(d.filename, d.status, d.reason) for d in ready] == [
        (path.name, "ready", None) for path in paths
    ]
    revision, chunks = await load_active_chunks(db, store_id)
    assert revision == len(paths)
    assert len(chunks) == sum(d.chunk_count for d in ready)
    assert {chunk.filename for chunk in chunks} == {path.name for path in paths}
    assert any("BTK-001" in chunk.text for chunk in chunks)  # a catalogue row
