"""`python -m bench.train_relevance`: train the relevance decision (knowledge/relevance.py).

The questions are every development question and message part (the frozen sets are never
read): the retrieval sets tuning (the sample store's questions, its tuning questions and
paraphrases), dev, casual and dev4 (`bench.knowledge_eval`), and the parts of the development
messages dev, dev2, dev3, dev6 and dev7 (`bench.answer_eval`; dev5's parts are follow-ups, which
ask nothing alone), the same text in the same store counted once. A question is an example when
the decision would weigh it: the first of its candidates covering `FLOOR`, in the ranker's
order, covers less than `MIN_SCORE`. Its label is 1 when that passage answers it
(`bench.train_ranker.answers`), 0 when it does not or the question is unanswerable. The model is
a logistic regression on standardised features, fitted by Newton's method with an L2 penalty on
all but the intercept (numpy alone, deterministic).

Leave-one-store-out cross-validation (the sample store and the two development shops): each
store's questions are searched as in production, with a ranker (`bench.train_ranker`, its L2)
and a decision fitted on the other two stores' questions alone, against the coverage rule alone
with the same ranker. Each (penalty, threshold) is printed; the one chosen recovers the most
answerable questions (right passage first) plus unanswerable ones abstained (the higher
threshold on a tie), among those where neither falls in any store. `--write` fits all three
stores with it, the shipped ranker ordering, and writes shared/knowledge/data/relevance.json.
"""

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.answer_eval import (
    DEV_MULTI_QUESTIONS,
    DEV_MULTI_QUESTIONS_2,
    DEV_MULTI_QUESTIONS_3,
    DEV_MULTI_QUESTIONS_6,
    DEV_MULTI_QUESTIONS_7,
    read_messages,
)
from bench.knowledge_eval import (
    DEV_CASUAL_QUESTIONS,
    DEV_QUESTIONS,
    DEV_QUESTIONS_4,
    Question,
    is_right,
    read_questions,
)
from bench.train_ranker import TUNING, Indexes, answers, stores_and_questions
from bench.train_ranker import candidates as ranker_candidates
from bench.train_ranker import fit as fit_ranker
from shared.knowledge.ranker import MODEL as RANKER_MODEL
from shared.knowledge.ranker import Features, Ranker
from shared.knowledge.relevance import FEATURES, MODEL, Relevance
from shared.knowledge.retrieval import RANKER, Passage

# Each fold's ranker is fitted with the shipped ranker's penalty.
RANKER_PENALTY = float(json.loads(RANKER_MODEL.read_text(encoding="utf-8"))["penalty"])
PENALTIES = (0.1, 1.0, 10.0)
THRESHOLDS = (0.4, 0.5, 0.6, 0.7)
K = 5
# Where each question comes from, for the table: retrieval sets, then message parts.
RETRIEVAL = {
    "tuning": TUNING,
    "dev": (DEV_QUESTIONS,),
    "casual": (DEV_CASUAL_QUESTIONS,),
    "dev4": (DEV_QUESTIONS_4,),
}
MESSAGES = {
    "dev parts": DEV_MULTI_QUESTIONS,
    "dev2 parts": DEV_MULTI_QUESTIONS_2,
    "dev3 parts": DEV_MULTI_QUESTIONS_3,
    "dev6 parts": DEV_MULTI_QUESTIONS_6,
    "dev7 parts": DEV_MULTI_QUESTIONS_7,
}


@dataclass(frozen=True)
class Example:
    question: Question
    row: Features
    label: float


def questions() -> list[tuple[str, Question]]:
    """Every development question and message part with its set, each (shop, text) once."""
    found: dict[tuple[str, str], tuple[str, Question]] = {}
    for group, paths in RETRIEVAL.items():
        for path in paths:
            for q in read_questions(path):
                found.setdefault((q.shop, q.text), (group, q))
    for group, path in MESSAGES.items():
        for message in read_messages(path):
            for part in message.parts:
                q = Question(
                    part.text, message.language, part.source, None, part.passage, message.shop
                )
                found.setdefault((q.shop, q.text), (group, q))
    return list(found.values())


def examples(indexes: Indexes, asked: Sequence[Question], ranker: Ranker) -> list[Example]:
    """The questions the decision weighs, each with its features and label."""
    found = []
    for question in asked:
        index = indexes[question.shop]
        if (weighed := index.weighed(question.text, ranker)) is not None:
            position, row = weighed
            right = bool(question.source) and answers(index.chunks[position], question)
            found.append(Example(question, row, float(right)))
    return found


def fit(training: Sequence[Example], penalty: float, threshold: float) -> Relevance:
    """Logistic regression with an L2 penalty (the intercept unpenalised), Newton's method."""
    rows = np.vstack([e.row for e in training])
    labels = np.asarray([e.label for e in training])
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    x = np.column_stack([(rows - mean) / scale, np.ones(len(rows))])
    ridge = penalty * np.eye(x.shape[1])
    ridge[-1, -1] = 0.0
    weights = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ weights)))
        gradient = x.T @ (p - labels) + ridge @ weights
        hessian = (x.T * (p * (1 - p))) @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    return Relevance(mean, scale, weights[:-1], float(weights[-1]), threshold)


@dataclass(frozen=True)
class Figures:
    answerable: int
    first: int  # right passage first
    among: int  # right passage among the first K
    silent: int  # answerable with no passage
    unanswerable: int
    abstained: int


def figures(pairs: Sequence[tuple[Question, list[Passage]]]) -> Figures:
    ranks = [
        next((n for n, p in enumerate(found, 1) if is_right(p, q)), None)
        for q, found in pairs
        if q.source
    ]
    return Figures(
        answerable=len(ranks),
        first=sum(rank == 1 for rank in ranks),
        among=sum(rank is not None for rank in ranks),
        silent=sum(not found for q, found in pairs if q.source),
        unanswerable=sum(not q.source for q, _ in pairs),
        abstained=sum(not found for q, found in pairs if not q.source),
    )


def searched(
    indexes: Indexes,
    asked: Sequence[tuple[str, Question]],
    ranker_of: Callable[[str], Ranker],
    relevance_of: Callable[[str], Relevance | None],
) -> list[tuple[str, Question, list[Passage]]]:
    return [
        (
            group,
            q,
            indexes[q.shop].search(
                q.text, K, ranker=ranker_of(q.shop), relevance=relevance_of(q.shop)
            ),
        )
        for group, q in asked
    ]


def _cell(f: Figures) -> str:
    return f"{f.first}/{f.among}/{f.silent} of {f.answerable}; {f.abstained} of {f.unanswerable}"


BEFORE = "coverage >= 0.4 alone (before)"
Runs = dict[str, list[tuple[str, Question, list[Passage]]]]


def cross_validated(indexes: Indexes, ranker_questions: Sequence[Question]) -> Runs:
    """Every question searched in its store with the coverage rule alone (`BEFORE`) and with
    each (penalty, threshold), the ranker and the decision fitted on the other stores."""
    asked = questions()
    ranker_training = ranker_candidates(indexes, ranker_questions)
    # Each fold's ranker, and the examples it orders, never saw the held-out store.
    rankers = {
        shop: fit_ranker([c for c in ranker_training if c.question.shop != shop], RANKER_PENALTY)
        for shop in indexes
    }
    fold_examples = {
        shop: examples(indexes, [q for _, q in asked if q.shop != shop], rankers[shop])
        for shop in indexes
    }
    runs = {BEFORE: searched(indexes, asked, rankers.__getitem__, lambda shop: None)}
    for penalty in PENALTIES:
        for threshold in THRESHOLDS:
            decisions = {shop: fit(fold_examples[shop], penalty, threshold) for shop in indexes}
            runs[f"learned, L2 {penalty:g}, p >= {threshold:g}"] = searched(
                indexes, asked, rankers.__getitem__, decisions.__getitem__
            )
    return runs


def by_store(indexes: Indexes, runs: Runs) -> dict[str, list[Figures]]:
    """Each run's figures, in every store."""
    return {
        name: [figures([(q, f) for _, q, f in found if q.shop == shop]) for shop in indexes]
        for name, found in runs.items()
    }


def choice(stores: dict[str, list[Figures]]) -> tuple[float, float] | None:
    """(penalty, threshold) of the run that recovers the most answerable questions plus
    abstains on the most unanswerable ones (the higher threshold on a tie), among those that
    do neither less than the coverage rule alone in any store; None if there is none."""

    def no_worse(name: str) -> bool:
        return all(
            a.first >= b.first and a.abstained >= b.abstained
            for a, b in zip(stores[name], stores[BEFORE], strict=True)
        )

    def total(name: str) -> tuple[int, str]:
        return sum(f.first + f.abstained for f in stores[name]), name.split(">= ")[1]

    found = [name for name in stores if name != BEFORE and no_worse(name)]
    if not found:
        return None
    penalty, threshold = max(found, key=total).split("L2 ")[1].split(", p >= ")
    return float(penalty), float(threshold)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.train_relevance", description=__doc__)
    parser.add_argument(
        "--write", action="store_true", help=f"write {MODEL.name}, or remove it if none is chosen"
    )
    parser.add_argument("--to", type=Path, default=MODEL, help="where --write writes")
    arguments = parser.parse_args()
    indexes, ranker_questions = stores_and_questions()
    runs = cross_validated(indexes, ranker_questions)
    groups = [*RETRIEVAL, *MESSAGES]
    table = Table(
        title="Leave-one-store-out: answerable right first / among 5 / no passage; "
        "unanswerable abstained"
    )
    for column in ("relevance", "all", *(f"store {s or 'sample'}" for s in indexes), *groups):
        table.add_column(column, justify="right")
    stores = by_store(indexes, runs)
    for name, found in runs.items():
        every = figures([(q, f) for _, q, f in found])
        per_group = [figures([(q, f) for g, q, f in found if g == group]) for group in groups]
        table.add_row(name, *(_cell(f) for f in (every, *stores[name], *per_group)))
    console = Console(width=320)
    console.print(table)
    chosen = choice(stores)
    if chosen is None:
        console.print("none does as well as the coverage rule alone in every store: none shipped")
        if arguments.write:
            arguments.to.unlink(missing_ok=True)
        return
    penalty, threshold = chosen
    training = examples(indexes, [q for _, q in questions()], RANKER)
    decision = fit(training, penalty, threshold)
    console.print(f"chosen: L2 {penalty:g}, p >= {threshold:g}; fitted on {len(training)}")
    console.print(dict(zip(FEATURES, np.round(decision.weights, 3).tolist(), strict=True)))
    if arguments.write:
        arguments.to.write_text(decision.to_json(penalty=penalty), encoding="utf-8")


if __name__ == "__main__":
    main()
