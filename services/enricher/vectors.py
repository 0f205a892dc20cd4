"""Fills in the vectors knowledge chunks lack, next to the enricher's consumer.

A chunk has no vector of the current embeddings model when the endpoint failed while its
document was processed (the document answered lexically meanwhile), when embeddings were switched
on after it was indexed, or when EMBEDDINGS_MODEL changed. Every `interval` the chunks without
one are embedded in batches; each store whose chunks got vectors has its knowledge revision
bumped once, so the retrievers rebuild their index with the vectors. A failing endpoint is
logged and tried again on the next round.
"""

import asyncio
from functools import partial

import structlog
from pymongo import UpdateOne

from shared.knowledge.collections import KNOWLEDGE_CHUNKS
from shared.knowledge.embeddings import Embedder
from shared.knowledge.models import bump_revision
from shared.mongo import Database, in_transaction

log = structlog.get_logger(__name__)

BATCH = 64  # chunks per embeddings request
INTERVAL_SECONDS = 60.0


async def fill_missing_vectors(db: Database, embedder: Embedder) -> int:
    """Embed every chunk without a vector of the embedder's model; how many got one.

    Raises when the endpoint fails, after the stores of the batches done so far were bumped.
    """
    chunks = db[KNOWLEDGE_CHUNKS]
    stores: set[str] = set()
    filled = 0
    try:
        while True:
            batch = await chunks.find(
                {"embedding_model": {"$ne": embedder.model}}, {"text": 1, "store_id": 1}
            ).to_list(BATCH)
            if not batch:
                return filled
            vectors = await embedder.embed_documents([chunk["text"] for chunk in batch])
            await chunks.bulk_write(
                [
                    UpdateOne(
                        {"_id": chunk["_id"]},
                        {"$set": {"embedding": vector, "embedding_model": embedder.model}},
                    )
                    for chunk, vector in zip(batch, vectors, strict=True)
                ]
            )
            stores.update(chunk["store_id"] for chunk in batch)
            filled += len(batch)
    finally:
        for store_id in stores:
            await in_transaction(db, partial(bump_revision, db, store_id))


async def keep_vectors_filled(
    db: Database, embedder: Embedder, interval_seconds: float = INTERVAL_SECONDS
) -> None:
    """Run `fill_missing_vectors` every `interval_seconds`, until cancelled."""
    while True:
        try:
            if filled := await fill_missing_vectors(db, embedder):
                log.info("knowledge.vectors_filled", chunks=filled)
        except Exception as error:  # the endpoint or MongoDB is down: the next round tries again
            log.warning("knowledge.vector_filling_failed", error=repr(error))
        await asyncio.sleep(interval_seconds)
