"""`balas classify`: label messages as JSON lines, or score an engine on the held-out set."""

import json

from rich.table import Table

from balas.cli_support import wrapping_table
from services.enricher.classification import Classifier
from services.enricher.classification.evaluation import Evaluation


async def json_lines(classifier: Classifier, texts: list[str]) -> list[str]:
    """One JSON object per message: the text, then its labels."""
    labels = await classifier.classify(texts)
    return [
        json.dumps({"text": text, **label.model_dump(mode="json")}, ensure_ascii=False)
        for text, label in zip(texts, labels, strict=True)
    ]


def evaluation_tables(evaluation: Evaluation) -> list[Table]:
    summary = wrapping_table(
        "task",
        "accuracy",
        "macro-F1",
        title=f"engine {evaluation.engine} on the held-out set: {evaluation.messages} messages, "
        f"{evaluation.seconds:.1f} s",
    )
    for task, scores in (("intent", evaluation.intent), ("sentiment", evaluation.sentiment)):
        summary.add_row(task, f"{scores.accuracy:.3f}", f"{scores.macro_f1:.3f}")
    summary.add_row("language (id, en, code-mixed)", f"{evaluation.language_accuracy:.3f}", "")
    if evaluation.engine == "llm":
        summary.caption = (
            f"{evaluation.fallbacks} messages fell back to the offline engine (LLM error or "
            "malformed answer)"
        )
    per_class = wrapping_table("class", "F1", title="F1 per class")
    for scores in (evaluation.intent, evaluation.sentiment):
        for name, value in scores.f1_by_class.items():
            per_class.add_row(name, f"{value:.3f}")
    return [summary, per_class]
