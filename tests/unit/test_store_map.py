"""The store map (shared/privacy/store_map.py) names every collection of the personal-data map,
so a collection added to the map cannot be forgotten when a store is deleted."""

from shared.privacy.data_map import BY_COLLECTION
from shared.privacy.store_map import STORE_FINDERS, StoreFinder, owns_key, store_filter


def test_every_collection_of_the_data_map_says_how_a_stores_documents_are_found() -> None:
    assert set(STORE_FINDERS) == set(BY_COLLECTION)


def test_the_stores_own_document_is_deleted_after_everything_else_of_it() -> None:
    deleted = [name for name, finder in STORE_FINDERS.items() if finder in _DELETING]

    assert deleted[-1] == "stores"


def test_a_prefix_never_reaches_a_store_whose_id_starts_the_same() -> None:
    assert owns_key("toko", b"toko:+628111")
    assert owns_key("toko", b"toko")
    assert not owns_key("toko", b"toko-2:+628111")
    assert not owns_key("toko", None)
    assert store_filter(StoreFinder.ID_PREFIX, "toko.1") == {"_id": {"$regex": r"^toko\.1[:|]"}}


_DELETING = {
    StoreFinder.STORE_ID,
    StoreFinder.ID_IS_STORE,
    StoreFinder.ID_PREFIX,
    StoreFinder.CONVERSATION_ID,
    StoreFinder.EVENT_KEY,
    StoreFinder.FILE_METADATA,
    StoreFinder.MEMBERSHIP,
}
