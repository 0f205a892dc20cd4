from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from services.responder.repository import Reply, ReplyState
from services.responder.service import (
    WHATSAPP_MAX_CHARS,
    fallback_draft,
    fit_for_whatsapp,
    prompt_messages,
    reply_sent,
)
from shared.events import Author, HandOverReason
from shared.stores import Store

MakeReply = Callable[..., Reply]
T0 = datetime(2024, 5, 6, 10, 15, tzinfo=UTC)


def history_document(direction: str, text: str | None, minute: int) -> dict[str, Any]:
    """A message as ConversationLog.history returns it (its _id is Twilio's sid)."""
    return {
        "_id": f"SM{minute:032x}",
        "direction": direction,
        "text": text,
        "created_at": T0 + timedelta(minutes=minute),
    }


# -- fit_for_whatsapp ------------------------------------------------------------------------


def test_a_short_reply_is_kept_as_it_is_without_surrounding_space() -> None:
    assert fit_for_whatsapp("  Ready kak, silakan order 🙏 \n") == "Ready kak, silakan order 🙏"


def test_a_reply_of_exactly_the_limit_is_not_cut() -> None:
    text = "a" * WHATSAPP_MAX_CHARS

    assert fit_for_whatsapp(text) == text


def test_a_long_reply_is_cut_at_a_word_and_marked_with_an_ellipsis() -> None:
    words = [f"kata{index}" for index in range(600)]
    text = " ".join(words)

    fitted = fit_for_whatsapp(text)

    assert len(fitted) <= WHATSAPP_MAX_CHARS
    assert fitted.endswith("…")
    kept = fitted.removesuffix("…")
    assert kept.split(" ") == words[: len(kept.split(" "))]  # whole words only
    assert text.startswith(kept + " ")


def test_a_long_reply_without_spaces_is_cut_at_the_limit() -> None:
    fitted = fit_for_whatsapp("x" * 5000)

    assert len(fitted) == WHATSAPP_MAX_CHARS
    assert fitted == "x" * (WHATSAPP_MAX_CHARS - 1) + "…"


def test_a_cut_reply_does_not_end_in_space_before_the_ellipsis() -> None:
    text = "kata " * 318 + "          " + "y" * 2000

    fitted = fit_for_whatsapp(text)

    assert not fitted.removesuffix("…").endswith(" ")
    assert len(fitted) <= WHATSAPP_MAX_CHARS


# -- prompt_messages -------------------------------------------------------------------------


def test_the_prompt_starts_with_the_stores_system_prompt(store: Store) -> None:
    messages = prompt_messages(store, [], profile_name=None)

    assert len(messages) == 1
    assert isinstance(messages[0], SystemMessage)
    assert "Toko Batik Sari" in messages[0].content
    assert "{store_name}" not in messages[0].content


def test_the_customers_profile_name_is_given_to_the_model(store: Store) -> None:
    (system,) = prompt_messages(store, [], profile_name="Budi")

    assert "Budi" in system.content


def test_the_history_follows_the_system_prompt_in_order_as_human_and_ai(store: Store) -> None:
    history = [
        history_document("inbound", "Halo, batik tulis ukuran L ada?", 0),
        history_document("outbound", "Ada kak, harganya Rp350.000", 1),
        history_document("inbound", "Bisa kirim ke Bandung?", 2),
    ]

    messages = prompt_messages(store, history, profile_name="Budi")

    assert [type(message) for message in messages] == [
        SystemMessage,
        HumanMessage,
        AIMessage,
        HumanMessage,
    ]
    assert [message.content for message in messages[1:]] == [
        "Halo, batik tulis ukuran L ada?",
        "Ada kak, harganya Rp350.000",
        "Bisa kirim ke Bandung?",
    ]


def test_a_message_without_text_such_as_a_photo_becomes_an_empty_turn(store: Store) -> None:
    messages = prompt_messages(store, [history_document("inbound", None, 0)], profile_name=None)

    assert messages[1] == HumanMessage("")


def test_no_phone_number_reaches_the_model(store: Store, customer_number: str) -> None:
    conversation = f"{store.id}:{customer_number}"
    history = [
        {**history_document("inbound", "Halo", 0), "conversation_id": conversation},
        {**history_document("outbound", "Halo kak", 1), "conversation_id": conversation},
    ]

    messages = prompt_messages(store, history, profile_name="Budi")

    for message in messages:
        content = str(message.content)
        for number in (customer_number, store.whatsapp_number):
            assert number not in content
            assert number.removeprefix("+") not in content


# -- fallback and reply_sent -----------------------------------------------------------------


def test_without_an_llm_the_store_says_a_person_will_answer_and_hands_over(store: Store) -> None:
    draft = fallback_draft(store)

    assert draft.text == store.fallback_reply
    assert draft.hand_over is HandOverReason.TOOL_FAILURE


def test_a_sent_reply_becomes_a_sent_event_with_its_response_time(make_reply: MakeReply) -> None:
    reply = make_reply(customer_message_at=T0, finished_at=T0 + timedelta(seconds=7.5))

    event = reply_sent(reply)

    assert event.sent is True
    assert event.twilio_sid == reply.twilio_sid
    assert event.not_sent_reason is None
    assert event.response_seconds == 7.5
    assert event.occurred_at == reply.finished_at
    assert event.customer_message_at == T0
    assert event.message_id == reply.id
    assert event.in_reply_to == reply.in_reply_to
    assert event.conversation_id == reply.conversation_id
    assert event.author is Author.BOT
    assert event.first_response is True


def test_a_reply_that_could_not_go_out_becomes_a_not_sent_event(make_reply: MakeReply) -> None:
    reply = make_reply(
        state=ReplyState.NOT_SENT,
        twilio_sid=None,
        not_sent_reason="twilio_not_configured",
        hand_over=HandOverReason.TOOL_FAILURE,
    )

    event = reply_sent(reply)

    assert event.sent is False
    assert event.not_sent_reason == "twilio_not_configured"
    assert event.hand_over is HandOverReason.TOOL_FAILURE


def test_the_same_reply_always_gives_the_same_event(make_reply: MakeReply) -> None:
    first = reply_sent(make_reply())
    republished = reply_sent(make_reply())
    other = reply_sent(make_reply(_id="reply:SM" + "c" * 32))

    assert first.event_id == republished.event_id
    assert first == republished
    assert other.event_id != first.event_id


def test_an_unfinished_reply_dates_its_event_at_its_creation(make_reply: MakeReply) -> None:
    reply = make_reply(finished_at=None, created_at=T0 + timedelta(seconds=3))

    event = reply_sent(reply)

    assert event.occurred_at == T0 + timedelta(seconds=3)
    assert event.response_seconds == 3.0


def test_a_clock_skewed_reply_never_reports_a_negative_response_time(make_reply: MakeReply) -> None:
    reply = make_reply(customer_message_at=T0, finished_at=T0 - timedelta(seconds=2))

    assert reply_sent(reply).response_seconds == 0.0
