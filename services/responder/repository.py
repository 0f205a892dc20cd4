"""The responder's MongoDB records: the conversation's messages and its owner (bot or human).

A reply is an outbound message whose `_id` derives from the customer message it answers; that
unique id is the send intent. It is written before Twilio is called, so after a crash the next
attempt finds it and asks Twilio what happened instead of sending again.
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field
from pymongo import DESCENDING, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.responder import early_statuses
from services.responder.metrics import EARLY_DELIVERY_STATUSES
from services.responder.send_recovery import SendIntent, owned_sids, sends_listed
from shared.answering.draft import Draft
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import (
    Author,
    Citation,
    DeliveryStatus,
    DeliveryStatusChanged,
    HandOverReason,
    LlmUsage,
    MessageReceived,
    OrderActionFact,
    utcnow,
)
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.kpis.facts import stored_time
from shared.mongo import Database, only_duplicate_keys
from shared.stores.bot_settings import STREAK_LIMIT

log = structlog.get_logger(__name__)

GROUP = "responder"  # the consumer group, and the prefix of its claims in processed_events
FIRST_RESPONSE_WINDOW = timedelta(hours=24)


class ReplyState(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    NOT_SENT = "not_sent"


class Reply(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    store_id: str
    conversation_id: str
    in_reply_to: str
    customer_number: str
    store_number: str
    channel: Channel = Channel.WHATSAPP  # replies stored before channels: Twilio's
    channel_account: str | None = None  # who sends: the store's number, a phone number id
    author: Author
    text: str
    created_at: datetime
    customer_message_at: datetime
    first_response: bool
    state: ReplyState
    send_attempts: int = 0
    # in memory only: this handler's reservation counted the attempt it is about to make
    attempt_noted: bool = Field(default=False, exclude=True)
    twilio_sid: str | None = None
    not_sent_reason: str | None = None
    finished_at: datetime | None = None
    hand_over: HandOverReason | None = None
    llm: LlmUsage | None = None
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool | None = None  # None: written before grounding was recorded
    unanswered: list[str] = Field(default_factory=list)  # the questions a person follows up
    agent_id: str | None = None  # an agent's reply (agent_commands.py)
    template_sid: str | None = None  # a Twilio Content template instead of free text
    template_variables: dict[str, str] = Field(default_factory=dict)
    media_urls: list[str] = Field(default_factory=list)  # product photos sent with the text
    handed_over_at: datetime | None = None  # the first agent reply after a hand-over: its time
    order_action: OrderActionFact | None = None  # the order action it is about (docs/actions.md)
    quick_replies: list[str] = Field(default_factory=list)  # buttons, where the channel has them

    @property
    def finished(self) -> bool:
        return self.state is not ReplyState.SENDING

    def send_intent(self) -> SendIntent:
        """What recovery looks for at Twilio: a template's text is Twilio's rendering."""
        return SendIntent(
            customer_number=self.customer_number,
            store_number=self.store_number,
            text=None if self.template_sid else self.text,
            recorded_at=self.created_at,
        )


def reply_id(inbound_message_sid: str) -> str:
    return f"reply:{inbound_message_sid}"


SEEN = ("inbound", "outbound")  # the directions the customer saw: not an agent's `internal` note


def _in_view(message: dict[str, Any], own_reply: str, event_at: datetime) -> bool:
    """Whether a view of the conversation at `event_at` keeps `message`: the event's own reply,
    any message up to the event, and after it only the bot's replies."""
    return (
        message["_id"] == own_reply
        or message["created_at"] <= event_at
        or (message["direction"] == "outbound" and message.get("author") == Author.BOT.value)
    )


class ConversationLog:
    def __init__(self, db: Database) -> None:
        self.db = db  # for the CSAT surveys (csat.py), which live beside the messages
        self._messages = db[MESSAGES]
        self._conversations = db[CONVERSATIONS]
        self._gaps = db[KNOWLEDGE_GAPS]

    async def record_inbound(self, event: MessageReceived) -> None:
        with contextlib.suppress(DuplicateKeyError):  # redelivered, or the enricher was first
            await self._messages.insert_one(inbound_message_document(event))

    async def record_media(self, message_sid: str, media: list[dict[str, Any]]) -> None:
        """The customer's attachments with what was read of them (`media_text`)."""
        await self._messages.update_one({"_id": message_sid}, {"$set": {"media": media}})

    async def find_reply(self, inbound_message_sid: str) -> Reply | None:
        document = await self._messages.find_one({"_id": reply_id(inbound_message_sid)})
        return Reply.model_validate(document) if document else None

    async def sending(self, conversation_id: str) -> bool:
        """Whether a reply of the conversation is being sent: an attempt started and its
        message id is not known yet. (One that waits out an outage has no attempt running, and
        one cut short by a crash is settled when its event comes again.)"""
        query = {
            "conversation_id": conversation_id,
            "state": ReplyState.SENDING.value,
            "send_attempts": {"$gte": 1},
        }
        return await self._messages.find_one(query, {"_id": 1}) is not None

    async def view(self, event: MessageReceived, window: int) -> "ConversationView":
        """The conversation as `event` finds it, in one read: its stored reply (if an earlier
        attempt reserved one), its latest `window` messages up to the event, and the bot's
        replies written since the event (to earlier messages: they count in the streak).

        The read asks for the conversation's messages, newest first, and keeps those the
        customer saw (agents' private notes never reach the LLM) and the view wants until it
        holds `limit` of them. An `$or` of the three kinds would say the same to MongoDB, but
        the embedded server answers an `$or` by scanning the whole collection; and a filter on
        the direction beside the conversation costs it twice the CPU of the conversation's
        index alone."""
        own_reply = reply_id(event.message_sid)
        limit = 2 * window + 1  # room for the replies since the event, and the reply itself
        cursor = (
            self._messages.find({"conversation_id": event.conversation_id})
            .sort("created_at", DESCENDING)
            .batch_size(limit + 1)
        )
        found: list[dict[str, Any]] = []
        async with cursor:
            async for document in cursor:
                if document.get("direction") in SEEN and _in_view(
                    document, own_reply, event.occurred_at
                ):
                    found.append(document)
                    if len(found) == limit:
                        break
        found = _with_event(found, event, limit)
        reply = next((d for d in found if d["_id"] == own_reply), None)
        return ConversationView(
            event=event,
            reply=Reply.model_validate(reply) if reply else None,
            messages=[d for d in found if d["_id"] != own_reply],
            whole=len(found) < limit,
        )

    async def record_gap(self, event: MessageReceived, questions: Sequence[str]) -> None:
        """The questions of a message the knowledge could not answer (only those, not its
        other questions, thanks or complaints), for the console's suggested FAQ entries."""
        for n, question in enumerate(q for q in questions if q.strip()):
            gap = {
                # one gap per unanswered question of a message, however often it is handled
                "_id": event.message_sid if n == 0 else f"{event.message_sid}:{n}",
                "store_id": event.store_id,
                "question": question,
                "conversation_id": event.conversation_id,
                "created_at": event.occurred_at,
            }
            with contextlib.suppress(DuplicateKeyError):
                await self._gaps.insert_one(gap)

    async def is_first_response(self, view: "ConversationView") -> bool:
        """True when nobody answered this conversation in the 24 hours before the message;
        asked of the database only when the view ends inside those 24 hours."""
        if (answered := view.answered_within(FIRST_RESPONSE_WINDOW)) is not None:
            return not answered
        event = view.event
        earlier_reply = await self._messages.find_one(
            {
                "conversation_id": event.conversation_id,
                "direction": "outbound",
                "author": {"$ne": Author.NOTIFICATION.value},  # written first, no answer
                "created_at": {
                    "$gte": event.occurred_at - FIRST_RESPONSE_WINDOW,
                    "$lt": event.occurred_at,
                },
            },
            {"_id": 1},
        )
        return earlier_reply is None

    async def reserve_reply(
        self, event: MessageReceived, draft: Draft, first: bool, with_inbound: bool = False
    ) -> Reply:
        """Store the send intent; if one exists already (a concurrent attempt), keep that one.
        `with_inbound`: the customer's message is stored in the same write, if not yet.

        Where the channel lists what it sent (Twilio), the intent counts its first attempt in
        the same write: a crash before the send then costs the retry a look at the listing,
        and the reply one write less. Elsewhere a doubted attempt is never sent again, so the
        attempt is counted on its own, just before the send (`note_send_attempt`)."""
        noted = sends_listed(event.channel)
        reply = Reply(
            id=reply_id(event.message_sid),
            store_id=event.store_id,
            conversation_id=event.conversation_id,
            in_reply_to=event.message_sid,
            customer_number=event.customer_number,
            store_number=event.store_number,
            channel=event.channel,
            channel_account=event.channel_account,
            author=Author.BOT,
            text=draft.text,
            created_at=utcnow(),
            customer_message_at=event.occurred_at,
            first_response=first,
            state=ReplyState.SENDING,
            send_attempts=1 if noted else 0,
            attempt_noted=noted,
            hand_over=draft.hand_over,
            llm=draft.llm,
            citations=draft.citations,
            grounded=draft.grounded,
            unanswered=draft.unanswered,
            media_urls=draft.media_urls,
            order_action=draft.order_action,
            quick_replies=draft.quick_replies,
        )
        document = {**reply.model_dump(by_alias=True, mode="python"), "direction": "outbound"}
        if await self._insert_reply(document, event if with_inbound else None):
            return reply
        existing = await self.find_reply(event.message_sid)
        if existing is None:
            raise RuntimeError(f"reply {reply.id} vanished")
        return existing

    async def _insert_reply(self, reply: dict[str, Any], inbound: MessageReceived | None) -> bool:
        """False when the reply is stored already. A customer message stored already (by the
        enricher, or an earlier attempt) is no failure."""
        if inbound is None:
            try:
                await self._messages.insert_one(reply)
            except DuplicateKeyError:
                return False
            return True
        try:
            await self._messages.insert_many(
                [inbound_message_document(inbound), reply], ordered=False
            )
        except BulkWriteError as error:
            if not only_duplicate_keys(error):
                raise
            return all(e["index"] != 1 for e in error.details["writeErrors"])
        return True

    async def note_send_attempt(self, reply: Reply) -> Reply:
        await self._write(reply.id, {"$inc": {"send_attempts": 1}})
        return reply.model_copy(update={"send_attempts": reply.send_attempts + 1})

    async def forget_send_attempt(self, reply: Reply) -> Reply:
        """The attempt certainly sent nothing: the next one need not doubt it."""
        await self._write(reply.id, {"$inc": {"send_attempts": -1}})
        return reply.model_copy(update={"send_attempts": reply.send_attempts - 1})

    async def mark_sent(
        self, reply: Reply, twilio_sid: str, statuses_name_it: bool = False
    ) -> Reply:
        """Record the channel's id of the sent reply. Its tick starts at rank 0 ("queued", shown
        as such while `delivery_status` is unset) unless a status moved it further already:
        one that named the reply (`statuses_name_it`: this send passed our id) is written by
        `_id` whenever it comes; one that names only the channel's id may have been kept early
        and is read after the id is written."""
        finished = await self._finish(reply, ReplyState.SENT, twilio_sid=twilio_sid)
        if not statuses_name_it:
            await self._apply_early_status(twilio_sid)
        return finished

    async def mark_not_sent(self, reply: Reply, reason: str) -> Reply:
        return await self._finish(reply, ReplyState.NOT_SENT, not_sent_reason=reason)

    async def _finish(self, reply: Reply, state: ReplyState, **fields: str) -> Reply:
        # to the millisecond MongoDB keeps: a redelivery that reads the reply back publishes
        # the same ReplySent
        finished = reply.model_copy(
            update={"state": state, "finished_at": stored_time(utcnow()), **fields}
        )
        changes: dict[str, object] = {
            "state": state.value,
            "finished_at": finished.finished_at,
            **fields,
        }
        update: dict[str, Any] = {"$set": changes}
        if state is ReplyState.SENT:  # $max: never behind a status that came first
            update["$max"] = {"delivery_rank": 0}
        await self._write(reply.id, update)
        return finished

    async def _apply_early_status(self, message_id: str) -> None:
        """A status that came before the id was written (read only after writing it: see
        `apply_delivery_statuses`), moving the tick forward only."""
        kept = await early_statuses.furthest_kept(self.db, message_id)
        if kept is not None:
            await self._messages.bulk_write([_advance({"twilio_sid": message_id}, *kept)])
            EARLY_DELIVERY_STATUSES.labels("applied").inc()
            log.info("early delivery status applied", message_id=message_id)

    async def _write(self, message_id: str, update: dict[str, Any]) -> None:
        """An update of a reply by its `_id`; the caller knows what it changed, so nothing is
        read back (the embedded server answers a find-and-modify by scanning the collection)."""
        written = await self._messages.update_one({"_id": message_id}, update)
        if written.matched_count == 0:
            raise RuntimeError(f"reply {message_id} vanished")

    async def apply_delivery_statuses(self, events: Sequence[DeliveryStatusChanged]) -> None:
        """Move each message's tick forward only, in one write: callbacks arrive out of order
        (and in any order within the write), and a repeated one matches nothing. Of a
        message's callbacks in one poll only the furthest is written: the others could not
        move its tick past it (and the embedded server's CPU goes by the statement)."""
        furthest = furthest_statuses(events)
        if not furthest:
            return
        written = await self._messages.bulk_write(_advances(furthest), ordered=False)
        # a status naming its message by `_id` that matched nothing is a repeat or behind its
        # tick (the reply exists before it is sent); only one named by the channel's id alone
        # may have come before that id was recorded
        unnamed = [event for event in furthest if event.message_id is None]
        if written.matched_count < len(furthest) and unnamed:
            await self._keep_early(unnamed)

    async def _keep_early(self, events: list[DeliveryStatusChanged]) -> None:
        """Some of `events` matched no message: repeats, late ones behind their tick, or ones
        come before their message's id was recorded, which are kept for `mark_sent`. Then all
        are written again: an id recorded since the first write gets its status now, and one
        recorded after this write is recorded after the keeping too, so `mark_sent` finds the
        kept status (it reads only after writing the id). Repeats match nothing again."""
        # a survey's or thanks' statuses match no message, but their ids are recorded
        recorded = await owned_sids(self.db, [event.twilio_sid for event in events])
        early = [event for event in events if event.twilio_sid not in recorded]
        if early:
            await early_statuses.keep(self.db, early)
            EARLY_DELIVERY_STATUSES.labels("kept").inc(len(early))
            log.info(
                "delivery statuses before their message ids; kept",
                message_ids=[event.twilio_sid for event in early],
            )
        await self._messages.bulk_write(_advances(events), ordered=False)

    async def card(self, conversation_id: str) -> dict[str, Any] | None:
        """What the responder reads of the conversation's card: who owns it, and whether a
        CSAT survey was ever asked (`csat_session`); None before the enricher made it."""
        return await self._conversations.find_one(
            {"_id": conversation_id}, {**OWNERSHIP_FIELDS, "csat_session": 1}
        )

    async def hand_over(
        self, conversation_id: str, store_id: str, reason: HandOverReason, at: datetime
    ) -> None:
        """The bot gives the conversation to the humans at `at` (its hand-over reply's
        creation, so a redelivery writes the same)."""
        await self._conversations.update_one(
            {"_id": conversation_id},
            {
                "$set": {"owner": "human", "hand_over_reason": reason.value, "handed_over_at": at},
                "$setOnInsert": {"store_id": store_id},
            },
            upsert=True,
        )


def _advance(
    message: dict[str, str], status: DeliveryStatus, error_code: str | None, at: datetime
) -> UpdateOne:
    """The tick of the `message` (`{"_id": ...}` or `{"twilio_sid": ...}`) moved to `status`,
    forward only: a repeated or late status matches nothing. A reply not yet marked sent has
    no rank, and any status moves it."""
    return UpdateOne(
        {**message, "delivery_rank": {"$not": {"$gte": status.rank}}},
        {
            "$set": {
                "delivery_status": status.value,
                "delivery_rank": status.rank,
                "delivery_error_code": error_code,
                "delivery_updated_at": at,
            }
        },
    )


def _advances(events: Sequence[DeliveryStatusChanged]) -> list[UpdateOne]:
    return [
        _advance(_named(event), event.status, event.error_code, event.occurred_at)
        for event in events
    ]


def _named(event: DeliveryStatusChanged) -> dict[str, str]:
    """The message a status is of: by our id where the channel carried it back, within the
    store whose channel account posted it (another store's signed callback naming our id
    must not move a tick of ours)."""
    if event.message_id is not None:
        return {"_id": event.message_id, "store_id": event.store_id}
    return {"twilio_sid": event.twilio_sid}


def furthest_statuses(events: Sequence[DeliveryStatusChanged]) -> list[DeliveryStatusChanged]:
    """Each message's furthest callback of `events` (the first of equals, as a tick already
    at a rank is not moved by another of the same rank)."""
    furthest: dict[str, DeliveryStatusChanged] = {}
    for event in events:
        held = furthest.get(event.twilio_sid)
        if held is None or event.status.rank > held.status.rank:
            furthest[event.twilio_sid] = event
    return list(furthest.values())


HISTORY_FIELDS = ("direction", "text", "media", "created_at")


@dataclass
class ConversationView:
    """One read of a conversation's latest messages (newest first), serving everything a
    customer message asks of them: the reply already stored, the history, the ungrounded
    streak, the recent sentiments and the first-response check. Streaks are counted within
    the view (`view_window`): the customer's and the bot's messages of the last exchanges."""

    event: MessageReceived
    reply: Reply | None
    messages: list[dict[str, Any]]  # newest first, bot replies written since the event too
    whole: bool  # nothing was cut off: the conversation's every message up to the event

    def until_event(self) -> list[dict[str, Any]]:
        """The messages up to the event, newest first."""
        return [m for m in self.messages if m["created_at"] <= self.event.occurred_at]

    def history(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` messages up to the event, oldest first, with the fields the
        answerer reads."""
        latest = self.until_event()[:limit]
        return [{k: m[k] for k in HISTORY_FIELDS if k in m} for m in reversed(latest)]

    def ungrounded_streak(self, limit: int) -> int:
        """How many of the bot's latest replies (at most `limit`) cited nothing, counted back
        from the newest until one that did. Messages of a conversation are handled one at a
        time, so every reply in the view is an earlier one."""
        streak = 0
        for message in self.messages:
            if message["direction"] != "outbound" or message.get("author") != Author.BOT.value:
                continue
            if streak == limit or message.get("grounded") is not False:
                break
            streak += 1
        return streak

    def sentiments(self, limit: int) -> list[str | None]:
        """The sentiment labels (the enricher's `classification`) of the customer's latest
        `limit` messages, newest first; None where not labelled (yet)."""
        inbound = [m for m in self.until_event() if m["direction"] == "inbound"][:limit]
        return [(m.get("classification") or {}).get("sentiment") for m in inbound]

    def answered_within(self, window: timedelta) -> bool | None:
        """Whether anyone answered in `window` before the message; None when the view ends
        inside the window and cannot tell."""
        since = self.event.occurred_at - window
        for message in self.until_event():
            if message["created_at"] < since:
                return False
            if (
                message["direction"] == "outbound"
                and message.get("author") != Author.NOTIFICATION.value  # written first
                and message["created_at"] < self.event.occurred_at
            ):
                return True
        return False if self.whole else None

    def note_media(self, message_sid: str, media: list[dict[str, Any]]) -> None:
        """What was just stored of a message's attachments, so the view need not be read again."""
        for message in self.messages:
            if message["_id"] == message_sid:
                message["media"] = media


def _with_event(
    found: list[dict[str, Any]], event: MessageReceived, limit: int
) -> list[dict[str, Any]]:
    """`found` (newest first, at most `limit`) with the event's own message where it is not
    stored yet (it is written with the reply), as a read would have found it."""
    if any(document["_id"] == event.message_sid for document in found):
        return found
    own = inbound_message_document(event)
    newer = [d for d in found if d["created_at"] > own["created_at"]]
    older = [d for d in found if d["created_at"] <= own["created_at"]]
    return [*newer, own, *older][:limit]


def view_window(history_messages: int) -> int:
    """Messages a view reads: the history, and enough for the longest streaks the settings
    allow (20 replies without a citation, 21 customer messages' sentiments)."""
    return max(history_messages, 2 * STREAK_LIMIT + 1)


OWNERSHIP_FIELDS = {
    "owner": 1,
    "handed_over_at": 1,
    "status": 1,
    "closed_at": 1,
    "previous_closed_at": 1,
}


def human_owns(conversation: dict[str, Any]) -> bool:
    """A human owns the conversation unless the session they got it in was closed since: a
    closed conversation's next session starts with the bot, whether or not the enricher's
    reopen and the responder's release are visible yet (docs/conversations.md)."""
    if conversation.get("owner") != "human":
        return False
    closed = conversation.get("status") == "closed"
    last_close = conversation.get("closed_at") if closed else conversation.get("previous_closed_at")
    if last_close is None:
        return not closed
    handed_over_at = conversation.get("handed_over_at")
    return handed_over_at is not None and handed_over_at > last_close
