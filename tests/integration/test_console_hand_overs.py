"""Hand-overs in the inbox over HTTP, signed in as agents: each agent's own alerts, the counts
of "needs a person" and unread conversations, the queue's rows with their waiting time."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.console.auth.users import Role
from shared.conversations.collections import CONVERSATIONS
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py


async def test_alerts_are_each_agents_own_and_the_inbox_shows_the_hand_over_counts(
    db: Database, sign_in: SignIn
) -> None:
    agent, store_id, csrf = await sign_in(Role.AGENT)
    colleague, _, _ = await sign_in(Role.AGENT, store_id)
    at = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": f"{store_id}:+628301",
            "store_id": store_id,
            "customer_number": "+628301",
            "owner": "human",
            "status": "open",
            "hand_over_reason": "customer_request",
            "handed_over_at": at,
            "last_activity_at": at,
            "last_message": {"direction": "outbound", "text": "Sebentar ya", "at": at},
        }
    )
    saved = await agent.post(
        f"/stores/{store_id}/inbox/alerts",
        data={"sound": "on", "desktop": "on", "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    assert 'data-sound="true"' in saved.text
    mine = await agent.get(f"/stores/{store_id}/inbox")
    theirs = await colleague.get(f"/stores/{store_id}/inbox")
    assert 'data-sound="true" data-desktop="true"' in mine.text
    assert 'data-sound="false" data-desktop="false"' in theirs.text
    assert 'data-unread="1" data-queue="1"' in theirs.text
    queue = await colleague.get(f"/stores/{store_id}/inbox/list?view=queue")
    assert f"{store_id}:+628301" in queue.text
    assert "Waiting 0 min · nobody yet" in queue.text
