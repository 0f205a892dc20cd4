"""How a store's documents are found in a collection: each holding of the personal-data map
(data_map.py) names its StoreFinder, and deleting a store (store_deletion.py) removes what these
finders reach, collection by collection.
"""

import re
from enum import StrEnum

from shared.mongo import Document


class StoreFinder(StrEnum):
    """Which key finds one store's documents in a collection."""

    STORE_ID = "store_id"  # a `store_id` field
    ID_IS_STORE = "_id is the store id"
    ID_PREFIX = "_id starts with the store id"  # "store:+62...", "store|2026-12-06|hash"
    CONVERSATION_ID = "conversation_id starts with the store id"
    EVENT_KEY = "Kafka key"  # the store id, or a conversation id of the store
    FILE_METADATA = "GridFS metadata.store_id"  # removed with their chunks
    WITH_FILES = "removed with their files"
    MEMBERSHIP = "store_ids of console users"  # the store leaves the list; an empty one goes
    WITH_ACCOUNTS = "removed with the console account"  # a user's sessions
    NOT_PER_STORE = "holds no store's documents"


QUERIED = (
    StoreFinder.STORE_ID,
    StoreFinder.ID_IS_STORE,
    StoreFinder.ID_PREFIX,
    StoreFinder.CONVERSATION_ID,
)


def store_filter(finder: StoreFinder, store_id: str) -> Document:
    """The query finding the store's documents, for the finders in QUERIED."""
    # A store id has no ':' or '|' (shared/stores/fields.py), so "toko:" never matches "toko-2:".
    prefix = {"$regex": f"^{re.escape(store_id)}[:|]"}
    match finder:
        case StoreFinder.STORE_ID:
            return {"store_id": store_id}
        case StoreFinder.ID_IS_STORE:
            return {"_id": store_id}
        case StoreFinder.ID_PREFIX:
            return {"_id": prefix}
        case StoreFinder.CONVERSATION_ID:
            return {"conversation_id": prefix}
    raise ValueError(f"{finder} is not a query")


def owns_key(store_id: str, key: bytes | str | None) -> bool:
    """Whether a stored event's Kafka key is the store's own or one of its conversations'."""
    if key is None:
        return False
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    return text == store_id or text.startswith(f"{store_id}:")
