"""Who may send free text when: 24 hours for everyone on every channel; on Messenger and
Instagram an agent (never the bot) for 7 days with Meta's HUMAN_AGENT tag; nobody after."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.channels import Channel
from shared.conversations.service_window import (
    OUTSIDE_HUMAN_AGENT_WINDOW,
    OUTSIDE_WINDOW,
    FreeText,
    free_text,
    outside_reason,
)
from shared.events import Author

WROTE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
META = [Channel.MESSENGER, Channel.INSTAGRAM]


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("author", [Author.BOT, Author.AGENT])
def test_within_24_hours_anyone_answers_as_a_response(channel: Channel, author: Author) -> None:
    assert free_text(channel, author, WROTE, WROTE + timedelta(hours=24)) is FreeText.RESPONSE


@pytest.mark.parametrize("channel", META)
def test_an_agent_answers_on_meta_for_7_days_with_the_human_agent_tag(channel: Channel) -> None:
    late = WROTE + timedelta(days=6, hours=23)

    assert free_text(channel, Author.AGENT, WROTE, late) is FreeText.HUMAN_AGENT
    assert free_text(channel, Author.AGENT, WROTE, WROTE + timedelta(days=7, seconds=1)) is None
    assert outside_reason(channel, Author.AGENT) == OUTSIDE_HUMAN_AGENT_WINDOW


@pytest.mark.parametrize("channel", META)
def test_the_bot_never_sends_after_24_hours(channel: Channel) -> None:
    assert free_text(channel, Author.BOT, WROTE, WROTE + timedelta(hours=24, seconds=1)) is None
    assert outside_reason(channel, Author.BOT) == OUTSIDE_WINDOW


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.WHATSAPP_CLOUD])
def test_whatsapp_has_no_human_agent_tag(channel: Channel) -> None:
    assert free_text(channel, Author.AGENT, WROTE, WROTE + timedelta(hours=25)) is None
    assert outside_reason(channel, Author.AGENT) == OUTSIDE_WINDOW


def test_a_customer_who_never_wrote_gets_no_free_text() -> None:
    assert free_text(Channel.MESSENGER, Author.AGENT, None, WROTE) is None
