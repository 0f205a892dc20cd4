"""A voice note is labelled from its transcript: the responder stores the transcript before it
answers, and the enricher labels the customer's turn when it handles that answer."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_card_events
from services.responder.repository import ConversationLog
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import Media, ReplySent
from shared.mongo import Database
from tests.support.events import MakeReceived

pytestmark = pytest.mark.slow

SARI = "+6281100000003"
SAID = "Kak, pesanan #1042 udah seminggu belum sampai, kecewa banget"


def stored_attachment(media_text: str, detected_type: str) -> dict[str, Any]:
    """An attachment as the responder stores it once read (services/responder/media.py)."""
    return {
        "content_type": detected_type,
        "status": "read",
        "detected_type": detected_type,
        "media_text": media_text,
        "url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
    }


async def test_the_answer_to_a_voice_note_labels_its_transcript_on_the_message_and_card(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: Callable[..., ReplySent],
    hour: Callable[[int], datetime],
) -> None:
    voice = Media(url="https://api.twilio.com/x", content_type="audio/ogg")
    message = make_received(SARI, "", at=hour(9), media=[voice])
    classifier = OfflineClassifier()
    await on_card_events([message], db, classifier)  # the caption: nothing to label
    conversations = ConversationLog(db)
    await conversations.record_inbound(message)
    await conversations.record_media(message.message_sid, [stored_attachment(SAID, "audio/ogg")])

    await on_card_events([make_reply_sent(message, response_seconds=6)], db, classifier)

    labels = (await db[MESSAGES].find_one({"_id": message.message_sid}))["classification"]
    assert labels["intent"] == "order_status"
    assert labels["entities"]["order_numbers"] == ["1042"]
    card = await db[CONVERSATIONS].find_one({"_id": f"{store_id}:{SARI}"})
    assert card["latest_intent"] == "order_status"
    [said] = [turn for turn in card["recent_turns"] if turn["author"] == "customer"]
    assert (said["id"], said["text"], said["intent"]) == (message.message_sid, SAID, "order_status")
    assert said["order_numbers"] == ["1042"]


async def test_a_photos_text_is_not_taken_for_the_customers_words(
    db: Database,
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: Callable[..., ReplySent],
    hour: Callable[[int], datetime],
) -> None:
    photo = Media(url="https://api.twilio.com/y", content_type="image/png")
    message = make_received(SARI, "", at=hour(10), media=[photo])
    classifier = OfflineClassifier()
    await on_card_events([message], db, classifier)
    conversations = ConversationLog(db)
    await conversations.record_inbound(message)
    await conversations.record_media(message.message_sid, [stored_attachment(SAID, "image/png")])

    await on_card_events([make_reply_sent(message, response_seconds=6)], db, classifier)

    assert "classification" not in await db[MESSAGES].find_one({"_id": message.message_sid})
    card = await db[CONVERSATIONS].find_one({"_id": f"{store_id}:{SARI}"})
    assert card.get("latest_intent") is None
