"""CSAT without I/O: what counts as a rating, when a session is due a survey, how it counts."""

from datetime import UTC, datetime, timedelta

import pytest

from services.enricher.conversation import Turn, survey_due
from services.kpi_aggregator import buckets
from shared import identity
from shared.conversations.csat import SURVEY_WINDOW, parse_rating, question, survey_id
from shared.events import (
    ConversationClosed,
    ConversationOutcome,
    CsatRecorded,
    CsatSurveySent,
    MessageReceived,
)
from shared.kpis import facts

T0 = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5),
        (" 4 ", 4),
        ("⭐⭐⭐⭐", 4),
        ("⭐ ⭐ ⭐", 3),
        ("lima", 5),
        ("Empat!", 4),
        ("4/5", 4),
        ("3 dari 5", 3),
        ("5 bintang", 5),
        ("2 stars", 2),
        ("five", 5),
        ("1.", 1),
    ],
)
def test_ratings_are_read_in_indonesian_english_digits_and_stars(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text", ["", "6", "0", "10", "5 menit lagi ya", "pesanan 12345", "⭐⭐⭐⭐⭐⭐", "halo", "45"]
)
def test_other_messages_are_not_ratings(text: str) -> None:
    assert parse_rating(text) is None


def test_the_question_is_in_the_stores_language_indonesian_by_default() -> None:
    assert question("id").startswith("Bagaimana pelayanan kami?")
    assert question("en").startswith("How did we do?")
    assert question("xx") == question("id")


def _turns(*spec: tuple[str, timedelta, bool]) -> list[Turn]:
    return [
        Turn(id=f"t{n}", author=author, text="x", at=T0 + at, sent=sent)  # type: ignore[arg-type]
        for n, (author, at, sent) in enumerate(spec)
    ]


def test_an_answered_session_idle_for_the_wait_is_due_once_the_wait_passed() -> None:
    turns = _turns(("customer", timedelta(0), True), ("bot", timedelta(seconds=5), True))
    last = T0 + timedelta(seconds=5)
    ask_after = timedelta(minutes=60)
    assert (
        survey_due(turns, False, last, last + 59 * timedelta(minutes=1), ask_after, SURVEY_WINDOW)
        is None
    )
    assert survey_due(turns, False, last, last + ask_after, ask_after, SURVEY_WINDOW) == "idle"
    assert (
        survey_due(turns, True, last, last + timedelta(minutes=1), ask_after, SURVEY_WINDOW)
        == "closed"
    )


def test_no_survey_outside_the_window_nor_for_an_unanswered_question() -> None:
    answered = _turns(("customer", timedelta(0), True), ("bot", timedelta(seconds=5), True))
    ask_after = timedelta(minutes=60)
    late = T0 + SURVEY_WINDOW
    assert survey_due(answered, False, T0, late, ask_after, SURVEY_WINDOW) is None
    not_sent = _turns(("customer", timedelta(0), True), ("bot", timedelta(seconds=5), False))
    assert survey_due(not_sent, True, T0, T0 + 2 * HOUR, ask_after, SURVEY_WINDOW) is None
    assert survey_due([], True, T0, T0 + 2 * HOUR, ask_after, SURVEY_WINDOW) is None


def _recorded(rating: int, at: datetime, opened: datetime = T0) -> CsatRecorded:
    return CsatRecorded(
        event_id=f"r{rating}{at.isoformat()}",
        occurred_at=at,
        store_id="s1",
        conversation_id="s1:+628123",
        survey_id=survey_id("s1:+628123", opened),
        session_opened_at=opened,
        rating=rating,
        message_sid="SM1",
    )


def test_ratings_count_at_the_answer_and_surveys_when_they_went_out() -> None:
    sent = CsatSurveySent(
        event_id="a",
        occurred_at=T0,
        store_id="s1",
        conversation_id="s1:+628123",
        survey_id="x",
        session_opened_at=T0,
        sent=True,
    )
    failed = sent.model_copy(update={"event_id": "b", "sent": False})
    counted = buckets.increments([sent, failed, _recorded(4, T0 + 2 * HOUR)], [])
    assert counted.hourly[("s1", T0)] == {"csat.asked": 1}
    assert counted.hourly[("s1", T0 + 2 * HOUR)] == {
        "csat.ratings": 1,
        "csat.sum": 4,
        "csat.histogram.4": 1,
    }


def _closed(first: bool | None) -> ConversationClosed:
    return ConversationClosed(
        event_id=f"c{first}",
        occurred_at=T0 + 25 * HOUR,
        store_id="s1",
        conversation_id="s1:+628123",
        outcome=ConversationOutcome.RESOLVED_BY_BOT,
        opened_at=T0,
        last_activity_at=T0 + HOUR,
        first_session=first,
    )


def test_sessions_count_as_new_or_returning_in_the_hour_they_opened() -> None:
    assert buckets.increments([_closed(True)], []).hourly[("s1", T0)] == {"conversations.new": 1}
    returning = buckets.increments([_closed(False)], []).hourly[("s1", T0)]
    assert returning == {"conversations.returning": 1}
    assert ("s1", T0) not in buckets.increments([_closed(None)], []).hourly


def _message(at: datetime) -> MessageReceived:
    return MessageReceived(
        event_id=f"m{at.isoformat()}",
        occurred_at=at,
        store_id="s1",
        conversation_id="s1:+628123",
        message_sid=f"SM{at.isoformat()}",
        customer_number="+628123",
        store_number="+1555",
    )


def test_customers_are_new_in_the_hour_and_day_of_their_first_message_ever() -> None:
    events = [_message(T0), _message(T0 + HOUR)]
    hashed = identity.customer_hash("+628123")
    first_seen = {("s1", hashed): T0}
    hours = buckets.customer_hours(events).values()
    days = buckets.customer_days(events, lambda _: UTC).values()
    counted = buckets.increments(events, hours, days, lambda _: UTC, first_seen)
    assert counted.hourly[("s1", T0)]["customers.new"] == 1
    assert counted.hourly[("s1", T0 + HOUR)]["customers.returning"] == 1
    assert counted.daily[("s1", T0.date())]["customers.new"] == 1
    earlier = {("s1", hashed): T0 - 48 * HOUR}
    again = buckets.increments(events, hours, days, lambda _: UTC, earlier)
    assert again.hourly[("s1", T0)]["customers.returning"] == 1
    assert again.daily[("s1", T0.date())]["customers.returning"] == 1


def test_the_fact_row_gets_the_rating_of_its_own_session_only() -> None:
    closed = facts.stamp(_closed(True))
    assert closed is not None
    mine = facts.stamp(_recorded(5, T0 + 2 * HOUR))
    other = facts.stamp(_recorded(1, T0 + 30 * HOUR, opened=T0 + 29 * HOUR))
    assert mine is not None
    assert other is not None
    other["_id"] = "other"
    (row,) = facts.rows_of([closed, mine, other])
    assert row["csat_score"] == 5
    assert facts.rows_of([closed, mine, other], new=[other]) == []
    (without,) = facts.rows_of([closed])
    assert without["csat_score"] is None
