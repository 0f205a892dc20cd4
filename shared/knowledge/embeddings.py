"""Vectors of texts from any OpenAI-compatible embeddings API, through langchain-openai.

`embedder_from(settings)` is the one place that chooses the embedder of a process. With no
embeddings endpoint (nothing configured, or EMBEDDINGS_ENABLED=false) there is none and
retrieval is lexical only.
"""

from langchain_openai import OpenAIEmbeddings

from shared.llm import Endpoint, embeddings_endpoint
from shared.settings import Settings


class Embedder:
    def __init__(self, endpoint: Endpoint, timeout_seconds: float) -> None:
        self.model = endpoint.model
        self._embeddings = OpenAIEmbeddings(
            model=endpoint.model,
            openai_api_key=endpoint.api_key,
            openai_api_base=endpoint.base_url,
            request_timeout=timeout_seconds,
            # Consumers retry whole events with backoff themselves.
            max_retries=0,
            # Send the texts as they are: token arrays would need tiktoken's encodings, which
            # it downloads at run time, and many OpenAI-compatible APIs refuse them. Chunks are
            # far below any model's context length.
            check_embedding_ctx_length=False,
        )

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return await self._embeddings.aembed_documents(texts)

    async def embed_query(self, text: str) -> list[float]:
        return await self._embeddings.aembed_query(text)


def embedder_from(settings: Settings) -> Embedder | None:
    """The process's embedder: the configured endpoint's, else none."""
    endpoint = embeddings_endpoint(settings)
    if endpoint is None:
        return None
    return Embedder(endpoint, settings.llm.timeout_seconds)
