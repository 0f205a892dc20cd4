"""WooCommerce webhooks over real HTTP into the running ingest, through Kafka to the enricher."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shared import mongo, topics
from shared.events import OrderChanged, decode_event
from shared.secrets import secret_box
from shared.stores.collections import STORES
from shared.stores.directory import Store, WooCommerceConnection, save_store
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS
from tests.standins.dates import DAY
from tests.standins.woocommerce_data import body_of, delivery_headers, order
from tests.support.kafka import records_mentioning
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

CONSUMER_SECRET = "cs_e2e_0123456789abcdef0123456789abcdef012345"


@dataclass
class WooStore:
    store: Store
    webhook_secret: str
    system: RunningSystem

    @property
    def path(self) -> str:
        return f"/webhooks/woocommerce/{self.store.id}"

    async def deliver(
        self, topic: str, document: Any, *, secret: str | None = "", body: bytes | None = None
    ) -> httpx.Response:
        """Post one delivery, signed with the store's secret unless `secret` says otherwise."""
        raw = body if body is not None else body_of(document)
        key = self.webhook_secret if secret == "" else secret
        headers = delivery_headers(topic, raw, key)
        async with httpx.AsyncClient(base_url=self.system.ingest_url, timeout=30) as client:
            return await client.post(self.path, content=raw, headers=headers)

    async def ping(self) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.system.ingest_url, timeout=30) as client:
            return await client.post(self.path, data={"webhook_id": "12"})

    async def orders(self) -> list[OrderChanged]:
        values = await records_mentioning(
            self.system.settings, topics.WOOCOMMERCE_ORDERS, self.store.id
        )
        events = [decode_event(topics.WOOCOMMERCE_ORDERS, value) for value in values]
        return [e for e in events if isinstance(e, OrderChanged) and e.store_id == self.store.id]


@pytest.fixture
async def woo(system: RunningSystem, system_db: mongo.Database, store: Store) -> WooStore:
    webhook_secret = f"wc-secret-{uuid.uuid4().hex}"
    box = secret_box(system.settings)
    connected = store.model_copy(
        update={
            "woocommerce": WooCommerceConnection(
                url="https://toko.example",
                consumer_key=box.encrypt("ck_e2e_key"),
                consumer_secret=box.encrypt(CONSUMER_SECRET),
                webhook_secret=box.encrypt(webhook_secret),
            )
        }
    )
    await save_store(system_db, connected)
    return WooStore(connected, webhook_secret, system)


async def _cached_order(db: mongo.Database, woo: WooStore, order_id: int) -> dict | None:
    return await db[WOOCOMMERCE_ORDERS].find_one({"_id": f"{woo.store.id}:{order_id}"})


async def test_a_signed_order_webhook_publishes_one_order_changed_and_is_cached(
    woo: WooStore, system_db: mongo.Database
) -> None:
    response = await woo.deliver("order.updated", order(order_id=1001))

    assert response.status_code == 200
    events = await woo.orders()
    assert len(events) == 1
    assert (events[0].order_id, events[0].status, events[0].total) == (
        1001,
        "processing",
        "265000.00",
    )
    cached = await eventually(lambda: _cached_order(system_db, woo, 1001))
    assert cached["status"] == "processing"
    assert cached["currency"] == "IDR"
    assert cached["deleted"] is False


async def test_the_same_snapshot_delivered_again_publishes_nothing(woo: WooStore) -> None:
    document = order(order_id=1002)

    first = await woo.deliver("order.updated", document)
    again = await woo.deliver("order.updated", document)  # a new delivery id, the same snapshot

    assert first.status_code == again.status_code == 200
    assert again.json() == {"outcome": "duplicate"}
    assert len(await woo.orders()) == 1


async def test_an_older_snapshot_after_a_newer_one_is_dropped(
    woo: WooStore, system_db: mongo.Database
) -> None:
    newer = order(order_id=1003, status="completed", modified=f"{DAY}T11:00:00")
    older = order(order_id=1003, status="processing", modified=f"{DAY}T10:00:00")

    await woo.deliver("order.updated", newer)
    late = await woo.deliver("order.updated", older)

    assert late.status_code == 200
    assert late.json() == {"outcome": "stale"}
    assert [event.status for event in await woo.orders()] == ["completed"]
    cached = await eventually(lambda: _cached_order(system_db, woo, 1003))
    assert cached["status"] == "completed"


async def test_a_deleted_order_is_published_and_marked_deleted_in_the_cache(
    woo: WooStore, system_db: mongo.Database
) -> None:
    await woo.deliver("order.created", order(order_id=1004))
    deleted = await woo.deliver("order.deleted", {"id": 1004})
    twice = await woo.deliver("order.deleted", {"id": 1004})

    assert deleted.status_code == twice.status_code == 200
    assert [event.deleted for event in await woo.orders()] == [False, True]

    async def marked() -> dict | None:
        cached = await _cached_order(system_db, woo, 1004)
        return cached if cached and cached["deleted"] else None

    assert (await eventually(marked))["status"] == "processing"


async def test_a_bad_or_missing_signature_gets_401_and_publishes_nothing(woo: WooStore) -> None:
    forged = await woo.deliver("order.updated", order(order_id=1005), secret="not-the-secret")
    unsigned = await woo.deliver("order.updated", order(order_id=1005), secret=None)

    assert forged.status_code == unsigned.status_code == 401
    assert await woo.orders() == []


async def test_the_creation_ping_gets_exactly_200_and_publishes_nothing(woo: WooStore) -> None:
    response = await woo.ping()

    assert response.status_code == 200
    assert await woo.orders() == []


async def test_a_malformed_body_gets_400_with_a_reason(woo: WooStore) -> None:
    not_json = await woo.deliver("order.updated", None, body=b"{not json")
    no_status = await woo.deliver(
        "order.updated", {k: v for k, v in order(order_id=1006).items() if k != "status"}
    )
    coupon = await woo.deliver("coupon.created", {"id": 5})

    assert not_json.status_code == no_status.status_code == coupon.status_code == 400
    assert "JSON" in not_json.json()["detail"]
    assert "status" in no_status.json()["detail"]
    assert "coupon.created" in coupon.json()["detail"]
    assert await woo.orders() == []


async def test_an_unknown_store_gets_404(system: RunningSystem) -> None:
    async with httpx.AsyncClient(base_url=system.ingest_url, timeout=30) as client:
        response = await client.post(
            "/webhooks/woocommerce/no-such-store", data={"webhook_id": "1"}
        )

    assert response.status_code == 404


async def test_secrets_are_neither_stored_in_plaintext_nor_logged(
    woo: WooStore, system: RunningSystem, system_db: mongo.Database
) -> None:
    await woo.deliver("order.updated", order(order_id=1007))
    await woo.deliver("order.updated", order(order_id=1007), secret="wrong")
    await woo.ping()

    document = await system_db[STORES].find_one({"_id": woo.store.id})
    assert document is not None
    stored = str(document)
    for secret in (woo.webhook_secret, CONSUMER_SECRET, "ck_e2e_key"):
        assert secret not in stored
    assert system.services.log_dir is not None
    logs = [path.read_text(errors="replace") for path in system.services.log_dir.glob("*.log")]
    assert logs
    assert not any(woo.webhook_secret in text or CONSUMER_SECRET in text for text in logs)
