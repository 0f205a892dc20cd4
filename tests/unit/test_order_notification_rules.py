"""The pure rules of order notifications: the statuses a snapshot reaches, the tracking data
read from the order's meta, the variables and the end of the quiet hours."""

from datetime import UTC, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from shared.notifications.orders import (
    NotifiedStatus,
    OrderField,
    OrderTemplate,
    QuietHours,
    reached_statuses,
    variables,
)
from shared.woocommerce.payloads import SHIPMENT_TRACKING_KEY, OrderSnapshot, Topic, changed_event
from tests.support.events import order_changed


def snapshot(meta: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": 1207,
        "number": "1207",
        "status": "processing",
        "currency": "IDR",
        "total": "250000.00",
        "date_modified_gmt": "2026-12-06T10:00:00",
        "billing": {"first_name": "Rina", "phone": "0812-3456-7890"},
        "meta_data": meta,
    }


def test_the_newest_tracked_shipment_of_the_meta_becomes_the_events_tracking() -> None:
    shipments = [
        {"tracking_number": "JNE001", "tracking_provider": "jne"},
        {"tracking_number": "", "tracking_provider": "pos"},
        {"tracking_number": "SC002", "custom_tracking_provider": "SiCepat"},
    ]
    meta = [
        "not a meta item",
        {"id": 1, "key": "_other", "value": {"any": ["shape"]}},
        {"key": SHIPMENT_TRACKING_KEY, "value": shipments},
    ]
    parsed = OrderSnapshot.model_validate(snapshot(meta))

    event = changed_event("toko", Topic("order", "updated"), parsed)

    assert (event.tracking_number, event.courier, event.first_name) == ("SC002", "SiCepat", "Rina")


@pytest.mark.parametrize("value", ["not a list", [{"tracking_number": {"nested": 1}}], []])
def test_tracking_data_of_another_shape_is_no_tracking(value: Any) -> None:
    parsed = OrderSnapshot.model_validate(
        snapshot([{"key": SHIPMENT_TRACKING_KEY, "value": value}])
    )

    assert parsed.shipment is None


def test_a_tracked_order_is_shipped_too_unless_it_was_called_off() -> None:
    tracked = {"tracking_number": "JNE001"}

    assert reached_statuses(order_changed(status="processing")) == [NotifiedStatus.PROCESSING]
    assert reached_statuses(order_changed(status="completed", **tracked)) == [
        NotifiedStatus.SHIPPED,
        NotifiedStatus.COMPLETED,
    ]
    assert reached_statuses(order_changed(status="shipped", **tracked)) == [NotifiedStatus.SHIPPED]
    assert reached_statuses(order_changed(status="refunded", **tracked)) == [
        NotifiedStatus.REFUNDED
    ]
    assert reached_statuses(order_changed(status="pending")) == []


def test_variables_are_the_orders_fields_and_a_missing_one_is_a_dash() -> None:
    template = OrderTemplate(
        template="order_shipped:id",
        variables={"1": OrderField.FIRST_NAME, "2": OrderField.TOTAL, "3": OrderField.COURIER},
    )

    assert variables(template, order_changed()) == {"1": "Rina", "2": "IDR 250000.00", "3": "-"}


def test_a_template_must_be_a_content_sid_or_a_cloud_api_name() -> None:
    with pytest.raises(ValidationError):
        OrderTemplate(template="Your order shipped")


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 12, 6, 13, 59, tzinfo=UTC), datetime(2026, 12, 6, 13, 59, tzinfo=UTC)),
        (datetime(2026, 12, 6, 14, 0, tzinfo=UTC), datetime(2026, 12, 7, 1, 0, tzinfo=UTC)),
        (datetime(2026, 12, 6, 18, 0, tzinfo=UTC), datetime(2026, 12, 7, 1, 0, tzinfo=UTC)),
        (datetime(2026, 12, 7, 0, 30, tzinfo=UTC), datetime(2026, 12, 7, 1, 0, tzinfo=UTC)),
        (datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 1, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_over_midnight_end_at_the_stores_morning(
    utc: datetime, expected: datetime
) -> None:
    hours = QuietHours(start=time(21), end=time(8))  # Jakarta, UTC+7

    assert hours.next_send_time(utc, "Asia/Jakarta") == expected
