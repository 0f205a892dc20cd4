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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Redecided:
    events: list[Event]  # the events read, each close decided again, its dropped reopens left out
    changed: list[Event]  # the closes whose outcome changed, and the reopens left out


def redecided(events: Sequence[Event], read_since: datetime) -> Redecided:
    """Every close whose session `events` hold decided again; the reopens of a close that is no
    longer the bot's resolution are left out (only a bot resolution can be reopened)."""
    replies: dict[str, list[ReplySent]] = defaultdict(list)
    for event in events:
        if isinstance(event, ReplySent):
            replies[event.conversation_id].append(event)
    revised: list[Event] = []
    changed: list[Event] = []
    not_the_bots: set[tuple[str, datetime]] = set()
    for event in events:
        if isinstance(event, ConversationClosed):
            decided = _redecided(event, replies[event.conversation_id], read_since)
            if decided is not event:
                changed.append(decided)
            if decided.outcome is not ConversationOutcome.RESOLVED_BY_BOT:
                not_the_bots.add((event.conversation_id, event.occurred_at))
            event = decided
        revised.append(event)
    kept: list[Event] = []
    for event in revised:
        if (
            isinstance(event, ConversationReopened)
            and (event.conversation_id, event.closed_at) in not_the_bots
        ):
            changed.append(event)
        else:
            kept.append(event)
    return Redecided(kept, changed)


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
