"""A reply that showed products: its photos on the conversation page, under the reply's text."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import escape

from services.console.i18n import t
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
PHOTO = "https://toko.example/wp-content/uploads/batik-parang.jpg"


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_conversation_shows_the_product_photos_a_reply_sent(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    conversation_id = f"{store_id}:+6281100000078"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281100000078",
            "owner": "bot",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "outbound", "text": "", "at": now},
        }
    )
    await db[MESSAGES].insert_one(
        {
            "_id": "reply:SM1",
            "conversation_id": conversation_id,
            "direction": "outbound",
            "author": "bot",
            "text": "*Batik Tulis Parang*\nRp 125.000",
            "media_urls": [PHOTO],
            "state": "sent",
            "created_at": now,
        }
    )

    page = (await client.get(f"/stores/{store_id}/conversations/{conversation_id}")).text

    assert f'src="{PHOTO}"' in page
    assert f'alt="{escape(t("media.product_photo", lang))}"' in page
