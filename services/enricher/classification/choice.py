"""The choice between the engines: the LLM when configured (or asked for), else offline."""

import asyncio

from services.enricher.classification.engine import (
    Classifier,
    EngineChoice,
    LlmNotConfiguredError,
)
from shared.settings import Settings


async def build_classifier(settings: Settings, engine: EngineChoice | None = None) -> Classifier:
    """The LLM engine when an LLM is configured (or asked for), else the offline engine.

    `engine` defaults to the `CLASSIFICATION_ENGINE` setting (`auto`).

    The offline model is trained here, off the event loop, so the first message is not slow.
    """
    # The engines' libraries (scikit-learn, langchain) load only when a classifier is built.
    from services.enricher.classification.offline import OfflineClassifier, shared_model

    engine = engine or settings.llm.classification_engine
    offline = OfflineClassifier(await asyncio.to_thread(shared_model))
    if engine == "offline" or (engine == "auto" and not settings.llm.configured):
        return offline
    if not settings.llm.configured:
        raise LlmNotConfiguredError("no LLM configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
    from services.enricher.classification.llm import LlmClassifier

    return LlmClassifier(settings, fallback=offline)
