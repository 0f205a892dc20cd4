"""The console's broadcast API and page: an owner creates a draft, previews its segment,
schedules and cancels it and reads its progress and results; an agent reads but changes
nothing; a template or segment that is not one is refused, a cancel past the end is a
conflict."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.console.auth.roles import Role
from shared.broadcasts import model
from shared.broadcasts.collections import BROADCASTS
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State
from shared.conversations.collections import MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.mongo import Database
from tests.support import events
from tests.support.console import SignedIn

pytestmark = pytest.mark.slow

PLAN = {
    "name": "Promo 12.12",
    "template": {"template": "promo_1212:id", "variables": {"1": "first_name"}},
    "segment": {"wrote_within_days": 7},
}


async def a_customer_who_wrote_and_agreed(db: Database, store_id: str, phone: str) -> None:
    message = events.received(
        phone, "Halo", datetime.now(UTC) - timedelta(hours=1), store_id=store_id
    )
    await db[MESSAGES].insert_one(inbound_message_document(message))
    change = Change(
        purposes=[Purpose.PROMOTIONS], state=State.GRANTED, source=Source.CLI, wording="Ya"
    )
    await records.apply(db, store_id, phone, change, key="cli:1", at=datetime.now(UTC))


async def test_an_owner_creates_previews_schedules_and_cancels_a_broadcast(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    client, store_id, csrf = await sign_in(Role.OWNER)
    headers = {"X-CSRF-Token": csrf}
    await a_customer_who_wrote_and_agreed(db, store_id, "+6281311112222")
    base = f"/api/stores/{store_id}/broadcasts"

    created = await client.post(base, json=PLAN, headers=headers)
    assert created.status_code == 201, created.text
    broadcast_id = created.json()["id"]
    seen = await client.post(f"{base}/preview", json=PLAN["segment"], headers=headers)
    assert seen.json() == {"count": 1, "sample": ["+62 813 •••• 2222"]}
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scheduled = await client.post(
        f"{base}/{broadcast_id}/schedule", json={"at": later}, headers=headers
    )
    assert scheduled.json()["status"] == "scheduled"
    listed = await client.get(base)
    assert [row["broadcast"]["id"] for row in listed.json()] == [broadcast_id]
    cancelled = await client.post(f"{base}/{broadcast_id}/cancel", headers=headers)
    again = await client.post(f"{base}/{broadcast_id}/cancel", headers=headers)
    report = await client.get(f"{base}/{broadcast_id}")

    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert report.json()["progress"]["recipients"] == 0
    assert report.json()["results"]["sent"] == 0
    stored = await model.find(db, store_id, broadcast_id)
    assert stored is not None
    assert stored.status is model.Status.CANCELLED


INVALID = [
    {**PLAN, "template": {"template": "Promo besar!"}},
    {**PLAN, "segment": {}},
    {**PLAN, "segment": {"wrote_within_days": 0}},
    {**PLAN, "template": {"template": "promo:id", "variables": {"1": "email"}}},
]


async def test_a_broadcast_that_is_not_valid_is_refused_and_nothing_is_saved(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    client, store_id, csrf = await sign_in(Role.OWNER)
    for body in INVALID:
        refused = await client.post(
            f"/api/stores/{store_id}/broadcasts", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 422, body
    assert await db[BROADCASTS].count_documents({"store_id": store_id}) == 0


async def test_the_console_page_creates_previews_and_cancels_a_broadcast(
    db: Database, sign_in: Callable[..., Awaitable[SignedIn]]
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER)
    agent, _, agent_csrf = await sign_in(Role.AGENT, store_id)
    await a_customer_who_wrote_and_agreed(db, store_id, "+6281344445555")
    page = f"/stores/{store_id}/broadcasts"
    form = {
        "csrf_token": csrf,
        "name": "Promo kebaya",
        "template": "promo_kebaya:id",
        "var_1": "first_name",
        "wrote_within_days": "7",
    }

    empty = await owner.get(page)
    invalid = await owner.post(page, data={**form, "wrote_within_days": "", "template": "Promo!"})
    created = await owner.post(page, data=form)
    detail = await owner.get(created.headers["location"])
    cancelled = await owner.post(f"{created.headers['location']}/cancel", data={"csrf_token": csrf})
    after = await owner.get(cancelled.headers["location"])
    agent_list = await agent.get(page)
    agent_create = await agent.post(page, data={**form, "csrf_token": agent_csrf})
    agent_api = await agent.post(
        f"/api/stores/{store_id}/broadcasts", json=PLAN, headers={"X-CSRF-Token": agent_csrf}
    )
    agent_limits = await agent.put(
        f"/api/stores/{store_id}/broadcast-limits",
        json={"per_second": 5, "daily_customers": 1000},
        headers={"X-CSRF-Token": agent_csrf},
    )

    assert empty.status_code == 200
    assert "No broadcast yet." in empty.text
    assert f'href="{page}"' in empty.text  # in the nav
    assert invalid.status_code == 422
    assert created.status_code == 303
    assert "1 customer with promotion consent now" in detail.text
    assert "+62 813 •••• 5555" in detail.text
    assert "Cancel broadcast" in detail.text
    assert cancelled.status_code == 303
    assert "Cancelled" in after.text
    assert "Cancel broadcast" not in after.text
    assert "Promo kebaya" in agent_list.text
    assert "New broadcast" not in agent_list.text
    assert (agent_create.status_code, agent_api.status_code, agent_limits.status_code) == (
        403,
        403,
        403,
    )
