"""`balas ask`: the responder's answering in a sandbox, against the session's MongoDB."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from balas.cli import app
from shared.conversations.collections import MESSAGES
from shared.knowledge.collections import KNOWLEDGE_CHUNKS, KNOWLEDGE_DOCUMENTS, KNOWLEDGE_GAPS
from shared.knowledge.models import KNOWLEDGE_REVISIONS, Chunk, DocumentStatus, KnowledgeDocument
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn, ToolCall

pytestmark = pytest.mark.slow

FAQ = "Berapa lama pengiriman? Pengiriman ke seluruh Indonesia memakan waktu 2-4 hari kerja."


@pytest.fixture
async def store(db: Database, store_id: str) -> Store:
    created = Store(id=store_id, name="Toko Sandbox", whatsapp_number="+6281100000009")
    await save_store(db, created)
    now = datetime.now(UTC)
    document = KnowledgeDocument(
        id="doc-faq",
        store_id=store_id,
        filename="faq.md",
        content_type="text/markdown",
        size=len(FAQ),
        status=DocumentStatus.READY,
        version=1,
        active_version=1,
        chunk_count=1,
        created_at=now,
        updated_at=now,
    )
    chunk = Chunk(
        id="doc-faq:1:0",
        store_id=store_id,
        document_id="doc-faq",
        version=1,
        n=0,
        text=FAQ,
        heading="Pengiriman",
        locator="§ Pengiriman",
        filename="faq.md",
    )
    await db[KNOWLEDGE_DOCUMENTS].insert_one(document.to_mongo())
    await db[KNOWLEDGE_CHUNKS].insert_one(chunk.to_mongo())
    await db[KNOWLEDGE_REVISIONS].insert_one({"_id": store_id, "revision": 1})
    return created


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    def script(messages: list[dict[str, object]]) -> list[ToolCall]:
        arguments = {"reply": "2-4 hari kerja kak.", "cited_ids": ["P1"], "could_answer": True}
        return [ToolCall("answer", arguments)]

    stand_in = OpenAIStandIn(script=script).start()
    yield stand_in
    stand_in.stop()


def ask(settings: Settings, *arguments: str, **environment: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["ask", *arguments, "--json"], env={**settings.as_environment(), **environment}
    )
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_offline_ask_answers_from_a_passage_and_cites_it(settings: Settings, store: Store) -> None:
    result = ask(settings, "--store", store.id, "Berapa lama pengiriman?")
    shown = CliRunner().invoke(
        app, ["ask", "--store", store.id, "Berapa lama pengiriman?"], env=settings.as_environment()
    )

    assert shown.exit_code == 0, shown.output
    assert "faq.md" in shown.stdout
    assert "§ Pengiriman" in shown.stdout
    assert "no hand-over" in shown.stdout
    # The FAQ's answer in its own words, without its question or heading.
    assert result["answer"] == "Pengiriman ke seluruh Indonesia memakan waktu 2-4 hari kerja."
    assert result["hand_over"] is None
    assert result["engine"] == "offline"
    assert result["citations"] == [
        {
            "kind": "passage",
            "ref": "doc-faq:1:0",
            "document_id": "doc-faq",
            "filename": "faq.md",
            "locator": "§ Pengiriman",
            "snippet": FAQ,
        }
    ]


def test_ask_says_when_it_would_hand_over_and_stores_nothing(
    settings: Settings, store: Store
) -> None:
    result = ask(settings, "--store", store.id, "Do you sell bicycles?")

    assert result["hand_over"] == "missing_knowledge"
    assert result["citations"] == []
    assert result["answer"].startswith("Sorry, I don't have information")
    with MongoClient(settings.mongodb.uri) as client:
        db = client[settings.mongodb.database]
        assert db[MESSAGES].count_documents({"store_id": store.id}) == 0
        assert db[KNOWLEDGE_GAPS].count_documents({"store_id": store.id}) == 0


def test_ask_uses_the_model_when_one_is_configured(
    settings: Settings, store: Store, openai_api: OpenAIStandIn
) -> None:
    result = ask(
        settings,
        "--store",
        store.id,
        "Berapa lama pengiriman?",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=openai_api.base_url,
    )

    assert result["answer"] == "2-4 hari kerja kak."
    assert result["engine"] == "llm"
    assert [c["ref"] for c in result["citations"]] == ["doc-faq:1:0"]
    [request] = openai_api.requests
    assert FAQ in request["messages"][0]["content"]


def test_ask_about_an_unknown_store_fails(settings: Settings) -> None:
    result = CliRunner().invoke(
        app, ["ask", "--store", "nope", "Halo"], env=settings.as_environment()
    )

    assert result.exit_code == 1
    assert "no store nope" in result.output


def test_ask_shows_a_person_the_answer_without_log_lines(settings: Settings, store: Store) -> None:
    question = ["ask", "--store", store.id, "Berapa lama pengiriman?"]
    env = {**settings.as_environment(), "LOG_LEVEL": "INFO"}

    shown = CliRunner().invoke(app, question, env=env)
    verbose = CliRunner().invoke(app, ["--verbose", *question], env=env)

    assert shown.exit_code == 0, shown.output
    assert shown.stderr == ""
    assert shown.output.startswith("Pengiriman ke seluruh Indonesia")
    assert verbose.exit_code == 0, verbose.output
    assert "knowledge.index_built" in verbose.stderr  # the operator's lines, on request
    assert "knowledge.index_built" not in verbose.stdout
