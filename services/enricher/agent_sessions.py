"""Agents open and close sessions (`close`, `reopen` and `take_over` on `agent.commands`); the
enricher owns the card's lifecycle.

A close ends the session at once with the outcome the idle sweep would give it
(`conversation.outcome`: a hand-over no agent answered stays `handed_over_unanswered`, never
the bot's resolution), gives the conversation back to the bot in the same transaction, and
records `ConversationClosed` (`closed_by` = the agent) and a snapshot in the outbox.

A reopen, or a take-over of a closed conversation (the responder moves the ownership), opens a
new session on the card: an agent's doing, never counted as the customer's reopen. Closed again
with nothing written in it, it closes quietly: the card goes back to its earlier close and no
outcome is counted. Other commands are the responder's; they change the card through the
replies they produce.
"""

from datetime import datetime

import structlog
from faststream.kafka import KafkaBroker

from services.enricher import outbox
from services.enricher.cards import (
    card_turns,
    derived_state,
    enriched_event,
    quiet_close,
    reopened_by_agent,
)
from services.enricher.conversation import Turn, outcome, since
from services.enricher.handlers import GROUP
from services.enricher.metrics import CONVERSATIONS_CLOSED
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import (
    AgentCommandIssued,
    Author,
    ConversationClosed,
    ConversationEvent,
    ConversationOutcome,
    ConversationStatus,
    event_id_for,
)
from shared.identity import masked
from shared.mongo import PROCESSED_EVENTS, Database, Document, Session, claim_new, in_transaction

log = structlog.get_logger(__name__)

_HUMAN_REPLY_STATES = ("sent", "sending")  # `sending`: the responder is putting it out now


_OPENING_COMMANDS = ("reopen", "take_over")


async def on_agent_command(
    event: AgentCommandIssued, db: Database, broker: KafkaBroker | None = None
) -> None:
    if event.command in _OPENING_COMMANDS:
        if await in_transaction(db, lambda session: _reopen(db, session, event)):
            reopened = masked(event.conversation_id)
            log.info("conversation reopened by an agent", conversation=reopened)
    elif event.command == "close":
        await _closed_by_agent(db, event)
    if broker is not None:
        await outbox.publish_pending(db, broker, conversation_id=event.conversation_id)


async def _closed_by_agent(db: Database, event: AgentCommandIssued) -> None:
    ending = await in_transaction(db, lambda session: _close(db, session, event))
    if ending is not None:
        CONVERSATIONS_CLOSED.labels(ending.value).inc()
        log.info(
            "conversation closed by an agent",
            conversation=masked(event.conversation_id),
            outcome=ending.value,
        )


async def _reopen(db: Database, session: Session, event: AgentCommandIssued) -> bool:
    if not await claim_new(db, session, PROCESSED_EVENTS, [f"{GROUP}:{event.event_id}"]):
        return False  # applied before
    conversations = db[CONVERSATIONS]
    closed_card = {"_id": event.conversation_id, "status": ConversationStatus.CLOSED.value}
    card = await conversations.find_one(closed_card, session=session)
    if card is None:
        return False  # open already: a take-over of an open conversation is the responder's
    changes = reopened_by_agent(card, event.agent_id, event.occurred_at)
    changes["revision"] = card.get("revision", 0) + 1
    card.update(changes)
    changes.update(derived_state(card, card_turns(card), now=changes["opened_at"]))
    card.update(changes)
    await conversations.update_one(closed_card, {"$set": changes}, session=session)
    snapshot_id = event_id_for("conversations.enriched", event.event_id)
    await outbox.record(db, session, [enriched_event(card, snapshot_id, changes["opened_at"])])
    return True


async def _close(
    db: Database, session: Session, event: AgentCommandIssued
) -> ConversationOutcome | None:
    """Close the open session; its outcome, or None when none is counted (applied before,
    closed already, or an agent's empty session closed quietly)."""
    if not await claim_new(db, session, PROCESSED_EVENTS, [f"{GROUP}:{event.event_id}"]):
        return None  # applied before
    conversations = db[CONVERSATIONS]
    open_card = {"_id": event.conversation_id, "status": {"$ne": ConversationStatus.CLOSED.value}}
    card = await conversations.find_one(open_card, session=session)
    if card is None:
        return None  # closed already (or never seen): nothing to close
    # A customer message read before the command stays inside the session it closes.
    closed_at: datetime = max(event.occurred_at, card["last_activity_at"])
    turns = since(card_turns(card), card.get("opened_at"))
    turns += await _unread_agent_replies(db, session, card)
    quiet = quiet_close(card, turns)
    # Read before the release below: whether the humans held the session decides its outcome.
    ending = outcome(turns, card.get("owner", "bot")) if quiet is None else None
    changes = quiet or {
        "status": ConversationStatus.CLOSED.value,
        "outcome": ending.value if ending else None,
        "closed_at": closed_at,
        "closed_by": event.agent_id,
        "agent_reopen": None,
    }
    changes.update(
        revision=card.get("revision", 0) + 1,
        # The next session starts with the bot.
        owner="bot",
        taken_over_by=None,
        handed_over_at=None,
        hand_over_reason=None,
    )
    card.update(changes)
    changes.update(derived_state(card, card_turns(card), now=closed_at))
    card.update(changes)
    await conversations.update_one(open_card, {"$set": changes}, session=session)
    facts: list[ConversationEvent] = []
    if ending is not None:
        facts.append(
            ConversationClosed(
                event_id=event_id_for(
                    "conversations.closed", event.conversation_id, closed_at.isoformat()
                ),
                occurred_at=closed_at,
                store_id=card["store_id"],
                conversation_id=event.conversation_id,
                outcome=ending,
                opened_at=card.get("opened_at"),
                last_activity_at=card["last_activity_at"],
                reopens=card.get("reopens", 0),
                closed_by=event.agent_id,
            )
        )
    snapshot_id = event_id_for("conversations.enriched", (facts or [event])[0].event_id)
    await outbox.record(db, session, [*facts, enriched_event(card, snapshot_id, closed_at)])
    return ending


async def _unread_agent_replies(db: Database, session: Session, card: Document) -> list[Turn]:
    """The session's agent replies that reached (or are reaching) the customer whose
    `ReplySent` the enricher has not read yet: in the responder's messages only."""
    query: Document = {
        "conversation_id": card["_id"],
        "direction": "outbound",
        "author": Author.AGENT.value,
        "state": {"$in": list(_HUMAN_REPLY_STATES)},
    }
    opened_at = card.get("opened_at")
    if opened_at is not None:
        query["created_at"] = {"$gte": opened_at}
    on_card = {turn.id for turn in card_turns(card)}
    return [
        Turn(id=message["_id"], author="agent", text="", at=message["created_at"])
        async for message in db[MESSAGES].find(query, {"created_at": 1}, session=session)
        if message["_id"] not in on_card
    ]
