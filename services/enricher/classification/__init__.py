"""Customer-message classification: intent, sentiment, language and entities.

Two engines behind `Classifier`: the LLM engine (structured output through langchain-openai)
when an LLM is configured, and the offline engine (scikit-learn, trained from the shipped data
set) otherwise and as the LLM engine's fallback. See docs/classification.md.
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
