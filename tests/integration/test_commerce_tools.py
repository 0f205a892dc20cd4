"""The responder's commerce tools over the caches the enricher's handlers write, against the
real MongoDB: an order's status only for its own customer, and product search."""

from datetime import timedelta
from typing import Any

import pytest

from services.enricher.commerce import on_order_changed, on_product_changed
from shared.answering.commerce_tools import CommerceTools
from shared.events import OrderChanged, ProductChanged
from shared.mongo import Database
from shared.stores.directory import Store
from shared.woocommerce.payloads import (
    Deletion,
    OrderSnapshot,
    ProductSnapshot,
    Topic,
    changed_event,
)
from tests.standins.dates import DAY, at
from tests.standins.woocommerce_data import order, product
from tests.support.expiry import assert_cached_orders_outlive_a_sweep

pytestmark = pytest.mark.slow

BUDI = "+6281234567890"  # the billing phone of woocommerce_data's order
SARI = "+6281100000002"
FRESH = timedelta(hours=1)
ORDER_DATA = ("status", "status_label", "total", "currency", "items", "paid_at", "created_at")


@pytest.fixture
def store(store_id: str) -> Store:
    return Store(id=store_id, name="Toko Batik", whatsapp_number="+14155238886")


async def cache_order(db: Database, store: Store, order_id: int = 727, **fields: Any) -> None:
    document = order(order_id, fields.pop("modified", f"{DAY}T10:15:00"), **fields)
    event = changed_event(
        store.id, Topic("order", "updated"), OrderSnapshot.model_validate(document)
    )
    assert isinstance(event, OrderChanged)
    await on_order_changed(event, db)
    await assert_cached_orders_outlive_a_sweep(db, store.id)


async def cache_product(db: Database, store: Store, product_id: int, **fields: Any) -> None:
    document = product(product_id) | fields
    event = changed_event(
        store.id, Topic("product", "updated"), ProductSnapshot.model_validate(document)
    )
    assert isinstance(event, ProductChanged)
    await on_product_changed(event, db)


async def test_the_orders_own_customer_gets_its_status(db: Database, store: Store) -> None:
    await cache_order(db, store)

    result = await CommerceTools(db, FRESH).order_status(store, BUDI, "#727")

    assert (result.tool, result.ok, result.refused_reason) == ("order_status", True, None)
    assert result.data["status"] == "processing"
    assert result.data["status_label"] == {"en": "being processed", "id": "sedang diproses"}
    assert (result.data["total"], result.data["currency"]) == ("265000.00", "IDR")
    assert result.data["items"] == [{"name": "Batik Tulis Parang - L", "quantity": 2}]
    assert result.data["stale"] is False
    assert result.summary == (
        "Order 727: being processed (sedang diproses). Total IDR 265000.00. "
        f"Ordered {DAY} 17:02 WIB. Paid {DAY} 17:10 WIB. "
        "Items: 2 x Batik Tulis Parang - L."
    )


async def test_a_billing_phone_typed_the_national_way_is_the_same_customer(
    db: Database, store: Store
) -> None:
    await cache_order(db, store, billing={"phone": "0812-3456-7890"})

    result = await CommerceTools(db, FRESH).order_status(store, BUDI, "727")

    assert result.ok


async def test_someone_elses_order_is_refused_without_any_of_its_data(
    db: Database, store: Store
) -> None:
    await cache_order(db, store)

    result = await CommerceTools(db, FRESH).order_status(store, SARI, "727")

    assert (result.ok, result.refused_reason) == (False, "phone_mismatch")
    assert result.data == {"order_number": "727"}
    assert not any(key in result.data for key in ORDER_DATA)
    for leaked in ("processing", "265000", "Batik", "Budi", f"{DAY}"):
        assert leaked not in result.summary


async def test_an_order_without_a_usable_billing_phone_is_refused(
    db: Database, store: Store
) -> None:
    await cache_order(db, store, billing={"phone": ""})

    result = await CommerceTools(db, FRESH).order_status(store, BUDI, "727")

    assert (result.ok, result.refused_reason) == (False, "phone_mismatch")


async def test_an_unknown_or_deleted_order_is_not_found(db: Database, store: Store) -> None:
    await cache_order(db, store)
    tools = CommerceTools(db, FRESH)

    unknown = await tools.order_status(store, BUDI, "999")
    other_store = await tools.order_status(
        Store(id="another-store", name="Lain", whatsapp_number="+14155230000"), BUDI, "727"
    )
    held = at(10, 15)  # the snapshot ingest held
    deletion = changed_event(store.id, Topic("order", "deleted"), Deletion(id=727), held=held)
    assert isinstance(deletion, OrderChanged)
    await on_order_changed(deletion, db)
    deleted = await tools.order_status(store, BUDI, "727")

    for result in (unknown, other_store, deleted):
        assert (result.ok, result.refused_reason) == (False, "not_found")
        assert not any(key in result.data for key in ORDER_DATA)


async def test_an_order_is_found_by_its_number_when_the_number_is_not_its_id(
    db: Database, store: Store
) -> None:
    await cache_order(db, store, 727, number="TB-1042")

    by_number = await CommerceTools(db, FRESH).order_status(store, BUDI, "TB-1042")

    assert by_number.ok
    assert by_number.data["order_number"] == "TB-1042"


async def test_an_entry_older_than_max_age_is_answered_as_of_its_last_sync(
    db: Database, store: Store
) -> None:
    await cache_order(db, store)

    result = await CommerceTools(db, timedelta(0)).order_status(store, BUDI, "727")

    assert result.ok
    assert result.data["stale"] is True
    assert result.data["as_of"] is not None
    assert result.summary.startswith("As of ")
    assert "(may have changed since)" in result.summary


async def test_products_are_found_by_name_in_stock_first(db: Database, store: Store) -> None:
    await cache_product(db, store, 93, name="Batik Tulis Parang", stock_status="instock")
    await cache_product(
        db, store, 94, name="Batik Cap Parang Anak", sku="BTK-ANK", stock_status="outofstock"
    )
    await cache_product(db, store, 95, name="Batik Parang Kemeja", stock_status="onbackorder")
    await cache_product(db, store, 96, name="Kemeja Batik Kawung", stock_status="instock")
    tools = CommerceTools(db, FRESH)

    result = await tools.search_products(store, "Ada batik parang kak?")

    assert result.ok
    names = [found["name"] for found in result.data["products"]]
    assert names == ["Batik Tulis Parang", "Batik Parang Kemeja", "Batik Cap Parang Anak"]
    first = result.data["products"][0]
    assert (first["price"], first["currency"], first["stock_status"]) == (
        "125000",
        "IDR",
        "instock",
    )
    assert first["permalink"] == "https://toko.example/produk/batik-tulis-parang/"
    assert first["image_url"] == "https://toko.example/wp-content/uploads/batik-parang.jpg"
    assert result.summary.splitlines()[0] == (
        "Batik Tulis Parang: IDR 125000 (was 150000); in stock / tersedia, 7 left; "
        "https://toko.example/produk/batik-tulis-parang/."
    )
    assert len((await tools.search_products(store, "batik parang", limit=1)).data["products"]) == 1


async def test_a_product_is_found_by_its_sku(db: Database, store: Store) -> None:
    await cache_product(db, store, 93, name="Batik Tulis Parang")
    await cache_product(db, store, 94, name="Batik Cap Parang Anak", sku="BTK-ANK")

    result = await CommerceTools(db, FRESH).search_products(store, "btk-ank")

    assert [found["id"] for found in result.data["products"]] == [94]


async def test_nothing_matching_is_not_found(db: Database, store: Store) -> None:
    await cache_product(db, store, 93, name="Batik Tulis Parang")

    for query in ("sepatu lari", "", "harga berapa kak?"):
        result = await CommerceTools(db, FRESH).search_products(store, query)
        assert (result.ok, result.refused_reason) == (False, "not_found")
        assert result.data["products"] == []


async def test_only_published_products_in_the_catalogue_are_found(
    db: Database, store: Store
) -> None:
    await cache_product(db, store, 93, name="Batik Tulis Parang")
    await cache_product(db, store, 94, name="Batik Parang Draft", status="draft")
    await cache_product(db, store, 95, name="Batik Parang Rahasia", catalog_visibility="hidden")
    await cache_product(db, store, 96, name="Batik Parang Cari", catalog_visibility="search")

    result = await CommerceTools(db, FRESH).search_products(store, "batik parang")

    assert sorted(found["id"] for found in result.data["products"]) == [93, 96]
