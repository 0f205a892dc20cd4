"""The order notifications page over HTTP, signed in through the real login form: owners set a
template per status and the quiet hours; a wrong entry is refused in the admin's language and
saves nothing; agents are kept out (docs/notifications.md#in-the-console). And what the
dashboard shows of the notifications' figures (docs/kpis.md#notifications)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import Decimal128

from services.console.auth.users import Role
from services.console.collections import CONSOLE_AUDIT
from shared.kpis.collections import KPI_DAILY
from shared.kpis.keys import day_id
from shared.mongo import Database
from shared.notifications import orders
from shared.notifications.orders import NotifiedStatus, OrderField

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
SID = "HXb5b62575e6e4ff6129ad7c8efe1f983e"


async def test_an_owner_maps_templates_and_quiet_hours(db: Database, sign_in: SignIn) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
    page = await owner.get(f"/stores/{store_id}/settings/notifications")
    assert page.status_code == 200, page.text
    assert all(f'data-status="{status}"' in page.text for status in NotifiedStatus)
    saved = await owner.post(
        f"/stores/{store_id}/settings/notifications",
        data={
            "csrf_token": csrf,
            "shipped.template": SID,
            "shipped.key.0": "1",
            "shipped.field.0": "first_name",
            "shipped.key.1": "2",
            "shipped.field.1": "tracking_number",
            "shipped.key.2": "3",
            "shipped.field.2": "",  # an empty row is no variable
            "completed.template": "order_done:id",
            "completed.field.0": "order_number",  # no key given: the row's number
            "quiet.start": "21:00",
            "quiet.end": "08:00",
        },
    )
    assert saved.status_code == 200, saved.text
    assert 'data-outcome="saved"' in saved.text
    stored = await orders.load(db, store_id)
    assert set(stored.templates) == {NotifiedStatus.SHIPPED, NotifiedStatus.COMPLETED}
    shipped = stored.templates[NotifiedStatus.SHIPPED]
    assert shipped.template == SID
    assert shipped.variables == {"1": OrderField.FIRST_NAME, "2": OrderField.TRACKING_NUMBER}
    assert stored.templates[NotifiedStatus.COMPLETED].variables == {"1": OrderField.ORDER_NUMBER}
    assert stored.quiet_hours is not None
    assert (stored.quiet_hours.start, stored.quiet_hours.end) == (time(21), time(8))
    api = (await owner.get(f"/api/stores/{store_id}/order-notifications")).json()
    assert api["templates"]["completed"]["template"] == "order_done:id"  # one setting, two doors
    shown = await owner.get(f"/stores/{store_id}/settings/notifications")
    assert f'value="{SID}"' in shown.text
    assert 'value="21:00"' in shown.text
    audit = await db[CONSOLE_AUDIT].find_one({"store_id": store_id})
    assert audit is not None
    assert audit["action"] == "notifications_changed"
    assert audit["details"]["statuses"] == ["completed", "shipped"]


@pytest.mark.parametrize(
    ("lang", "template_error", "quiet_error"),
    [
        (
            "en",
            "Enter a Twilio Content SID (HX…) or a Cloud API template as name:language.",
            "Quiet hours must not start and end at the same time.",
        ),
        (
            "id",
            "Masukkan Content SID Twilio (HX…) atau template Cloud API sebagai nama:bahasa.",
            "Jam tenang tidak boleh mulai dan berakhir pada jam yang sama.",
        ),
    ],
)
async def test_a_wrong_entry_is_refused_in_the_admins_language_and_saves_nothing(
    db: Database, sign_in: SignIn, lang: str, template_error: str, quiet_error: str
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER, lang=lang)
    refused = await owner.post(
        f"/stores/{store_id}/settings/notifications",
        data={
            "csrf_token": csrf,
            "shipped.template": "order shipped",
            "completed.template": "order_done:id",
            "completed.field.0": "address",  # not an order field Balas fills
            "quiet.start": "21:00",
            "quiet.end": "21:00",
        },
    )
    assert refused.status_code == 422
    assert template_error in refused.text
    assert quiet_error in refused.text
    assert 'value="order shipped"' in refused.text  # what was typed stays in the form
    assert (await orders.load(db, store_id)).templates == {}
    assert await db[CONSOLE_AUDIT].count_documents({"store_id": store_id}) == 0


async def test_agents_cannot_open_or_change_the_notifications(
    db: Database, sign_in: SignIn
) -> None:
    _, store_id, _ = await sign_in(Role.OWNER)
    agent, _, csrf = await sign_in(Role.AGENT, store_id=store_id)
    page = await agent.get(f"/stores/{store_id}/settings/notifications")
    changed = await agent.post(
        f"/stores/{store_id}/settings/notifications",
        data={"csrf_token": csrf, "completed.template": "order_done:id"},
    )
    assert page.status_code == 403
    assert changed.status_code == 403
    assert (await orders.load(db, store_id)).templates == {}


async def test_the_dashboard_shows_what_followed_the_notifications(
    db: Database, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in(lang="en")
    before = await client.get(f"/stores/{store_id}/dashboard?range=7d")
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    figures = {"sent": 40, "not_sent": 2, "delivered": 38, "read": 30, "replied": 10}
    await db[KPI_DAILY].insert_one(
        {
            "_id": day_id(store_id, today),
            "store_id": store_id,
            "date": f"{today}",
            "timezone": "Asia/Jakarta",
            "notifications": {
                "order_notification": {
                    **figures,
                    "opted_out": 1,
                    "orders": 3,
                    "revenue": {"IDR": Decimal128(Decimal("750000"))},
                },
                "broadcast": {
                    "sent": 100,
                    "delivered": 90,
                    "read": 60,
                    "replied": 15,
                    "opted_out": 4,
                    "orders": 5,
                    "revenue": {"IDR": Decimal128(Decimal("1250000"))},
                },
            },
        }
    )

    page = await client.get(f"/stores/{store_id}/dashboard?range=7d")
    data = (await client.get(f"/stores/{store_id}/dashboard/data?range=7d")).json()

    assert "data-notifications" not in before.text  # no chart without notifications
    assert "data-notifications" in page.text
    card = data["cards"]["notifications"]
    assert card["value"] == "140"  # both sources
    assert card["sub"] == "64.3% read · 17.9% replied · 5 opted out · 8 orders, Rp 2,000,000"
    chart = data["charts"]["notifications"]
    assert chart["labels"] == [
        "Sent",
        "Delivered",
        "Read",
        "Replied",
        "Opted out",
        "Orders after",
        "Not sent",
    ]
    assert chart["datasets"] == [
        {
            "key": "order_notification",
            "label": "Order notifications",
            "data": [40, 38, 30, 10, 1, 3, 2],
        },
        {"key": "broadcast", "label": "Broadcasts", "data": [100, 90, 60, 15, 4, 5, 0]},
    ]
