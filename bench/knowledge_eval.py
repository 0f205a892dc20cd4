"""`python -m bench.knowledge_eval`: does retrieval find where the answer to a question is?

Every document of a folder (default: the sample store in tests/fixtures/sample_store, with its
README.md left out) is extracted and chunked with the code the enricher uses, and indexed as one
store. Each question of a CSV (`question,language,source,section`; default:
tests/fixtures/sample_store_questions.csv) is searched as a customer would ask it:

- **answerable** questions name the file holding the answer (`source`) and, optionally, text
  that the right chunk's locator or heading contains (`section`: "page 2", "row 14",
  "Garansi"). Scores: hit@1 and hit@k (the source file among the first 1 or k passages) and
  MRR (mean of 1 / rank of the first passage from the source, 0 when absent), overall and per
  language (`id`, `en`, `mixed`), and section hit@k;
- **unanswerable** questions (no `source`) should get no passage at all: the relevance
  threshold has to reject them.

Offline (the default) retrieval is BM25 alone, as in a deployment without an embeddings key;
`--embeddings` uses the configured embeddings endpoint for the hybrid search.
"""

import argparse
import asyncio
import csv
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shared.knowledge.chunking import chunk
from shared.knowledge.embeddings import Embedder, embedder_from
from shared.knowledge.extraction import extract
from shared.knowledge.models import Chunk, chunk_id
from shared.knowledge.retrieval import KnowledgeIndex, Passage
from shared.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
SAMPLE_STORE = FIXTURES / "sample_store"
# Next to the store, not in it: the folder holds the documents alone.
SAMPLE_QUESTIONS = FIXTURES / "sample_store_questions.csv"
STORE = "evaluation"
NOT_DOCUMENTS = frozenset({"README.md"})  # the folder's description; scripts have no suffix below
DOCUMENT_SUFFIXES = frozenset(
    {
        ".pdf",
        ".docx",
        ".xlsx",
        ".csv",
        ".md",
        ".html",
        ".htm",
        ".txt",
        ".png",
        ".jpg",
        ".webp",
        ".jpeg",
    }
)


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    source: str | None  # the file that answers it; None: the knowledge does not
    section: str | None  # what the answering chunk's locator or heading contains


@dataclass(frozen=True)
class Scores:
    questions: int
    hit_at_1: float
    hit_at_k: float
    mrr: float
    section_hit_at_k: float | None  # over the questions that name a section


@dataclass(frozen=True)
class Evaluation:
    documents: int
    chunks: int
    k: int
    hybrid: bool
    overall: Scores
    by_language: dict[str, Scores]
    unanswerable: int
    rejected: int  # unanswerable questions that got no passage, as they should
    silent: int  # answerable questions that got no passage at all
    misses: list[str]  # answerable questions whose source was not among the passages
    wrongly_answered: list[str]  # unanswerable questions that got passages
    seconds: float


def read_questions(path: Path) -> list[Question]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Question(
                text=row["question"],
                language=row["language"],
                source=row["source"] or None,
                section=row["section"] or None,
            )
            for row in csv.DictReader(handle)
        ]


def document_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.name not in NOT_DOCUMENTS
    )


def load_chunks(folder: Path) -> list[Chunk]:
    """Every document of `folder` as the enricher would chunk it (blocking: OCR, PDF)."""
    chunks: list[Chunk] = []
    for path in document_files(folder):
        for n, draft in enumerate(chunk(extract(path.read_bytes()))):
            chunks.append(
                Chunk(
                    id=chunk_id(path.name, 1, n),
                    store_id=STORE,
                    document_id=path.name,
                    version=1,
                    n=n,
                    text=draft.text,
                    heading=draft.heading,
                    locator=draft.locator,
                    filename=path.name,
                )
            )
    return chunks


async def embedded(chunks: list[Chunk], embedder: Embedder) -> list[Chunk]:
    vectors = await embedder.embed_documents([c.text for c in chunks])
    return [
        c.model_copy(update={"embedding": vector, "embedding_model": embedder.model})
        for c, vector in zip(chunks, vectors, strict=True)
    ]


def _rank(passages: Sequence[Passage], question: Question, by_section: bool) -> int | None:
    """1-based rank of the first passage from the question's source (and section), or None."""
    for rank, passage in enumerate(passages, start=1):
        if passage.filename != question.source:
            continue
        where = f"{passage.locator} {passage.heading or ''}".casefold()
        if not by_section or (question.section or "").casefold() in where:
            return rank
    return None


def _scores(results: list[tuple[Question, list[Passage]]], k: int) -> Scores:
    ranks = [_rank(passages, question, by_section=False) for question, passages in results]
    sectioned = [(q, p) for q, p in results if q.section]
    section_hits = [_rank(p, q, by_section=True) is not None for q, p in sectioned]
    count = len(results)
    return Scores(
        questions=count,
        hit_at_1=sum(rank == 1 for rank in ranks) / count,
        hit_at_k=sum(rank is not None and rank <= k for rank in ranks) / count,
        mrr=sum(1 / rank for rank in ranks if rank) / count,
        section_hit_at_k=sum(section_hits) / len(section_hits) if section_hits else None,
    )


async def evaluate_chunks(
    chunks: list[Chunk],
    questions: list[Question],
    embedder: Embedder | None = None,
    k: int = 5,
) -> Evaluation:
    started = time.perf_counter()
    model = embedder.model if embedder else None
    index = await asyncio.to_thread(KnowledgeIndex, STORE, 1, chunks, model)
    results: list[tuple[Question, list[Passage]]] = []
    for question in questions:
        vector = await embedder.embed_query(question.text) if embedder else None
        results.append((question, index.search(question.text, k, vector)))
    answerable = [(q, p) for q, p in results if q.source]
    unanswerable = [(q, p) for q, p in results if not q.source]
    languages = sorted({q.language for q, _ in answerable})
    return Evaluation(
        documents=len({c.document_id for c in chunks}),
        chunks=len(chunks),
        k=k,
        hybrid=embedder is not None,
        overall=_scores(answerable, k),
        by_language={
            language: _scores([(q, p) for q, p in answerable if q.language == language], k)
            for language in languages
        },
        unanswerable=len(unanswerable),
        rejected=sum(not passages for _, passages in unanswerable),
        silent=sum(not passages for _, passages in answerable),
        misses=[q.text for q, p in answerable if _rank(p, q, by_section=False) is None],
        wrongly_answered=[q.text for q, p in unanswerable if p],
        seconds=time.perf_counter() - started,
    )


async def evaluate(
    folder: Path = SAMPLE_STORE,
    questions: Path = SAMPLE_QUESTIONS,
    embedder: Embedder | None = None,
    k: int = 5,
) -> Evaluation:
    chunks = await asyncio.to_thread(load_chunks, folder)
    if embedder:
        chunks = await embedded(chunks, embedder)
    return await evaluate_chunks(chunks, read_questions(questions), embedder, k)


def tables(evaluation: Evaluation) -> list[Table]:
    kind = "hybrid (BM25 + vectors)" if evaluation.hybrid else "lexical (BM25 only)"
    k = evaluation.k
    scores = Table(
        title=f"Knowledge retrieval, {kind}: {evaluation.documents} documents, "
        f"{evaluation.chunks} chunks"
    )
    for column in ("questions", "n", "hit@1", f"hit@{k}", "MRR", f"section hit@{k}"):
        scores.add_column(column, justify="left" if column == "questions" else "right")
    rows = [("all answerable", evaluation.overall), *evaluation.by_language.items()]
    for name, row in rows:
        section = "-" if row.section_hit_at_k is None else f"{row.section_hit_at_k:.2f}"
        scores.add_row(
            name,
            str(row.questions),
            f"{row.hit_at_1:.2f}",
            f"{row.hit_at_k:.2f}",
            f"{row.mrr:.2f}",
            section,
        )
    outcome = Table(title="Threshold", show_header=False)
    outcome.add_column(style="bold")
    outcome.add_column()
    outcome.add_row(
        "unanswerable questions rejected",
        f"{evaluation.rejected} of {evaluation.unanswerable}",
    )
    outcome.add_row("answerable questions with no passage", str(evaluation.silent))
    outcome.add_row("missed (source not found)", "\n".join(evaluation.misses) or "-")
    outcome.add_row("unanswerable but answered", "\n".join(evaluation.wrongly_answered) or "-")
    outcome.add_row("seconds (index + questions)", f"{evaluation.seconds:.2f}")
    return [scores, outcome]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge_eval", description=__doc__)
    parser.add_argument("--folder", type=Path, default=SAMPLE_STORE, help="the documents")
    parser.add_argument("--questions", type=Path, default=SAMPLE_QUESTIONS, help="the CSV")
    parser.add_argument("--k", type=int, default=5, help="passages per question")
    parser.add_argument(
        "--embeddings", action="store_true", help="hybrid: embed with the configured API"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    embedder = embedder_from(Settings()) if arguments.embeddings else None
    if arguments.embeddings and embedder is None:
        parser.error("--embeddings needs an embeddings endpoint (docs/configuration.md)")
    evaluation = asyncio.run(evaluate(arguments.folder, arguments.questions, embedder, arguments.k))
    console = Console()
    for table in tables(evaluation):
        console.print(table)
    if arguments.json:
        arguments.json.write_text(json.dumps(asdict(evaluation), indent=2))


if __name__ == "__main__":
    main()
