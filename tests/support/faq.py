"""An offline answerer over a few FAQ passages held in memory: the answering rules' unit tests."""

from bench.answer_eval import IndexRetriever
from shared.answering.answerer import Answerer
from shared.knowledge.models import Chunk, chunk_id
from shared.knowledge.retrieval import KnowledgeIndex


def faq_chunks(store_id: str, passages: list[str]) -> list[Chunk]:
    """`passages` as the sections of one FAQ file of the store."""
    return [
        Chunk(
            id=chunk_id("faq", 1, n),
            store_id=store_id,
            document_id="faq",
            version=1,
            n=n,
            text=text,
            locator=f"§ {n}",
            filename="faq.md",
        )
        for n, text in enumerate(passages)
    ]


def faq_answerer(store_id: str, passages: list[str]) -> Answerer:
    """No model: the offline engine, answering from `passages` as one FAQ file's sections."""
    index = KnowledgeIndex(store_id, 1, faq_chunks(store_id, passages))
    return Answerer(IndexRetriever({store_id: index}), None, None)
