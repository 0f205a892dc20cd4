"""The interface both engines share."""

from typing import Literal, Protocol

from services.enricher.classification.labels import Classification

EngineChoice = Literal["auto", "offline", "llm"]


class Classifier(Protocol):
    """Labels customer messages; one result per text, in order. Never raises for bad input."""

    name: str

    async def classify(self, texts: list[str]) -> list[Classification]: ...


class LlmNotConfiguredError(RuntimeError):
    pass
