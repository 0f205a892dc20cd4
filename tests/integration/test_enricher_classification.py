"""The enricher labels each customer message once: on the message and on the conversation card."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.enricher.classification.labels import (
    Classification,
    Entities,
    Intent,
    Language,
    Sentiment,
    SentimentScore,
)
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_message_received, on_reply_sent
from services.responder.repository import ConversationLog
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import ReplySent
from shared.mongo import Database
from tests.support.events import Hour, MakeReceived

pytestmark = pytest.mark.slow

SARI = "+6281100000002"


class FixedClassifier:
    """Always the same labels, whatever the text: shows what a second classification would do."""

    name = "offline"

    def __init__(self, intent: Intent) -> None:
        self.labels = Classification(
            intent=intent,
            intent_score=1.0,
            sentiment=SentimentScore(label=Sentiment.POSITIVE, score=1.0),
            language=Language.EN,
            code_mixed=False,
            entities=Entities(order_numbers=[], products=[], amounts=[]),
            engine="offline",
        )
        self.calls = 0

    async def classify(self, texts: list[str]) -> list[Classification]:
        self.calls += 1
        return [self.labels for _ in texts]


@pytest.fixture
def read(db: Database, store_id: str) -> Callable[..., Any]:
    async def document(collection: str, id_: str | None = None) -> Any:
        return await db[collection].find_one({"_id": id_ or f"{store_id}:{SARI}"})

    return document


async def test_the_labels_land_on_the_message_and_on_the_card(
    db: Database, read: Callable[..., Any], make_received: MakeReceived, hour: Hour
) -> None:
    message = make_received(SARI, "Kak, pesanan #1042 udah seminggu belum sampai 😡", at=hour(9))

    await on_message_received(message, db, OfflineClassifier())

    stored = await read(MESSAGES, message.message_sid)
    labels = stored["classification"]
    assert labels["intent"] == "order_status"
    assert labels["sentiment"]["label"] == "negative"
    assert labels["entities"]["order_numbers"] == ["1042"]
    assert labels["engine"] == "offline"
    assert stored["text"] == message.text  # the whole message, even before the responder
    assert stored["created_at"] == message.occurred_at  # so it expires with the others
    card = await read(CONVERSATIONS)
    assert card["latest_intent"] == "order_status"
    assert card["latest_sentiment"] == labels["sentiment"]
    assert card["latest_language"] == "id"


async def test_redelivery_changes_nothing_even_if_the_labels_would_differ(
    db: Database, read: Callable[..., Any], make_received: MakeReceived, hour: Hour
) -> None:
    message = make_received(SARI, "Terima kasih kak!", at=hour(9))
    await on_message_received(message, db, FixedClassifier(Intent.GREETING_THANKS))
    stored_once, card_once = await read(MESSAGES, message.message_sid), await read(CONVERSATIONS)

    await on_message_received(message, db, FixedClassifier(Intent.COMPLAINT))

    assert await read(MESSAGES, message.message_sid) == stored_once
    assert await read(CONVERSATIONS) == card_once
    assert card_once["latest_intent"] == "greeting_thanks"
    assert card_once["inbound_messages"] == 1


async def test_an_older_message_labelled_late_does_not_replace_the_latest_labels(
    db: Database, read: Callable[..., Any], make_received: MakeReceived, hour: Hour
) -> None:
    older = make_received(SARI, "Halo", at=hour(9))
    newer = make_received(SARI, "Mau refund", at=hour(9) + timedelta(minutes=3))

    await on_message_received(newer, db, FixedClassifier(Intent.RETURN_REFUND))
    await on_message_received(older, db, FixedClassifier(Intent.GREETING_THANKS))

    card = await read(CONVERSATIONS)
    assert card["latest_intent"] == "return_refund"
    assert card["latest_labels_at"] == newer.occurred_at
    assert (await read(MESSAGES, older.message_sid))["classification"]["intent"] == (
        "greeting_thanks"
    )


async def test_a_bot_reply_applied_first_does_not_keep_the_message_off_the_card(
    db: Database,
    read: Callable[..., Any],
    make_received: MakeReceived,
    make_reply_sent: Callable[..., ReplySent],
    hour: Hour,
) -> None:
    # Replies arrive on another topic and may be applied before the message they answer.
    message = make_received(SARI, "Ongkir ke Medan berapa?", at=hour(9))

    await on_reply_sent(make_reply_sent(message, response_seconds=4), db)
    await on_message_received(message, db, FixedClassifier(Intent.SHIPPING))

    assert (await read(CONVERSATIONS))["latest_intent"] == "shipping"


@pytest.mark.parametrize("enricher_first", [True, False], ids=["enricher-first", "responder-first"])
async def test_the_message_is_complete_whichever_service_writes_it_first(
    db: Database,
    read: Callable[..., Any],
    make_received: MakeReceived,
    hour: Hour,
    enricher_first: bool,
) -> None:
    message = make_received(SARI, "Bisa bayar pakai OVO?", at=hour(9))
    responder, enricher = ConversationLog(db), FixedClassifier(Intent.PAYMENT)

    if enricher_first:
        await on_message_received(message, db, enricher)
        await responder.record_inbound(message)
    else:
        await responder.record_inbound(message)
        await on_message_received(message, db, enricher)

    stored = await read(MESSAGES, message.message_sid)
    assert stored["text"] == "Bisa bayar pakai OVO?"
    assert stored["direction"] == "inbound"
    assert stored["classification"]["intent"] == "payment"


async def test_a_message_without_text_is_counted_but_not_labelled(
    db: Database, read: Callable[..., Any], make_received: MakeReceived, hour: Hour
) -> None:
    photo = make_received(SARI, "", at=hour(9))
    classifier = FixedClassifier(Intent.OTHER)

    await on_message_received(photo, db, classifier)

    assert classifier.calls == 0
    assert (await read(CONVERSATIONS))["inbound_messages"] == 1
    assert await read(MESSAGES, photo.message_sid) is None
