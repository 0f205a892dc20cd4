"""The insights and forecast endpoints against the real MongoDB, and the LLM writer against the
scripted OpenAI-compatible stand-in (with its fallback to the computed text)."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from bson import Decimal128
from fastapi import FastAPI
from pydantic import SecretStr

from services.kpi_aggregator.api import kpi_router
from shared.conversations.collections import MESSAGES
from shared.http import ops_router
from shared.kpis.collections import KPI_DAILY
from shared.kpis.keys import day_id
from shared.kpis.writer import LlmWriter, RuleWriter
from shared.mongo import Database
from shared.settings import LlmSettings, Settings
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn

pytestmark = pytest.mark.slow

DAY = date(2024, 5, 14)
TOKEN = "kpi-api-test-token"
LLM_TEXT = "Complaints rose sharply; delivery delays are a likely cause worth checking."


async def seed_day(db: Database, store_id: str, day: date, inbound: int, labels: list[Any]) -> None:
    await db[KPI_DAILY].insert_one(
        {
            "_id": day_id(store_id, day),
            "store_id": store_id,
            "date": f"{day}",
            "timezone": "UTC",
            "inbound_messages": inbound,
            "outbound_messages": {"bot": inbound},
        }
    )
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    await db[MESSAGES].insert_many(
        [
            {
                "_id": f"SM{store_id}{day}{index}",
                "store_id": store_id,
                "conversation_id": f"{store_id}:+6281100000{index:03d}",
                "direction": "inbound",
                "author": "customer",
                "text": "pesanan belum sampai",
                "created_at": noon + timedelta(minutes=index),
                "classification": {
                    "intent": intent,
                    "sentiment": {"label": sentiment, "score": 0.9},
                },
            }
            for index, (intent, sentiment) in enumerate(labels)
        ]
    )


@pytest.fixture
async def seeded(db: Database, store_id: str) -> str:
    upset = [("complaint", "negative")] * 14 + [("order_status", "neutral")] * 16
    calm = [("complaint", "negative")] * 4 + [("order_status", "neutral")] * 26
    await seed_day(db, store_id, DAY, 70, upset)
    await seed_day(db, store_id, DAY - timedelta(days=1), 50, calm)
    await seed_day(db, store_id, DAY - timedelta(days=7), 68, calm)
    # Another store's messages of the same day are not counted.
    await seed_day(db, "other-" + store_id, DAY, 5, [("complaint", "negative")] * 50)
    return store_id


def aggregator_app(db: Database, writer: Any) -> FastAPI:
    """The aggregator's HTTP app as its worker serves it: operations endpoints and the KPI API."""
    app = FastAPI()
    app.include_router(ops_router({}))
    app.include_router(kpi_router(db, writer, SecretStr(TOKEN)))
    return app


def client_for(db: Database, writer: Any, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=aggregator_app(db, writer))
    return httpx.AsyncClient(transport=transport, base_url="http://kpi", headers=headers)


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(db, RuleWriter()) as http:
        yield http


@pytest.mark.parametrize("token", [None, "a-guessed-token", TOKEN[:-1]])
async def test_the_kpi_api_refuses_callers_without_the_admin_token_and_probes_stay_open(
    db: Database, seeded: str, token: str | None
) -> None:
    async with client_for(db, RuleWriter(), token) as stranger:
        paths = [
            f"/api/stores/{seeded}/insights",
            f"/api/stores/{seeded}/forecast",
            f"/api/stores/{seeded}/conversation-facts.csv?from={DAY}&to={DAY}",
        ]
        refused = [await stranger.get(path) for path in paths]
        health = await stranger.get("/healthz")
        ready = await stranger.get("/readyz")

    assert [response.status_code for response in refused] == [401, 401, 401]
    assert all(response.headers["www-authenticate"] == "Bearer" for response in refused)
    assert all(str(DAY) not in response.text for response in refused)
    assert health.status_code == 200
    assert ready.status_code == 200


async def test_insights_compare_the_day_with_the_day_and_week_before(
    client: httpx.AsyncClient, seeded: str
) -> None:
    response = await client.get(
        f"/api/stores/{seeded}/insights", params={"date": f"{DAY}", "lang": "en"}
    )

    assert response.status_code == 200
    body = response.json()
    day_over_day = {d["metric"]: d for d in body["comparisons"][0]["deltas"]}
    assert day_over_day["inbound_messages"]["previous"] == 50
    assert day_over_day["inbound_messages"]["current"] == 70
    assert day_over_day["intent.complaint"]["current"] == 14
    assert day_over_day["intent.complaint"]["previous"] == 4
    assert day_over_day["sentiment.negative"]["notable"]
    assert body["written_by"] == "rules"
    assert "Messages about complaint up 250% day over day (4 → 14)." in body["summary"]


async def test_insights_speak_the_stores_bot_language_unless_asked_otherwise(
    client: httpx.AsyncClient, db: Database, seeded: str
) -> None:
    await save_store(db, Store(id=seeded, name="Toko", whatsapp_number="+6281100000098"))

    default = await client.get(f"/api/stores/{seeded}/insights", params={"date": f"{DAY}"})
    english = await client.get(
        f"/api/stores/{seeded}/insights", params={"date": f"{DAY}", "lang": "en"}
    )
    unknown = await client.get(
        f"/api/stores/{seeded}/insights", params={"date": f"{DAY}", "lang": "fr"}
    )

    assert default.json()["summary"].startswith("KPI Selasa 14 Mei 2024")
    assert english.json()["summary"].startswith("KPIs of Tuesday 14 May 2024")
    assert unknown.status_code == 422


async def test_a_forecast_of_inbound_messages_from_the_day_buckets(
    client: httpx.AsyncClient, db: Database, store_id: str
) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    week = (20, 22, 25, 24, 30, 40, 35)
    for back in range(35):
        day = yesterday - timedelta(days=back)
        await db[KPI_DAILY].insert_one(
            {
                "_id": day_id(store_id, day),
                "store_id": store_id,
                "date": f"{day}",
                "inbound_messages": week[day.toordinal() % 7],
            }
        )

    response = await client.get(
        f"/api/stores/{store_id}/forecast",
        params={"metric": "inbound_messages", "days": 7, "backtest": "true"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "holt_winters"
    assert len(body["history"]) == 35
    assert [point["date"] for point in body["forecast"]] == [
        f"{yesterday + timedelta(days=step)}" for step in range(1, 8)
    ]
    for point in body["forecast"]:
        expected = week[date.fromisoformat(point["date"]).toordinal() % 7]
        assert point["value"] == pytest.approx(expected, abs=1.0)
        assert point["lower_95"] <= point["value"] <= point["upper_95"]
    assert body["backtest"]["points"] > 0
    # An exactly repeating week: the likelihood optimiser stops within about 1e-8 of it.
    assert body["backtest"]["mae"] <= body["backtest"]["baseline_mae"] + 1e-6


async def test_a_revenue_forecast_reads_the_stores_own_currency(
    client: httpx.AsyncClient, db: Database, store_id: str
) -> None:
    store = Store(id=store_id, name="Toko", whatsapp_number="+6281100000099", currency="EUR")
    await save_store(db, store)
    # The series ends at the store's last complete local day, whatever the hour in UTC.
    yesterday = datetime.now(ZoneInfo(store.timezone)).date() - timedelta(days=1)
    for back in range(21):
        day = yesterday - timedelta(days=back)
        await db[KPI_DAILY].insert_one(
            {
                "_id": day_id(store_id, day),
                "store_id": store_id,
                "date": f"{day}",
                "revenue": {
                    "EUR": {"paid": Decimal128("120.50")},
                    "IDR": {"paid": Decimal128("990000")},  # another currency: not summed in
                },
            }
        )

    response = await client.get(f"/api/stores/{store_id}/forecast", params={"metric": "revenue"})

    assert response.status_code == 200
    body = response.json()
    assert {value for _, value in body["history"]} == {120.5}
    assert body["forecast"][0]["value"] == pytest.approx(120.5, abs=0.01)


async def test_an_unknown_metric_is_refused(client: httpx.AsyncClient, store_id: str) -> None:
    response = await client.get(f"/api/stores/{store_id}/forecast", params={"metric": "orders"})

    assert response.status_code == 400
    assert "inbound_messages" in response.json()["detail"]


async def test_a_store_without_buckets_gets_an_empty_forecast(
    client: httpx.AsyncClient, store_id: str
) -> None:
    response = await client.get(f"/api/stores/{store_id}/forecast")

    assert response.status_code == 200
    assert response.json()["forecast"] == []


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(script=lambda messages: LLM_TEXT).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def llm_writer(openai_api: OpenAIStandIn) -> LlmWriter:
    return LlmWriter(Settings(llm=LlmSettings(api_key="sk-test", base_url=openai_api.base_url)))


async def test_the_llm_writes_the_explanation_from_the_deltas_only(
    db: Database, seeded: str, llm_writer: LlmWriter, openai_api: OpenAIStandIn
) -> None:
    async with client_for(db, llm_writer) as http:
        response = await http.get(f"/api/stores/{seeded}/insights", params={"date": f"{DAY}"})

    body = response.json()
    assert body["written_by"] == "llm"
    assert body["summary"] == LLM_TEXT
    [request] = openai_api.requests
    shown = json.dumps(request["messages"])
    assert "intent.complaint" in shown
    assert "pesanan belum sampai" not in shown  # no customer text
    assert "+62811" not in shown  # no phone numbers
    assert "plain Indonesian" in shown  # the store's bot speaks Indonesian by default


async def test_a_failing_llm_leaves_the_computed_explanation(
    db: Database, seeded: str, llm_writer: LlmWriter, openai_api: OpenAIStandIn
) -> None:
    openai_api.fail_next(1)
    async with client_for(db, llm_writer) as http:
        response = await http.get(
            f"/api/stores/{seeded}/insights", params={"date": f"{DAY}", "lang": "en"}
        )

    body = response.json()
    assert response.status_code == 200
    assert body["written_by"] == "rules"
    assert body["summary"].startswith("KPIs of Tuesday 14 May 2024")
