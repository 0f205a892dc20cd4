"""`python -m bench.knowledge_eval`: does retrieval find where the answer to a question is?

Five sets, reported apart (docs/evaluation.md): the **tuning** set, the sample store in
tests/fixtures/sample_store with tests/fixtures/sample_store_questions.csv; the **dev** set, two
other real shops' published pages in tests/fixtures/dev_shops/<shop>/ with
tests/fixtures/dev_questions.csv, written before any tuning on them, to measure how rules carry
over to words nobody fitted them to; the **casual** set, the same shops with
tests/fixtures/dev_casual_questions.csv, WhatsApp Indonesian (slang, typos, chat verbs) written
the same way later; the **dev4** set, the same shops with tests/fixtures/dev_questions_4.csv,
paraphrases in every style written later still; and the **frozen** set, three real shops'
published pages in bench/data/external/<shop>/ with bench/data/external/questions.csv, which
nobody tunes on.

Every document of a set's folder (README.md and files without a document suffix left out) is
extracted and chunked with the code the enricher uses; a folder of shop folders is one store per
shop, each question searched in its `shop`'s store. Each question of the CSV (`question,
language,source` and optionally `section`, `passage`, `shop`, `style`) is searched as a customer
would ask it:

- **answerable** questions name the file holding the answer (`source`). The right passage comes
  from that file and, when the question names a `passage`, contains that phrase (casefolded), so
  the check survives chunking changes. Scores: hit@1 and hit@k (the right passage among the first
  1 or k), MRR (mean of 1 / rank of the right passage, 0 when absent), and section hit@k (the
  right chunk's locator or heading contains `section`: "page 2", "row 14", "Garansi");
- **unanswerable** questions (no `source`) should get no passage at all: abstention is the share
  of them the relevance threshold rejects.

Both are reported overall, per language (`id`, `en`, `mixed`) and per style (`formal`, `casual`,
`slang`, `typos`, `code-mixed`, `english`), hit@1 and abstention side by side: loosening the
threshold buys one with the other.

Offline (the default) retrieval is BM25 alone, as in a deployment without an embeddings key;
`--embeddings` uses the configured embeddings endpoint for the hybrid search.
"""

import argparse
import asyncio
import csv
import json
import time
from collections.abc import Callable, Mapping, Sequence
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

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_STORE = FIXTURES / "sample_store"
# Next to the store, not in it: the folder holds the documents alone.
SAMPLE_QUESTIONS = FIXTURES / "sample_store_questions.csv"
# Frozen: never tuned on, never edited (docs/evaluation.md).
EXTERNAL = ROOT / "bench" / "data" / "external"
EXTERNAL_QUESTIONS = EXTERNAL / "questions.csv"
# Development: other real shops, frozen before tuning, read freely (misses are printed).
DEV_SHOPS = FIXTURES / "dev_shops"
DEV_QUESTIONS = FIXTURES / "dev_questions.csv"
# Development too, written later: customers' WhatsApp Indonesian (slang, typos, chat verbs).
DEV_CASUAL_QUESTIONS = FIXTURES / "dev_casual_questions.csv"
# Development, the fourth set: written before the work it measures, its "before" the unseen figure;
# kept out of the ranker's training (bench/train_ranker.py).
DEV_QUESTIONS_4 = FIXTURES / "dev_questions_4.csv"
SETS = {
    "tuning": (SAMPLE_STORE, SAMPLE_QUESTIONS),
    "dev": (DEV_SHOPS, DEV_QUESTIONS),
    "casual": (DEV_SHOPS, DEV_CASUAL_QUESTIONS),
    "dev4": (DEV_SHOPS, DEV_QUESTIONS_4),
    "frozen": (EXTERNAL, EXTERNAL_QUESTIONS),
}
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
    passage: str | None = None  # a phrase the answering chunk's text contains
    shop: str = ""  # the shop folder whose store it is asked in; "": the set's only store
    style: str | None = None  # how it is written: formal, casual, slang, typos, ...


@dataclass(frozen=True)
class Scores:
    questions: int  # answerable ones
    hit_at_1: float | None  # None: no answerable question in the group
    hit_at_k: float | None
    mrr: float | None
    section_hit_at_k: float | None  # over the questions that name a section
    unanswerable: int
    abstention: float | None  # share of the unanswerable ones that got no passage


@dataclass(frozen=True)
class Evaluation:
    documents: int
    chunks: int
    k: int
    hybrid: bool
    overall: Scores
    by_language: dict[str, Scores]
    by_style: dict[str, Scores]
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
                section=row.get("section") or None,
                passage=row.get("passage") or None,
                shop=row.get("shop") or "",
                style=row.get("style") or None,
            )
            for row in csv.DictReader(handle)
        ]


def document_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.name not in NOT_DOCUMENTS
    )


def load_chunks(folder: Path, store: str = STORE) -> list[Chunk]:
    """Every document of `folder` as the enricher would chunk it (blocking: OCR, PDF)."""
    chunks: list[Chunk] = []
    for path in document_files(folder):
        for n, draft in enumerate(chunk(extract(path.read_bytes()))):
            chunks.append(
                Chunk(
                    id=chunk_id(path.name, 1, n),
                    store_id=store,
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


def store_id(shop: str) -> str:
    return shop or STORE


def load_stores(folder: Path) -> dict[str, list[Chunk]]:
    """One store per shop folder of `folder`, or `folder` itself as the only store ("")."""
    shops = sorted(path.name for path in folder.iterdir() if path.is_dir())
    if not shops:
        return {"": load_chunks(folder)}
    return {shop: load_chunks(folder / shop, store_id(shop)) for shop in shops}


async def embedded(chunks: list[Chunk], embedder: Embedder) -> list[Chunk]:
    vectors = await embedder.embed_documents([c.text for c in chunks])
    return [
        c.model_copy(update={"embedding": vector, "embedding_model": embedder.model})
        for c, vector in zip(chunks, vectors, strict=True)
    ]


def is_right(passage: Passage, question: Question) -> bool:
    """From the file that answers the question and, when it names one, holding its phrase."""
    if passage.filename != question.source:
        return False
    return not question.passage or question.passage.casefold() in passage.text.casefold()


def _rank(passages: Sequence[Passage], question: Question, by_section: bool) -> int | None:
    """1-based rank of the first right passage (in the question's section), or None."""
    for rank, passage in enumerate(passages, start=1):
        if not is_right(passage, question):
            continue
        where = f"{passage.locator} {passage.heading or ''}".casefold()
        if not by_section or (question.section or "").casefold() in where:
            return rank
    return None


Results = list[tuple[Question, list[Passage]]]


def _share(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _scores(results: Results, k: int) -> Scores:
    answerable = [(q, p) for q, p in results if q.source]
    ranks = [_rank(passages, question, by_section=False) for question, passages in answerable]
    sectioned = [(q, p) for q, p in answerable if q.section]
    rejected = [not passages for question, passages in results if not question.source]
    return Scores(
        questions=len(answerable),
        hit_at_1=_share([rank == 1 for rank in ranks]),
        hit_at_k=_share([rank is not None and rank <= k for rank in ranks]),
        mrr=_share([1 / rank if rank else 0 for rank in ranks]),
        section_hit_at_k=_share([_rank(p, q, by_section=True) is not None for q, p in sectioned]),
        unanswerable=len(rejected),
        abstention=_share(rejected),
    )


def _grouped(results: Results, key: Callable[[Question], str | None], k: int) -> dict[str, Scores]:
    groups = sorted({name for question, _ in results if (name := key(question))})
    return {name: _scores([(q, p) for q, p in results if key(q) == name], k) for name in groups}


async def evaluate_stores(
    stores: Mapping[str, list[Chunk]],
    questions: list[Question],
    embedder: Embedder | None = None,
    k: int = 5,
) -> Evaluation:
    """Each question searched in its shop's store, every figure over all of them."""
    started = time.perf_counter()
    model = embedder.model if embedder else None
    results: Results = []
    for shop, chunks in stores.items():
        index = await asyncio.to_thread(KnowledgeIndex, store_id(shop), 1, chunks, model)
        for question in questions:
            if question.shop == shop:
                vector = await embedder.embed_query(question.text) if embedder else None
                results.append((question, index.search(question.text, k, vector)))
    unknown = {q.shop for q in questions} - set(stores)
    if unknown:
        raise ValueError(f"questions name shops without documents: {sorted(unknown)}")
    answerable = [(q, p) for q, p in results if q.source]
    unanswerable = [(q, p) for q, p in results if not q.source]
    every_chunk = [c for chunks in stores.values() for c in chunks]
    return Evaluation(
        documents=len({(c.store_id, c.document_id) for c in every_chunk}),
        chunks=len(every_chunk),
        k=k,
        hybrid=embedder is not None,
        overall=_scores(results, k),
        by_language=_grouped(results, lambda q: q.language, k),
        by_style=_grouped(results, lambda q: q.style, k),
        unanswerable=len(unanswerable),
        rejected=sum(not passages for _, passages in unanswerable),
        silent=sum(not passages for _, passages in answerable),
        misses=[q.text for q, p in answerable if _rank(p, q, by_section=False) is None],
        wrongly_answered=[q.text for q, p in unanswerable if p],
        seconds=time.perf_counter() - started,
    )


async def evaluate_chunks(
    chunks: list[Chunk],
    questions: list[Question],
    embedder: Embedder | None = None,
    k: int = 5,
) -> Evaluation:
    """One store holding `chunks`, every question asked there."""
    return await evaluate_stores({"": chunks}, questions, embedder, k)


async def evaluate(
    folder: Path = SAMPLE_STORE,
    questions: Path = SAMPLE_QUESTIONS,
    embedder: Embedder | None = None,
    k: int = 5,
) -> Evaluation:
    stores = await asyncio.to_thread(load_stores, folder)
    if embedder:
        stores = {shop: await embedded(chunks, embedder) for shop, chunks in stores.items()}
    return await evaluate_stores(stores, read_questions(questions), embedder, k)


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def tables(evaluation: Evaluation, name: str = "", quote: bool = True) -> list[Table]:
    """The figures; `quote=False` keeps the questions themselves out (the frozen set's are
    read by nobody who tunes)."""
    kind = "hybrid (BM25 + vectors)" if evaluation.hybrid else "lexical (BM25 only)"
    k = evaluation.k
    scores = Table(
        title=f"Knowledge retrieval{f', {name} set' if name else ''}, {kind}: "
        f"{evaluation.documents} documents, {evaluation.chunks} chunks"
    )
    # n: answerable questions, n unans.: unanswerable ones, sect@k: section hit@k
    scores.add_column("questions")
    for column in ("n", "hit@1", "abstain", "n unans.", f"hit@{k}", "MRR", f"sect@{k}"):
        scores.add_column(column, justify="right")
    groups = [{"all": evaluation.overall}, evaluation.by_language, evaluation.by_style]
    for group in filter(None, groups):
        scores.add_section()
        for label, row in group.items():
            scores.add_row(
                label,
                str(row.questions),
                _figure(row.hit_at_1),
                _figure(row.abstention),
                str(row.unanswerable),
                _figure(row.hit_at_k),
                _figure(row.mrr),
                _figure(row.section_hit_at_k),
            )
    outcome = Table(title="Threshold", show_header=False)
    outcome.add_column(style="bold")
    outcome.add_column()
    outcome.add_row(
        "unanswerable questions rejected",
        f"{evaluation.rejected} of {evaluation.unanswerable}",
    )
    outcome.add_row("answerable questions with no passage", str(evaluation.silent))
    for label, texts in (
        ("missed (right passage not found)", evaluation.misses),
        ("unanswerable but answered", evaluation.wrongly_answered),
    ):
        outcome.add_row(label, ("\n".join(texts) if quote else str(len(texts))) or "-")
    outcome.add_row("seconds (index + questions)", f"{evaluation.seconds:.2f}")
    return [scores, outcome]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge_eval", description=__doc__)
    parser.add_argument(
        "--set", choices=sorted(SETS), action="append", help="only this set (default: all)"
    )
    parser.add_argument("--folder", type=Path, help="other documents (with --questions)")
    parser.add_argument("--questions", type=Path, help="other questions' CSV (with --folder)")
    parser.add_argument("--k", type=int, default=5, help="passages per question")
    parser.add_argument(
        "--embeddings", action="store_true", help="hybrid: embed with the configured API"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    embedder = embedder_from(Settings()) if arguments.embeddings else None
    if arguments.embeddings and embedder is None:
        parser.error("--embeddings needs an embeddings endpoint (docs/configuration.md)")
    if (arguments.folder is None) != (arguments.questions is None):
        parser.error("--folder and --questions go together")
    if arguments.folder:
        chosen = {"custom": (arguments.folder, arguments.questions)}
    else:
        chosen = {name: SETS[name] for name in arguments.set or SETS}
    console = Console()
    figures = {}
    for name, (folder, questions) in chosen.items():
        evaluation = asyncio.run(evaluate(folder, questions, embedder, arguments.k))
        for table in tables(evaluation, name, quote=name != "frozen"):
            console.print(table)
        figures[name] = asdict(evaluation)
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
