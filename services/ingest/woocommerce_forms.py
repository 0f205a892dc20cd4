"""WooCommerce's webhook deliveries as pydantic models, and the events they become. No I/O here.

A delivery's body is the resource as the REST API (`wc/v3`) returns it; only the fields Balas
uses are read, the rest is ignored. A deletion carries only `{"id": N}`.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.events import (
    CustomerChanged,
    DecimalString,
    OrderChanged,
    OrderLineItem,
    ProductChanged,
    UtcDateTime,
    WooCommerceChange,
    WooCommerceEvent,
    utcnow,
    woocommerce_event_id,
)

Resource = Literal["order", "customer", "product"]
RESOURCES: tuple[Resource, ...] = ("order", "customer", "product")
CHANGES: tuple[WooCommerceChange, ...] = ("created", "updated", "deleted", "restored")


class MalformedDelivery(ValueError):
    """The delivery cannot be read; the message is the reason given with the 400."""


# -- signature and ping ----------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """WooCommerce's `X-WC-Webhook-Signature`: base64 of HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(secret: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


def is_ping(body: bytes) -> bool:
    """The unsigned, form-encoded `webhook_id=N` WooCommerce posts when a webhook is saved."""
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    ids = fields.get("webhook_id", [])
    return set(fields) == {"webhook_id"} and len(ids) == 1 and ids[0].isdigit()


# -- topics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    resource: Resource
    change: WooCommerceChange

    @property
    def deleted(self) -> bool:
        return self.change == "deleted"


def parse_topic(header: str | None) -> Topic:
    """`order.updated` -> Topic("order", "updated"); anything Balas does not map is malformed."""
    if not header:
        raise MalformedDelivery("X-WC-Webhook-Topic header is missing")
    resource, _, change = header.strip().partition(".")
    for known_resource in RESOURCES:
        for known_change in CHANGES:
            if (resource, change) == (known_resource, known_change):
                return Topic(known_resource, known_change)
    raise MalformedDelivery(
        f"unknown topic {header!r}: Balas takes order.*, customer.* and product.* "
        "(created, updated, deleted, restored)"
    )


# -- snapshots -------------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    """WooCommerce writes "" for an unset text or price."""
    return None if value == "" else value


Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
Amount = Annotated[DecimalString | None, BeforeValidator(_blank_to_none)]


class _Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int = Field(gt=0)
    date_created_gmt: UtcDateTime | None = None
    date_modified_gmt: UtcDateTime | None = None

    @model_validator(mode="after")
    def _has_a_time(self) -> "_Snapshot":
        if self.date_modified_gmt is None and self.date_created_gmt is None:
            raise ValueError("date_modified_gmt is missing")
        return self

    @property
    def modified_at(self) -> datetime:
        """When the resource last changed (its creation if WooCommerce gives no modification)."""
        moment = self.date_modified_gmt or self.date_created_gmt
        assert moment is not None  # checked by `_has_a_time`
        return moment


class Billing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    first_name: Text = None
    last_name: Text = None
    phone: Text = None
    email: Text = None


class LineItem(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    product_id: int | None = None
    name: str = ""
    quantity: int = 0
    total: DecimalString = "0"


class OrderSnapshot(_Snapshot):
    number: str
    status: str
    currency: str = Field(min_length=3, max_length=3)
    total: DecimalString
    date_paid_gmt: UtcDateTime | None = None
    customer_id: int = 0
    billing: Billing = Field(default_factory=Billing)
    line_items: list[LineItem] = Field(default_factory=list)

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class CustomerSnapshot(_Snapshot):
    email: Text = None
    first_name: Text = None
    last_name: Text = None
    billing: Billing = Field(default_factory=Billing)


class ProductSnapshot(_Snapshot):
    name: str
    permalink: Text = None
    price: Amount = None
    regular_price: Amount = None
    sale_price: Amount = None
    stock_status: Text = None
    stock_quantity: int | None = None


class Deletion(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int = Field(gt=0)


Snapshot = OrderSnapshot | CustomerSnapshot | ProductSnapshot
_MODELS: dict[Resource, type[Snapshot]] = {
    "order": OrderSnapshot,
    "customer": CustomerSnapshot,
    "product": ProductSnapshot,
}


def explain(error: ValidationError) -> str:
    """A one-line reason for a 400, naming WooCommerce's field names."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{field}: {item['msg']}")
    return "; ".join(problems)


def parse_body(topic: Topic, body: bytes) -> Snapshot | Deletion:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedDelivery(f"body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise MalformedDelivery("body is not a JSON object")
    try:
        if topic.deleted:
            return Deletion.model_validate(document)
        return _MODELS[topic.resource].model_validate(document)
    except ValidationError as error:
        raise MalformedDelivery(explain(error)) from error


# -- events ----------------------------------------------------------------------------------


def changed_event(
    store_id: str, topic: Topic, snapshot: Snapshot | Deletion, held: datetime | None = None
) -> WooCommerceEvent:
    """The event of a delivery; for a deletion `held` is the last snapshot's modified time."""
    if isinstance(snapshot, Deletion):
        return _deletion(store_id, topic, snapshot.id, held)
    common: dict[str, Any] = {
        "event_id": woocommerce_event_id(
            store_id, topic.resource, snapshot.id, snapshot.modified_at, deleted=False
        ),
        "occurred_at": snapshot.modified_at,
        "store_id": store_id,
        "change": topic.change,
        "modified_at": snapshot.modified_at,
    }
    if isinstance(snapshot, OrderSnapshot):
        return OrderChanged(
            **common,
            order_id=snapshot.id,
            number=snapshot.number,
            status=snapshot.status,
            currency=snapshot.currency,
            total=snapshot.total,
            customer_id=snapshot.customer_id or None,
            billing_phone=snapshot.billing.phone,
            created_at=snapshot.date_created_gmt,
            paid_at=snapshot.date_paid_gmt,
            line_items=[OrderLineItem(**item.model_dump()) for item in snapshot.line_items],
        )
    if isinstance(snapshot, CustomerSnapshot):
        return CustomerChanged(
            **common,
            customer_id=snapshot.id,
            email=snapshot.email,
            first_name=snapshot.first_name,
            last_name=snapshot.last_name,
            billing_phone=snapshot.billing.phone,
        )
    return ProductChanged(
        **common,
        product_id=snapshot.id,
        name=snapshot.name,
        permalink=snapshot.permalink,
        price=snapshot.price,
        regular_price=snapshot.regular_price,
        sale_price=snapshot.sale_price,
        stock_status=snapshot.stock_status,
        stock_quantity=snapshot.stock_quantity,
    )


def _deletion(
    store_id: str, topic: Topic, resource_id: int, held: datetime | None
) -> WooCommerceEvent:
    common: dict[str, Any] = {
        "event_id": woocommerce_event_id(store_id, topic.resource, resource_id, held, deleted=True),
        "occurred_at": utcnow(),
        "store_id": store_id,
        "change": topic.change,
        "deleted": True,
        "modified_at": held,
    }
    if topic.resource == "order":
        return OrderChanged(**common, order_id=resource_id)
    if topic.resource == "customer":
        return CustomerChanged(**common, customer_id=resource_id)
    return ProductChanged(**common, product_id=resource_id)
