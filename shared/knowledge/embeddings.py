"""Vectors of texts from any OpenAI-compatible embeddings API, through langchain-openai.

Offline (no OPENAI_API_KEY) there is no embedder: retrieval is lexical only, and
langchain-openai is never loaded.
"""

from shared.settings import Settings


class Embedder:
    def __init__(self, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.model = settings.llm.embeddings_model
        self._embeddings = OpenAIEmbeddings(
            model=settings.llm.embeddings_model,
            openai_api_key=settings.llm.api_key,
            openai_api_base=settings.llm.base_url,
            request_timeout=settings.llm.timeout_seconds,
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


def build_embedder(settings: Settings) -> Embedder | None:
    return Embedder(settings) if settings.llm.embeddings_configured else None
