"""A voice note on the conversation page: labelled as one, its transcript under the label, or,
when it could not be transcribed, a note that a person should play it; and the player, which
fetches the recording from the Twilio stand-in with the store's credentials when pressed."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from services.console.i18n import t
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database
from shared.settings import Settings
from tests.standins.twilio_api import TwilioStandIn
from tests.support.responder import through_twilio
from tests.support.speech import voice_note as spoken

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
HEARD = "Berapa ongkos kirim ke Surabaya?"


@pytest.fixture
def settings(settings: Settings, twilio_api: TwilioStandIn) -> Settings:
    """The console with the global Twilio account, at the stand-in."""
    return through_twilio(settings, twilio_api)


def voice_note(status: str, transcript: str | None, url: str | None = None) -> dict[str, Any]:
    """An attachment as the responder stores one (services/responder/media.py); a store that
    keeps no customers' media keeps no link to a transcribed one."""
    stored = {
        "content_type": "audio/ogg",
        "status": status,
        "detected_type": "audio/ogg" if transcript else None,
        "media_text": transcript,
    }
    return stored if url is None else {**stored, "url": url}


async def conversation_with(db: Database, store_id: str, *attachments: dict[str, Any]) -> str:
    """A conversation whose customer sent one message per attachment (ids SM0, SM1, ...)."""
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
    for number, attachment in enumerate(attachments):
        await db[MESSAGES].insert_one(
            {
                "_id": f"SM{number}",
                "conversation_id": conversation_id,
                "direction": "inbound",
                "text": "",
                "media": [attachment],
                "created_at": now - timedelta(minutes=len(attachments) - number),
            }
        )
    return conversation_id


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_conversation_shows_a_voice_notes_transcript_under_its_label(
    db: Database, sign_in: SignIn, lang: str
) -> None:
    client, store_id, _ = await sign_in(lang=lang)
    conversation_id = await conversation_with(
        db, store_id, voice_note("read", HEARD), voice_note("not_transcribed", None)
    )

    page = (await client.get(f"/stores/{store_id}/conversations/{conversation_id}")).text

    assert page.count(str(escape(t("media.voice_note", lang)))) == 2
    assert (
        f'<p class="transcript" title="{escape(t("media.transcript", lang))}">{HEARD}</p>' in page
    )
    assert str(escape(t("media.not_transcribed", lang))) in page
    assert "[audio/ogg]" not in page


async def test_an_agent_plays_the_recording_through_the_console(
    db: Database, sign_in: SignIn, twilio_api: TwilioStandIn
) -> None:
    client, store_id, _ = await sign_in()
    recording = spoken(HEARD, "id")
    url = twilio_api.add_media(recording, "audio/ogg")
    conversation_id = await conversation_with(
        db,
        store_id,
        voice_note("read", HEARD, url),
        {"content_type": "image/jpeg", "status": "read", "url": url},
        voice_note("read", HEARD),  # transcribed in a store keeping no media: no link left
    )
    base = f"/stores/{store_id}/conversations/{conversation_id}"

    page = (await client.get(base)).text
    assert page.count('<audio class="voice-player"') == 1
    assert f'src="{base}/voice/SM0/0"' in page

    played = await client.get(f"{base}/voice/SM0/0")
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/ogg"
    assert played.headers["cache-control"] == "private, max-age=300"
    assert played.content == recording
    assert recording.startswith(b"OggS")
    assert len(twilio_api.media_downloads) == 1  # fetched from the channel, not kept by Balas

    assert (await client.get(f"{base}/voice/SM1/0")).status_code == 404  # a photo
    assert (await client.get(f"{base}/voice/SM0/1")).status_code == 404  # no second attachment
    assert (await client.get(f"{base}/voice/SM2/0")).status_code == 410

    twilio_api.media.clear()  # Twilio's retention ended
    gone = await client.get(f"{base}/voice/SM0/0")
    assert gone.status_code == 502
    assert "Twilio answered 404" in gone.text


async def test_another_stores_agent_cannot_play_the_recording(
    db: Database, sign_in: SignIn, twilio_api: TwilioStandIn
) -> None:
    _, store_id, _ = await sign_in()
    stranger, _, _ = await sign_in()
    url = twilio_api.add_media(b"OggS not really", "audio/ogg")
    conversation_id = await conversation_with(db, store_id, voice_note("read", HEARD, url))

    answer = await stranger.get(f"/stores/{store_id}/conversations/{conversation_id}/voice/SM0/0")

    assert answer.status_code == 404
    assert twilio_api.media_downloads == []
