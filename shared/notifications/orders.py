"""A store's order notifications: which approved template each order status sends, what fills
its variables, and the quiet hours that hold them until morning (docs/notifications.md).

One document per store in `order_notification_settings` (`_id` the store id). Pure rules here
(which statuses a snapshot reaches, the variables, when a held message may go); the responder
sends."""

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.channels import template_channel
from shared.events import OrderChanged
from shared.mongo import Database

ORDER_NOTIFICATION_SETTINGS = "order_notification_settings"


class NotifiedStatus(StrEnum):
    """The order statuses a store may notify; `shipped` is an order with a tracking number."""

    ON_HOLD = "on-hold"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class OrderField(StrEnum):
    """The order fields a template's variables may carry."""

    ORDER_NUMBER = "order_number"
    FIRST_NAME = "first_name"
    TOTAL = "total"
    TRACKING_NUMBER = "tracking_number"
    COURIER = "courier"


def _approved_template_name(template: str) -> str:
    if template_channel(template) is None:
        raise ValueError("not a Twilio Content SID (HX…) nor a Cloud API `name:language`")
    return template


# An approved template's name, as a channel knows it; its form decides the channel.
TemplateName = Annotated[
    str,
    AfterValidator(_approved_template_name),
    Field(description="Twilio Content SID (HX…) or Cloud API `name:language`."),
]


class OrderTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: TemplateName
    variables: dict[str, OrderField] = Field(
        default_factory=dict, description='The template\'s variables by key ("1", "2", ...).'
    )


class QuietHours(BaseModel):
    """Local times between which nothing is sent (21:00-08:00 spans midnight)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("quiet hours must not start and end at the same time")
        return self

    def next_send_time(self, moment: datetime, timezone: str) -> datetime:
        """`moment` itself outside the quiet hours; else their end, in UTC."""
        local = moment.astimezone(ZoneInfo(timezone))
        now = local.time()
        quiet = (
            self.start <= now < self.end
            if self.start < self.end
            else now >= self.start or now < self.end
        )
        if not quiet:
            return moment
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


class NotificationRules(BaseModel):
    """What a store sets: a template per notified status, and its quiet hours (None: none)."""

    model_config = ConfigDict(extra="forbid")

    templates: dict[NotifiedStatus, OrderTemplate] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None


class OrderNotifications(NotificationRules):
    store_id: str


def reached_statuses(order: OrderChanged) -> list[NotifiedStatus]:
    """The notified statuses this snapshot stands for: its own, and `shipped` when the
    shipment-tracking data carries a tracking number (unless the order was called off)."""
    reached = {s for s in NotifiedStatus if s.value == order.status}
    called_off = {NotifiedStatus.CANCELLED, NotifiedStatus.REFUNDED}
    if order.tracking_number and not called_off & reached:
        reached.add(NotifiedStatus.SHIPPED)  # once, also for a plugin's own "shipped" status
    return [status for status in NotifiedStatus if status in reached]


def variables(template: OrderTemplate, order: OrderChanged) -> dict[str, str]:
    """The template's variables filled from the order; an empty field is "-" (WhatsApp refuses
    an empty parameter)."""
    values = {
        OrderField.ORDER_NUMBER: order.number or str(order.order_id),
        OrderField.FIRST_NAME: order.first_name,
        OrderField.TOTAL: f"{order.currency} {order.total}" if order.total else None,
        OrderField.TRACKING_NUMBER: order.tracking_number,
        OrderField.COURIER: order.courier,
    }
    return {key: values[field] or "-" for key, field in template.variables.items()}


async def load(db: Database, store_id: str) -> OrderNotifications:
    """The store's settings; none saved: no template, nothing is sent."""
    document = await db[ORDER_NOTIFICATION_SETTINGS].find_one({"_id": store_id})
    if document is None:
        return OrderNotifications(store_id=store_id)
    return OrderNotifications.model_validate({**_without_id(document), "store_id": store_id})


async def replace(
    db: Database, store_id: str, rules: NotificationRules | Mapping[str, Any]
) -> OrderNotifications:
    """Check and save a store's whole setting: the one way the console page, the API and the
    CLI change it. Raises pydantic's ValidationError for a wrong status, field or template."""
    checked = NotificationRules.model_validate(rules)
    settings = OrderNotifications(
        store_id=store_id, templates=checked.templates, quiet_hours=checked.quiet_hours
    )
    await save(db, settings)
    return settings


async def save(db: Database, settings: OrderNotifications) -> None:
    document = settings.model_dump(mode="json", exclude={"store_id"})
    await db[ORDER_NOTIFICATION_SETTINGS].replace_one(
        {"_id": settings.store_id}, document, upsert=True
    )


def _without_id(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "_id"}
