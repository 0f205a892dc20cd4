"""A local or self-hosted OpenAI-compatible server without a key (Ollama, vLLM, llama.cpp's
server), played by the stand-in: its base URL alone switches chat and embeddings on."""

import pytest

from services.enricher.knowledge import on_knowledge_document_changed
from shared.answering.answerer import Question, build_answerer
from shared.answering.draft import Draft
from shared.events import utcnow
from shared.knowledge.embeddings import embedder_from
from shared.knowledge.library import Incoming, KnowledgeLibrary, document_event
from shared.knowledge.models import load_active_chunks
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store
from tests.standins.openai_api import EMBEDDING_DIMENSIONS, OpenAIStandIn
from tests.support.uploads import BytesSource

pytestmark = pytest.mark.slow

SHIPPING = b"""# Pengiriman

Ongkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari kerja.
"""


async def ask(db: Database, settings: Settings, store: Store, text: str) -> Draft:
    """The customer's question, answered as the responder would with these settings."""
    history = [{"direction": "inbound", "text": text}]
    question = Question(
        store=store, settings=BotSettings(), text=text, asked_at=utcnow(), history=history
    )
    return await build_answerer(db, settings).answer(question)


async def test_a_keyless_local_server_embeds_the_knowledge_and_answers(
    db: Database,
    library: KnowledgeLibrary,
    store: Store,
    settings: Settings,
    openai_api: OpenAIStandIn,
) -> None:
    local = settings.updated(
        llm={"api_key": None, "base_url": openai_api.base_url, "model": "qwen2.5:7b-instruct"},
        embeddings={"model": "nomic-embed-text"},
    )
    assert local.llm.configured
    (document,) = await library.add(store.id, [Incoming("pengiriman.md", BytesSource(SHIPPING))])

    await on_knowledge_document_changed(
        document_event(document, "upload"), db, embedder_from(local)
    )
    draft = await ask(db, local, store, "Berapa ongkos kirim ke Bandung?")

    _, chunks = await load_active_chunks(db, store.id)
    assert all(len(chunk.embedding or []) == EMBEDDING_DIMENSIONS for chunk in chunks)
    assert all(chunk.embedding_model == "nomic-embed-text" for chunk in chunks)
    assert {r["model"] for r in openai_api.embedding_requests} == {"nomic-embed-text"}
    (asked,) = openai_api.requests
    assert asked["model"] == "qwen2.5:7b-instruct"
    assert "Bandung Rp 15.000" in str(asked["messages"])  # the passage reached the model
    assert draft.llm is not None
    assert draft.llm.model == "qwen2.5:7b-instruct"


async def test_with_embeddings_switched_off_the_local_server_only_chats(
    db: Database,
    library: KnowledgeLibrary,
    store: Store,
    settings: Settings,
    openai_api: OpenAIStandIn,
) -> None:
    local = settings.updated(
        llm={"api_key": None, "base_url": openai_api.base_url}, embeddings={"enabled": False}
    )
    (document,) = await library.add(store.id, [Incoming("pengiriman.md", BytesSource(SHIPPING))])

    await on_knowledge_document_changed(
        document_event(document, "upload"), db, embedder_from(local)
    )
    draft = await ask(db, local, store, "Berapa ongkos kirim ke Bandung?")

    _, chunks = await load_active_chunks(db, store.id)
    assert chunks
    assert all(chunk.embedding is None for chunk in chunks)
    assert openai_api.embedding_requests == []
    assert draft.llm is not None
    assert "Bandung Rp 15.000" in str(openai_api.requests[0]["messages"])
