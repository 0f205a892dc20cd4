"""The console's order notification settings: empty until set, saved whole by an owner (and
audited), read by an agent but not changed, a template name, status or field that is not one
refused."""

from collections.abc import Awaitable, Callable

import pytest

from services.console.auth.roles import Role
from services.console.collections import CONSOLE_AUDIT
from shared.mongo import Database
from shared.notifications import orders
from shared.notifications.orders import NotifiedStatus, OrderField
from tests.support.console import SignedIn

pytestmark = pytest.mark.slow

TEMPLATE = "HX" + "cd" * 16
SHIPPED = {
    "templates": {
        "shipped": {"template": TEMPLATE, "variables": {"1": "tracking_number", "2": "courier"}},
        "completed": {"template": "order_done:id", "variables": {"1": "order_number"}},
    },
    "quiet_hours": {"start": "21:00", "end": "08:00"},
}


def path(store_id: str) -> str:
    return f"/api/stores/{store_id}/order-notifications"


async def test_an_owner_sets_the_templates_and_quiet_hours_and_the_responder_reads_them(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    client, store_id, csrf = await sign_in(Role.OWNER)
    headers = {"X-CSRF-Token": csrf}

    before = await client.get(path(store_id))
    saved = await client.put(path(store_id), json=SHIPPED, headers=headers)
    shown = await client.get(path(store_id))

    assert before.json() == {"store_id": store_id, "templates": {}, "quiet_hours": None}
    assert saved.status_code == 200, saved.text
    assert shown.json() == saved.json()
    assert shown.json()["quiet_hours"] == {"start": "21:00:00", "end": "08:00:00"}
    stored = await orders.load(db, store_id)
    assert stored.templates[NotifiedStatus.SHIPPED].variables == {
        "1": OrderField.TRACKING_NUMBER,
        "2": OrderField.COURIER,
    }
    audit = await db[CONSOLE_AUDIT].find_one({"store_id": store_id})
    assert audit is not None
    assert (audit["action"], audit["details"]) == (
        "notifications_changed",
        {"statuses": ["completed", "shipped"]},
    )


@pytest.mark.parametrize(
    "body",
    [
        {"templates": {"shipped": {"template": "Pesanan dikirim"}}},
        {"templates": {"delivered": {"template": TEMPLATE}}},
        {"templates": {"shipped": {"template": TEMPLATE, "variables": {"1": "email"}}}},
        {"quiet_hours": {"start": "21:00", "end": "21:00"}},
    ],
)
async def test_settings_that_are_not_valid_are_refused_and_nothing_is_saved(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]], body: dict[str, object]
) -> None:
    client, store_id, csrf = await sign_in(Role.OWNER)

    refused = await client.put(path(store_id), json=body, headers={"X-CSRF-Token": csrf})

    assert refused.status_code == 422
    assert (await orders.load(db, store_id)).templates == {}


async def test_an_agent_reads_the_settings_but_cannot_change_them(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    client, store_id, csrf = await sign_in(Role.AGENT)

    read = await client.get(path(store_id))
    changed = await client.put(path(store_id), json=SHIPPED, headers={"X-CSRF-Token": csrf})

    assert read.status_code == 200
    assert changed.status_code == 403
    assert (await orders.load(db, store_id)).templates == {}
