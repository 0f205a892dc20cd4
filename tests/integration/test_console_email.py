"""An e-mail conversation in the console: its badge and filter value in the admin's language,
the subject the agent's reply will carry shown over the composer, and no 24-hour window."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from services.console.i18n import t
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.identity import conversation_id
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
CUSTOMER = "budi@example.com"


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_an_email_conversation_shows_its_channel_subject_and_takes_a_late_reply(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    cid = conversation_id(store_id, CUSTOMER, Channel.EMAIL)
    wrote = datetime.now(UTC) - timedelta(days=3)  # WhatsApp's window would be closed
    await db[CONVERSATIONS].insert_one(
        {
            "_id": cid,
            "store_id": store_id,
            "customer_number": CUSTOMER,
            "channel": "email",
            "owner": "human",
            "status": "open",
            "last_activity_at": wrote,
            "last_message": {"direction": "inbound", "text": "Pesanan saya?", "at": wrote},
        }
    )
    await db[MESSAGES].insert_one(
        {
            "_id": f"<{store_id}@example.com>",
            "conversation_id": cid,
            "direction": "inbound",
            "text": "Pesanan saya?",
            "subject": "Pesanan #1042",
            "references": [],
            "created_at": wrote,
        }
    )

    page = (await client.get(f"/stores/{store_id}/conversations/{cid}")).text
    inbox = (await client.get(f"/stores/{store_id}/inbox")).text

    assert f'title="{escape(t("channel.email", lang))}"' in page
    assert str(escape(t("actions.subject", lang, subject="Re: Pesanan #1042"))) in page
    assert str(escape(t("actions.window_closed", lang))) not in page
    assert f'<option value="email" >{escape(t("channel.email", lang))}</option>' in inbox
