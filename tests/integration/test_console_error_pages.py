"""Errors where they happen: a browser asking for a page gets the console's error page in its
language with a way back; API clients and script calls keep FastAPI's JSON."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import escape

from services.console.auth.users import Role
from services.console.i18n import t
from shared.conversations.collections import CONVERSATIONS
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_browser_errors_are_pages_in_the_layout_with_a_way_back(
    sign_in: SignIn, lang: str
) -> None:
    owner, store_id, _ = await sign_in(lang=lang)
    agent, agent_store, _ = await sign_in(Role.AGENT, lang=lang)
    backwards = f"/stores/{store_id}/dashboard?range=custom&from=2026-03-10&to=2026-03-01"
    cases = [
        (owner, "/no-such-page", 404),
        (owner, "/stores/no-such-store/inbox", 404),
        (owner, backwards, 400),
        (owner, f"/stores/{store_id}/dashboard?range=yesterday", 400),  # refused by its pattern
        (agent, f"/stores/{agent_store}/setup", 403),
    ]
    for client, path, status in cases:
        answer = await client.get(path, headers=HTML)

        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert escape(t(f"error.{status}.title", lang)) in answer.text, path
        assert escape(t(f"error.{status}.text", lang)) in answer.text, path
        assert 'href="/" data-way-back' in answer.text
        assert "detail" not in answer.text


async def test_api_clients_and_scripts_keep_json_errors(sign_in: SignIn) -> None:
    owner, _, _ = await sign_in()
    api_path = "/api/stores/no-such-store/knowledge"
    answers = [
        await owner.get(api_path, headers=HTML),  # an API path answers JSON whatever it accepts
        await owner.get("/stores/no-such-store/inbox", headers={"Accept": "application/json"}),
        await owner.get("/stores/no-such-store/inbox", headers={**HTML, "HX-Request": "true"}),
    ]

    for answer in answers:
        assert answer.status_code == 404
        assert answer.json()["detail"] == "no store 'no-such-store'"


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_refused_command_says_why_in_the_ui_language(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    owner, store_id, csrf = await sign_in(lang=lang)
    conversation_id = f"{store_id}:+6281100000007"
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281100000007",
            "owner": "human",
            "status": "open",
            "last_activity_at": datetime.now(UTC),
        }
    )
    answer = await owner.post(
        f"/stores/{store_id}/conversations/{conversation_id}/actions",
        data={"command": "reply", "text": "", "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200
    reason = t("err.reply_needs_text", lang)
    assert escape(t("actions.failed", lang, reason=reason)) in answer.text
    assert "template_sid" not in answer.text
