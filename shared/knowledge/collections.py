"""The knowledge collections and their indexes: documents, chunks, revisions, files, gaps."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

KNOWLEDGE_DOCUMENTS = "knowledge_documents"  # the store's uploaded documents and their status
KNOWLEDGE_CHUNKS = "knowledge_chunks"  # "<document>:<version>:<n>", only the active version answers
KNOWLEDGE_REVISIONS = "knowledge_revisions"  # per store: bumped whenever what answers changes
KNOWLEDGE_FILES = "knowledge_files"  # GridFS bucket: originals and extracted texts
# Questions the bot could not ground: store_id, question, conversation_id, created_at (written
# by the responder, grouped by the console).
KNOWLEDGE_GAPS = "knowledge_gaps"


def indexes(retention: Retention) -> Indexes:
    return {
        KNOWLEDGE_DOCUMENTS: [IndexModel([("store_id", ASCENDING), ("status", ASCENDING)])],
        KNOWLEDGE_CHUNKS: [
            IndexModel("store_id"),
            IndexModel([("document_id", ASCENDING), ("version", ASCENDING)]),
            IndexModel("embedding_model"),  # the chunks whose vectors are still to fill in
        ],
        f"{KNOWLEDGE_FILES}.files": [IndexModel("metadata.document_id")],
        KNOWLEDGE_GAPS: [  # customers' own words: they expire like messages
            IndexModel([("store_id", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel("created_at", name="knowledge_gap_retention", **retention.ttl),
        ],
    }
