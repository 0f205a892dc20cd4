"""Handing a reserved reply to Twilio once, for the bot's answers and the agents' replies alike:
a reply with an earlier attempt is looked up at Twilio before it is sent again
(services/responder/send_recovery.py)."""

import structlog

from services.responder.adapters.twilio_sender import TwilioRefused
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES, REPLY_PIPELINE_SECONDS
from services.responder.repository import Reply
from services.responder.send_recovery import earlier_send
from shared.events import Author, utcnow

log = structlog.get_logger()


async def deliver(reply: Reply, deps: ResponderDeps) -> Reply:
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
    if reply.author == Author.BOT:  # the pipeline's time, webhook to Twilio; an agent types
        REPLY_PIPELINE_SECONDS.observe((utcnow() - reply.customer_message_at).total_seconds())
    return await deps.conversations.mark_sent(reply, twilio_sid)
