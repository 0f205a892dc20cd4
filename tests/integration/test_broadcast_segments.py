"""Broadcast segments, preview and results on the session's MongoDB: the WooCommerce caches are
written by the enricher's own handlers, consent by the consent records."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.enricher.commerce import on_order_changed as cache_order
from services.enricher.commerce import on_product_changed as cache_product
from shared.broadcasts import model
from shared.broadcasts.model import BroadcastPlan, BroadcastTemplate, Segment
from shared.broadcasts.results import results
from shared.broadcasts.segments import candidates, preview
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State
from shared.conversations.collections import MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import OrderLineItem, ProductCategory, ProductChanged, event_id_for
from shared.mongo import Database
from shared.stores.directory import Store
from tests.support import events

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC)
BATIK, KEBAYA = 101, 102


def number() -> str:
    return f"+62815{uuid.uuid4().int % 10**7:07d}"


async def agree(db: Database, store: Store, phone: str, state: State = State.GRANTED) -> None:
    change = Change(
        purposes=[Purpose.PROMOTIONS], state=state, source=Source.CHECKOUT, wording="Ya"
    )
    at = NOW - (timedelta(days=30) if state is State.GRANTED else timedelta(minutes=1))
    await records.apply(db, store.id, phone, change, key=f"{state}:{phone}", at=at)


async def bought(
    db: Database,
    store: Store,
    phone: str,
    order_id: int,
    product: int,
    total: str,
    **fields: object,
) -> None:
    item = OrderLineItem(product_id=product, name="x", quantity=1, total=total)
    at = fields.pop("at", NOW - timedelta(days=10))
    order = events.order_changed(
        store.id,
        order_id,
        billing_phone=phone,
        line_items=[item],
        modified_at=at,
        created_at=at,
        **fields,
    ).model_copy(update={"total": total})
    await cache_order(order, db)


async def product(db: Database, store: Store, product_id: int, category: str) -> None:
    await cache_product(
        ProductChanged(
            event_id=event_id_for("product", f"{store.id}:{product_id}"),
            occurred_at=NOW,
            store_id=store.id,
            change="updated",
            modified_at=NOW,
            product_id=product_id,
            name=category,
            categories=[ProductCategory(id=product_id, name=category.title(), slug=category)],
        ),
        db,
    )


async def wrote(db: Database, store: Store, phone: str, days_ago: int) -> None:
    message = events.received(phone, "Halo", NOW - timedelta(days=days_ago), store_id=store.id)
    await db[MESSAGES].insert_one(inbound_message_document(message))


@pytest.fixture
async def shoppers(db: Database, store: Store) -> dict[str, str]:
    """Rina bought batik for 900k and wrote yesterday; Budi bought a kebaya for 200k; Sari
    bought batik but never agreed to promotions; Dewi agreed, then said STOP."""
    people = {name: number() for name in ("rina", "budi", "sari", "dewi")}
    await product(db, store, BATIK, "batik")
    await product(db, store, KEBAYA, "kebaya")
    await bought(db, store, people["rina"], 1, BATIK, "900000.00")
    await bought(db, store, people["budi"], 2, KEBAYA, "200000.00")
    await bought(db, store, people["sari"], 3, BATIK, "500000.00")
    await bought(db, store, people["dewi"], 4, BATIK, "700000.00")
    await bought(db, store, people["budi"], 5, KEBAYA, "950000.00", status="cancelled")
    await wrote(db, store, people["rina"], 1)
    await wrote(db, store, people["budi"], 20)
    for name in ("rina", "budi", "dewi"):
        await agree(db, store, people[name])
    await agree(db, store, people["dewi"], State.WITHDRAWN)
    return people


async def named(db: Database, store: Store, segment: Segment) -> set[str]:
    return {candidate.phone for candidate in await candidates(db, store.id, segment, NOW)}


async def test_segments_pick_by_product_category_spending_and_recency_with_consent_only_and_preview(
    db: Database, store: Store, shoppers: dict[str, str]
) -> None:
    rina, budi = shoppers["rina"], shoppers["budi"]
    assert await named(db, store, Segment(product_ids=[BATIK])) == {rina}
    assert await named(db, store, Segment(categories=["Kebaya"])) == {budi}
    assert await named(db, store, Segment(categories=["batik", "kebaya"])) == {rina, budi}
    # Budi's cancelled 950k does not count as spent
    assert await named(db, store, Segment(spent_over=Decimal(300_000))) == {rina}
    assert await named(db, store, Segment(wrote_within_days=7)) == {rina}
    assert await named(db, store, Segment(wrote_within_days=30)) == {rina, budi}
    both = Segment(categories=["kebaya"], wrote_within_days=7)
    assert await named(db, store, both) == set()
    seen = await preview(db, store.id, Segment(wrote_within_days=30), NOW)
    assert seen.count == 2
    assert sorted(seen.sample) == sorted(f"+62 815 •••• {phone[-4:]}" for phone in (rina, budi))


def test_a_segment_without_a_criterion_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Segment()


async def test_results_count_deliveries_replies_opt_outs_and_orders_in_the_window(
    db: Database, store: Store, shoppers: dict[str, str]
) -> None:
    plan = BroadcastPlan(
        name="Promo",
        template=BroadcastTemplate(template="promo:id"),
        segment=Segment(wrote_within_days=30),
    )
    broadcast = await model.create(db, store.id, plan)
    rina, budi = shoppers["rina"], shoppers["budi"]
    sent_at = NOW - timedelta(days=2)
    for phone, status in ((rina, "read"), (budi, "delivered")):
        await db[MESSAGES].insert_one(  # as the responder's sweep leaves a sent message
            {
                "_id": f"broadcast:{broadcast.id}:{phone}",
                "store_id": store.id,
                "conversation_id": f"{store.id}:{phone}",
                "customer_number": phone,
                "direction": "outbound",
                "broadcast_id": broadcast.id,
                "state": "sent",
                "finished_at": sent_at,
                "delivery_status": status,
            }
        )
    await wrote(db, store, rina, 1)  # a reply within the 3 days
    await bought(db, store, rina, 10, BATIK, "450000.00", at=NOW - timedelta(days=1))
    await bought(db, store, budi, 11, KEBAYA, "100000.00", at=NOW - timedelta(days=3))  # before
    await agree(db, store, budi, State.WITHDRAWN)
    counted = await results(db, broadcast)
    assert (counted.sent, counted.delivered, counted.read) == (2, 2, 1)
    assert (counted.replied, counted.opted_out) == (1, 1)
    assert (counted.orders, counted.revenue) == (1, {"IDR": "450000.00"})
