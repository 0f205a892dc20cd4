"""Closed outcomes and reopens in the buckets, and the conversation fact table with its CSV
export, against the real MongoDB."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from balas.kpi_commands import facts_csv
from services.kpi_aggregator.api import kpi_router
from services.kpi_aggregator.handlers import on_events
from shared.events import (
    ConversationClosed,
    ConversationEnriched,
    ConversationReopened,
    HandOverReason,
)
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY, KPI_HOURLY
from shared.kpis.facts import COLUMNS
from shared.kpis.writer import RuleWriter
from shared.mongo import Database, Document
from tests.standins.dates import DAY, at, day
from tests.support.events import MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow

MakeClosed = Callable[..., ConversationClosed]
MakeReopened = Callable[..., ConversationReopened]
MakeSnapshot = Callable[..., ConversationEnriched]

BUDI = "+6281100000001"
KPI_TOKEN = "kpi-api-test-token"
TEN = at(10)


async def rows(db: Database, store_id: str) -> list[Document]:
    found = db[CONVERSATION_FACTS].find({"store_id": store_id}).sort("closed_at", 1)
    return [row async for row in found]


async def test_closed_outcomes_and_reopens_count_once_under_redelivery(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_closed: MakeClosed,
    make_reopened: MakeReopened,
) -> None:
    message = make_received(BUDI, "Halo", at=TEN)
    close_at = TEN + timedelta(hours=24, minutes=5)
    again = make_received(BUDI, "Lagi", at=close_at + timedelta(hours=2))
    batch = [
        make_closed(message, close_at, "resolved_by_bot"),
        make_reopened(close_at, again),
    ]

    await on_events(batch, db)
    await on_events(batch, db)
    await on_events(batch[::-1], db)

    hour = await db[KPI_HOURLY].find_one({"_id": f"{store_id}|{day(1)}T10"})
    daily = await db[KPI_DAILY].find_one({"_id": f"{store_id}|{day(1)}"})
    assert hour is not None
    assert daily is not None
    expected = {"closed": {"resolved_by_bot": 1}, "reopened": 1}
    assert hour["conversations"] == expected
    assert daily["conversations"] == expected


async def test_a_conversation_closed_reopened_and_closed_again_has_two_rows(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    make_closed: MakeClosed,
    make_reopened: MakeReopened,
    make_snapshot: MakeSnapshot,
) -> None:
    first = make_received(BUDI, "Ada ukuran 42?", at=TEN)
    answer = make_reply_sent(first, response_seconds=7.5)
    close_1 = answer.occurred_at + timedelta(hours=24)
    again = make_received(BUDI, "Mau ke admin", at=close_1 + timedelta(hours=1))
    handed = make_reply_sent(again, response_seconds=2, hand_over=HandOverReason.CUSTOMER_REQUEST)
    close_2 = handed.occurred_at + timedelta(hours=24)

    # the close and a snapshot arrive before the messages they summarise (other topics)
    await on_events([make_closed(first, close_1, "resolved_by_bot")], db)
    await on_events(
        [make_snapshot(first, 2, answer.occurred_at, "product_question", "neutral")], db
    )
    await on_events([first, answer, make_snapshot(first, 1, TEN, "greeting", "positive")], db)
    await on_events([make_reopened(close_1, again), again, handed], db)
    await on_events([make_snapshot(again, 5, again.occurred_at, "human_request", "negative")], db)
    await on_events([make_closed(again, close_2, "handed_over_unanswered")], db)
    await on_events([make_snapshot(again, 4, again.occurred_at, "complaint", "neutral")], db)
    written = await rows(db, store_id)
    await on_events([first, answer, again, handed, make_reopened(close_1, again)], db)

    assert await rows(db, store_id) == written
    one, two = written
    assert one["conversation_id"] == first.conversation_id
    assert (one["outcome"], one["reopened"], one["messages_in"], one["messages_out"]) == (
        "resolved_by_bot",
        1,
        1,
        1,
    )
    assert one["first_response_seconds"] == 7.5
    assert (one["latest_intent"], one["snapshot_revision"]) == ("product_question", 2)
    assert (two["outcome"], two["reopened"], two["hand_over_reason"]) == (
        "handed_over_unanswered",
        0,
        "customer_request",
    )
    assert (two["latest_intent"], two["latest_sentiment"]) == ("human_request", "negative")
    assert (two["opened_at"], two["closed_at"]) == (again.occurred_at, close_2)


async def test_the_fact_csv_from_the_cli_and_the_api(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    make_closed: MakeClosed,
) -> None:
    message = make_received(BUDI, "Halo", at=TEN)
    answer = make_reply_sent(message, response_seconds=3)
    close_at = answer.occurred_at + timedelta(hours=24)  # the next day, 17:00 WIB (no store: UTC)
    await on_events([message, answer, make_closed(message, close_at, "resolved_by_bot")], db)

    from_cli = await facts_csv(db, store_id, day(1), day(1))
    app = FastAPI()
    app.include_router(kpi_router(db, RuleWriter(), SecretStr(KPI_TOKEN)))
    transport = httpx.ASGITransport(app=app)
    bearer = {"Authorization": f"Bearer {KPI_TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kpi", headers=bearer
    ) as client:
        response = await client.get(
            f"/api/stores/{store_id}/conversation-facts.csv",
            params={"from": f"{day(1)}", "to": f"{day(1)}"},
        )
        empty = await client.get(
            f"/api/stores/{store_id}/conversation-facts.csv",
            params={"from": f"{DAY}", "to": f"{DAY}"},
        )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == from_cli
    header, *lines = list(csv.reader(io.StringIO(from_cli)))
    assert tuple(header) == COLUMNS
    [line] = lines
    row = dict(zip(header, line, strict=True))
    assert row["conversation_id"] == message.conversation_id
    assert row["outcome"] == "resolved_by_bot"
    assert (row["messages_in"], row["messages_out"], row["first_response_seconds"]) == (
        "1",
        "1",
        "3",
    )
    assert row["closed_at"] == close_at.isoformat()
    assert (row["attributed_orders"], row["attributed_revenue"]) == ("0", "")  # no order
    assert empty.text.strip() == ",".join(COLUMNS)
