"""WooCommerce `wc/v3` resources as pydantic models, and the events they become. No I/O here.

One mapping for both ways a resource reaches Balas: a webhook delivery (ingest) and a page of the
REST API (`balas woocommerce sync` and the enricher's reconciliation). Both carry the resource as
the REST API returns it; only the fields Balas uses are read, the rest is ignored. A deleted
resource's delivery carries only `{"id": N}`. The same snapshot gives the same event, with the
same `event_id`, whichever way it came, so consumers deduplicate a webhook and a sync alike.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

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
    ProductCategory,
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


@dataclass(frozen=True)
class Topic:
    resource: Resource
    change: WooCommerceChange

    @property
    def deleted(self) -> bool:
        return self.change == "deleted"


def snapshot_key(store_id: str, resource: str, resource_id: int) -> str:
    """The `_id` of a resource in `woocommerce_snapshots`, the newest modified time published."""
    return f"{store_id}:{resource}:{resource_id}"


def _blank_to_none(value: Any) -> Any:
    """WooCommerce writes "" for an unset text or price."""
    return None if value == "" else value


Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
Amount = Annotated[DecimalString | None, BeforeValidator(_blank_to_none)]


# WooCommerce's ids are MySQL BIGINT UNSIGNED, MongoDB stores signed 64-bit integers: an id
# past that is no real resource, and refused as malformed rather than failing at the database.
INT64_MAX = 2**63 - 1
ResourceId = Annotated[int, Field(gt=0, le=INT64_MAX)]
OptionalId = Annotated[int, Field(ge=0, le=INT64_MAX)]


class _Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: ResourceId
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

    product_id: OptionalId | None = None
    name: str = ""
    quantity: int = Field(0, ge=-INT64_MAX, le=INT64_MAX)
    total: DecimalString = "0"


# The key the WooCommerce Shipment Tracking extension (and compatible plugins) keeps an order's
# shipments under: a list of {tracking_number, tracking_provider, custom_tracking_provider, ...}.
SHIPMENT_TRACKING_KEY = "_wc_shipment_tracking_items"


class Shipment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    tracking_number: Text = None
    tracking_provider: Text = None
    custom_tracking_provider: Text = None

    @property
    def courier(self) -> str | None:
        return self.custom_tracking_provider or self.tracking_provider


class OrderSnapshot(_Snapshot):
    number: str
    status: str
    currency: str = Field(min_length=3, max_length=3)
    total: DecimalString
    date_paid_gmt: UtcDateTime | None = None
    customer_id: OptionalId = 0
    billing: Billing = Field(default_factory=Billing)
    line_items: list[LineItem] = Field(default_factory=list)
    # read only for the shipment tracking: any other plugin's meta may be of any shape
    meta_data: list[Any] = Field(default_factory=list)

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def shipment(self) -> Shipment | None:
        """The newest shipment with a tracking number; None when there is none, or the
        tracking data is not the shape Balas knows (an unknown plugin's is ignored, not fatal)."""
        for item in self.meta_data:
            if not isinstance(item, dict) or item.get("key") != SHIPMENT_TRACKING_KEY:
                continue
            value = item.get("value")
            if not isinstance(value, list):
                return None
            try:
                shipments = [Shipment.model_validate(entry) for entry in value]
            except ValidationError:
                return None
            tracked = [shipment for shipment in shipments if shipment.tracking_number]
            return tracked[-1] if tracked else None
        return None


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    address_1: Text = None
    address_2: Text = None
    city: Text = None
    state: Text = None
    postcode: Text = None
    country: Text = None


class LiveOrder(OrderSnapshot):
    """An order read from the REST API at the moment of an order action (docs/actions.md)."""

    shipping: Address = Field(default_factory=Address)
    payment_url: Text = None


class CustomerSnapshot(_Snapshot):
    email: Text = None
    first_name: Text = None
    last_name: Text = None
    billing: Billing = Field(default_factory=Billing)


class ProductImage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    src: str


class ProductSnapshot(_Snapshot):
    name: str
    status: Text = None  # "publish", "draft", "private", "pending"
    catalog_visibility: Text = None  # "visible", "catalog", "search", "hidden"
    images: list[ProductImage] = Field(default_factory=list)  # the main image first
    sku: Text = None
    permalink: Text = None
    price: Amount = None
    regular_price: Amount = None
    sale_price: Amount = None
    stock_status: Text = None
    stock_quantity: int | None = None
    categories: list[ProductCategory] = Field(default_factory=list)


class Deletion(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: ResourceId


Snapshot = OrderSnapshot | CustomerSnapshot | ProductSnapshot
SNAPSHOT_MODELS: dict[Resource, type[Snapshot]] = {
    "order": OrderSnapshot,
    "customer": CustomerSnapshot,
    "product": ProductSnapshot,
}


def explain(error: ValidationError) -> str:
    """A one-line reason naming WooCommerce's field names (never the values: they may be PII)."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{field}: {item['msg']}")
    return "; ".join(problems)


def listed_event(store_id: str, resource: Resource, document: Any) -> WooCommerceEvent:
    """The event of one resource read from the REST API (a ValidationError if it is malformed).

    A listing says nothing about what changed, so the change is `created` while the resource was
    never modified after its creation and `updated` otherwise; the event id does not depend on it.
    """
    snapshot = SNAPSHOT_MODELS[resource].model_validate(document)
    unchanged = snapshot.date_modified_gmt in (None, snapshot.date_created_gmt)
    return changed_event(store_id, Topic(resource, "created" if unchanged else "updated"), snapshot)


def changed_event(
    store_id: str, topic: Topic, snapshot: Snapshot | Deletion, held: datetime | None = None
) -> WooCommerceEvent:
    """The event of a snapshot; for a deletion `held` is the last snapshot's modified time."""
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
        shipment = snapshot.shipment
        return OrderChanged(
            **common,
            order_id=snapshot.id,
            number=snapshot.number,
            status=snapshot.status,
            currency=snapshot.currency,
            total=snapshot.total,
            customer_id=snapshot.customer_id or None,
            billing_phone=snapshot.billing.phone,
            first_name=snapshot.billing.first_name,
            created_at=snapshot.date_created_gmt,
            paid_at=snapshot.date_paid_gmt,
            line_items=[OrderLineItem(**item.model_dump()) for item in snapshot.line_items],
            tracking_number=shipment.tracking_number if shipment else None,
            courier=shipment.courier if shipment else None,
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
        sku=snapshot.sku,
        permalink=snapshot.permalink,
        status=snapshot.status,
        catalog_visibility=snapshot.catalog_visibility,
        image_url=snapshot.images[0].src if snapshot.images else None,
        price=snapshot.price,
        regular_price=snapshot.regular_price,
        sale_price=snapshot.sale_price,
        stock_status=snapshot.stock_status,
        stock_quantity=snapshot.stock_quantity,
        categories=snapshot.categories,
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
