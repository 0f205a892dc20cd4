"""Scores of an engine on every held-out set, per source: none of them is trained on."""

import time
from dataclasses import dataclass

from sklearn.metrics import accuracy_score, f1_score

from services.enricher.classification.datasets import Labelled, scoring_sets
from services.enricher.classification.engine import Classifier
from services.enricher.classification.labels import Classification

BATCH = 64


@dataclass(frozen=True)
class Scores:
    messages: int
    accuracy: float
    macro_f1: float  # over the classes the source has
    f1_by_class: dict[str, float]


@dataclass(frozen=True)
class Evaluation:
    """One source's held-out set; a task its source does not label has no scores."""

    source: str
    engine: str
    messages: int
    intent: Scores | None
    sentiment: Scores | None
    language_accuracy: float  # id/en rows: the main language; mixed rows: code_mixed is set
    fallbacks: int  # LLM engine only: messages the offline engine labelled instead
    seconds: float


def _scores(expected: list[str], predicted: list[str]) -> Scores | None:
    if not expected:
        return None
    classes = sorted(set(expected))
    per_class = f1_score(expected, predicted, labels=classes, average=None, zero_division=0)
    return Scores(
        messages=len(expected),
        accuracy=float(accuracy_score(expected, predicted)),
        macro_f1=float(f1_score(expected, predicted, labels=classes, average="macro")),
        f1_by_class={name: float(value) for name, value in zip(classes, per_class, strict=True)},
    )


def _task(rows: list[Labelled], labels: list[Classification], task: str) -> Scores | None:
    pairs = [
        (getattr(row, task), got.intent.value if task == "intent" else got.sentiment.label.value)
        for row, got in zip(rows, labels, strict=True)
        if getattr(row, task)
    ]
    return _scores([expected for expected, _ in pairs], [predicted for _, predicted in pairs])


def _language_right(row: Labelled, labels: Classification) -> bool:
    return labels.code_mixed if row.language == "mixed" else labels.language.value == row.language


async def evaluate_source(classifier: Classifier, source: str, rows: list[Labelled]) -> Evaluation:
    started = time.perf_counter()
    labels: list[Classification] = []
    for start in range(0, len(rows), BATCH):
        labels += await classifier.classify([row.text for row in rows[start : start + BATCH]])
    return Evaluation(
        source=source,
        engine=classifier.name,
        messages=len(rows),
        intent=_task(rows, labels, "intent"),
        sentiment=_task(rows, labels, "sentiment"),
        language_accuracy=sum(map(_language_right, rows, labels)) / len(rows),
        fallbacks=sum(got.engine != classifier.name for got in labels),
        seconds=time.perf_counter() - started,
    )


async def evaluate(classifier: Classifier) -> list[Evaluation]:
    """Every held-out set, the generated one first."""
    return [
        await evaluate_source(classifier, source, rows) for source, rows in scoring_sets().items()
    ]
