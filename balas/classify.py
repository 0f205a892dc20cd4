"""`balas classify`: label messages as JSON lines, score an engine, or fit the offline model."""

import json
import time

from rich.table import Column, Table

from balas.wording import counted
from services.enricher.classification import Classifier
from services.enricher.classification.evaluation import Evaluation, Scores


async def json_lines(classifier: Classifier, texts: list[str]) -> list[str]:
    """One JSON object per message: the text, then its labels."""
    labels = await classifier.classify(texts)
    return [
        json.dumps({"text": text, **label.model_dump(mode="json")}, ensure_ascii=False)
        for text, label in zip(texts, labels, strict=True)
    ]


def train_model() -> str:
    """Fits the offline model on the training rows and writes it where the package loads it."""
    from services.enricher.classification.offline import MODEL_FILE
    from services.enricher.classification.training import train

    started = time.perf_counter()
    model = train()
    return (
        f"{MODEL_FILE}: {MODEL_FILE.stat().st_size:,} bytes, trained in "
        f"{time.perf_counter() - started:.0f} s; training digest {model.training_digest}"
    )


def _cells(scores: Scores | None) -> list[str]:
    if scores is None:
        return ["", ""]
    return [f"{scores.accuracy:.3f}", f"{scores.macro_f1:.3f}"]


def evaluation_tables(evaluations: list[Evaluation]) -> list[Table]:
    """A summary row per source, then F1 per class of each source and task."""
    engine = evaluations[0].engine
    summary = Table(
        Column("source", no_wrap=True),
        "messages",
        "intent acc.",
        "intent F1",
        "sent. acc.",
        "sent. F1",
        "lang.",
        title=f"engine {engine} on the held-out sets (none is trained on; F1 is macro); "
        f"{sum(e.seconds for e in evaluations):.1f} s",
    )
    for evaluation in evaluations:
        summary.add_row(
            evaluation.source,
            str(evaluation.messages),
            *_cells(evaluation.intent),
            *_cells(evaluation.sentiment),
            f"{evaluation.language_accuracy:.3f}",
        )
    if engine == "llm":
        summary.caption = (
            f"{counted(sum(e.fallbacks for e in evaluations), 'message')} fell back to the "
            "offline engine (LLM error or malformed answer)"
        )
    per_class = Table("source", "task", "F1 per class", title="F1 per class")
    for evaluation in evaluations:
        for task, scores in (("intent", evaluation.intent), ("sentiment", evaluation.sentiment)):
            if scores is not None:
                per_class.add_row(
                    evaluation.source,
                    task,
                    "  ".join(f"{name} {value:.2f}" for name, value in scores.f1_by_class.items()),
                )
    return [summary, per_class]
