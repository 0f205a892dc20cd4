"""The responder applies agents' commands (topic `agent.commands`, keyed by conversation, so a
conversation's commands come in order): an agent's reply goes out through the same send-intent
machinery as the bot's; take over, hand back and close move the ownership; assign and note are
recorded. Every command is applied once (agent_desk.py); docs/conversations.md#agent-commands.
"""

from datetime import timedelta

import structlog

from services.responder import service
from services.responder.adapters.twilio_sender import TwilioRefused, TwilioSender
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES
from services.responder.repository import Reply
from shared.consumer import PermanentError
from shared.events import AgentCommandIssued
from shared.identity import masked
from shared.kafka import publish

log = structlog.get_logger(__name__)

RECONCILE_SLACK = timedelta(minutes=5)  # clock skew between us and Twilio


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
    elif event.command in ("hand_back", "close"):  # the enricher closes the card itself
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
        reply = await _deliver(reply, deps, desk)
    elif reply.not_sent_reason:
        REPLIES.labels("not_sent").inc()
    await publish(deps.broker, service.reply_sent(reply))


async def _deliver(reply: Reply, deps: ResponderDeps, desk: AgentDesk) -> Reply:
    """Send once; a reply handed to Twilio before is looked up there, not sent again."""
    conversations = deps.conversations
    twilio = await deps.twilio.for_store(reply.store_id) if deps.twilio else None
    if twilio is None:
        REPLIES.labels("not_sent").inc()
        return await conversations.mark_not_sent(reply, "twilio_not_configured")
    if reply.send_attempts:
        twilio_sid = await _sent_before(reply, twilio, desk)
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


async def _sent_before(reply: Reply, twilio: TwilioSender, desk: AgentDesk) -> str | None:
    """Twilio's SID of this reply if an earlier attempt got through: free text by its body; a
    template (whose body is Twilio's rendering) as a message to the customer since the intent
    that no stored message carries."""
    to, sender = reply.customer_number, reply.store_number
    since = reply.created_at - RECONCILE_SLACK
    if not reply.template_sid:
        return await twilio.find_sent(to=to, sender=sender, body=reply.text, since=since)
    sids = await twilio.sent_sids(to=to, sender=sender, since=since)
    known = await desk.known_sids(sids)
    return next((sid for sid in sids if sid not in known), None)


async def _sent(reply: Reply, twilio_sid: str, deps: ResponderDeps) -> Reply:
    REPLIES.labels("sent").inc()
    return await deps.conversations.mark_sent(reply, twilio_sid)
