"""One language per screen: every page, rendered in each language, shows no catalogue key and no
sentence of the other language's catalogue."""

import html
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.console.i18n import LANGUAGES, Lang, catalogue
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
PAGES = ["inbox", "dashboard", "knowledge", "settings", "playground", "replies", "setup", "team"]
DATA = ["dashboard/data", "dashboard/forecast"]  # what the dashboard's script draws
# Shorter texts ("Email", "WhatsApp", "bot") are the same word in both languages.
SENTENCE = 12
ON_HOLD = "on-hold"  # WooCommerce's word for an order status


def _other_language(lang: Lang) -> set[str]:
    """Its fixed sentences; plural forms always hold a `{count}`, so none is one."""
    own = {text for text in catalogue(lang).values() if isinstance(text, str)}
    return {
        text
        for other in LANGUAGES
        if other != lang
        for text in catalogue(other).values()
        if isinstance(text, str) and len(text) >= SENTENCE and text not in own and "{" not in text
    }


async def _conversation(db: Database, store_id: str) -> str:
    conversation_id = f"{store_id}:+6281100000005"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281100000005",
            "owner": "human",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "inbound", "text": "halo", "at": now},
            "recent_orders": [
                {"id": 7, "number": "1007", "status": ON_HOLD, "total": "120000", "currency": "IDR"}
            ],
        }
    )
    await db[MESSAGES].insert_one(
        {
            "_id": f"in:{conversation_id}",
            "conversation_id": conversation_id,
            "direction": "inbound",
            "author": "customer",
            "text": "halo",
            "created_at": now - timedelta(minutes=1),
        }
    )
    return conversation_id


FIELD_NAMES = re.compile(r'\s(?:name|data-field|data-error-for)="[^"]*"')


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_page_is_in_one_language_without_raw_keys(
    db: Database, sign_in: SignIn, lang: Lang
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    conversation_id = await _conversation(db, store_id)
    paths = [f"/stores/{store_id}/{page}" for page in [*PAGES, *DATA]]
    paths += [f"/stores/{store_id}/conversations/{conversation_id}", "/no-such-page"]
    # Any word shaped like a key of the catalogues' families, known or forgotten (a missing key
    # shows as itself, like "dash.forecast.revenue").
    families = sorted({key.split(".")[0] for key in catalogue(lang)})
    keys = re.compile(r"(?<![\w./-])((?:" + "|".join(families) + r")(?:\.[a-z0-9_]+)+)(?![\w/(-])")
    others = _other_language(lang)
    found: dict[str, list[str]] = {}
    for path in paths:
        answer = await client.get(path, headers={"Accept": "text/html"})
        # Form fields' machine names (a field's path, like "privacy.retention_days") are no text
        # an admin sees; a key anywhere else is.
        text = html.unescape(FIELD_NAMES.sub("", answer.text))
        wrong = [match.group(1) for match in keys.finditer(text)]
        wrong += [sentence for sentence in others if sentence in text]
        if path.endswith(conversation_id) and f">{ON_HOLD}<" in text:
            wrong.append(ON_HOLD)  # WooCommerce's word, not the admin's
        if wrong:
            found[path.replace(store_id, "{store}")] = wrong
    assert found == {}
