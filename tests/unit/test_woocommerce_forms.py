from decimal import Decimal

import pytest

from services.ingest.woocommerce_forms import (
    MalformedDelivery,
    is_ping,
    parse_body,
    parse_topic,
    signature_matches,
)
from shared.events import (
    CustomerChanged,
    OrderChanged,
    ProductCategory,
    ProductChanged,
    decode_event,
)
from shared.woocommerce.payloads import (
    CustomerSnapshot,
    Deletion,
    OrderSnapshot,
    ProductSnapshot,
    Topic,
    changed_event,
)
from tests.standins.dates import DAY, at
from tests.standins.woocommerce_data import body_of, customer, order, product, wc_signature

STORE_ID = "toko-batik"
SECRET = "wc-webhook-secret-1"
MODIFIED = at(10, 15)


# -- topics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "topic"),
    [
        ("order.created", Topic("order", "created")),
        ("order.updated", Topic("order", "updated")),
        ("order.deleted", Topic("order", "deleted")),
        ("order.restored", Topic("order", "restored")),
        ("customer.updated", Topic("customer", "updated")),
        ("product.deleted", Topic("product", "deleted")),
    ],
)
def test_order_customer_and_product_topics_map_to_a_resource_and_change(
    header: str, topic: Topic
) -> None:
    assert parse_topic(header) == topic


@pytest.mark.parametrize(
    "header", [None, "", "coupon.created", "action.woocommerce_add_to_cart", "order", "order.paid"]
)
def test_topics_balas_does_not_take_are_malformed(header: str | None) -> None:
    with pytest.raises(MalformedDelivery):
        parse_topic(header)


# -- signature and ping ----------------------------------------------------------------------


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = body_of(order())

    assert signature_matches(SECRET, body, wc_signature(SECRET, body))
    assert not signature_matches("another-secret", body, wc_signature(SECRET, body))
    assert not signature_matches(SECRET, body + b" ", wc_signature(SECRET, body))
    assert not signature_matches(SECRET, body, "")


@pytest.mark.parametrize(
    ("body", "ping"),
    [
        (b"webhook_id=12", True),
        (b"webhook_id=abc", False),
        (b"webhook_id=12&other=1", False),
        (b'{"webhook_id": 12}', False),
        (b"", False),
        (b"\xff\xfe", False),
    ],
)
def test_only_the_form_encoded_webhook_id_is_a_ping(body: bytes, ping: bool) -> None:
    assert is_ping(body) is ping


# -- bodies ----------------------------------------------------------------------------------


def test_an_order_snapshot_keeps_the_fields_balas_uses() -> None:
    snapshot = parse_body(Topic("order", "updated"), body_of(order()))

    assert isinstance(snapshot, OrderSnapshot)
    assert snapshot.id == 727
    assert snapshot.total == "265000.00"
    assert snapshot.billing.phone == "+6281234567890"
    assert snapshot.modified_at == MODIFIED  # `_gmt` times are UTC
    assert snapshot.date_paid_gmt == at(10, 10)
    assert snapshot.line_items[0].product_id == 93


def test_a_deletion_carries_only_the_id() -> None:
    assert parse_body(Topic("order", "deleted"), b'{"id": 727}') == Deletion(id=727)


def test_customer_and_product_snapshots_read_blank_texts_as_none() -> None:
    blank_sale = {**product(), "sale_price": "", "permalink": ""}

    found_customer = parse_body(Topic("customer", "updated"), body_of(customer()))
    found_product = parse_body(Topic("product", "updated"), body_of(blank_sale))

    assert isinstance(found_customer, CustomerSnapshot)
    assert found_customer.billing.phone == "+6281234567890"
    assert isinstance(found_product, ProductSnapshot)
    assert found_product.sale_price is None
    assert found_product.permalink is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (body_of({**order(), "total": "lots"}), "total"),
        (body_of({k: v for k, v in order().items() if k != "status"}), "status"),
        (
            body_of({**order(), "date_modified_gmt": None, "date_created_gmt": None}),
            "date_modified",
        ),
        (body_of({**order(), "id": "x"}), "id"),
        (body_of(order(order_id=2**70)), "id"),  # past what MongoDB stores
        (body_of({**order(), "customer_id": 2**64}), "customer_id"),
        (b'{"id": 1, "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested too deeply"),
    ],
)
def test_a_malformed_body_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedDelivery, match=reason):
        parse_body(Topic("order", "updated"), body)


# -- events ----------------------------------------------------------------------------------


def test_an_order_becomes_an_order_changed_keyed_by_store() -> None:
    topic = Topic("order", "updated")
    event = changed_event(STORE_ID, topic, parse_body(topic, body_of(order())))

    assert isinstance(event, OrderChanged)
    assert event.topic == "woocommerce.orders"
    assert event.key() == STORE_ID.encode()
    assert (event.order_id, event.number, event.status) == (727, "727", "processing")
    assert Decimal(event.total or "") == Decimal("265000")
    assert (event.currency, event.customer_id) == ("IDR", 25)
    assert event.modified_at == event.occurred_at == MODIFIED
    assert event.line_items[0].total == "250000.00"
    assert not event.deleted
    assert decode_event(event.topic, event.model_dump_json()) == event


def test_the_same_snapshot_is_the_same_event_whichever_delivery_brought_it() -> None:
    topic = Topic("order", "updated")
    first = changed_event(STORE_ID, topic, parse_body(topic, body_of(order())))
    again = changed_event(STORE_ID, topic, parse_body(topic, body_of(order())))
    later = changed_event(
        STORE_ID, topic, parse_body(topic, body_of(order(modified=f"{DAY}T10:16:00")))
    )

    assert first.event_id == again.event_id
    assert later.event_id != first.event_id


def test_a_guest_order_has_no_customer_id() -> None:
    topic = Topic("order", "created")
    event = changed_event(STORE_ID, topic, parse_body(topic, body_of(order(customer_id=0))))

    assert isinstance(event, OrderChanged)
    assert event.customer_id is None


def test_a_deletion_becomes_a_deleted_event_stamped_with_the_held_snapshot() -> None:
    topic = Topic("product", "deleted")

    event = changed_event(STORE_ID, topic, Deletion(id=93), held=MODIFIED)

    assert isinstance(event, ProductChanged)
    assert event.deleted
    assert event.product_id == 93
    assert event.modified_at == MODIFIED
    assert event.name is None


def test_customers_and_products_become_their_events() -> None:
    customer_topic, product_topic = Topic("customer", "updated"), Topic("product", "created")

    found_customer = changed_event(
        STORE_ID, customer_topic, parse_body(customer_topic, body_of(customer()))
    )
    found_product = changed_event(
        STORE_ID, product_topic, parse_body(product_topic, body_of(product()))
    )

    assert isinstance(found_customer, CustomerChanged)
    assert found_customer.topic == "woocommerce.customers"
    assert found_customer.billing_phone == "+6281234567890"
    assert isinstance(found_product, ProductChanged)
    assert found_product.topic == "woocommerce.products"
    assert (found_product.price, found_product.stock_quantity) == ("125000", 7)
    assert found_product.categories == [ProductCategory(id=9, name="Batik")]  # for segments
