"""Scores of an engine on the hand-written held-out set, which no engine is built from."""

import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from services.enricher.classification.engine import Classifier
from services.enricher.classification.labels import Classification
from services.enricher.classification.offline import read_labelled

HELD_OUT = Path(__file__).with_name("data") / "heldout.csv"
BATCH = 64


@dataclass(frozen=True)
class Scores:
    accuracy: float
    macro_f1: float
    f1_by_class: dict[str, float]


@dataclass(frozen=True)
class Evaluation:
    engine: str
    messages: int
    intent: Scores
    sentiment: Scores
    language_accuracy: float  # id/en rows: the main language; mixed rows: code_mixed is set
    fallbacks: int  # LLM engine only: messages the offline engine labelled instead
    seconds: float


def _scores(expected: list[str], predicted: list[str]) -> Scores:
    classes = sorted(set(expected))
    per_class = f1_score(expected, predicted, labels=classes, average=None, zero_division=0)
    return Scores(
        accuracy=float(accuracy_score(expected, predicted)),
        macro_f1=float(f1_score(expected, predicted, labels=classes, average="macro")),
        f1_by_class={name: float(value) for name, value in zip(classes, per_class, strict=True)},
    )


def _language_right(expected: str, labels: Classification) -> bool:
    return labels.code_mixed if expected == "mixed" else labels.language.value == expected


async def evaluate(classifier: Classifier, path: Path = HELD_OUT) -> Evaluation:
    rows = read_labelled(path)
    started = time.perf_counter()
    labels: list[Classification] = []
    for start in range(0, len(rows), BATCH):
        labels += await classifier.classify([row["text"] for row in rows[start : start + BATCH]])
    seconds = time.perf_counter() - started
    languages = [
        _language_right(row["language"], got) for row, got in zip(rows, labels, strict=True)
    ]
    return Evaluation(
        engine=classifier.name,
        messages=len(rows),
        intent=_scores([row["intent"] for row in rows], [got.intent.value for got in labels]),
        sentiment=_scores(
            [row["sentiment"] for row in rows], [got.sentiment.label.value for got in labels]
        ),
        language_accuracy=sum(languages) / len(rows),
        fallbacks=sum(got.engine != classifier.name for got in labels),
        seconds=seconds,
    )
