"""Delivery failures in the admin's words, with one meaning of "failed": the inbox marks a reply
with the same words the dashboard counts it under, and never shows a raw code."""

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from services.console.i18n import t
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.kpis.collections import KPI_DAILY
from shared.kpis.keys import day_id
from shared.mongo import Database
from shared.stores.collections import STORES

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py


async def _conversation_with_failed_replies(db: Database, store_id: str) -> str:
    conversation_id = f"{store_id}:+6281100000009"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281100000009",
            "owner": "bot",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "inbound", "text": "halo", "at": now},
        }
    )
    replies = [
        {"state": "not_sent", "not_sent_reason": "twilio_not_configured"},
        {"state": "sent", "delivery_status": "undelivered", "delivery_error_code": "30003"},
    ]
    for number, fields in enumerate(replies):
        await db[MESSAGES].insert_one(
            {
                "_id": f"bot:{conversation_id}:{number}",
                "conversation_id": conversation_id,
                "direction": "outbound",
                "author": "bot",
                "text": f"balasan {number}",
                "created_at": now - timedelta(minutes=5 - number),
                **fields,
            }
        )
    return conversation_id


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_inbox_and_the_dashboard_name_a_failed_reply_alike(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    conversation_id = await _conversation_with_failed_replies(db, store_id)
    store = await db[STORES].find_one({"_id": store_id})
    assert store is not None
    today = datetime.now(UTC).date()
    await db[KPI_DAILY].insert_one(
        {
            "_id": day_id(store_id, today),
            "store_id": store_id,
            "date": f"{today}",
            "timezone": "UTC",
            "replies_not_sent": 1,
            "delivery": {"failed": 1},
        }
    )
    await db[STORES].update_one({"_id": store_id}, {"$set": {"timezone": "UTC"}})

    inbox = (await client.get(f"/stores/{store_id}/conversations/{conversation_id}")).text
    dashboard = (await client.get(f"/stores/{store_id}/dashboard?range=today")).text

    not_sent, undelivered = t("delivery.not_sent", lang), t("delivery.undelivered", lang)
    assert escape(f"{not_sent}: {t('delivery.reason.twilio_not_configured', lang)}") in inbox
    assert escape(f"{undelivered}: {t('delivery.reason.unreachable', lang)}") in inbox
    shown = re.sub(r"<[^>]*>", " ", inbox)  # the text a reader sees, without tags
    assert "twilio_not_configured" not in shown
    assert "30003" not in shown
    # The dashboard counts the same two failures under the same words.
    assert f"{not_sent.lower()} 1" in dashboard
    assert undelivered in dashboard
