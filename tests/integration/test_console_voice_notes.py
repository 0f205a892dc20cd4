"""A voice note on the conversation page: labelled as one, its transcript under the label, or,
when it could not be transcribed, a note that a person should listen to it in WhatsApp."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from services.console.i18n import t
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
HEARD = "Berapa ongkos kirim ke Surabaya?"


def voice_note(status: str, transcript: str | None) -> dict[str, Any]:
    """An attachment as the responder stores one (services/responder/media.py)."""
    return {
        "content_type": "audio/ogg",
        "status": status,
        "detected_type": "audio/ogg" if transcript else None,
        "media_text": transcript,
    }


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_conversation_shows_a_voice_notes_transcript_under_its_label(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    conversation_id = f"{store_id}:+6281100000077"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281100000077",
            "owner": "bot",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "inbound", "text": "", "at": now},
        }
    )
    notes = [voice_note("read", HEARD), voice_note("not_transcribed", None)]
    for number, note in enumerate(notes):
        await db[MESSAGES].insert_one(
            {
                "_id": f"SM{number}",
                "conversation_id": conversation_id,
                "direction": "inbound",
                "text": "",
                "media": [note],
                "created_at": now - timedelta(minutes=2 - number),
            }
        )

    page = (await client.get(f"/stores/{store_id}/conversations/{conversation_id}")).text

    assert page.count(str(escape(t("media.voice_note", lang)))) == 2
    assert (
        f'<p class="transcript" title="{escape(t("media.transcript", lang))}">{HEARD}</p>' in page
    )
    assert str(escape(t("media.not_transcribed", lang))) in page
    assert "[audio/ogg]" not in page
