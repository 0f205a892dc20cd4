"""The enricher keeps each conversation's card current and labels customer messages, once each.

Customer messages and replies arrive in batches (one poll's records, shared/consumer.py): the
batch is classified and summarised first (an LLM takes seconds), then applied in one MongoDB
transaction guarded by the `processed_events` ledger, in bulk: the claims, one write per card
(counts, labels, turns and what the card concludes from them: trend, open topics, next action,
summary, a reopen), the messages' labels and the facts to publish (the outbox). Each
conversation's events are applied in their order, one after the other, on the card as read in
the transaction. The facts are published after the commit; a redelivered event changes nothing
and only publishes what is still pending.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

from services.enricher import outbox
from services.enricher.cards import (
    card_turns,
    counted,
    derived_state,
    enriched_event,
    labels_state,
    newest_state,
    profile_state,
    stored_time,
)
from services.enricher.classification import Classification, Classifier
from services.enricher.conversation import (
    RECENT_TURNS,
    LifecyclePolicy,
    Turn,
    counts_as_reopen,
    customer_turn,
    reply_turn,
    said_turn,
    since,
)
from services.enricher.customers import commerce_views
from services.enricher.metrics import CONVERSATIONS_REOPENED
from services.enricher.summary import ExtractiveSummariser, Summariser, Summary
from services.enricher.transcripts import heard
from shared.conversations import csat
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import (
    ConversationEvent,
    ConversationOutcome,
    ConversationReopened,
    ConversationStatus,
    Event,
    MessageReceived,
    NotificationSent,
    ReplySent,
    event_id_for,
)
from shared.mongo import (
    PROCESSED_EVENTS,
    Claim,
    Database,
    Document,
    Session,
    in_claiming_transaction,
    in_transaction,
    only_duplicate_keys,
)

GROUP = "enricher"
DEFAULT_POLICY = LifecyclePolicy()
_EXTRACTIVE = ExtractiveSummariser()

CardEvent = MessageReceived | ReplySent


@dataclass(frozen=True)
class _Prepared:
    """An event with what was worked out for it before the transaction."""

    event: CardEvent
    turn: Turn
    labels: Classification | None = None
    summary: Summary | None = None
    # A bot reply to a voice note: the customer's turn again, with the transcript and its labels.
    heard: Turn | None = None

    @property
    def labelled_at(self) -> datetime:
        """When the labelled words were said: the customer's message, for a reply too."""
        event = self.event
        return event.customer_message_at if isinstance(event, ReplySent) else event.occurred_at


async def on_message_received(
    event: MessageReceived,
    db: Database,
    classifier: Classifier,
    broker: KafkaBroker | None = None,
    summariser: Summariser = _EXTRACTIVE,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> None:
    await on_card_events([event], db, classifier, broker, summariser, policy)


async def on_reply_sent(
    event: ReplySent,
    db: Database,
    broker: KafkaBroker | None = None,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> None:
    await on_card_events([event], db, None, broker, policy=policy)


async def on_card_events(
    events: Sequence[Event],
    db: Database,
    classifier: Classifier | None,
    broker: KafkaBroker | None = None,
    summariser: Summariser = _EXTRACTIVE,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> None:
    """Apply a batch of customer messages and replies (in their order per conversation)."""
    cards = await _cards(
        db, None, [e for e in events if isinstance(e, MessageReceived | ReplySent)]
    )
    # A survey is only ever sent after its card was marked (`csat_session`, lifecycle.py).
    marked = {id_ for id_, card in cards.items() if card.get("csat_session") is not None}
    messages = [event for event in events if isinstance(event, MessageReceived)]
    surveyed = await csat.awaiting_answer(
        db, (event.conversation_id for event in messages if event.conversation_id in marked)
    )
    ordinary: list[CardEvent] = []
    # Each event once: a replayed copy can share a poll with its original.
    for event in {event.event_id: event for event in events}.values():
        if isinstance(event, NotificationSent):
            continue  # written first, not a turn: the card shows it from the messages
        if not isinstance(event, MessageReceived | ReplySent):
            raise TypeError(f"the enricher's cards take messages and replies, not {event!r}")
        if (
            isinstance(event, MessageReceived)
            and event.conversation_id in surveyed
            and await csat.settle(db, event) is not None
        ):
            continue  # a CSAT rating (the responder records it): not a turn, reopens nothing
        ordinary.append(event)
    fresh = await _not_processed(db, ordinary)
    if fresh:
        prepared = await _prepare(db, fresh, cards, classifier, summariser, policy)
        await _label_messages(db, prepared)
        CONVERSATIONS_REOPENED.inc(await _apply_in_transaction(db, prepared, policy))
    if broker is not None:  # without one (a test, a tool) the facts wait for the sweep
        conversation_ids = sorted({event.conversation_id for event in ordinary})
        while await outbox.publish_pending(db, broker, conversation_ids=conversation_ids) == (
            outbox.PUBLISH_BATCH
        ):
            pass  # a big batch makes more facts than one read of the outbox takes


async def _not_processed(db: Database, events: Sequence[CardEvent]) -> list[CardEvent]:
    """A shortcut past the LLM for redeliveries; the transaction's claim is what decides."""
    ids = [_ledger_id(event) for event in events]
    done = db[PROCESSED_EVENTS].find({"_id": {"$in": ids}}, {"_id": 1})
    processed = {document["_id"] async for document in done}
    return [event for event in events if _ledger_id(event) not in processed]


def _ledger_id(event: CardEvent) -> str:
    return f"{GROUP}:{event.event_id}"


async def _prepare(
    db: Database,
    events: Sequence[CardEvent],
    cards: dict[str, Document],
    classifier: Classifier | None,
    summariser: Summariser,
    policy: LifecyclePolicy,
) -> list[_Prepared]:
    """Labels (one classifier call for the batch) and summaries, on `cards` as they were read
    before the transaction followed by the batch's earlier events."""
    texts = {
        e.event_id: e.text for e in events if isinstance(e, MessageReceived) and e.text.strip()
    }
    # Replies labelled apart from the batch (no classifier) leave a voice note's turn as it was.
    replies = [e for e in events if isinstance(e, ReplySent)]
    transcripts = await heard(db, replies) if classifier is not None else {}
    texts.update(transcripts)
    labels: dict[str, Classification] = {}
    if texts:
        if classifier is None:
            raise TypeError("customer messages need a classifier")
        found = await classifier.classify(list(texts.values()))
        labels = dict(zip(texts, found, strict=True))
    cards = dict(cards)  # advanced event by event below; the caller's stay as read
    prepared: list[_Prepared] = []
    for event in events:
        card = cards.get(event.conversation_id, {})
        if isinstance(event, MessageReceived):
            label = labels.get(event.event_id)
            turn = customer_turn(event, label.model_dump(mode="json") if label else None)
            summary = await summariser.summarise(_session_turns(card, turn))
            item = _Prepared(event, turn, label, summary)
        elif event.event_id in transcripts:
            label = labels[event.event_id]
            said = said_turn(
                event.in_reply_to,
                transcripts[event.event_id],
                event.customer_message_at,
                label.model_dump(mode="json"),
            )
            item = _Prepared(event, reply_turn(event), label, heard=said)
        else:
            item = _Prepared(event, reply_turn(event))
        cards[event.conversation_id], _ = _applied(card, item, {}, policy)
        prepared.append(item)
    return prepared


def _session_turns(card: Document, turn: Turn) -> list[Turn]:
    """The turns the summary is made of: the current session's (a new one if this reopens)."""
    if not card or card.get("status") == ConversationStatus.CLOSED:
        return [turn]
    return [*since(card_turns(card), card.get("opened_at")), turn]


async def _cards(
    db: Database, session: Session | None, events: Sequence[CardEvent]
) -> dict[str, Document]:
    ids = sorted({event.conversation_id for event in events})
    found = db[CONVERSATIONS].find({"_id": {"$in": ids}}, session=session)
    return {card["_id"]: card async for card in found}


async def _apply_in_transaction(
    db: Database, prepared: Sequence[_Prepared], policy: LifecyclePolicy
) -> int:
    """`_apply` in one transaction, first inserting what it finds new (the cards it did not
    read, the facts of the events it claimed): on the embedded server an insert costs about
    half an upsert. A duplicate key (a card another replica created meanwhile, a fact kept
    past its event's ledger entry) makes the transaction run again with upserts only."""
    try:
        return await in_claiming_transaction(
            db, lambda session, claim: _apply(db, session, claim, prepared, policy, inserts=True)
        )
    except BulkWriteError as error:
        if not only_duplicate_keys(error):
            raise
    return await in_claiming_transaction(
        db, lambda session, claim: _apply(db, session, claim, prepared, policy, inserts=False)
    )


async def _apply(
    db: Database,
    session: Session,
    claim: Claim,
    prepared: Sequence[_Prepared],
    policy: LifecyclePolicy,
    *,
    inserts: bool,
) -> int:
    """The batch's claimed events on their cards, written in bulk; the number of reopens."""
    claimed = await claim(session, PROCESSED_EVENTS, map(_ledger_id, _events(prepared)))
    todo = [item for item in prepared if _ledger_id(item.event) in claimed]
    if not todo:
        return 0
    cards = await _cards(db, session, _events(todo))
    before = {id_: dict(card) for id_, card in cards.items()}
    # The commerce view is linked on the card's first customer message; after that the
    # customer and order snapshots keep it current (customers.refresh_cards).
    views = await commerce_views(
        db,
        session,
        [
            (event.store_id, event.customer_number)
            for event in _events(todo)
            if isinstance(event, MessageReceived)
            and "recent_orders" not in cards.get(event.conversation_id, {})
        ],
    )
    facts: list[ConversationEvent] = []
    for item in todo:
        event = item.event
        card = cards.get(event.conversation_id, {})
        commerce: dict[str, Any] = {}
        if isinstance(event, MessageReceived) and "recent_orders" not in card:
            commerce = views[(event.store_id, event.customer_number)]
        card, card_facts = _applied(card, item, commerce, policy)
        cards[event.conversation_id] = card
        facts.extend(card_facts)
    await db[CONVERSATIONS].bulk_write(
        [_card_write(card, before.get(id_), inserts) for id_, card in cards.items()],
        ordered=False,
        session=session,
    )
    await outbox.record(db, session, facts, new=inserts)
    return sum(isinstance(fact, ConversationReopened) for fact in facts)


def _events(prepared: Sequence[_Prepared]) -> list[CardEvent]:
    return [item.event for item in prepared]


def _card_write(
    card: Document, before: Document | None, inserts: bool
) -> InsertOne[Document] | UpdateOne:
    """A new card inserted (with `inserts`), or the fields the batch changed (the transaction
    read `before`: a concurrent change of the card makes it retry)."""
    if before is None and inserts:
        return InsertOne(card)
    changed = {k: v for k, v in card.items() if k != "_id" and (before or {}).get(k, _UNSET) != v}
    return UpdateOne({"_id": card["_id"]}, {"$set": changed}, upsert=True)


_UNSET = object()


def _applied(
    card: Document, item: _Prepared, commerce: dict[str, Any], policy: LifecyclePolicy
) -> tuple[Document, list[ConversationEvent]]:
    """`card` (empty if there is none yet) after `item`'s event, and the facts it makes."""
    event = item.event
    card = {"_id": event.conversation_id, **counted(card, event)}
    # Only the newest event may set what describes "now" (a late one is counted, no more).
    if card["last_activity_at"] == stored_time(event.occurred_at):
        card.update(newest_state(event))
    card.update(profile_state(card, event))
    labels_at, said_at = card.get("latest_labels_at"), stored_time(item.labelled_at)
    if item.labels is not None and (labels_at is None or labels_at <= said_at):
        card.update(labels_state(item.labels, said_at))
    changes, facts = _session_change(card, event, policy)
    earlier = card_turns(card)
    if item.heard is not None:  # the voice note's turn, now with its words
        earlier = [turn for turn in earlier if turn.id != item.heard.id] + [item.heard]
    turns = sorted([*earlier, item.turn], key=lambda t: t.at)[-RECENT_TURNS:]
    changes["recent_turns"] = [t.model_dump(mode="python") for t in turns]
    changes["revision"] = card.get("revision", 0) + 1
    if item.summary is not None and _newest_customer_message(card, event):
        changes["summary"] = {**item.summary.model_dump(), "at": event.occurred_at}
    changes.update(commerce)  # the WooCommerce customer and last orders of this number
    card.update(changes)
    card.update(derived_state(card, turns, now=event.occurred_at))
    snapshot_id = event_id_for("conversations.enriched", event.event_id)
    facts.append(enriched_event(card, snapshot_id, event.occurred_at))
    return card, facts


def _session_change(
    card: Document, event: CardEvent, policy: LifecyclePolicy
) -> tuple[dict[str, Any], list[ConversationEvent]]:
    """Open a session, keep it open, or reopen a closed one on the customer's new message."""
    if card.get("status") != ConversationStatus.CLOSED:
        opened_at = min(filter(None, [card.get("opened_at"), event.occurred_at]))
        return {"status": ConversationStatus.OPEN.value, "opened_at": opened_at}, []
    if not isinstance(event, MessageReceived):
        return {}, []  # a late reply to a closed conversation is kept, and changes no state
    changes: dict[str, Any] = {
        "status": ConversationStatus.OPEN.value,
        "opened_at": event.occurred_at,
        "outcome": None,
        "previous_outcome": card.get("outcome"),
        "previous_closed_at": card.get("closed_at"),
        "closed_at": None,
    }
    facts: list[ConversationEvent] = []
    if counts_as_reopen(
        card.get("outcome"), card.get("closed_at"), event.occurred_at, policy.reopen_window
    ):
        changes["reopens"] = card.get("reopens", 0) + 1
        facts.append(
            ConversationReopened(
                event_id=event_id_for("conversations.reopened", event.event_id),
                occurred_at=event.occurred_at,
                store_id=event.store_id,
                conversation_id=event.conversation_id,
                previous_outcome=ConversationOutcome(card["outcome"]),
                closed_at=card["closed_at"],
                message_sid=event.message_sid,
            )
        )
    return changes, facts


def _newest_customer_message(card: Document, event: CardEvent) -> bool:
    summarised_at = (card.get("summary") or {}).get("at")
    return isinstance(event, MessageReceived) and (
        summarised_at is None or summarised_at <= event.occurred_at
    )


async def _label_messages(db: Database, prepared: Sequence[_Prepared]) -> None:
    """The batch's labels on its messages, before and outside the cards' transaction: setting
    them again is harmless, and inside it the responder storing the same inbound message made
    the whole transaction (claims, cards, outbox) run again on a write conflict."""
    labels: dict[str, Document] = {}  # message id -> its classification
    documents: list[Document] = []  # the customer's messages with their labels
    for item in prepared:
        if item.labels is None:
            continue
        classification = item.labels.model_dump(mode="json")
        if isinstance(item.event, MessageReceived):
            document = inbound_message_document(item.event)
            documents.append({**document, "classification": classification})
            labels[item.event.message_sid] = classification
        if item.heard is not None:  # the responder stored it
            labels[item.heard.id] = classification
    stored = await _insert_new(db, documents)
    inserted = {document["_id"] for document in documents} - stored
    updates = [
        UpdateOne({"_id": id_}, {"$set": {"classification": classification}})
        for id_, classification in labels.items()
        if id_ not in inserted
    ]
    if not updates:
        return

    async def write(session: Session) -> None:
        await db[MESSAGES].bulk_write(updates, ordered=False, session=session)

    # One transaction for the stored messages' labels: on the embedded server each write outside
    # one is its own commit, and each commit waits for the disk (`--sync-on-commit`).
    await in_transaction(db, write)


async def _insert_new(db: Database, documents: Sequence[Document]) -> set[str]:
    """Inserts the messages nobody stored yet; returns the ids that were stored already (by the
    responder, or by this event's earlier delivery).

    Outside a transaction: the embedded server runs an insert statement as one commit while it
    holds the collection, so the responder's insert of the same message comes before it (a
    duplicate key here) or after it (one there). In a transaction, a responder's insert
    committed between the transaction's start and its insert failed it on a write conflict, and
    under run 3's burst every batch's labels ran three to four times (docs/benchmarks.md,
    2026-12-08)."""
    if not documents:
        return set()
    try:
        await db[MESSAGES].insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if not only_duplicate_keys(error):
            raise
        return {documents[e["index"]]["_id"] for e in error.details["writeErrors"]}
    return set()
