"""`python -m bench.train_ranker`: train the order of relevant passages (knowledge/ranker.py).

Training pairs are (question, candidate passage): BM25's first `CANDIDATES` passages for each
answerable question of the tuning set (the sample store's questions, its tuning questions and
its paraphrases) and of the development sets (two shops: the first questions and the casual
ones), labelled 1 when the passage answers the question (from its `source` file, holding its
`passage` phrase, in its `section`). The frozen set is never read. The model is a conditional
logit, a softmax over each question's candidates, on standardised features, fitted by Newton's
method with an L2 penalty (numpy alone, deterministic).

The penalty is chosen by leave-one-store-out cross-validation (three stores: the sample store
and the two development shops): each store's questions are searched with the ranker fitted on
the other two, relevance decided as in production (coverage >= `MIN_SCORE`). The hand-set
order (BM25 alone) is printed beside. `--write` fits all three stores with the chosen penalty
and writes shared/knowledge/data/ranker.json, recording the penalty.
"""

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.knowledge_eval import (
    DEV_CASUAL_QUESTIONS,
    DEV_QUESTIONS,
    DEV_SHOPS,
    FIXTURES,
    SAMPLE_QUESTIONS,
    SAMPLE_STORE,
    Question,
    is_right,
    load_stores,
    read_questions,
    store_id,
)
from shared.knowledge.models import Chunk
from shared.knowledge.ranker import FEATURES, MODEL, Features, Ranker
from shared.knowledge.retrieval import POOL, KnowledgeIndex, Passage

# The tuning set's questions: the sample store's, its tuning questions and its paraphrases.
TUNING = (
    SAMPLE_QUESTIONS,
    FIXTURES / "tuning_questions.csv",
    FIXTURES / "sample_store_paraphrases.csv",
)
# The development shops' questions: the first set, then the casual one (slang, typos, chat verbs).
DEVELOPMENT = (DEV_QUESTIONS, DEV_CASUAL_QUESTIONS)
PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)  # L2 penalties tried, on standardised features
K = 5

Indexes = dict[str, KnowledgeIndex]  # by shop; the sample store is ""


@dataclass(frozen=True)
class Candidates:
    """One answerable question's candidates: their features and labels."""

    question: Question
    rows: Features
    labels: Features


@dataclass(frozen=True)
class Figures:
    hit_at_1: float
    abstention: float
    hit_at_k: float
    silent: int  # answerable questions given no passage


def answers(chunk: Chunk, question: Question) -> bool:
    """The training label: the right file, holding the phrase, in the section."""
    if chunk.filename != question.source:
        return False
    if question.passage and question.passage.casefold() not in chunk.text.casefold():
        return False
    return (
        question.section or ""
    ).casefold() in f"{chunk.locator} {chunk.heading or ''}".casefold()


def stores_and_questions() -> tuple[Indexes, list[Question]]:
    """The three stores' indexes and every training question (the frozen set is not read)."""
    chunks = load_stores(SAMPLE_STORE) | load_stores(DEV_SHOPS)
    indexes = {shop: KnowledgeIndex(store_id(shop), 1, found) for shop, found in chunks.items()}
    questions = [q for path in (*TUNING, *DEVELOPMENT) for q in read_questions(path)]
    return indexes, questions


def candidates(indexes: Indexes, questions: Sequence[Question]) -> list[Candidates]:
    """The answerable questions' candidates, where one of them answers (else nothing to learn)."""
    found = []
    for question in questions:
        index = indexes[question.shop]
        matches = index.lexical.search(question.text, POOL)
        rows = index.candidates(question.text, matches)
        positions = matches.positions[: len(rows)].tolist()
        labels = np.asarray([answers(index.chunks[p], question) for p in positions], dtype=float)
        if question.source and labels.any():
            found.append(Candidates(question, rows, labels))
    return found


def fit(training: Sequence[Candidates], penalty: float) -> Ranker:
    """The conditional logit: each question's softmax over its candidates, towards an equal
    share for each passage that answers it."""
    rows = np.vstack([c.rows for c in training])
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    groups = [((c.rows - mean) / scale, c.labels / c.labels.sum()) for c in training]
    width = len(FEATURES)

    def gradient_and_hessian(weights: Features) -> tuple[Features, Features]:
        gradient = penalty * weights
        hessian = penalty * np.eye(width)
        for x, target in groups:
            logits = x @ weights
            p = np.exp(logits - logits.max())
            p /= p.sum()
            mean_row = x.T @ p
            gradient = gradient + x.T @ (p - target)
            hessian = hessian + (x.T * p) @ x - np.outer(mean_row, mean_row)
        return gradient, hessian

    return Ranker(mean, scale, _newton(gradient_and_hessian, width))


def _newton(
    gradient_and_hessian: Callable[[Features], tuple[Features, Features]], width: int
) -> Features:
    weights = np.zeros(width)
    for _ in range(100):
        gradient, hessian = gradient_and_hessian(weights)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    return weights


def searched(
    indexes: Indexes, questions: Sequence[Question], ranker_of: Callable[[str], Ranker | None]
) -> list[list[Passage]]:
    """Each question searched in its store, ordered by that store's ranker (None: BM25)."""
    return [indexes[q.shop].search(q.text, K, ranker=ranker_of(q.shop)) for q in questions]


def figures(questions: Sequence[Question], results: Sequence[Sequence[Passage]]) -> Figures:
    pairs = list(zip(questions, results, strict=True))
    ranks = [
        next((n for n, p in enumerate(found, 1) if is_right(p, q)), None)
        for q, found in pairs
        if q.source
    ]
    rejected = [not found for q, found in pairs if not q.source]
    return Figures(
        hit_at_1=sum(rank == 1 for rank in ranks) / len(ranks),
        abstention=sum(rejected) / len(rejected),
        hit_at_k=sum(rank is not None for rank in ranks) / len(ranks),
        silent=sum(not found for q, found in pairs if q.source),
    )


def cross_validated(
    indexes: Indexes, questions: Sequence[Question], training: Sequence[Candidates], penalty: float
) -> list[list[Passage]]:
    """Each store's questions searched with the ranker fitted on the other stores."""
    rankers = {
        shop: fit([c for c in training if c.question.shop != shop], penalty) for shop in indexes
    }
    return searched(indexes, questions, rankers.__getitem__)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.train_ranker", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL.name}")
    parser.add_argument("--to", type=Path, default=MODEL, help="where --write writes")
    arguments = parser.parse_args()
    indexes, questions = stores_and_questions()
    training = candidates(indexes, questions)
    results = {"BM25 order (before)": searched(indexes, questions, lambda shop: None)}
    for penalty in PENALTIES:
        results[f"learned order, L2 {penalty:g}"] = cross_validated(
            indexes, questions, training, penalty
        )
    casual = frozenset(read_questions(DEV_CASUAL_QUESTIONS))
    table = Table(title="Leave-one-store-out (3 stores), relevance: coverage >= 0.4")
    for column in ("", "set", "hit@1", "abstain", f"hit@{K}", "no passage"):
        table.add_column(column, justify="right")
    sets = {
        "all": lambda q: True,
        "tuning": lambda q: not q.shop,
        "dev": lambda q: bool(q.shop) and q not in casual,
        "dev casual": casual.__contains__,
    }
    overall = {}
    for label, found in results.items():
        table.add_section()
        for name, chosen in sets.items():
            pairs = [(q, r) for q, r in zip(questions, found, strict=True) if chosen(q)]
            scores = figures([q for q, _ in pairs], [r for _, r in pairs])
            overall.setdefault(label, scores)
            table.add_row(
                label,
                name,
                f"{scores.hit_at_1:.2f}",
                f"{scores.abstention:.2f}",
                f"{scores.hit_at_k:.2f}",
                str(scores.silent),
            )
    console = Console()
    console.print(table)
    penalty = max(PENALTIES, key=lambda n: (overall[f"learned order, L2 {n:g}"].hit_at_1, n))
    ranker = fit(training, penalty)
    console.print(f"chosen: L2 {penalty:g}, trained on {len(training)} questions")
    console.print(dict(zip(FEATURES, np.round(ranker.weights, 3).tolist(), strict=True)))
    if arguments.write:
        arguments.to.write_text(ranker.to_json(penalty=penalty), encoding="utf-8")


if __name__ == "__main__":
    main()
