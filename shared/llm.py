"""The LLM endpoints every service talks to: any OpenAI-compatible API, through langchain-openai.

Chat and embeddings each have an endpoint (base URL, key, model). A hosted API needs a key; a
local or self-hosted server (Ollama, vLLM, llama.cpp's server) needs only its base URL.
Embeddings go to the chat endpoint's server unless they have a base URL of their own
(docs/knowledge.md#local-and-self-hosted-models).
"""

from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ConfigDict, SecretStr

from shared.settings import Settings

# The openai client refuses to start without a key; a server that needs none ignores this one.
NO_KEY = SecretStr("no-key")


class Endpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str | None  # None: OpenAI's own API
    api_key: SecretStr
    model: str


def chat_endpoint(settings: Settings) -> Endpoint | None:
    """The chat model's endpoint; None when no LLM is configured (offline)."""
    llm = settings.llm
    if not llm.configured:
        return None
    return Endpoint(base_url=llm.base_url, api_key=llm.api_key or NO_KEY, model=llm.model)


def embeddings_endpoint(settings: Settings) -> Endpoint | None:
    """The embeddings' endpoint; None when they are switched off or nothing is configured.

    Without a base URL of their own they use the chat endpoint's server, and its key unless they
    have one. With a base URL of their own they never get the chat key: it belongs to another
    server.
    """
    wanted = settings.embeddings
    if not wanted.enabled:
        return None
    if wanted.base_url is not None:
        return Endpoint(
            base_url=wanted.base_url, api_key=wanted.api_key or NO_KEY, model=wanted.model
        )
    if wanted.api_key is None and not settings.llm.configured:
        return None
    return Endpoint(
        base_url=settings.llm.base_url,
        api_key=wanted.api_key or settings.llm.api_key or NO_KEY,
        model=wanted.model,
    )


def chat_model(
    settings: Settings, *, temperature: float | None = None, max_retries: int = 0
) -> ChatOpenAI:
    """Model, key, base URL and timeout from the settings; `temperature` defaults to theirs.

    Retries are the caller's choice: consumers retry whole events with backoff themselves.
    """
    endpoint = chat_endpoint(settings)
    if endpoint is None:
        raise ValueError("no LLM is configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
    return ChatOpenAI(
        model=endpoint.model,
        api_key=endpoint.api_key,
        base_url=endpoint.base_url,
        temperature=settings.llm.temperature if temperature is None else temperature,
        timeout=settings.llm.timeout_seconds,
        max_retries=max_retries,
    )
