"""The chat model every service talks to: any OpenAI-compatible API, through langchain-openai.

langchain-openai (and the OpenAI client under it) loads with the first model built: a process
with no LLM configured never needs it."""

from typing import TYPE_CHECKING

from shared.settings import Settings

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI


def chat_model(
    settings: Settings, *, temperature: float | None = None, max_retries: int = 0
) -> "ChatOpenAI":
    """Model, key, base URL and timeout from the settings; `temperature` defaults to theirs.

    Retries are the caller's choice: consumers retry whole events with backoff themselves.
    """
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm.model,
        api_key=settings.llm.api_key,
        base_url=settings.llm.base_url,
        temperature=settings.llm.temperature if temperature is None else temperature,
        timeout=settings.llm.timeout_seconds,
        max_retries=max_retries,
    )
