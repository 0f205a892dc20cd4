"""Customer-message classification: intent, sentiment, language and entities.

Two engines behind `Classifier`: the LLM engine (structured output through langchain-openai)
when an LLM is configured, and the offline engine (a linear model trained on public and
generated data, shipped fitted as `data/model.npz`) otherwise and as the LLM engine's fallback.
See docs/classification.md.
"""

from services.enricher.classification.choice import build_classifier
from services.enricher.classification.engine import (
    Classifier,
    EngineChoice,
    LlmNotConfiguredError,
)
from services.enricher.classification.labels import Classification

__all__ = [
    "Classification",
    "Classifier",
    "EngineChoice",
    "LlmNotConfiguredError",
    "build_classifier",
]
