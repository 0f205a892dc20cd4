"""The idle sweep: closes conversations nobody wrote in for the idle timeout, once each.

It runs inside every enricher process (`run_sweeps`, started next to the consumer). Several
replicas may sweep at once: a close is a conditional update (still open, last activity
unchanged) inside a transaction, so exactly one sweep closes a conversation and records its
facts, and a message that arrives meanwhile keeps it open. The close time is the moment the
conversation became idle (last activity + timeout), not the sweep's clock, so the facts are the
same whichever replica closes it and however late. The sweep also publishes outbox facts left
pending by a crash or a Kafka outage, and asks for CSAT surveys (`request_surveys`): once per
session, when it has been idle CSAT_ASK_AFTER_IDLE_MINUTES or an agent closed it, while the
customer's last message is under 23 hours old (WhatsApp's free-text window).
"""

import asyncio
from datetime import datetime

import structlog
from faststream.kafka import KafkaBroker

from services.enricher import outbox
from services.enricher.cards import card_turns, derived_state, enriched_event, quiet_close
from services.enricher.conversation import (
    LifecyclePolicy,
    closes_at,
    confirmed_by_customer,
    outcome,
    since,
    survey_due,
)
from services.enricher.metrics import CONVERSATIONS_CLOSED
from shared.conversations import csat
from shared.conversations.collections import CONVERSATIONS
from shared.events import (
    ConversationClosed,
    ConversationOutcome,
    ConversationStatus,
    CsatSurveyDue,
    event_id_for,
    utcnow,
)
from shared.identity import customer_number, masked
from shared.mongo import Database, Document, Session, in_transaction
from shared.privacy.store_retention import sweep_store_retention

log = structlog.get_logger(__name__)

SWEEP_BATCH = 500
QUIET = "closed quietly"  # an agent opened the session and nothing was written in it


async def close_idle(
    db: Database,
    broker: KafkaBroker | None,
    policy: LifecyclePolicy,
    now: datetime,
    store_id: str | None = None,
) -> int:
    """Close the conversations idle at `now` (up to SWEEP_BATCH); the number this sweep closed."""
    query: dict[str, object] = {
        "status": {"$ne": ConversationStatus.CLOSED.value},
        "last_activity_at": {"$lte": now - policy.idle},
    }
    if store_id is not None:
        query["store_id"] = store_id
    found = db[CONVERSATIONS].find(query, {"_id": 1}).limit(SWEEP_BATCH)
    closed = 0
    for conversation_id in [document["_id"] async for document in found]:
        if await _close(db, conversation_id, policy, now):
            closed += 1
            if broker is not None:
                await outbox.publish_pending(db, broker, conversation_id=conversation_id)
    if broker is not None:
        await outbox.publish_pending(
            db, broker, store_id=store_id, recorded_before=utcnow() - outbox.OUTBOX_GRACE
        )
    return closed


async def _close(
    db: Database, conversation_id: str, policy: LifecyclePolicy, now: datetime
) -> bool:
    conversations = db[CONVERSATIONS]

    async def apply(session: Session) -> str | None:
        idle_since = now - policy.idle
        card = await conversations.find_one(
            {
                "_id": conversation_id,
                "status": {"$ne": ConversationStatus.CLOSED.value},
                "last_activity_at": {"$lte": idle_since},
            },
            session=session,
        )
        if card is None:
            return None  # another sweep closed it, or the customer wrote meanwhile
        every_turn = card_turns(card)
        turns = since(every_turn, card.get("opened_at"))
        last_activity_at, opened_at = card["last_activity_at"], card.get("opened_at")
        closed_at = closes_at(card["last_activity_at"], policy.idle)
        quiet = quiet_close(card, turns)
        ending = outcome(turns, card.get("owner", "bot")) if quiet is None else None
        changes = quiet or {
            "status": ConversationStatus.CLOSED.value,
            "outcome": ending.value if ending else None,
            "closed_at": closed_at,
            "agent_reopen": None,
        }
        changes["revision"] = card.get("revision", 0) + 1
        handed_over_at = card.get("handed_over_at")
        if handed_over_at is None or handed_over_at <= closed_at:
            # The next session starts with the bot (a hand-over after the close is the next's).
            changes.update(owner="bot", taken_over_by=None)
        card.update(changes)
        changes.update(derived_state(card, every_turn, now=closed_at))
        card.update(changes)
        result = await conversations.update_one(
            {
                "_id": conversation_id,
                "status": {"$ne": ConversationStatus.CLOSED.value},
                "last_activity_at": last_activity_at,
            },
            {"$set": changes},
            session=session,
        )
        if result.modified_count != 1:
            return None
        if ending is None:  # an agent's empty session: nothing to count
            opened = str(opened_at)
            snapshot_id = event_id_for("conversations.enriched", "quiet", conversation_id, opened)
            await outbox.record(db, session, [enriched_event(card, snapshot_id, closed_at)])
            return QUIET
        fact = ConversationClosed(
            event_id=event_id_for("conversations.closed", conversation_id, closed_at.isoformat()),
            occurred_at=closed_at,
            store_id=card["store_id"],
            conversation_id=conversation_id,
            outcome=ending,
            opened_at=card.get("opened_at"),
            last_activity_at=card["last_activity_at"],
            reopens=card.get("reopens", 0),
            first_session=card.get("previous_closed_at") is None,
            confirmed=ending is ConversationOutcome.RESOLVED_BY_BOT
            and confirmed_by_customer(turns),
        )
        snapshot_id = event_id_for("conversations.enriched", fact.event_id)
        await outbox.record(db, session, [fact, enriched_event(card, snapshot_id, closed_at)])
        return ending.value

    ending = await in_transaction(db, apply)
    if ending is None:
        return False
    if ending != QUIET:
        CONVERSATIONS_CLOSED.labels(ending).inc()
    log.info("conversation closed", conversation=masked(conversation_id), outcome=ending)
    return True


async def request_surveys(
    db: Database,
    broker: KafkaBroker | None,
    policy: LifecyclePolicy,
    now: datetime,
    store_id: str | None = None,
) -> int:
    """Publish `CsatSurveyDue` for the sessions due a survey at `now`; the number requested.
    The card remembers the session it asked for (`csat_session` = its `opened_at`) in the same
    transaction as the outbox record, so a session is asked for once, whichever replica sweeps."""
    query = csat.due_query(now, policy.csat_ask_after)
    if store_id is not None:
        query["store_id"] = store_id
    requested = 0
    async for card in db[CONVERSATIONS].find(query).limit(SWEEP_BATCH):
        if card.get("csat_session") == card["opened_at"]:
            continue
        due = _survey_due(card, policy, now)
        if due is not None and await _request_survey(db, card, due):
            requested += 1
            if broker is not None:
                await outbox.publish_pending(db, broker, conversation_id=card["_id"])
    return requested


def _survey_due(card: Document, policy: LifecyclePolicy, now: datetime) -> CsatSurveyDue | None:
    turns = since(card_turns(card), card["opened_at"])
    closed = card.get("status") == ConversationStatus.CLOSED.value
    reason = survey_due(
        turns, closed, card["last_activity_at"], now, policy.csat_ask_after, csat.SURVEY_WINDOW
    )
    if reason is None:
        return None
    opened_at: datetime = card["opened_at"]
    conversation_id: str = card["_id"]
    return CsatSurveyDue(
        event_id=event_id_for("csat.survey_due", conversation_id, opened_at.isoformat()),
        occurred_at=now,
        store_id=card["store_id"],
        conversation_id=conversation_id,
        session_opened_at=opened_at,
        last_customer_message_at=max(turn.at for turn in turns if turn.from_customer),
        customer_number=card.get("customer_number") or customer_number(conversation_id),
        reason=reason,
    )


async def _request_survey(db: Database, card: Document, due: CsatSurveyDue) -> bool:
    async def apply(session: Session) -> bool:
        result = await db[CONVERSATIONS].update_one(
            {"_id": card["_id"], "opened_at": card["opened_at"]},
            {"$set": {"csat_session": card["opened_at"]}},
            session=session,
        )
        if result.modified_count != 1:
            return False  # another sweep asked, or a new session began meanwhile
        await outbox.record(db, session, [due])
        return True

    return await in_transaction(db, apply)


async def run_sweeps(
    db: Database,
    broker: KafkaBroker,
    policy: LifecyclePolicy,
    interval_seconds: float,
    retention_days: int,
) -> None:
    """Sweep every `interval_seconds` until cancelled; a failed sweep is logged and retried.
    Stores keeping their customers' data for less than `retention_days` (RETENTION_DAYS) are
    swept of what is older (the TTL indexes apply the global retention)."""
    while True:
        try:
            now = utcnow()
            await close_idle(db, broker, policy, now)
            await request_surveys(db, broker, policy, now)
            await sweep_store_retention(db, retention_days, now)
        except Exception as error:  # the next sweep tries again; the consumer goes on
            log.warning("conversation sweep failed", error=repr(error))
        await asyncio.sleep(interval_seconds)
