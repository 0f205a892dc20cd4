"""`python -m bench.answer_eval`: does the answering step cite what it retrieved, and hand over
when the knowledge has no answer?

The sample store (`bench.knowledge_eval`: same documents, same questions) is indexed in memory,
and every question goes through the responder's own `Answerer` twice:

- **scripted model**: the real chat client (langchain-openai) talks to the OpenAI stand-in of
  `tests/standins` on loopback, scripted as a faithful model: it answers from the first passage
  of its prompt, cites the first two passage ids it finds there plus one that was never shown
  (`P99`, which must be dropped), and says it could not answer when the prompt has no passage;
- **offline**: no model, the best passage phrased as the answer (docs/answering.md#offline-mode).

Figures: answerable questions answered with a citation, whose citations include the file that
holds the answer, and whose citations all name retrieved passages; unanswerable questions handed
over with `missing_knowledge`. No network beyond loopback, no key: `make eval` runs offline. It
needs the repository checkout (the stand-in lives in tests/, like the sample store).

`--engine llm` (`make eval ENGINE=llm`) puts the configured chat endpoint (a hosted API or a
local server, docs/configuration.md) in the scripted model's place; `--embeddings` makes
retrieval hybrid with the configured embeddings endpoint.
"""

import argparse
import asyncio
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from bench.knowledge_eval import (
    SAMPLE_QUESTIONS,
    SAMPLE_STORE,
    STORE,
    Question,
    embedded,
    load_chunks,
    read_questions,
)
from shared.answering.answerer import Answerer
from shared.answering.answerer import Question as Asked
from shared.answering.draft import Draft
from shared.answering.model import ChatModel
from shared.events import HandOverReason, utcnow
from shared.knowledge.embeddings import Embedder, embedder_from
from shared.knowledge.models import Chunk
from shared.knowledge.retrieval import KnowledgeIndex, Passage, Retriever
from shared.settings import LlmSettings, Settings
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store
from tests.standins.openai_api import OpenAIStandIn, ToolCall

PASSAGE_ID = re.compile(r'<passage id="(P\d+)" source="[^"]*">\n(.*?)\n</passage>', re.DOTALL)
NEVER_SHOWN = "P99"


class IndexRetriever(Retriever):
    """The responder's retriever over one prebuilt in-memory index (no MongoDB)."""

    def __init__(self, index: KnowledgeIndex, embedder: Embedder | None = None) -> None:
        self._fixed = index
        self._embedder = embedder

    async def search(self, store_id: str, query: str, k: int = 5) -> list[Passage]:
        if not query.strip():
            return []
        embedder = self._embedder
        vector = await embedder.embed_query(query) if embedder else None
        return self._fixed.search(query, k, vector)


def faithful_model(messages: list[dict[str, Any]]) -> list[ToolCall]:
    """Answers from the first passage it was shown and cites what it used."""
    shown = PASSAGE_ID.findall(str(messages[0]["content"]))
    if not shown:
        arguments: dict[str, Any] = {
            "reply": "Maaf, saya belum punya informasi tentang itu.",
            "cited_ids": [],
            "could_answer": False,
        }
    else:
        arguments = {
            "reply": " ".join(shown[0][1].split())[:500],
            "cited_ids": [label for label, _ in shown[:2]] + [NEVER_SHOWN],
            "could_answer": True,
        }
    return [ToolCall("answer", arguments)]


@dataclass(frozen=True)
class EngineFigures:
    engine: str
    answerable: int
    answered_with_citation: int  # answerable, not handed over, citing at least one passage
    cites_source: int  # answerable whose citations include the answering file
    citations_outside_retrieved: int  # citations naming a passage that was not retrieved
    unanswerable: int
    handed_over: int  # unanswerable questions handed over with missing_knowledge
    answered_unanswerable: list[str]


@dataclass(frozen=True)
class AnswerEvaluation:
    documents: int
    chunks: int
    engines: list[EngineFigures]


async def _run(
    answerer: Answerer, engine: str, questions: list[Question], retriever: Retriever
) -> EngineFigures:
    store = Store(id=STORE, name="Toko Batik Sari", whatsapp_number="+6281100000000")
    settings = BotSettings()
    drafts: list[tuple[Question, Draft, set[str]]] = []
    for question in questions:
        retrieved = {p.chunk_id for p in await retriever.search(STORE, question.text)}
        asked = Asked(
            store=store,
            settings=settings,
            text=question.text,
            asked_at=utcnow(),
            history=[{"direction": "inbound", "text": question.text}],
        )
        drafts.append((question, await answerer.answer(asked), retrieved))
    answerable = [(q, d, r) for q, d, r in drafts if q.source]
    unanswerable = [(q, d) for q, d, _ in drafts if not q.source]
    return EngineFigures(
        engine=engine,
        answerable=len(answerable),
        answered_with_citation=sum(
            d.hand_over is None and any(c.kind == "passage" for c in d.citations)
            for _, d, _ in answerable
        ),
        cites_source=sum(
            any(c.filename == q.source for c in d.citations) for q, d, _ in answerable
        ),
        citations_outside_retrieved=sum(
            c.ref not in r for _, d, r in drafts for c in d.citations if c.kind == "passage"
        ),
        unanswerable=len(unanswerable),
        handed_over=sum(d.hand_over is HandOverReason.MISSING_KNOWLEDGE for _, d in unanswerable),
        answered_unanswerable=[
            q.text for q, d in unanswerable if d.hand_over is not HandOverReason.MISSING_KNOWLEDGE
        ],
    )


async def evaluate_answers(
    folder: Path = SAMPLE_STORE,
    questions_csv: Path = SAMPLE_QUESTIONS,
    model: ChatModel | None = None,
    embedder: Embedder | None = None,
) -> AnswerEvaluation:
    """`model` (default: the scripted stand-in) and offline; hybrid retrieval with `embedder`."""
    chunks: list[Chunk] = await asyncio.to_thread(load_chunks, folder)
    if embedder:
        chunks = await embedded(chunks, embedder)
    vectors_of = embedder.model if embedder else None
    index = await asyncio.to_thread(KnowledgeIndex, STORE, 1, chunks, vectors_of)
    questions = read_questions(questions_csv)
    retriever = IndexRetriever(index, embedder)
    if model is not None:
        with_model = await _run(
            Answerer(retriever, model, None), f"llm: {model.model_name}", questions, retriever
        )
    else:
        with_model = await _scripted(retriever, questions)
    offline = await _run(Answerer(retriever, None, None), "offline", questions, retriever)
    return AnswerEvaluation(
        documents=len({c.document_id for c in chunks}),
        chunks=len(chunks),
        engines=[with_model, offline],
    )


async def _scripted(retriever: Retriever, questions: list[Question]) -> EngineFigures:
    stand_in = OpenAIStandIn(script=faithful_model).start()
    try:
        settings = Settings(
            llm=LlmSettings(api_key=SecretStr("sk-evaluation"), base_url=stand_in.base_url)
        )
        answerer = Answerer(retriever, ChatModel(settings), None)
        return await _run(answerer, "scripted model", questions, retriever)
    finally:
        stand_in.stop()


def table(evaluation: AnswerEvaluation) -> Table:
    result = Table(
        title=f"Answers: {evaluation.documents} documents, {evaluation.chunks} chunks, "
        "the responder's Answerer"
    )
    result.add_column("engine")
    for column in (
        "answerable",
        "answered + cited",
        "cites the source",
        "citations not retrieved",
        "unanswerable",
        "handed over",
    ):
        result.add_column(column, justify="right")
    for figures in evaluation.engines:
        result.add_row(
            figures.engine,
            str(figures.answerable),
            _share(figures.answered_with_citation, figures.answerable),
            _share(figures.cites_source, figures.answerable),
            str(figures.citations_outside_retrieved),
            str(figures.unanswerable),
            _share(figures.handed_over, figures.unanswerable),
        )
    return result


def _share(count: int, total: int) -> str:
    return f"{count} ({count / total:.2f})" if total else "-"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_eval", description=__doc__)
    parser.add_argument("--folder", type=Path, default=SAMPLE_STORE, help="the documents")
    parser.add_argument("--questions", type=Path, default=SAMPLE_QUESTIONS, help="the CSV")
    parser.add_argument(
        "--engine",
        choices=["scripted", "llm"],
        default="scripted",
        help="the model beside offline: the scripted stand-in, or the configured chat endpoint",
    )
    parser.add_argument(
        "--embeddings", action="store_true", help="hybrid: embed with the configured endpoint"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    settings = Settings()
    if arguments.engine == "llm" and not settings.llm.configured:
        parser.error("--engine llm needs an LLM endpoint: OPENAI_API_KEY or OPENAI_BASE_URL")
    embedder = embedder_from(settings) if arguments.embeddings else None
    if arguments.embeddings and embedder is None:
        parser.error("--embeddings needs an embeddings endpoint (docs/configuration.md)")
    model = ChatModel(settings) if arguments.engine == "llm" else None
    evaluation = asyncio.run(
        evaluate_answers(arguments.folder, arguments.questions, model, embedder)
    )
    console = Console()
    console.print(table(evaluation))
    for figures in evaluation.engines:
        if figures.answered_unanswerable:
            console.print(f"{figures.engine}, unanswerable but answered:")
            for text in figures.answered_unanswerable:
                console.print(f"  - {text}")
    if arguments.json:
        arguments.json.write_text(json.dumps(asdict(evaluation), indent=2))


if __name__ == "__main__":
    main()
