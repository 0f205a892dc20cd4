"""The retriever against the real MongoDB, over knowledge written by the real pipeline (the
library stores uploads, the enricher's handler chunks and activates them): stores stay apart,
the index follows the store's revision and never mixes two versions, embeddings are optional,
a deleted store's index leaves memory."""

import asyncio

import pytest

from services.enricher.knowledge import on_knowledge_document_changed
from shared.knowledge.collections import KNOWLEDGE_CHUNKS, KNOWLEDGE_REVISIONS
from shared.knowledge.embeddings import Embedder
from shared.knowledge.library import Incoming, KnowledgeLibrary, document_event
from shared.knowledge.models import KnowledgeDocument
from shared.knowledge.retrieval import Retriever
from shared.mongo import Database
from tests.standins.openai_api import OpenAIStandIn
from tests.support.uploads import BytesSource

pytestmark = pytest.mark.slow

SHIPPING = b"""# Pengiriman

Ongkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari kerja.

## Retur

Barang bisa dikembalikan dalam 7 hari dengan struk pembelian.
"""
SHIPPING_V2 = b"""# Pengiriman

Mulai Juni ongkos kirim ke Bandung gratis untuk semua pesanan.
"""
OTHER_SHOP = b"""# Pengiriman

Ongkos kirim ke Bandung Rp 9.000 dengan kurir toko sebelah.
"""
PRICES = b"produk,harga\nKaos Polos,Rp 75.000\nKemeja Batik Parang,Rp 180.000\n"


async def ready(
    db: Database,
    library: KnowledgeLibrary,
    store_id: str,
    name: str,
    data: bytes,
    embedder: Embedder | None = None,
) -> KnowledgeDocument:
    """A document uploaded and processed by the enricher's handler: it answers from now on."""
    (document,) = await library.add(store_id, [Incoming(name, BytesSource(data))])
    await on_knowledge_document_changed(document_event(document, "upload"), db, embedder)
    return document


async def test_a_question_finds_its_stores_passage_and_never_another_stores(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    other_store = f"{store_id}-other"
    mine = await ready(db, library, store_id, "pengiriman.md", SHIPPING)
    theirs = await ready(db, library, other_store, "pengiriman.md", OTHER_SHOP)
    retriever = Retriever(db, None)

    passages = await retriever.search(store_id, "Berapa ongkir ke Bandung kak?")
    their_passages = await retriever.search(other_store, "Berapa ongkir ke Bandung kak?")

    assert passages
    assert {p.document_id for p in passages} == {mine.id}
    assert "Rp 15.000" in passages[0].text
    assert passages[0].filename == "pengiriman.md"
    assert passages[0].heading == "Pengiriman"
    assert {p.document_id for p in their_passages} == {theirs.id}


async def test_an_unrelated_question_or_an_empty_store_finds_nothing(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    retriever = Retriever(db, None)
    assert await retriever.search(store_id, "ongkir ke Bandung?") == []

    await ready(db, library, store_id, "pengiriman.md", SHIPPING)

    assert await retriever.search(store_id, "Do you sell used cars?") == []
    assert await retriever.search(store_id, "   ") == []


async def test_a_replacement_answers_only_once_it_is_active_and_never_mixed_with_the_old(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    first = await ready(db, library, store_id, "pengiriman.md", SHIPPING)
    retriever = Retriever(db, None)
    question = "ongkir ke Bandung berapa?"
    old_index = await retriever.index(store_id)
    assert {p.chunk_id.split(":")[1] for p in await retriever.search(store_id, question)} == {"1"}

    second = await library.replace(
        store_id, first.id, Incoming("pengiriman.md", BytesSource(SHIPPING_V2))
    )

    # Queued, not active: the revision stands, the same index answers.
    assert await retriever.index(store_id) is old_index
    assert "Rp 15.000" in (await retriever.search(store_id, question))[0].text

    await on_knowledge_document_changed(document_event(second, "upload"), db, None)

    new_index = await retriever.index(store_id)
    passages = await retriever.search(store_id, question)
    assert new_index.revision > old_index.revision
    assert {p.chunk_id.split(":")[1] for p in passages} == {"2"}
    assert "gratis" in passages[0].text
    assert all("Rp 15.000" not in chunk.text for chunk in new_index.chunks)


async def test_a_deleted_document_stops_answering_at_once(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    document = await ready(db, library, store_id, "pengiriman.md", SHIPPING)
    retriever = Retriever(db, None)
    assert await retriever.search(store_id, "ongkir ke Bandung?")

    await library.delete(store_id, document.id)  # the enricher has not removed the chunks yet

    assert await retriever.search(store_id, "ongkir ke Bandung?") == []


async def test_concurrent_searches_after_a_change_build_the_index_once(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    await ready(db, library, store_id, "harga.csv", PRICES)
    retriever = Retriever(db, None)

    indexes = await asyncio.gather(*(retriever.index(store_id) for _ in range(6)))

    assert len({id(index) for index in indexes}) == 1
    assert indexes[0].size == 2  # one chunk per product row


async def test_hybrid_search_embeds_the_question_and_falls_back_to_bm25_when_it_cannot(
    db: Database,
    library: KnowledgeLibrary,
    store_id: str,
    embedder: Embedder,
    openai_api: OpenAIStandIn,
) -> None:
    await ready(db, library, store_id, "harga.csv", PRICES, embedder)
    retriever = Retriever(db, embedder)
    question = "harga kemeja batik parang berapa?"

    passages = await retriever.search(store_id, question)

    assert (await retriever.index(store_id)).has_vectors
    assert openai_api.embedding_requests[-1]["input"] == [question]
    assert "Kemeja Batik Parang" in passages[0].text

    openai_api.fail_next_embeddings(1, status=503)
    fallback = await retriever.search(store_id, question)

    assert [p.chunk_id for p in fallback][:1] == [passages[0].chunk_id]


async def test_only_the_most_recently_searched_stores_keep_their_index(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    other_store = f"{store_id}-other"
    await ready(db, library, store_id, "pengiriman.md", SHIPPING)
    await ready(db, library, other_store, "pengiriman.md", OTHER_SHOP)
    retriever = Retriever(db, None, max_stores=1)
    first = await retriever.index(store_id)
    assert await retriever.index(store_id) is first

    await retriever.index(other_store)

    assert await retriever.index(store_id) is not first  # dropped, built again


async def test_a_deleted_stores_index_is_forgotten_and_not_served_from_memory(
    db: Database, library: KnowledgeLibrary, store_id: str
) -> None:
    await ready(db, library, store_id, "pengiriman.md", SHIPPING)
    retriever = Retriever(db, None)
    assert await retriever.search(store_id, "ongkir ke Bandung?")
    await db[KNOWLEDGE_CHUNKS].delete_many({"store_id": store_id})  # as a store's deletion does
    await db[KNOWLEDGE_REVISIONS].delete_one({"_id": store_id})
    assert await retriever.search(store_id, "ongkir ke Bandung?")  # the index in memory

    retriever.forget(store_id)

    assert await retriever.search(store_id, "ongkir ke Bandung?") == []
