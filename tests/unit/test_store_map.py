"""Every collection of the personal-data map says how a store's documents are found in it (a
required field of its holding), so deleting a store cannot forget one."""

from shared.privacy.data_map import BY_COLLECTION
from shared.privacy.store_deletion import DELETION_ORDER
from shared.privacy.store_map import StoreFinder, owns_key, store_filter


def test_deleting_a_store_walks_every_collection_of_the_data_map_once() -> None:
    walked = [place.collection for place in DELETION_ORDER]

    assert sorted(walked) == sorted(BY_COLLECTION)


def test_the_stores_own_document_is_deleted_after_everything_else_of_it() -> None:
    deleted = [
        holding.collection for holding in DELETION_ORDER if holding.store_finder in _DELETING
    ]

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
