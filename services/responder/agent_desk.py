"""The responder's MongoDB records for agents' commands: ownership, assignee, notes and the
agents' replies (docs/conversations.md#agent-commands).

A state command (take over, hand back, close, assign, and the ownership an agent's reply takes)
is applied in one transaction with its claim in `processed_events`, so a redelivered or replayed
command changes nothing, even after later commands. A reply's send intent (`agent:<command_id>`)
and a note (`note:<command_id>`) are their own ledger: their ids are unique.
"""

import contextlib
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.responder.repository import GROUP, OWNERSHIP_FIELDS, Reply, ReplyState, human_owns
from shared.channels import WINDOWLESS
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.service_window import free_text, last_customer_message, outside_reason
from shared.events import AgentCommandIssued, Author, utcnow
from shared.identity import customer_number
from shared.mongo import PROCESSED_EVENTS, Database, Document, Session, claim_new, in_transaction

RELEASED = {"taken_over_by": None, "handed_over_at": None, "hand_over_reason": None}


def agent_reply_id(command_id: str) -> str:
    return f"agent:{command_id}"


def note_id(command_id: str) -> str:
    return f"note:{command_id}"


class AgentDesk:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._messages = db[MESSAGES]
        self._conversations = db[CONVERSATIONS]

    # -- ownership and assignment -----------------------------------------------------------

    async def take_over(self, event: AgentCommandIssued) -> None:
        """The agent takes the conversation; the bot is silent from now on. Taken from a bot
        hand-over, the humans' wait still runs from the hand-over."""
        await self._once(event, lambda card: _taken(card, event))

    async def release(self, event: AgentCommandIssued) -> None:
        """Hand back: the bot owns the conversation again."""
        await self._once(event, lambda _: {"owner": "bot", **RELEASED})

    async def assign(self, event: AgentCommandIssued) -> None:
        changes = {"assignee_id": event.assignee_id, "assigned_at": event.occurred_at}
        await self._once(event, lambda _: changes)

    async def take_for_reply(self, event: AgentCommandIssued) -> None:
        """An agent's reply makes the conversation the humans' if it was not."""
        await self._once(event, lambda card: None if human_owns(card) else _taken(card, event))

    async def _once(self, event: AgentCommandIssued, change: Any) -> None:
        async def apply(session: Session) -> None:
            ledger_id = f"{GROUP}:{event.event_id}"
            if not await claim_new(self._db, session, PROCESSED_EVENTS, [ledger_id]):
                return  # applied before: a redelivery or a replay changes nothing
            card = await self._conversations.find_one(
                {"_id": event.conversation_id}, OWNERSHIP_FIELDS, session=session
            )
            changes = change(card or {})
            if changes:
                await self._conversations.update_one(
                    {"_id": event.conversation_id},
                    {"$set": changes, "$setOnInsert": {"store_id": event.store_id}},
                    upsert=True,
                    session=session,
                )

        await in_transaction(self._db, apply)

    # -- notes --------------------------------------------------------------------------------

    async def add_note(self, event: AgentCommandIssued) -> None:
        """A private note among the conversation's messages: direction `internal`, so it is
        never sent and never in the bot's history."""
        note = {
            "_id": note_id(event.command_id),
            "store_id": event.store_id,
            "conversation_id": event.conversation_id,
            "direction": "internal",
            "author": Author.AGENT.value,
            "agent_id": event.agent_id,
            "text": event.text or "",
            "created_at": event.occurred_at,
        }
        with contextlib.suppress(DuplicateKeyError):
            await self._messages.insert_one(note)

    # -- replies ------------------------------------------------------------------------------

    async def find_reply(self, command_id: str) -> Reply | None:
        document = await self._messages.find_one({"_id": agent_reply_id(command_id)})
        return Reply.model_validate(document) if document else None

    async def reserve_reply(
        self, event: AgentCommandIssued, store_number: str, channel_account: str | None = None
    ) -> Reply:
        """The send intent of an agent's reply, decided once: free text within the channel's
        window, a template anytime, a reply already sent from Meta's inbox app (`sent_as`)
        always, else `not_sent` (`outside_24h_window`, `outside_7d_window`) and never sent."""
        last = await last_customer_message(self._db, event.conversation_id)
        last_at: datetime | None = last["created_at"] if last else None
        allowed = (
            event.template_sid is not None
            or event.sent_as is not None
            or event.channel in WINDOWLESS
            or free_text(event.channel, Author.AGENT, last_at, event.occurred_at) is not None
        )
        now = utcnow()
        reply = Reply(
            id=agent_reply_id(event.command_id),
            store_id=event.store_id,
            conversation_id=event.conversation_id,
            in_reply_to=last["_id"] if last else "",
            customer_number=customer_number(event.conversation_id),
            store_number=store_number,
            channel=event.channel,
            channel_account=channel_account,
            author=Author.AGENT,
            text=event.text or f"[template {event.template_sid}]",
            created_at=now,
            customer_message_at=last_at or event.occurred_at,
            first_response=False,  # the bot's figure; the humans' is `handed_over_at`
            state=ReplyState.SENDING if allowed else ReplyState.NOT_SENT,
            not_sent_reason=None if allowed else outside_reason(event.channel, Author.AGENT),
            finished_at=None if allowed else now,
            agent_id=event.agent_id,
            template_sid=event.template_sid,
            template_variables=event.template_variables,
            handed_over_at=await self._waiting_since(event.conversation_id) if allowed else None,
        )
        document = {**reply.model_dump(by_alias=True, mode="python"), "direction": "outbound"}
        try:
            await self._messages.insert_one(document)
        except DuplicateKeyError:
            existing = await self.find_reply(event.command_id)
            if existing is None:
                raise RuntimeError(f"reply {reply.id} vanished") from None
            return existing
        return reply

    async def _waiting_since(self, conversation_id: str) -> datetime | None:
        """When the humans got the conversation, if no agent reply went out since (this reply
        is then the humans' first response); None otherwise."""
        card = await self._conversations.find_one({"_id": conversation_id}, OWNERSHIP_FIELDS)
        if card is None or not human_owns(card) or card.get("handed_over_at") is None:
            return None
        since: datetime = card["handed_over_at"]
        answered = await self._messages.find_one(
            {
                "conversation_id": conversation_id,
                "direction": "outbound",
                "author": Author.AGENT.value,
                "state": ReplyState.SENT.value,
                "created_at": {"$gte": since},
            },
            {"_id": 1},
        )
        return None if answered else since


def _taken(card: Document, event: AgentCommandIssued) -> dict[str, Any]:
    if human_owns(card):
        return {"taken_over_by": event.agent_id}
    return {
        "owner": "human",
        "taken_over_by": event.agent_id,
        "handed_over_at": event.occurred_at,
        "hand_over_reason": None,
    }
