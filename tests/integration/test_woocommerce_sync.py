"""`balas woocommerce sync` and the enricher's reconciliation, against the WooCommerce stand-in,
the session's Kafka and MongoDB, and the enricher's real cache handlers consuming the events."""

import asyncio
import logging
import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from services.enricher.commerce import on_customer_changed, on_order_changed, on_product_changed
from services.enricher.reconcile import Reconciler, run_reconciliation
from services.ingest.snapshots import Verdict, WooCommerceSnapshots
from shared import mongo, topics
from shared.consumer import RetryPolicy
from shared.events import OrderChanged, decode_event, utcnow, woocommerce_event_id
from shared.leases import LEASES, Lease, LeaseHeld
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.directory import Store, WooCommerceConnection, save_store
from shared.woocommerce.api import WEBHOOK_TOPICS, WooCommerceApi, WooCommerceUnreachable
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
    WOOCOMMERCE_SYNC,
)
from shared.woocommerce.payloads import (
    Deletion,
    OrderSnapshot,
    Topic,
    changed_event,
    listed_event,
)
from shared.woocommerce.sync import (
    SAFETY_MARGIN,
    cache_max_age,
    checkpoints,
    reconciled_at,
    sync_store,
)
from tests.standins.woocommerce_api import WooCommerceStandIn, realistic_shop
from tests.support.expiry import assert_cached_orders_outlive_a_sweep
from tests.support.kafka import Consumers, records_mentioning
from tests.support.waiting import eventually

KEY = "ck_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SECRET = "cs_0f1e2d3c4b5a69788796a5b4c3d2e1f0abcdef01"
FAST = RetryPolicy(max_attempts=3, backoff_seconds=0.01, backoff_max_seconds=0.05)
PER_PAGE = 20
ORDERS, CUSTOMERS, PRODUCTS = 95, 30, 10  # 5, 2 and 1 pages


@pytest.fixture
def shop(settings: Settings) -> Iterator[WooCommerceStandIn]:
    standin = WooCommerceStandIn(KEY, SECRET)
    realistic_shop(standin, orders=ORDERS, customers=CUSTOMERS, products=PRODUCTS, seed=11)
    # An order placed before the retention window leaves the caches at the TTL index's next
    # sweep, which may come while a test waits for the caches to hold the shop.
    window_start = utcnow() - settings.retention.window
    orders = [OrderSnapshot.model_validate(order) for order in standin.orders.values()]
    assert all(o.date_created_gmt and o.date_created_gmt > window_start for o in orders)
    yield standin.start()
    standin.stop()


@pytest.fixture
async def store(
    db: mongo.Database, settings: Settings, store_id: str, shop: WooCommerceStandIn
) -> Store:
    box = secret_box(settings)
    connected = Store(
        id=store_id,
        name="Toko Batik Sekar",
        whatsapp_number=f"+62811{random.randrange(10**7):07d}",
        woocommerce=WooCommerceConnection(
            url=shop.url,
            consumer_key=box.encrypt(KEY),
            consumer_secret=box.encrypt(SECRET),
            webhook_secret=box.encrypt("wh-secret"),
        ),
    )
    await save_store(db, connected)
    return connected


@pytest.fixture
async def caches(consumers: Consumers, db: mongo.Database, new_group_id: Callable[[], str]) -> None:
    """The enricher's cache handlers, consuming what the sync publishes (stopped by `consumers`)."""
    routes = {
        topics.WOOCOMMERCE_ORDERS: partial(on_order_changed, db=db),
        topics.WOOCOMMERCE_CUSTOMERS: partial(on_customer_changed, db=db),
        topics.WOOCOMMERCE_PRODUCTS: partial(on_product_changed, db=db),
    }
    await consumers.keyed(new_group_id(), routes)


def api_of(shop: WooCommerceStandIn) -> WooCommerceApi:
    return WooCommerceApi(shop.url, KEY, SECRET, timeout=5, retry=FAST, allow_private=True)


async def cached(db: mongo.Database, collection: str, store_id: str) -> dict[int, dict[str, Any]]:
    documents = db[collection].find({"store_id": store_id})
    return {document["woocommerce_id"]: document async for document in documents}


async def caches_hold_the_shop(db: mongo.Database, store_id: str, shop: WooCommerceStandIn) -> bool:
    """Every order, customer and product of the shop is cached, in its current state."""
    orders = await cached(db, WOOCOMMERCE_ORDERS, store_id)
    customers = await cached(db, WOOCOMMERCE_CUSTOMERS, store_id)
    products = await cached(db, WOOCOMMERCE_PRODUCTS, store_id)
    if (set(orders), set(customers), set(products)) != (
        set(shop.orders),
        set(shop.customers),
        set(shop.products),
    ):
        return False
    same_orders = all(
        (cache["status"], cache["total"], cache["billing_phone"])
        == (shop.orders[i]["status"], shop.orders[i]["total"], shop.orders[i]["billing"]["phone"])
        for i, cache in orders.items()
    )
    same_customers = all(
        cache["billing_phone"] == shop.customers[i]["billing"]["phone"]
        for i, cache in customers.items()
    )
    same_products = all(
        (cache["price"], cache["stock_status"], cache["stock_quantity"])
        == (
            shop.products[i]["price"],
            shop.products[i]["stock_status"],
            shop.products[i]["stock_quantity"],
        )
        for i, cache in products.items()
    )
    return same_orders and same_customers and same_products


def pages_asked(shop: WooCommerceStandIn, endpoint: str) -> list[str]:
    return [r.query.get("page", "") for r in shop.recorded(endpoint) if r.status == 200]


async def order_events(settings: Settings, store_id: str) -> list[OrderChanged]:
    values = await records_mentioning(settings, topics.WOOCOMMERCE_ORDERS, store_id)
    events = [decode_event(topics.WOOCOMMERCE_ORDERS, value) for value in values]
    return [e for e in events if isinstance(e, OrderChanged) and e.store_id == store_id]


# -- full sync ---------------------------------------------------------------------------------


async def test_a_full_sync_pages_through_everything_into_the_caches(
    db: mongo.Database, broker: KafkaBroker, store: Store, shop: WooCommerceStandIn, caches: None
) -> None:
    never = await reconciled_at(db, store.id, "order")
    before = utcnow()
    reports = await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)

    summary = [(r.resource, r.mode, r.pages, r.published, r.skipped) for r in reports]
    assert summary == [
        ("customer", "full", 2, CUSTOMERS, 0),
        ("product", "full", 1, PRODUCTS, 0),
        ("order", "full", 5, ORDERS, 0),
    ]
    assert pages_asked(shop, "orders") == ["1", "2", "3", "4", "5"]
    await eventually(lambda: caches_hold_the_shop(db, store.id, shop))
    await assert_cached_orders_outlive_a_sweep(db, store.id)
    saved = await checkpoints(db, store.id)
    assert all(not checkpoint.running for checkpoint in saved.values())
    assert all(checkpoint.last_success_started_at for checkpoint in saved.values())
    assert never is None
    confirmed = await reconciled_at(db, store.id, "order")
    assert confirmed is not None
    assert before - timedelta(milliseconds=1) <= confirmed <= utcnow()  # MongoDB keeps ms


async def test_rate_limits_and_server_errors_are_waited_out(
    db: mongo.Database, broker: KafkaBroker, store: Store, shop: WooCommerceStandIn, caches: None
) -> None:
    on_page_3 = lambda path, query: path.endswith("/orders") and query.get("page") == "3"  # noqa: E731
    shop.fail_next(1, status=429, retry_after=0, match=on_page_3)
    shop.fail_next(1, status=503, match=on_page_3)

    reports = await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)

    assert reports[-1].published == ORDERS
    third = [r.status for r in shop.recorded("orders") if r.query.get("page") == "3"]
    assert third == [429, 503, 200]
    await eventually(lambda: caches_hold_the_shop(db, store.id, shop))


# -- resuming ----------------------------------------------------------------------------------


async def test_an_interrupted_sync_resumes_without_duplicates_or_gaps(
    db: mongo.Database,
    broker: KafkaBroker,
    settings: Settings,
    store: Store,
    shop: WooCommerceStandIn,
    caches: None,
) -> None:
    on_page_4 = lambda path, query: path.endswith("/orders") and query.get("page") == "4"  # noqa: E731
    shop.fail_next(FAST.max_attempts, status=500, match=on_page_4)  # outlasts the retries

    with pytest.raises(WooCommerceUnreachable):
        await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)
    interrupted = (await checkpoints(db, store.id))["order"]
    # A crash between publishing page 3 and recording it: page 3 goes out again on resumption.
    await db[WOOCOMMERCE_SYNC].update_one({"_id": interrupted.id}, {"$set": {"last_page": 2}})
    shop.requests.clear()
    reports = await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)

    assert (interrupted.running, interrupted.last_page) == (True, 3)
    orders = reports[-1]
    assert (orders.mode, orders.resumed_after_page, orders.pages) == ("full", 2, 3)
    assert pages_asked(shop, "orders") == ["3", "4", "5"]
    await eventually(lambda: caches_hold_the_shop(db, store.id, shop))
    published = await order_events(settings, store.id)
    assert len(published) == ORDERS + PER_PAGE  # page 3 twice...
    assert len({event.event_id for event in published}) == ORDERS  # ...as the same events
    cache = await cached(db, WOOCOMMERCE_ORDERS, store.id)
    for order_id, document in cache.items():
        snapshot = OrderSnapshot.model_validate(shop.orders[order_id])
        expected = woocommerce_event_id(store.id, "order", order_id, snapshot.modified_at, False)
        assert document["event_id"] == expected


async def test_full_starts_over_even_when_a_run_could_resume(
    db: mongo.Database, broker: KafkaBroker, store: Store, shop: WooCommerceStandIn
) -> None:
    on_page_2 = lambda path, query: path.endswith("/orders") and query.get("page") == "2"  # noqa: E731
    shop.fail_next(FAST.max_attempts, status=502, match=on_page_2)
    with pytest.raises(WooCommerceUnreachable):
        await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)
    shop.requests.clear()

    reports = await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE, full=True)

    assert [(r.mode, r.resumed_after_page) for r in reports] == [("full", 0)] * 3
    assert pages_asked(shop, "orders") == ["1", "2", "3", "4", "5"]


# -- incremental -------------------------------------------------------------------------------


async def test_after_a_full_sync_only_what_changed_is_read(
    db: mongo.Database, broker: KafkaBroker, store: Store, shop: WooCommerceStandIn, caches: None
) -> None:
    await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)
    first_run = (await checkpoints(db, store.id))["order"].last_success_started_at
    shop.touch("order", 5010, status="refunded")
    shop.touch("product", 103, stock_quantity=0, stock_status="outofstock")
    newcomer = dict(shop.customers[2], id=900, email="wulan.sari@example.co.id")
    shop.customers[900] = newcomer
    shop.touch("customer", 900, date_created_gmt=utcnow().strftime("%Y-%m-%dT%H:%M:%S"))
    shop.requests.clear()

    reports = await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)

    by_resource = {r.resource: r for r in reports}
    assert {r.mode for r in reports} == {"incremental"}
    assert (by_resource["order"].published, by_resource["product"].published) == (1, 1)
    assert by_resource["customer"].pages == 1  # newest registrations first, stops at older ones
    assert first_run is not None
    asked = shop.recorded("orders")[0].query
    since = (first_run - SAFETY_MARGIN).strftime("%Y-%m-%dT%H:%M:%S")
    assert (asked["modified_after"], asked["dates_are_gmt"]) == (since, "true")
    await eventually(lambda: caches_hold_the_shop(db, store.id, shop))


# -- with ingest's webhooks ---------------------------------------------------------------------


async def test_a_deletion_webhook_after_a_change_only_the_sync_saw_still_deletes(
    db: mongo.Database, broker: KafkaBroker, store: Store, shop: WooCommerceStandIn
) -> None:
    webhooks = WooCommerceSnapshots(db)
    seen_by_webhook = OrderSnapshot.model_validate(shop.orders[5020]).modified_at
    await webhooks.claim(store.id, "order", 5020, seen_by_webhook)
    changed = shop.touch("order", 5020, status="cancelled")  # its webhook is lost
    synced = OrderSnapshot.model_validate(changed).modified_at
    await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)
    # The cache holds what the sync published (the enricher's handler, called directly here).
    event = listed_event(store.id, "order", changed)
    assert isinstance(event, OrderChanged)
    await on_order_changed(event, db)

    again = await webhooks.claim(store.id, "order", 5020, synced)  # a late webhook of it
    deletion = await webhooks.claim_deletion(store.id, "order", 5020)
    deleted = changed_event(
        store.id, Topic("order", "deleted"), Deletion(id=5020), deletion.held_modified_at
    )
    assert isinstance(deleted, OrderChanged)
    await on_order_changed(deleted, db)

    assert again.verdict is Verdict.DUPLICATE  # the sync published it already
    assert deletion.held_modified_at == synced
    cache = await cached(db, WOOCOMMERCE_ORDERS, store.id)
    assert cache[5020]["deleted"] is True


# -- secrets -----------------------------------------------------------------------------------


async def test_a_sync_logs_no_key_or_secret(
    db: mongo.Database,
    broker: KafkaBroker,
    store: Store,
    shop: WooCommerceStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    shop.fail_next(1, status=503)

    await sync_store(db, broker, store.id, api_of(shop), per_page=PER_PAGE)

    assert "GET /wp-json/wc/v3/orders?" in caplog.text  # the request lines were logged...
    assert KEY not in caplog.text  # ...without the credentials
    assert SECRET not in caplog.text


# -- the command -------------------------------------------------------------------------------


def test_the_sync_command_shows_its_runs_and_refuses_with_a_reason(
    settings: Settings, store_id: str
) -> None:
    from typer.testing import CliRunner

    from balas.cli import app

    shop = realistic_shop(WooCommerceStandIn(KEY, SECRET), orders=30, customers=5).start()
    try:
        box = secret_box(settings)
        store = Store(
            id=store_id,
            name="Toko Kopi",
            whatsapp_number=f"+62812{random.randrange(10**7):07d}",
            woocommerce=WooCommerceConnection(
                url=shop.url,
                consumer_key=box.encrypt(KEY),
                consumer_secret=box.encrypt(SECRET),
                webhook_secret=box.encrypt("wh"),
            ),
        )
        asyncio.run(_save(settings, store))
        env, runner = {**settings.as_environment(), "LOG_LEVEL": "INFO"}, CliRunner()

        first = runner.invoke(app, ["woocommerce", "sync", store_id, "--per-page", "20"], env=env)
        again = runner.invoke(app, ["--verbose", "woocommerce", "sync", store_id], env=env)
        hooks = [runner.invoke(app, ["woocommerce", "webhooks", store_id], env=env) for _ in "12"]
        shop.consumer_secret = "cs_rotated_in_woocommerce"
        refused = runner.invoke(app, ["woocommerce", "check", store_id], env=env)
        unknown = runner.invoke(app, ["woocommerce", "sync", "no-such-store"], env=env)
    finally:
        shop.stop()

    assert first.exit_code == 0, first.output
    assert "orders" in first.output
    assert "full" in first.output
    assert "woocommerce sync started" not in first.output  # the operator's lines...
    assert first.stderr == ""
    assert again.exit_code == 0, again.output
    assert "incremental" in again.stdout
    assert "woocommerce sync started" in again.stderr  # ...on request, beside the output
    assert "service='balas woocommerce sync'" in again.stderr
    assert "woocommerce sync started" not in again.stdout
    assert [hook.exit_code for hook in hooks] == [0, 0], hooks[0].output
    assert f"store {store_id} has {len(WEBHOOK_TOPICS)} active webhooks" in hooks[1].output
    assert shop.webhook_writes == len(WEBHOOK_TOPICS)  # the second run changed nothing
    delivery = f"{settings.ingest.public_base_url}/webhooks/woocommerce/{store_id}"
    assert {(hook["delivery_url"], hook["secret"]) for hook in shop.webhooks.values()} == {
        (delivery, "wh")
    }
    assert refused.exit_code == 1
    assert "the consumer key or secret is wrong" in refused.output
    assert SECRET not in refused.output
    assert unknown.exit_code == 1
    assert "no store no-such-store" in unknown.output


async def _save(settings: Settings, store: Store) -> None:
    client = mongo.connect(settings.mongodb.uri or "")
    try:
        await save_store(client[settings.mongodb.database], store)
    finally:
        await client.close()


# -- reconciliation ----------------------------------------------------------------------------


async def test_reconciliation_runs_each_store_once_across_replicas_and_again_when_due(
    db: mongo.Database,
    broker: KafkaBroker,
    settings: Settings,
    store: Store,
    shop: WooCommerceStandIn,
    caches: None,
) -> None:
    box, interval = secret_box(settings), timedelta(minutes=15)
    replicas = [Reconciler(db, broker, box, settings, interval) for _ in range(3)]
    now = utcnow()

    synced = await asyncio.gather(*(replica.once(now) for replica in replicas))
    again = await replicas[0].once(now + timedelta(minutes=5))
    shop.touch("order", 5003, status="completed")
    later = await replicas[1].once(utcnow() + interval)

    assert sorted(len(ids) for ids in synced) == [0, 0, 1]  # one replica did it
    assert pages_asked(shop, "orders").count("1") == 2  # the backfill, then the one due later
    assert again == []  # not due yet: nothing read
    assert later == [store.id]
    await eventually(lambda: caches_hold_the_shop(db, store.id, shop))
    modes = {c.resource: c.mode for c in (await checkpoints(db, store.id)).values()}
    assert modes == {"customer": "incremental", "product": "incremental", "order": "incremental"}


async def test_a_held_lease_keeps_reconciliation_away_until_it_expires(
    db: mongo.Database,
    broker: KafkaBroker,
    settings: Settings,
    store: Store,
    shop: WooCommerceStandIn,
) -> None:
    manual = Lease(db, f"woocommerce-sync:{store.id}", "balas-cli-elsewhere", timedelta(minutes=5))
    assert await manual.take()
    reconciler = Reconciler(db, broker, secret_box(settings), settings, timedelta(minutes=15))

    while_held = await reconciler.once(utcnow())
    with pytest.raises(LeaseHeld, match="balas-cli-elsewhere"):
        await sync_store(db, broker, store.id, api_of(shop))
    await db[LEASES].update_one(  # the other holder died: its lease runs out
        {"_id": manual.name}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    after_expiry = await reconciler.once(utcnow())

    assert while_held == []
    assert after_expiry == [store.id]
    assert await db[LEASES].count_documents({}) == 0  # released when done


async def test_a_failing_shop_is_left_alone_for_an_interval(
    db: mongo.Database,
    broker: KafkaBroker,
    settings: Settings,
    store: Store,
    shop: WooCommerceStandIn,
) -> None:
    shop.consumer_secret = "cs_rotated_without_telling_balas"
    interval = timedelta(minutes=15)
    reconciler = Reconciler(db, broker, secret_box(settings), settings, interval)
    now = utcnow()

    failed = await reconciler.once(now)
    asked = len(shop.requests)
    resting = await reconciler.once(now + timedelta(minutes=1))
    shop.consumer_secret = SECRET
    retried = await reconciler.once(now + interval)

    assert (failed, resting, retried) == ([], [], [store.id])
    assert asked == 1
    assert len(shop.requests) > asked


async def test_reconciliation_set_to_zero_does_not_run(
    db: mongo.Database,
    broker: KafkaBroker,
    settings: Settings,
    store: Store,
    shop: WooCommerceStandIn,
) -> None:
    off = settings.updated(woocommerce={"reconcile_minutes": 0})

    await asyncio.wait_for(run_reconciliation(db, broker, secret_box(off), off), timeout=5)

    assert shop.requests == []
    assert cache_max_age(off) is None  # no reconciliation, no bound on a lost webhook
    assert cache_max_age(settings) == timedelta(minutes=15 + 1 + 7.5)
