"""The dashboard, knowledge, "test the bot" and bot settings pages over HTTP, signed in as a
console user, against the real console app and the session's MongoDB and Kafka."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import Decimal128

from services.console.auth.users import Role
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.knowledge.models import KNOWLEDGE_DOCUMENTS
from shared.kpis.collections import KPI_DAILY, KPI_HOURLY
from shared.kpis.keys import bucket_id, day_id
from shared.mongo import Database
from shared.stores.collections import STORES
from tests.support.console import ConsoleApi

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
ZONE = ZoneInfo("Asia/Jakarta")


async def test_dashboard_shows_the_figures_of_the_seeded_buckets(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in()
    today = datetime.now(UTC).astimezone(ZONE).date()
    for offset, inbound in ((0, 40), (1, 23), (9, 500)):  # the 9-day-old one is outside 7 days
        day = today - timedelta(days=offset)
        await db[KPI_DAILY].insert_one(
            {
                "_id": day_id(store_id, day),
                "store_id": store_id,
                "date": f"{day}",
                "timezone": "Asia/Jakarta",
                "inbound_messages": inbound,
                "unique_customers": 10,
                "outbound_messages": {"bot": 30, "agent": 5},
                "first_response": {"histogram": {"5": 2, "15": 2}},
                "human_first_response": {"histogram": {"300": 1}},
                "human_response_time": {"histogram": {"60": 3}},
                "conversations": {"closed": {"resolved_by_bot": 3, "resolved_by_human": 1}},
                "hand_overs": {"customer_request": 1},
                "orders": {"created": 4, "paid": 2},
                "revenue": {"IDR": {"paid": Decimal128(Decimal("150000")), "orders": 2}},
                "conversion": {"customers": 1},
                "csat": {"ratings": 4, "sum": 16, "histogram": {"5": 2, "4": 1, "2": 1}},
            }
        )
    local_noon = datetime.combine(today, datetime.min.time(), ZONE).replace(hour=12)
    hour = local_noon.astimezone(UTC)
    await db[KPI_HOURLY].insert_one(
        {
            "_id": bucket_id(store_id, hour),
            "store_id": store_id,
            "hour": hour,
            "inbound_messages": 7,
        }
    )
    page = await client.get(f"/stores/{store_id}/dashboard?range=7d")
    assert page.status_code == 200, page.text
    assert 'data-card="inbound"' in page.text
    data = (await client.get(f"/stores/{store_id}/dashboard/data?range=7d")).json()
    today_data = (await client.get(f"/stores/{store_id}/dashboard/data?range=today")).json()
    other = await client.get("/stores/store-of-someone-else/dashboard/data")
    cards = data["cards"]
    assert cards["inbound"]["value"] == "63"  # 40 + 23
    assert cards["replies"]["value"] == "70"
    assert cards["first_response"]["value"] == "5.0\u00a0s"  # slots 5:4, 15:4 -> median 5 s
    assert cards["human_response"]["value"] == "3.5\u00a0min"  # mid-slot of 120-300 s, interpolated
    assert "6 replies" in cards["human_response"]["sub"]  # every agent reply: 3 + 3
    assert cards["bot_resolution"]["value"] == "75.0%"  # 6 of 8
    assert cards["hand_over"]["value"] == "25.0%"  # 2 hand-overs / 8 closed
    assert cards["orders"]["value"] == "8"
    assert cards["revenue"]["value"] == "Rp\u00a0300,000"
    assert cards["aov"]["value"] == "Rp\u00a075,000"
    assert cards["conversion"]["value"] == "10.0%"  # 2 of 20 customer-days
    assert cards["csat"]["value"] == "75.0%"  # 6 of 8 ratings are 4 or 5
    assert cards["csat"]["sub"] == "average 4.0/5 · 8 ratings"
    volume = data["charts"]["volume"]
    assert len(volume["labels"]) == 7
    assert volume["datasets"][0]["data"][-2:] == [23.0, 40.0]
    hourly = today_data["charts"]["volume"]
    assert hourly["labels"][12] == "12:00"
    assert hourly["datasets"][0]["data"][12] == 7.0
    assert other.status_code == 404


async def test_an_answered_gap_becomes_a_faq_document(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, token = await sign_in()
    question = "Apakah bisa kirim ke Medan?"
    await db[KNOWLEDGE_GAPS].insert_one(
        {
            "store_id": store_id,
            "conversation_id": f"{store_id}:+6281100000001",
            "question": question,
            "created_at": datetime.now(UTC),
        }
    )
    before = await client.get(f"/stores/{store_id}/knowledge")
    assert question in before.text
    saved = await client.post(
        f"/stores/{store_id}/knowledge/answers",
        data={"question": question, "answer": "Bisa, 3-4 hari kerja.", "csrf_token": token},
    )
    assert saved.status_code == 303
    after = await client.get(f"/stores/{store_id}/knowledge")
    fragment = await client.get(f"/stores/{store_id}/knowledge/documents")
    document = await db[KNOWLEDGE_DOCUMENTS].find_one({"store_id": store_id})
    assert document is not None
    assert document["filename"] == f"FAQ: {question}"
    assert document["content_type"] == "text/markdown"
    assert 'hx-trigger="every 2s' in fragment.text  # queued: the list polls
    assert f"FAQ: {question}" in after.text
    assert "Add answer" not in after.text  # the answered gap left the list


async def test_knowledge_times_are_the_stores_local_time(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, token = await sign_in()
    await db[STORES].update_one({"_id": store_id}, {"$set": {"timezone": "Asia/Jayapura"}})
    await client.post(
        f"/stores/{store_id}/knowledge/answers",
        data={"question": "Buka hari Minggu?", "answer": "Buka, jam 10-17.", "csrf_token": token},
    )
    document = await db[KNOWLEDGE_DOCUMENTS].find_one({"store_id": store_id})
    assert document is not None
    fragment = await client.get(f"/stores/{store_id}/knowledge/documents")

    updated = document["updated_at"].replace(tzinfo=UTC)
    local = updated.astimezone(ZoneInfo("Asia/Jayapura")).strftime("%d/%m/%Y %H:%M")
    utc = updated.strftime("%d/%m/%Y %H:%M")
    assert local in fragment.text
    assert utc not in fragment.text


async def test_the_playground_answers_without_storing_anything(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, token = await sign_in()
    page = await client.get(f"/stores/{store_id}/playground")
    assert page.status_code == 200
    asked = await client.post(
        f"/stores/{store_id}/playground/ask",
        json={"text": "Saya mau bicara dengan manusia", "history": []},
        headers={"X-CSRF-Token": token},
    )
    no_token = await client.post(
        f"/stores/{store_id}/playground/ask", json={"text": "halo", "history": []}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["hand_over"] == "customer_request"
    assert no_token.status_code == 403
    assert await db["messages"].count_documents({"store_id": store_id}) == 0
    assert await db["conversations"].count_documents({"store_id": store_id}) == 0


async def test_settings_page_renders_and_agents_see_it_read_only(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    owner, store_id, _ = await sign_in()
    agent, agent_store, _ = await sign_in(Role.AGENT)
    mine = await owner.get(f"/stores/{store_id}/settings")
    theirs = await agent.get(f"/stores/{agent_store}/settings")
    assert mine.status_code == 200
    assert "data-save" in mine.text
    assert "<fieldset disabled>" in theirs.text
    assert "data-save" not in theirs.text


async def test_the_dashboards_insights_follow_the_language_the_console_is_shown_in(
    console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in()
    path = f"/stores/{store_id}/dashboard/insights"

    # The store's bot speaks Indonesian; an English console reads its insights in English.
    english = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    indonesian = await client.get(path, headers={"Accept-Language": "id-ID,id;q=0.9"})

    assert english.status_code == indonesian.status_code == 200
    assert "No notable change" in english.text
    assert "Tidak ada perubahan berarti" not in english.text
    assert "Tidak ada perubahan berarti" in indonesian.text
