"""The enricher's WooCommerce caches and ingest's snapshot claims, against the real MongoDB."""

import asyncio
from datetime import timedelta

from services.enricher.commerce import on_customer_changed, on_order_changed, on_product_changed
from services.ingest.snapshots import Verdict, WooCommerceSnapshots
from services.ingest.woocommerce_forms import parse_body
from shared import mongo
from shared.events import CustomerChanged, OrderChanged, ProductChanged
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
)
from shared.woocommerce.payloads import Deletion, Topic, changed_event
from tests.standins.dates import DAY, at, day
from tests.standins.woocommerce_data import body_of, customer, order, product

STORE_ID = "toko-batik"
ORDERS = Topic("order", "updated")


def _order(status: str, modified: str) -> OrderChanged:
    event = changed_event(
        STORE_ID, ORDERS, parse_body(ORDERS, body_of(order(727, modified, status=status)))
    )
    assert isinstance(event, OrderChanged)
    return event


async def _cached(db: mongo.Database, collection: str, woocommerce_id: int) -> dict:
    document = await db[collection].find_one({"_id": f"{STORE_ID}:{woocommerce_id}"})
    assert document is not None
    return document


async def test_the_newest_snapshot_wins_whatever_order_they_arrive_in(db: mongo.Database) -> None:
    older = _order("processing", f"{DAY}T10:00:00")
    newer = _order("completed", f"{DAY}T11:00:00")

    for event in (newer, older, newer, older):
        await on_order_changed(event, db)

    cached = await _cached(db, WOOCOMMERCE_ORDERS, 727)
    assert cached["status"] == "completed"
    assert cached["modified_at"] == at(11)
    assert (cached["store_id"], cached["woocommerce_id"]) == (STORE_ID, 727)


async def test_replaying_a_deletion_does_not_undo_a_later_restore(db: mongo.Database) -> None:
    topic = Topic("product", "updated")
    first = changed_event(
        STORE_ID, topic, parse_body(topic, body_of(product(93, f"{DAY}T08:00:00")))
    )
    deletion = changed_event(
        STORE_ID, Topic("product", "deleted"), Deletion(id=93), held=first.modified_at
    )
    restored = changed_event(
        STORE_ID,
        Topic("product", "restored"),
        parse_body(topic, body_of(product(93, f"{day(1)}T08:00:00"))),
    )
    assert isinstance(first, ProductChanged)
    assert isinstance(deletion, ProductChanged)
    assert isinstance(restored, ProductChanged)

    await on_product_changed(first, db)
    await on_product_changed(deletion, db)
    assert (await _cached(db, WOOCOMMERCE_PRODUCTS, 93))["deleted"] is True
    for event in (restored, first, deletion):  # live, then a replay of the topic
        await on_product_changed(event, db)

    cached = await _cached(db, WOOCOMMERCE_PRODUCTS, 93)
    assert cached["deleted"] is False
    assert cached["modified_at"] == restored.modified_at


async def test_a_customer_deleted_at_woocommerce_is_forgotten_at_once(db: mongo.Database) -> None:
    topic = Topic("customer", "updated")
    known = changed_event(STORE_ID, topic, parse_body(topic, body_of(customer(25))))
    deletion = changed_event(
        STORE_ID, Topic("customer", "deleted"), Deletion(id=25), held=known.modified_at
    )
    assert isinstance(known, CustomerChanged)
    assert isinstance(deletion, CustomerChanged)
    await on_customer_changed(known, db)

    await on_customer_changed(deletion, db)

    await on_customer_changed(known, db)  # the older snapshot again: a replay of the topic

    cached = await _cached(db, WOOCOMMERCE_CUSTOMERS, 25)
    assert cached["deleted"] is True
    # The tombstone's expiry counts from the deletion (stored to the millisecond).
    assert abs(cached["deleted_at"] - deletion.occurred_at) < timedelta(milliseconds=1)
    kept = repr(cached)
    assert [word for word in ("Budi", "Santoso", "budi@", "81234567890") if word in kept] == []


async def test_a_customer_restored_at_woocommerce_is_no_tombstone_any_more(
    db: mongo.Database,
) -> None:
    topic = Topic("customer", "updated")
    known = changed_event(STORE_ID, topic, parse_body(topic, body_of(customer(26))))
    deletion = changed_event(
        STORE_ID, Topic("customer", "deleted"), Deletion(id=26), held=known.modified_at
    )
    later = body_of(customer(26, modified=f"{DAY}T10:00:00"))  # an hour after `known`
    restored = changed_event(STORE_ID, topic, parse_body(topic, later))
    for event in (known, deletion, restored):
        assert isinstance(event, CustomerChanged)
        await on_customer_changed(event, db)

    cached = await _cached(db, WOOCOMMERCE_CUSTOMERS, 26)
    assert cached["deleted"] is False
    assert "deleted_at" not in cached  # it would expire with the tombstone's TTL


async def test_racing_deliveries_of_one_snapshot_are_claimed_once(db: mongo.Database) -> None:
    snapshots = WooCommerceSnapshots(db)
    moment = at(10)

    claims = await asyncio.gather(
        *(snapshots.claim(STORE_ID, "order", 727, moment) for _ in range(8))
    )

    verdicts = sorted(claim.verdict for claim in claims)
    assert verdicts.count(Verdict.NEWER) == 1
    assert set(verdicts) == {Verdict.NEWER, Verdict.DUPLICATE}
    older = await snapshots.claim(STORE_ID, "order", 727, moment - timedelta(minutes=5))
    assert older.verdict is Verdict.STALE


async def test_a_released_claim_lets_the_same_snapshot_be_claimed_again(db: mongo.Database) -> None:
    snapshots = WooCommerceSnapshots(db)
    held = at(10)
    await snapshots.claim(STORE_ID, "order", 727, held)

    claim = await snapshots.claim(STORE_ID, "order", 727, held + timedelta(minutes=1))
    await snapshots.release(claim)  # its publish failed

    again = await snapshots.claim(STORE_ID, "order", 727, held + timedelta(minutes=1))
    assert again.verdict is Verdict.NEWER
    assert again.held_modified_at == held


async def test_a_deletion_is_claimed_once_and_a_later_snapshot_undeletes(
    db: mongo.Database,
) -> None:
    snapshots = WooCommerceSnapshots(db)
    held = at(10)
    await snapshots.claim(STORE_ID, "product", 93, held)

    first = await snapshots.claim_deletion(STORE_ID, "product", 93)
    again = await snapshots.claim_deletion(STORE_ID, "product", 93)
    restored = await snapshots.claim(STORE_ID, "product", 93, held + timedelta(days=1))

    assert (first.verdict, again.verdict, restored.verdict) == (
        Verdict.NEWER,
        Verdict.DUPLICATE,
        Verdict.NEWER,
    )
    assert first.held_modified_at == held
