"""The conversation card's rules: sentiment trend, open topics, next action, extractive summary,
the outcome of a close and what counts as a reopen (services/enricher/conversation.py)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.enricher.conversation import (
    SUMMARY_MAX_CHARS,
    Turn,
    confirmed_by_customer,
    counts_as_reopen,
    extractive_summary,
    next_action,
    open_topics,
    outcome,
    sentiment_trend,
    transcript,
)
from shared.events import ConversationOutcome, NextAction, SentimentTrend

NOON = datetime(2024, 5, 6, 12, tzinfo=UTC)
MakeTurn = Callable[..., Turn]


@pytest.fixture
def turn() -> MakeTurn:
    """Turns one minute apart, in the order they are built."""
    made: list[Turn] = []

    def build(author: str, text: str = "ok", **fields: Any) -> Turn:
        at = NOON + timedelta(minutes=len(made))
        made.append(Turn(id=f"m{len(made)}", author=author, text=text, at=at, **fields))
        return made[-1]

    return build


def feeling(turn: MakeTurn, label: str, score: float = 0.9) -> Turn:
    return turn("customer", "…", sentiment=label, sentiment_score=score)


def test_a_customer_getting_angrier_is_a_worsening_trend(turn: MakeTurn) -> None:
    turns = [feeling(turn, "neutral"), feeling(turn, "negative", 0.6), feeling(turn, "negative")]

    trend = sentiment_trend(turns)

    assert trend.direction is SentimentTrend.WORSENING
    assert trend.scores == [0.0, -0.6, -0.9]


def test_a_calmer_customer_is_an_improving_trend(turn: MakeTurn) -> None:
    turns = [feeling(turn, "negative"), turn("bot", "Maaf kak"), feeling(turn, "positive", 0.7)]

    assert sentiment_trend(turns).direction is SentimentTrend.IMPROVING


def test_one_score_or_small_changes_are_steady(turn: MakeTurn) -> None:
    assert sentiment_trend([feeling(turn, "negative")]).direction is SentimentTrend.STEADY
    small = [feeling(turn, "positive", 0.6), feeling(turn, "positive", 0.8)]
    assert sentiment_trend(small).direction is SentimentTrend.STEADY


def test_the_trend_looks_at_the_last_five_customer_messages_only(turn: MakeTurn) -> None:
    turns = [feeling(turn, "negative") for _ in range(3)] + [
        feeling(turn, "neutral") for _ in range(5)
    ]

    trend = sentiment_trend(turns)

    assert trend.scores == [0.0] * 5
    assert trend.direction is SentimentTrend.STEADY


def test_an_order_number_stays_open_until_a_reply_mentions_it(turn: MakeTurn) -> None:
    asked = turn(
        "customer", "Pesanan #1042 dan #1043 kapan dikirim?", order_numbers=["1042", "1043"]
    )
    answer = turn("bot", "Pesanan 1042 sudah dikirim kak, resi JNE123.")

    topics = open_topics([asked, answer])

    assert topics.order_numbers == ["1043"]
    assert topics.question is None  # a sent reply follows the customer's message


def test_a_reply_that_was_not_sent_answers_nothing(turn: MakeTurn) -> None:
    asked = turn("customer", "Halo. Order #1042 kapan sampai?", order_numbers=["1042"])
    failed = turn("bot", "Pesanan 1042 sudah dikirim", sent=False)

    topics = open_topics([asked, failed])

    assert topics.order_numbers == ["1042"]
    assert topics.question == "Order #1042 kapan sampai?"


def test_the_last_unanswered_question_is_kept_with_phone_numbers_masked(turn: MakeTurn) -> None:
    message = turn("customer", "Bisa hubungi saya di 0812-3456-7890? Terima kasih")

    assert open_topics([message]).question == "Bisa hubungi saya di [number]?"


def test_an_answered_thanks_suggests_closing(turn: MakeTurn) -> None:
    thanks = turn("customer", "Makasih kak", intent="greeting_thanks")
    reply = turn("bot", "Sama-sama kak")

    assert next_action([thanks, reply], "bot", SentimentTrend.STEADY, reply.at) is NextAction.CLOSE


def test_an_answered_conversation_idle_for_half_an_hour_suggests_closing(turn: MakeTurn) -> None:
    asked = turn("customer", "Ready?", intent="stock_availability")
    reply = turn("bot", "Ready kak")
    turns = [asked, reply]

    assert next_action(turns, "bot", SentimentTrend.STEADY, reply.at) is NextAction.REPLY
    later = reply.at + timedelta(minutes=30)
    assert next_action(turns, "bot", SentimentTrend.STEADY, later) is NextAction.CLOSE


@pytest.mark.parametrize(
    ("intent", "trend", "owner", "expected"),
    [
        ("human_request", SentimentTrend.STEADY, "bot", NextAction.HAND_OVER),
        ("complaint", SentimentTrend.WORSENING, "bot", NextAction.HAND_OVER),
        ("complaint", SentimentTrend.WORSENING, "human", NextAction.REPLY),
        ("order_status", SentimentTrend.STEADY, "bot", NextAction.REPLY),
    ],
)
def test_a_waiting_customer_gets_a_reply_or_a_person(
    turn: MakeTurn, intent: str, trend: SentimentTrend, owner: str, expected: NextAction
) -> None:
    waiting = turn("customer", "…", intent=intent)

    assert next_action([waiting], owner, trend, waiting.at) is expected


def test_the_summary_keeps_the_most_informative_customer_sentences_in_order(
    turn: MakeTurn,
) -> None:
    turns = [
        turn("customer", "Halo kak."),
        turn("customer", "Saya pesan kemeja batik ukuran L kemarin. Ok."),
        turn("bot", "Baik kak, ada yang bisa dibantu untuk pesanannya?"),
        turn(
            "customer", "Pesanan #1042 belum sampai, kapan dikirim? Nomor saya +62 812 3456 7890."
        ),
    ]

    summary = extractive_summary(turns)

    assert summary == (
        "Saya pesan kemeja batik ukuran L kemarin. Pesanan #1042 belum sampai, kapan dikirim? "
        "Nomor saya [number]."
    )


def test_the_summary_is_capped(turn: MakeTurn) -> None:
    long = " ".join(f"Produk nomor {i} warna merah ukuran besar sekali." for i in range(100, 130))

    assert len(extractive_summary([turn("customer", long)])) <= SUMMARY_MAX_CHARS


def test_small_talk_makes_an_empty_summary(turn: MakeTurn) -> None:
    assert extractive_summary([turn("customer", "Halo kak"), turn("customer", "ok")]) == ""


def test_the_llm_transcript_has_no_phone_numbers(turn: MakeTurn) -> None:
    lines = transcript([turn("customer", "WA saya 081234567890 ya"), turn("bot", "Siap")])

    assert lines == "customer: WA saya [number] ya\nbot: Siap"


def test_a_bot_answer_to_the_last_message_is_a_bot_resolution(turn: MakeTurn) -> None:
    turns = [turn("customer"), turn("bot"), turn("customer"), turn("bot")]

    assert outcome(turns, "bot") is ConversationOutcome.RESOLVED_BY_BOT


def test_an_agent_answer_to_the_last_message_is_a_human_resolution(turn: MakeTurn) -> None:
    turns = [turn("customer"), turn("bot"), turn("agent")]

    assert outcome(turns, "bot") is ConversationOutcome.RESOLVED_BY_HUMAN
    assert outcome(turns, "human") is ConversationOutcome.RESOLVED_BY_HUMAN


def test_a_hand_over_nobody_answered_is_handed_over_unanswered(turn: MakeTurn) -> None:
    handed = [turn("customer"), turn("bot", hand_over="tool_failure")]

    assert outcome(handed, "bot") is ConversationOutcome.HANDED_OVER_UNANSWERED
    assert outcome([turn("customer")], "human") is ConversationOutcome.HANDED_OVER_UNANSWERED


def test_a_hand_over_an_agent_answered_is_the_humans_even_with_a_later_customer_word(
    turn: MakeTurn,
) -> None:
    handed = [turn("customer"), turn("bot", hand_over="customer_request"), turn("agent")]
    thanked = [*handed, turn("customer", "makasih kak")]

    assert outcome(thanked, "human") is ConversationOutcome.RESOLVED_BY_HUMAN
    assert outcome(handed, "bot") is ConversationOutcome.RESOLVED_BY_HUMAN


def test_a_hand_over_is_never_the_bots_resolution_even_when_the_bot_spoke_last(
    turn: MakeTurn,
) -> None:
    """The bot's hand-over reply is the newest, or a bot answer followed a take-over nobody
    answered: the customer waited for a person, whoever closes the conversation."""
    turns = [turn("customer"), turn("bot"), turn("customer"), turn("bot", hand_over="policy")]

    assert outcome(turns, "bot") is ConversationOutcome.HANDED_OVER_UNANSWERED
    assert outcome([turn("customer"), turn("bot")], "human") is (
        ConversationOutcome.HANDED_OVER_UNANSWERED
    )


def test_a_last_message_without_a_reply_that_reached_the_customer_is_abandoned(
    turn: MakeTurn,
) -> None:
    assert outcome([turn("customer"), turn("bot"), turn("customer")], "bot") is (
        ConversationOutcome.ABANDONED
    )
    assert outcome([turn("customer"), turn("bot", sent=False)], "bot") is (
        ConversationOutcome.ABANDONED
    )


def test_only_a_message_soon_after_a_bot_resolution_counts_as_a_reopen() -> None:
    window = timedelta(hours=24)
    closed = NOON

    assert counts_as_reopen("resolved_by_bot", closed, closed + timedelta(hours=3), window)
    assert counts_as_reopen("resolved_by_bot", closed, closed + window, window)
    assert not counts_as_reopen("resolved_by_bot", closed, closed + timedelta(hours=25), window)
    assert not counts_as_reopen("resolved_by_human", closed, closed + timedelta(hours=1), window)
    assert not counts_as_reopen("abandoned", closed, closed + timedelta(hours=1), window)


# -- confirmed resolutions -------------------------------------------------------------------


def test_thanks_after_the_bots_answer_confirm_the_resolution(turn: MakeTurn) -> None:
    turns = [
        turn("customer", "ongkir ke Medan berapa?", intent="shipping"),
        turn("bot", "Rp25.000 kak"),
        turn("customer", "oke makasih kak", intent="greeting_thanks", sentiment="positive"),
        turn("bot", "Sama-sama!"),
    ]

    assert outcome(turns, "bot") is ConversationOutcome.RESOLVED_BY_BOT
    assert confirmed_by_customer(turns)


def test_leaving_without_a_word_is_only_an_assumed_resolution(turn: MakeTurn) -> None:
    turns = [turn("customer", "ongkir ke Medan?", intent="shipping"), turn("bot", "Rp25.000")]

    assert not confirmed_by_customer(turns)


def test_an_opening_greeting_or_an_unhappy_thanks_confirms_nothing(turn: MakeTurn) -> None:
    opening = [turn("customer", "halo kak", intent="greeting_thanks"), turn("bot", "Halo!")]
    sarcastic = [
        turn("customer", "ongkir?", intent="shipping"),
        turn("bot", "Rp25.000"),
        turn("customer", "makasih deh, mahal", intent="greeting_thanks", sentiment="negative"),
    ]

    assert not confirmed_by_customer(opening)
    assert not confirmed_by_customer(sarcastic)
