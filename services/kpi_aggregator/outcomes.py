"""A rebuild decides each close's outcome again from the session's events in the log, with the
rule the enricher applies today (shared/conversations/outcomes.py), so closes recorded under an
older rule (an agent's close of a hand-over nobody answered counted as the bot's resolution)
are counted as they should have been.

Only the handed-over side of the rule changed, and the log holds the session's replies but not
agents' take-overs: a session is decided again when it is known to be handed over (a bot reply
of it handed over, or its recorded outcome is `handed_over_unanswered`); any other close, and a
session that began before the events read, stays as recorded. So an agent's take-over nobody
answered, closed under the older rule without a bot hand-over, stays the bot's resolution.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from shared.conversations.outcomes import session_outcome
from shared.events import (
    Author,
    ConversationClosed,
    ConversationOutcome,
    ConversationReopened,
    Event,
    ReplySent,
)


def redecided(events: Sequence[Event], read_since: datetime) -> list[Event]:
    """The events with every close whose session they hold decided again; the reopens of a
    close that is no longer the bot's resolution are dropped (only those count as reopens)."""
    replies: dict[str, list[ReplySent]] = defaultdict(list)
    for event in events:
        if isinstance(event, ReplySent):
            replies[event.conversation_id].append(event)
    revised: list[Event] = []
    not_the_bots: set[tuple[str, datetime]] = set()
    for event in events:
        if isinstance(event, ConversationClosed):
            event = _redecided(event, replies[event.conversation_id], read_since)
            if event.outcome is not ConversationOutcome.RESOLVED_BY_BOT:
                not_the_bots.add((event.conversation_id, event.occurred_at))
        revised.append(event)
    return [
        event
        for event in revised
        if not (
            isinstance(event, ConversationReopened)
            and (event.conversation_id, event.closed_at) in not_the_bots
        )
    ]


def _redecided(
    closed: ConversationClosed,
    conversation: Sequence[ReplySent],
    read_since: datetime,
) -> ConversationClosed:
    if closed.opened_at is None or closed.opened_at < read_since:
        return closed  # the log read does not hold the whole session
    replies = [e for e in conversation if closed.opened_at <= e.occurred_at <= closed.occurred_at]
    handed_over = closed.outcome is ConversationOutcome.HANDED_OVER_UNANSWERED or any(
        e.author is Author.BOT and e.hand_over for e in replies
    )
    if not handed_over:
        return closed
    agent_answered = any(e.author is Author.AGENT and e.sent for e in replies)
    ending = session_outcome(handed_over, agent_answered, last_reply=None)
    if ending is closed.outcome:
        return closed
    return closed.model_copy(update={"outcome": ending, "confirmed": False})
