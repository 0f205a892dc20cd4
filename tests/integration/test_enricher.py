"""The enricher's conversation cards against the real MongoDB: counted once, newest wins."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_message_received, on_reply_sent
from services.responder.repository import ConversationLog
from shared.conversations.collections import CONVERSATIONS
from shared.events import HandOverReason, MessageReceived, ReplySent
from shared.mongo import Database, Document
from tests.support.events import Hour, MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow


BUDI = "+6281100000001"


@pytest.fixture
def card(db: Database, store_id: str) -> Callable[[], Any]:
    """Budi's conversation card in this test's store."""

    async def read() -> Document | None:
        return await db[CONVERSATIONS].find_one({"_id": f"{store_id}:{BUDI}"})

    return read


async def apply(db: Database, *events: MessageReceived | ReplySent) -> None:
    for event in events:
        if isinstance(event, MessageReceived):
            await on_message_received(event, db, OfflineClassifier())
        else:
            await on_reply_sent(event, db)


async def test_a_card_counts_the_conversations_messages_and_replies(
    db: Database,
    card: Callable[[], Any],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    ten = hour(10)
    first = make_received(BUDI, "Halo kak", at=ten, profile_name="Budi")
    answer = make_reply_sent(first, response_seconds=5)
    second = make_received(BUDI, "Ongkir ke   Bandung\nberapa?", at=ten + timedelta(minutes=2))

    await apply(db, first, answer, second)

    conversation = await card()
    assert conversation["store_id"] == store_id
    assert conversation["owner"] == "bot"
    assert conversation["customer_number"] == BUDI
    assert conversation["profile_name"] == "Budi"
    assert conversation["inbound_messages"] == 2
    assert conversation["outbound_messages"] == 1
    assert conversation["first_message_at"] == ten
    assert conversation["last_activity_at"] == ten + timedelta(minutes=2)
    assert conversation["last_message"] == {
        "direction": "inbound",
        "text": "Ongkir ke Bandung berapa?",
        "at": ten + timedelta(minutes=2),
    }


async def test_a_reply_becomes_the_last_message_when_it_is_the_newest(
    db: Database,
    card: Callable[[], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(BUDI, "Halo kak", at=hour(10))
    answer = make_reply_sent(message, response_seconds=5, text="Halo juga kak!")

    await apply(db, message, answer)

    last = (await card())["last_message"]
    assert last == {"direction": "outbound", "text": "Halo juga kak!", "at": answer.occurred_at}


async def test_an_older_message_applied_late_does_not_replace_the_last_message(
    db: Database, card: Callable[[], Any], make_received: MakeReceived, hour: Hour
) -> None:
    older = make_received(BUDI, "Halo", at=hour(10))
    newer = make_received(BUDI, "Jadi order ya", at=hour(10) + timedelta(minutes=5))

    await apply(db, newer, older)

    conversation = await card()
    assert conversation["last_message"]["text"] == "Jadi order ya"
    assert conversation["last_activity_at"] == newer.occurred_at
    assert conversation["inbound_messages"] == 2


async def test_an_older_message_applied_late_keeps_the_newer_profile_name_and_time(
    db: Database, card: Callable[[], Any], make_received: MakeReceived, hour: Hour
) -> None:
    older = make_received(BUDI, "Halo", at=hour(10), profile_name="budi_lama")
    newer = make_received(BUDI, "Halo lagi", at=hour(11), profile_name="Budi Santoso")

    await apply(db, newer, older)

    conversation = await card()
    assert conversation["profile_name"] == "Budi Santoso"
    assert conversation["updated_at"] == newer.occurred_at
    assert conversation["first_message_at"] == older.occurred_at


async def test_a_reply_counted_before_the_message_it_answers_keeps_the_customers_name(
    db: Database,
    card: Callable[[], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(BUDI, "Halo, paket saya belum sampai", at=hour(10), profile_name="Rina")
    answer = make_reply_sent(message, response_seconds=5)

    await apply(db, answer, message)  # the replies' topic read first

    conversation = await card()
    assert conversation["profile_name"] == "Rina"
    assert conversation["last_message"]["direction"] == "outbound"


async def test_redelivered_events_change_nothing(
    db: Database,
    card: Callable[[], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(BUDI, "Halo", at=hour(10), profile_name="Budi")
    answer = make_reply_sent(message, response_seconds=5)
    await apply(db, message, answer)
    applied_once = await card()

    await apply(db, message, answer, message)

    assert await card() == applied_once
    assert applied_once["inbound_messages"] == 1
    assert applied_once["outbound_messages"] == 1


async def test_a_message_without_a_profile_name_keeps_the_known_name(
    db: Database, card: Callable[[], Any], make_received: MakeReceived, hour: Hour
) -> None:
    named = make_received(BUDI, "Halo", at=hour(10), profile_name="Budi")
    unnamed = make_received(BUDI, "Halo lagi", at=hour(10) + timedelta(minutes=1))

    await apply(db, named, unnamed)

    assert (await card())["profile_name"] == "Budi"


async def test_a_reply_applied_before_the_message_it_answers_still_completes_the_card(
    db: Database,
    card: Callable[[], Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    # The enricher reads two topics, so a reply can be applied before its customer message.
    message = make_received(BUDI, "Halo", at=hour(10))
    answer = make_reply_sent(message, response_seconds=5)

    await apply(db, answer, message)

    conversation = await card()
    assert conversation["customer_number"] == BUDI
    assert conversation["first_message_at"] == message.occurred_at
    assert conversation["last_message"]["direction"] == "outbound"


async def test_a_card_the_responder_created_on_hand_over_is_completed_by_the_message(
    db: Database,
    card: Callable[[], Any],
    store_id: str,
    make_received: MakeReceived,
    hour: Hour,
) -> None:
    # The responder may hand the conversation to a person before the enricher sees the message.
    message = make_received(BUDI, "Saya mau komplain", at=hour(10))
    await ConversationLog(db).hand_over(
        message.conversation_id, store_id, HandOverReason.CUSTOMER_REQUEST, message.occurred_at
    )

    await apply(db, message)

    conversation = await card()
    assert conversation["owner"] == "human"
    assert conversation["customer_number"] == BUDI
    assert conversation["first_message_at"] == message.occurred_at
    assert conversation["inbound_messages"] == 1
