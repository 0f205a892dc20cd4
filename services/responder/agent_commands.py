"""The responder applies agents' commands (topic `agent.commands`, keyed by conversation, so a
conversation's commands come in order): an agent's reply goes out through the same send-intent
machinery as the bot's; take over and hand back move the ownership; assign and note are
recorded. A close and a reopen are the enricher's, which owns the sessions (a close gives the
conversation back to the bot in the same transaction; a take-over of a closed conversation also
opens a new one there: services/enricher/agent_sessions.py). Every command is applied once
(agent_desk.py); docs/conversations.md#agent-commands.
"""

import structlog

from services.responder import service
from services.responder.adapters.twilio_sender import TwilioRefused
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES
from services.responder.repository import Reply
from services.responder.send_recovery import earlier_send
from shared.consumer import PermanentError
from shared.events import AgentCommandIssued
from shared.identity import masked
from shared.kafka import publish

log = structlog.get_logger(__name__)


async def on_agent_command(event: AgentCommandIssued, deps: ResponderDeps, desk: AgentDesk) -> None:
    log.info(
        "agent command",
        command=event.command,
        command_id=event.command_id,
        conversation=masked(event.conversation_id),
    )
    if event.command == "reply":
        await _reply(event, deps, desk)
    elif event.command == "take_over":
        await desk.take_over(event)
    elif event.command == "hand_back":
        await desk.release(event)
    elif event.command == "assign":
        await desk.assign(event)
    elif event.command == "note":
        await desk.add_note(event)


async def _reply(event: AgentCommandIssued, deps: ResponderDeps, desk: AgentDesk) -> None:
    reply = await desk.find_reply(event.command_id)
    if reply is None:
        store = await deps.stores.by_id(event.store_id)
        if store is None:
            raise PermanentError(f"store {event.store_id!r} does not exist")
        reply = await desk.reserve_reply(event, store.whatsapp_number)
    await desk.take_for_reply(event)
    if not reply.finished:
        reply = await _deliver(reply, deps)
    elif reply.not_sent_reason:
        REPLIES.labels("not_sent").inc()
    await publish(deps.broker, service.reply_sent(reply))


async def _deliver(reply: Reply, deps: ResponderDeps) -> Reply:
    """Send once; a reply handed to Twilio before is looked up there, not sent again."""
    conversations = deps.conversations
    twilio = await deps.twilio.for_store(reply.store_id) if deps.twilio else None
    if twilio is None:
        REPLIES.labels("not_sent").inc()
        return await conversations.mark_not_sent(reply, "twilio_not_configured")
    if reply.send_attempts:
        twilio_sid = await earlier_send(reply.send_intent(), twilio, conversations.db)
        if twilio_sid:
            log.info("earlier send found at Twilio; not sending again", reply=reply.id)
            return await _sent(reply, twilio_sid, deps)
    reply = await conversations.note_send_attempt(reply)
    try:
        if reply.template_sid:
            twilio_sid = await twilio.send_template(
                to=reply.customer_number,
                sender=reply.store_number,
                content_sid=reply.template_sid,
                variables=reply.template_variables,
                status_callback=deps.status_callback_url,
            )
        else:
            twilio_sid = await twilio.send(
                to=reply.customer_number,
                sender=reply.store_number,
                body=reply.text,
                status_callback=deps.status_callback_url,
            )
    except TwilioRefused as refusal:
        REPLIES.labels("refused").inc()
        return await conversations.mark_not_sent(reply, str(refusal))
    return await _sent(reply, twilio_sid, deps)


async def _sent(reply: Reply, twilio_sid: str, deps: ResponderDeps) -> Reply:
    REPLIES.labels("sent").inc()
    return await deps.conversations.mark_sent(reply, twilio_sid)
