"""Agents' commands on a conversation: reply, take over, hand back, close, assign, note.

The console only checks and publishes (`AgentCommandIssued` on `agent.commands`, acks=all);
the responder and the enricher apply them (docs/conversations.md#agent-commands). `issue` is
what the JSON route below and the console's pages call.

Agent identity: a signed-in console user is the agent (a body's `agent_id` is ignored for
them); a script with the admin token names the agent in the body (`agent_id`, default "admin").
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.console.deps import Authorized, ConsoleContext, Context, ExistingStore
from shared.channels import TEXT_LIMITS, WINDOWLESS, template_channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.service_window import (
    OUTSIDE_HUMAN_AGENT_WINDOW,
    OUTSIDE_WINDOW,
    free_text,
    last_customer_message,
    outside_reason,
)
from shared.events import (
    AgentCommand,
    AgentCommandIssued,
    Author,
    agent_command_event_id,
    utcnow,
)
from shared.identity import channel_of
from shared.kafka import publish

router = APIRouter(prefix="/stores/{store_id}/conversations/{conversation_id}", tags=["agents"])

MAX_TEXT = max(TEXT_LIMITS.values())  # the longest any channel takes; `issue` checks each's
TEXT_TOO_LONG = "text_too_long"
WINDOW_CLOSED = {
    OUTSIDE_WINDOW: "the customer's last message is more than 24 hours old, "
    "so WhatsApp only accepts an approved template (template_sid)",
    OUTSIDE_HUMAN_AGENT_WINDOW: "the customer's last message is more than 7 days old, "
    "so Meta accepts no reply until the customer writes again",
}


class CommandFields(BaseModel):
    """What an agent asks for; the fields each command needs are checked here (422)."""

    model_config = ConfigDict(extra="forbid")

    command: AgentCommand
    text: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    template_sid: str | None = None
    template_variables: dict[str, str] = Field(default_factory=dict)
    assignee_id: str | None = None

    @model_validator(mode="after")
    def _fields_fit_the_command(self) -> "CommandFields":
        text = (self.text or "").strip()
        if self.template_sid is not None and template_channel(self.template_sid) is None:
            raise ValueError(
                "template_sid must be a Twilio Content SID (HX + 32 hex digits) or a Cloud API "
                "template as name:language (order_update:id)"
            )
        if self.command == "reply":
            if not text and self.template_sid is None:
                raise ValueError("a reply needs a text or a template_sid")
        elif self.template_sid is not None or self.template_variables:
            raise ValueError("only a reply takes a template")
        if self.command == "note" and not text:
            raise ValueError("a note needs a text")
        if self.command not in ("reply", "note") and self.text is not None:
            raise ValueError(f"{self.command} takes no text")
        if self.command != "assign" and self.assignee_id is not None:
            raise ValueError("only assign takes an assignee_id")
        return self


class AgentCommandRequest(CommandFields):
    agent_id: str = Field(
        default="admin",
        min_length=1,
        max_length=200,
        description="Who issues it; only with the admin token (a session user is the agent).",
    )


class CommandAccepted(BaseModel):
    command_id: str


class UnknownConversation(Exception):
    """The conversation is not the store's (or does not exist)."""


class CommandRefused(Exception):
    """The command cannot be carried out: the message for API callers, `reason` the stem of its
    catalogue key (`delivery.reason.<reason>`) for the console's own pages."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


async def issue(
    context: ConsoleContext,
    store_id: str,
    conversation_id: str,
    agent_id: str,
    command: CommandFields,
) -> str:
    """Check and publish the command; its id. Raises UnknownConversation or CommandRefused."""
    if not await _is_the_stores(context, store_id, conversation_id):
        raise UnknownConversation(conversation_id)
    now = utcnow()
    channel = channel_of(conversation_id)
    template = command.template_sid
    if template is not None and template_channel(template) is not channel:
        raise CommandRefused(
            "template_of_another_channel",
            f"template_of_another_channel: {template!r} is not a template of {channel.value}",
        )
    limit = TEXT_LIMITS[channel]
    if command.command == "reply" and command.text and len(command.text.strip()) > limit:
        raise CommandRefused(
            TEXT_TOO_LONG,
            f"{TEXT_TOO_LONG}: {channel.value} takes at most {limit} characters in one message",
        )
    # The 24-hour window on the chat channels (Messenger and Instagram let an agent answer for 7
    # days); e-mail has none.
    if command.command == "reply" and command.template_sid is None and channel not in WINDOWLESS:
        last = await last_customer_message(context.db, conversation_id)
        if free_text(channel, Author.AGENT, last["created_at"] if last else None, now) is None:
            reason = outside_reason(channel, Author.AGENT)
            raise CommandRefused(reason, f"{reason}: {WINDOW_CLOSED[reason]}")
    command_id = uuid.uuid4().hex
    event = AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=now,
        store_id=store_id,
        conversation_id=conversation_id,
        channel=channel,
        command_id=command_id,
        agent_id=agent_id,
        command=command.command,
        text=command.text.strip() if command.text else None,
        template_sid=command.template_sid,
        template_variables=command.template_variables,
        assignee_id=command.assignee_id,
    )
    await publish(context.broker, event)
    return command_id


async def _is_the_stores(context: ConsoleContext, store_id: str, conversation_id: str) -> bool:
    if not conversation_id.startswith(f"{store_id}:"):
        return False
    query = {"_id": conversation_id, "store_id": store_id}
    if await context.db[CONVERSATIONS].find_one(query, {"_id": 1}):
        return True
    # The card may lag behind the responder's record of the first message.
    message = {"conversation_id": conversation_id, "store_id": store_id}
    return await context.db[MESSAGES].find_one(message, {"_id": 1}) is not None


@router.post("/commands", status_code=202)
async def issue_command(
    conversation_id: str,
    request: AgentCommandRequest,
    store: ExistingStore,
    context: Context,
    caller: Authorized,
) -> CommandAccepted:
    """Publish an agent's command; 202 once Kafka acknowledged it (it is applied shortly)."""
    fields = CommandFields.model_validate(request.model_dump(exclude={"agent_id"}))
    agent_id = caller.user.id if caller.user is not None else request.agent_id
    try:
        command_id = await issue(context, store.id, conversation_id, agent_id, fields)
    except UnknownConversation:
        raise HTTPException(status_code=404, detail="no such conversation") from None
    except CommandRefused as refused:
        raise HTTPException(status_code=422, detail=str(refused)) from None
    return CommandAccepted(command_id=command_id)
