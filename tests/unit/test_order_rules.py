"""The commerce KPI rules (services/kpi_aggregator/orders.py): merging order snapshots in any
order, what an order counts, attribution to conversations and conversions."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.kpi_aggregator.orders import (
    OrderRecord,
    attribute,
    conversions,
    difference,
    observe,
    order_facts,
    replay,
    settled,
)
from shared.events import OrderChanged, woocommerce_event_id
from shared.identity import customer_hash

STORE = "toko"
BUDI = "+6281234567890"
HASH = customer_hash(BUDI)
CREATED = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
RETENTION = timedelta(days=183)
JAKARTA = ZoneInfo("Asia/Jakarta")


def snapshot(minutes: int, status: str, **fields: Any) -> OrderChanged:
    modified = CREATED + timedelta(minutes=minutes)
    values: dict[str, Any] = {
        "event_id": woocommerce_event_id(STORE, "order", 727, modified, deleted=False),
        "occurred_at": modified,
        "store_id": STORE,
        "change": "updated",
        "modified_at": modified,
        "order_id": 727,
        "number": "727",
        "status": status,
        "currency": "IDR",
        "total": "265000.00",
        "billing_phone": "0812-3456-7890",
        "created_at": CREATED,
    }
    return OrderChanged(**{**values, **fields})


def deletion(held_minutes: int | None) -> OrderChanged:
    held = CREATED + timedelta(minutes=held_minutes) if held_minutes is not None else None
    return OrderChanged(
        event_id=woocommerce_event_id(STORE, "order", 727, held, deleted=True),
        occurred_at=CREATED + timedelta(days=3),
        store_id=STORE,
        change="deleted",
        deleted=True,
        modified_at=held,
        order_id=727,
    )


def merged(*events: OrderChanged, customer: str | None = HASH) -> OrderRecord:
    record = None
    for event in events:
        record = observe(record, event, customer)
    assert record is not None
    return record


def stamp(kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"_id": f"{kind}{at}", "kind": kind, "at": at, "conversation_id": f"{STORE}:{BUDI}"} | {
        "author": "bot",
        "sent": True,
        "hand_over": None,
        **fields,
    }


def test_snapshots_in_any_order_make_the_same_record() -> None:
    history = [
        snapshot(0, "pending"),
        snapshot(15, "processing", paid_at=CREATED + timedelta(minutes=10)),
        snapshot(60 * 24, "completed", paid_at=CREATED + timedelta(minutes=10)),
        snapshot(60 * 48, "refunded", paid_at=CREATED + timedelta(minutes=10)),
    ]
    records = {merged(*order).model_dump_json() for order in itertools.permutations(history)}
    assert len(records) == 1
    record = merged(*history)
    assert (record.status, record.paid_at) == ("refunded", CREATED + timedelta(minutes=10))
    assert record.refunded_at == CREATED + timedelta(days=2)


def test_the_earliest_payment_wins_whenever_it_is_learnt() -> None:
    """A cash-on-delivery order is processing before WooCommerce records a paid date."""
    processing = snapshot(30, "processing")  # no paid date: paid when first seen processing
    completed = snapshot(60 * 5, "completed", paid_at=CREATED + timedelta(hours=4))

    assert merged(completed, processing).paid_at == CREATED + timedelta(minutes=30)
    assert merged(processing, completed).paid_at == CREATED + timedelta(minutes=30)


def test_an_order_counts_created_paid_and_refunded_each_at_its_moment() -> None:
    paid_at = CREATED + timedelta(minutes=10)
    record = merged(
        snapshot(0, "pending"),
        snapshot(15, "processing", paid_at=paid_at),
        snapshot(60 * 48, "refunded", paid_at=paid_at),
    )

    assert order_facts(record) == [
        (CREATED, "orders.created", 1),
        (paid_at, "orders.paid", 1),
        (paid_at, "revenue.IDR.paid", Decimal("265000.00")),
        (paid_at, "revenue.IDR.orders", 1),
        (CREATED + timedelta(days=2), "orders.refunded", 1),
        (CREATED + timedelta(days=2), "revenue.IDR.refunded", Decimal("265000.00")),
    ]


def test_an_unpaid_cancelled_order_has_no_revenue() -> None:
    record = merged(snapshot(0, "pending"), snapshot(90, "cancelled"))

    assert order_facts(record) == [
        (CREATED, "orders.created", 1),
        (CREATED + timedelta(minutes=90), "orders.cancelled", 1),
    ]


def test_a_deletion_removes_the_snapshot_it_followed_but_not_a_later_restore() -> None:
    live = snapshot(15, "processing")
    assert order_facts(merged(live, deletion(15))) == []
    assert order_facts(merged(deletion(15), live)) == []
    restored = snapshot(60 * 72, "processing")
    assert order_facts(merged(live, deletion(15), restored))
    assert order_facts(merged(restored, deletion(15), live))
    # a deletion of an order whose snapshot ingest never held deletes no known snapshot
    assert order_facts(merged(live, deletion(None)))


def test_only_what_changed_is_counted_again() -> None:
    before = [(CREATED, "orders.created", 1), (CREATED, "orders.attributed.bot", 1)]
    after = [(CREATED, "orders.created", 1), (CREATED, "orders.attributed.human", 1)]

    assert sorted(difference(before, after)) == [
        (CREATED, "orders.attributed.bot", -1),
        (CREATED, "orders.attributed.human", 1),
    ]
    assert difference(after, after) == []


def test_a_message_within_the_window_before_the_order_attributes_it_to_the_bot() -> None:
    record = merged(snapshot(15, "processing"))
    stamps = [
        stamp("in", CREATED - WEEK),  # the window's first moment
        stamp("out", CREATED - WEEK + timedelta(seconds=3)),
        stamp("in", CREATED - WEEK - timedelta(seconds=1)),  # too early
        stamp("in", CREATED + timedelta(minutes=1)),  # after the order: support, not sales
    ]

    attribute(record, stamps, WEEK)

    assert record.handler == "bot"
    assert record.attributing_messages == [CREATED - WEEK]


def test_a_hand_over_or_an_agents_reply_in_the_window_makes_it_the_humans() -> None:
    handed = merged(snapshot(15, "processing"))
    attribute(handed, [stamp("in", CREATED - timedelta(days=1))], WEEK)
    assert handed.handler == "bot"
    attribute(
        handed, [stamp("out", CREATED - timedelta(hours=2), hand_over="customer_request")], WEEK
    )
    assert handed.handler == "human"
    attribute(handed, [stamp("in", CREATED - timedelta(hours=1))], WEEK)  # never back to the bot
    assert handed.handler == "human"

    agent = merged(snapshot(15, "processing"))
    attribute(agent, [stamp("in", CREATED - timedelta(days=1))], WEEK)
    attribute(agent, [stamp("out", CREATED - timedelta(hours=5), author="agent")], WEEK)
    assert agent.handler == "human"

    unsent = merged(snapshot(15, "processing"))
    attribute(unsent, [stamp("in", CREATED - timedelta(days=1))], WEEK)
    attribute(
        unsent, [stamp("out", CREATED - timedelta(hours=5), author="agent", sent=False)], WEEK
    )
    assert unsent.handler == "bot"


def test_replies_alone_attribute_nothing() -> None:
    record = merged(snapshot(15, "processing"))
    attribute(record, [stamp("out", CREATED - timedelta(hours=1), author="agent")], WEEK)
    assert record.handler is None


def test_an_attributed_paid_order_counts_for_its_handler_and_converts_the_chats() -> None:
    record = merged(snapshot(15, "processing"))
    evening = datetime(2024, 5, 5, 18, 30, tzinfo=UTC)  # 01:30 on the 6th in Jakarta
    attribute(record, [stamp("in", evening), stamp("in", evening + timedelta(minutes=5))], WEEK)

    facts = order_facts(record)
    assert (record.paid_at, "orders.attributed.bot", 1) in facts
    assert (record.paid_at, "revenue.IDR.attributed_bot", Decimal("265000.00")) in facts
    assert sorted(conversions(record, JAKARTA)) == [
        f"d|{STORE}|2024-05-06|{HASH}",
        f"h|{STORE}|2024-05-05T18|{HASH}",
    ]


def test_an_unpaid_or_deleted_order_converts_nobody() -> None:
    unpaid = merged(snapshot(0, "pending"))
    attribute(unpaid, [stamp("in", CREATED - timedelta(hours=1))], WEEK)
    assert unpaid.handler == "bot"
    assert conversions(unpaid, JAKARTA) == {}
    assert not any("attributed" in name for _, name, _ in order_facts(unpaid))

    deleted = merged(snapshot(15, "processing"), deletion(15))
    attribute(deleted, [stamp("in", CREATED - timedelta(hours=1))], WEEK)
    assert conversions(deleted, JAKARTA) == {}


def test_a_new_billing_phone_drops_the_attribution_of_the_old_one() -> None:
    record = merged(snapshot(15, "processing"))
    attribute(record, [stamp("in", CREATED - timedelta(hours=1))], WEEK)

    moved = observe(record, snapshot(60, "processing", billing_phone="+6281100000002"), "other")

    assert (moved.customer_hash, moved.handler, moved.attributing_messages) == ("other", None, [])
    assert record.handler == "bot"  # observe copies; the old record is unchanged


def test_replay_attributes_from_the_newest_snapshots_customer() -> None:
    stamps = [stamp("in", CREATED - timedelta(hours=1))]
    history = [snapshot(0, "pending"), snapshot(15, "processing"), snapshot(-5, "checkout-draft")]

    [record] = replay(history, stamps, "ID", WEEK, RETENTION).values()

    assert (record.customer_hash, record.handler) == (HASH, "bot")
    assert record.status == "processing"


def test_an_order_changed_within_its_retention_still_counts() -> None:
    # 183 days less the week of attribution and the week of late delivery: 169 days.
    assert not settled(snapshot(168 * 24 * 60, "refunded"), RETENTION, WEEK)


def test_an_order_changed_after_its_records_may_have_expired_is_settled() -> None:
    assert settled(snapshot(170 * 24 * 60, "refunded"), RETENTION, WEEK)


def test_a_rebuild_leaves_a_settled_change_out_as_live_aggregation_does() -> None:
    paid = snapshot(10, "processing", paid_at=CREATED + timedelta(minutes=10))
    late_refund = snapshot(200 * 24 * 60, "refunded")

    [record] = replay([paid, late_refund], [], "ID", WEEK, RETENTION).values()

    assert record.status == "processing"
    assert record.refunded_at is None
