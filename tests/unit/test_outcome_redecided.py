"""A KPI rebuild decides closes recorded under the older rule again
(services/kpi_aggregator/outcomes.py)."""

from datetime import UTC, datetime, timedelta

from services.kpi_aggregator.outcomes import redecided
from shared.events import Author, ConversationClosed, ConversationOutcome, Event, HandOverReason
from tests.support import events

ASKED = datetime(2024, 5, 6, 3, tzinfo=UTC)
READ_SINCE = ASKED - timedelta(days=1)


def agent_close(outcome: ConversationOutcome, after_hours: float = 2) -> ConversationClosed:
    message = events.received(at=ASKED, sid="SMasked")
    close = events.closed(message, ASKED + timedelta(hours=after_hours), outcome)
    return close.model_copy(update={"closed_by": "agent-ayu", "confirmed": True})


def closes_of(rebuilt: list[Event]) -> list[ConversationClosed]:
    return [event for event in rebuilt if isinstance(event, ConversationClosed)]


def outcome_of(rebuilt: list[Event]) -> ConversationOutcome:
    (close,) = closes_of(rebuilt)
    return close.outcome


def test_an_agent_close_of_an_unanswered_hand_over_is_no_longer_the_bots() -> None:
    message = events.received(at=ASKED, sid="SMasked")
    hand_over = events.reply_sent(message, hand_over=HandOverReason.CUSTOMER_REQUEST)
    recorded = agent_close(ConversationOutcome.RESOLVED_BY_BOT)
    reopen = events.reopened(recorded.occurred_at, events.received(at=ASKED + timedelta(hours=3)))

    decided = redecided([message, hand_over, recorded, reopen], READ_SINCE)
    rebuilt = decided.events

    assert outcome_of(rebuilt) is ConversationOutcome.HANDED_OVER_UNANSWERED
    assert reopen not in rebuilt  # only a bot resolution can be reopened
    assert decided.changed == [closes_of(rebuilt)[0], reopen]
    assert not closes_of(rebuilt)[0].confirmed


def test_a_hand_over_an_agent_answered_before_the_customers_last_word_is_the_humans() -> None:
    message = events.received(at=ASKED, sid="SMasked")
    hand_over = events.reply_sent(message, 5, hand_over=HandOverReason.CUSTOMER_REQUEST)
    agent = events.reply_sent(message, 60, author=Author.AGENT, message_id="agent:c1")
    thanks = events.received(at=ASKED + timedelta(minutes=5), text="makasih")
    recorded = agent_close(ConversationOutcome.HANDED_OVER_UNANSWERED)

    rebuilt = redecided([message, hand_over, agent, thanks, recorded], READ_SINCE).events

    assert outcome_of(rebuilt) is ConversationOutcome.RESOLVED_BY_HUMAN


def test_closes_the_log_cannot_judge_stay_as_recorded() -> None:
    message = events.received(at=ASKED, sid="SMasked")
    answer = events.reply_sent(message)
    bot = agent_close(ConversationOutcome.RESOLVED_BY_BOT)  # never handed over
    hand_over = events.reply_sent(message, hand_over=HandOverReason.POLICY)

    unjudged = redecided([message, answer, bot], READ_SINCE)
    begun_before = redecided([hand_over, bot], ASKED + timedelta(hours=1))

    assert (unjudged.events, unjudged.changed) == ([message, answer, bot], [])
    assert (begun_before.events, begun_before.changed) == ([hand_over, bot], [])
