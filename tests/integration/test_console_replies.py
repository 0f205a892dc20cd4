"""The reply library page, the console's 422 errors in the UI language, and the live stream
ending with its session, over HTTP against the real console app and the session's MongoDB."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.console.auth.sessions import SESSION_COOKIE
from services.console.auth.users import Role
from services.console.collections import CONSOLE_SESSIONS, REPLY_LIBRARY
from shared.mongo import Database
from tests.support.console import ConsoleApi

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
SID = "HX" + "0123456789abcdef" * 2
STREAM_DEADLINE_SECONDS = 30.0  # only bounds a failure: the stream re-checks every 3 s
LIBRARY = {
    "canned": [{"title": "Salam", "text": "Halo kak, ada yang bisa kami bantu?"}],
    "templates": [{"name": "Pesanan dikirim", "content_sid": SID, "body": "Pesanan {{1}} dikirim"}],
}


async def test_owners_edit_the_reply_library_and_agents_only_read_it(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    owner, store_id, token = await sign_in()
    agent, _, agent_token = await sign_in(Role.AGENT, store_id)
    url = f"/api/stores/{store_id}/reply-library"

    empty = await owner.get(f"/stores/{store_id}/replies")
    saved = await owner.put(url, json=LIBRARY, headers={"X-CSRF-Token": token})
    page = await owner.get(f"/stores/{store_id}/replies")
    agent_page = await agent.get(f"/stores/{store_id}/replies")
    refused = await agent.put(url, json={}, headers={"X-CSRF-Token": agent_token})

    assert empty.status_code == 200
    assert "No canned replies yet." in empty.text
    assert f'href="/stores/{store_id}/replies"' in empty.text  # in the nav
    assert saved.status_code == 200, saved.text
    assert 'value="Salam"' in page.text
    assert f'value="{SID}"' in page.text
    assert "<code>{{1}}</code>" in page.text  # the template's variables, from its preview text
    assert "data-save" in page.text
    assert agent_page.status_code == 200
    assert 'value="Salam"' in agent_page.text
    assert "Only the store&#39;s owners can change the reply library." in agent_page.text
    assert "<fieldset disabled>" in agent_page.text
    assert "data-save" not in agent_page.text
    assert refused.status_code == 403
    assert await db[REPLY_LIBRARY].find_one({"_id": store_id}, {"_id": 0}) == LIBRARY


async def test_validation_errors_speak_the_ui_language(
    db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    owner, store_id, token = await sign_in(lang="id")
    settings = {
        "version": 0,
        "settings": {
            "hand_over": {"negative_sentiment_streak": 50},
            "business_hours": {"timezone": "Mars/Olympus"},
        },
    }
    bad_sid = {"templates": [{**LIBRARY["templates"][0], "content_sid": "HX123"}]}
    headers = {"X-CSRF-Token": token}

    refused = await owner.put(
        f"/api/stores/{store_id}/bot-settings", json=settings, headers=headers
    )
    bad_template = await owner.put(
        f"/api/stores/{store_id}/reply-library", json=bad_sid, headers=headers
    )
    async with console_api.client() as script:  # the admin token, a script asking for English
        english = await script.put(
            f"/api/stores/{store_id}/bot-settings",
            json=settings,
            headers={"Accept-Language": "en-GB,en;q=0.8"},
        )

    assert refused.status_code == 422
    messages = {tuple(e["loc"][-2:]): e["message"] for e in refused.json()["detail"]}
    assert messages[("hand_over", "negative_sentiment_streak")] == "Harus 20 atau kurang."
    assert messages[("business_hours", "timezone")] == "Zona waktu tidak dikenal: Mars/Olympus."
    assert all(e["msg"] for e in refused.json()["detail"])  # pydantic's own text stays
    (error,) = bad_template.json()["detail"]
    assert error["loc"] == ["body", "templates", 0, "content_sid"]
    assert error["message"] == "Content SID berupa HX diikuti 32 karakter heksadesimal."
    english_messages = {e["loc"][-1]: e["message"] for e in english.json()["detail"]}
    assert english_messages["negative_sentiment_streak"] == "Must be 20 or less."


async def _events_until_the_end(
    response: httpx.Response, on_ready: "asyncio.Future[None]"
) -> list[str]:
    events: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            events.append(line.removeprefix("event: "))
            if line == "event: ready" and not on_ready.done():
                on_ready.set_result(None)
    return events


@pytest.mark.parametrize("ending", ["logout", "expiry"])
async def test_the_live_stream_ends_when_its_session_does(
    ending: str, db: Database, console_api: ConsoleApi, sign_in: SignIn
) -> None:
    client, store_id, token = await sign_in()
    cookie = client.cookies[SESSION_COOKIE]
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async with client.stream("GET", f"/stores/{store_id}/stream") as response:
        assert response.status_code == 200
        reading = asyncio.create_task(_events_until_the_end(response, ready))
        await asyncio.wait_for(ready, STREAM_DEADLINE_SECONDS)
        if ending == "logout":
            logout = await client.post("/logout", data={"csrf_token": token})
            assert logout.status_code == 303
        else:  # the idle or absolute expiry passed
            key = hashlib.sha256(cookie.encode()).hexdigest()
            past = datetime.now(UTC) - timedelta(seconds=1)
            await db[CONSOLE_SESSIONS].update_one({"_id": key}, {"$set": {"expires_at": past}})
        events = await asyncio.wait_for(reading, STREAM_DEADLINE_SECONDS)

    assert events == ["ready", "signed_out"]
