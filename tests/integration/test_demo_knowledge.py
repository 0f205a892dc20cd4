"""The demo store's sample knowledge: added once to a demo store that never had knowledge, never
to another store, and the offline bot answers Indonesian and English questions from it."""

import pytest

from balas.demo_knowledge import sample_files, seed_demo_knowledge
from services.enricher.knowledge import on_knowledge_document_changed
from shared.answering.answerer import Answerer, Question
from shared.answering.draft import Draft
from shared.events import utcnow
from shared.knowledge.collections import KNOWLEDGE_REVISIONS
from shared.knowledge.library import (
    Incoming,
    InMemory,
    KnowledgeLibrary,
    document_event,
    list_documents,
)
from shared.knowledge.retrieval import Retriever
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store, save_store

pytestmark = pytest.mark.slow


def with_demo(settings: Settings, store_id: str) -> Settings:
    return settings.updated(demo={"store_id": store_id})


async def ask_offline(db: Database, store: Store, text: str) -> Draft:
    history = [{"direction": "inbound", "text": text}]
    question = Question(
        store=store, settings=BotSettings(), text=text, asked_at=utcnow(), history=history
    )
    return await Answerer(Retriever(db, None), None, None).answer(question)


async def test_a_fresh_demo_store_gets_the_sample_once_and_answers_from_it(
    db: Database, settings: Settings, store: Store
) -> None:
    demo = with_demo(settings, store.id)

    added = await seed_demo_knowledge(db, demo)
    again = await seed_demo_knowledge(db, demo)

    documents = await list_documents(db, store.id)
    assert added == len(documents) == len(sample_files()) >= 4
    assert again == 0
    for document in documents:
        await on_knowledge_document_changed(document_event(document, "upload"), db, None)
    assert await seed_demo_knowledge(db, demo) == 0  # ready now: still once
    answers = {
        "Kapan nomor resi dikirim?": "pengiriman.md",
        "Bisa bayar pakai COD?": "pembayaran-dan-jam-buka.md",
        "How many days do I have to return an item?": "returns-and-exchanges.md",
        "What sizes do your shirts come in?": "sizes-and-care.md",
    }
    for text, source in answers.items():
        draft = await ask_offline(db, store, text)
        assert draft.hand_over is None, text
        assert source in {citation.filename for citation in draft.citations}, text


async def test_a_store_that_had_knowledge_or_does_not_exist_is_left_alone(
    db: Database, settings: Settings, store: Store, library: KnowledgeLibrary
) -> None:
    (own,) = await library.add(store.id, [Incoming("faq.md", InMemory(b"# FAQ\n\nBuka 24 jam."))])
    emptied = Store(id=f"{store.id}-emptied", name="Toko Kosong", whatsapp_number="+15550000001")
    await save_store(db, emptied)
    await db[KNOWLEDGE_REVISIONS].insert_one({"_id": emptied.id, "revision": 3})  # all deleted

    assert await seed_demo_knowledge(db, with_demo(settings, store.id)) == 0
    assert await seed_demo_knowledge(db, with_demo(settings, emptied.id)) == 0
    assert await seed_demo_knowledge(db, with_demo(settings, "no-such-store")) == 0

    assert [document.id for document in await list_documents(db, store.id)] == [own.id]
    assert await list_documents(db, emptied.id) == []
    assert await list_documents(db, "no-such-store") == []
