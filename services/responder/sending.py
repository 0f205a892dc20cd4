"""One way out for every reply, survey and thanks: the sender of the conversation's channel
(Twilio, the Graph API for the WhatsApp Cloud API, Messenger and Instagram, or the store's SMTP
server for e-mail), and a reply sent once. On Messenger and Instagram Meta's window is checked
again just before the send.

A send intent is stored before the channel is called. A later attempt of an intent that was
tried before does not send blind: on Twilio it looks the message up (send_recovery.py); the
Graph API and SMTP cannot be asked, so there an unknown outcome ends the reply as not sent
(`outcome_unknown`) for an agent to follow up, rather than risk a second copy.
docs/operations.md#a-reply-goes-out-once
"""

import structlog

from services.responder.adapters.graph_sender import (
    GraphRefused,
    GraphSender,
    NothingSent,
    PageSender,
)
from services.responder.adapters.smtp_sender import EmailRefused, EmailSender
from services.responder.adapters.twilio_sender import TwilioRefused, TwilioSender
from services.responder.deps import ResponderDeps
from services.responder.metrics import REPLIES, REPLY_PIPELINE_SECONDS
from services.responder.repository import Reply
from services.responder.send_recovery import SendIntent, earlier_send
from shared.channels import META_MESSAGING, Channel
from shared.conversations.service_window import FreeText, free_text, outside_reason
from shared.events import Author, utcnow
from shared.mongo import Database
from shared.stores.directory import Store

log = structlog.get_logger(__name__)

Sender = TwilioSender | GraphSender | PageSender | EmailSender
REFUSALS = (TwilioRefused, GraphRefused, EmailRefused)  # a definite no: sending again won't help
OUTCOME_UNKNOWN = "outcome_unknown"


class OutcomeUnknown(Exception):
    """An earlier attempt may have gone out, and the channel cannot say whether it did."""


def not_configured(channel: Channel) -> str:
    """The reason a message of `channel` is not sent when the store has no account there."""
    return "twilio_not_configured" if channel is Channel.WHATSAPP else f"{channel}_not_configured"


def store_account(store: Store, channel: Channel) -> str:
    """The store's account on `channel` that sends: its number, its phone number id, its page
    or Instagram account id, or its mailbox's address."""
    if channel is Channel.WHATSAPP_CLOUD and store.whatsapp_cloud is not None:
        return store.whatsapp_cloud.phone_number_id
    if (account := store.messaging_account(channel)) is not None:
        return account.account_id
    if channel is Channel.EMAIL and store.email is not None:
        return store.email.address
    return store.whatsapp_number


async def sender_for(deps: ResponderDeps, store_id: str, channel: Channel) -> Sender | None:
    """None when the store cannot send on `channel`."""
    if channel is Channel.WHATSAPP_CLOUD:
        return await deps.cloud.for_store(store_id) if deps.cloud else None
    if channel in META_MESSAGING:
        return await deps.cloud.for_messaging(store_id, channel) if deps.cloud else None
    if channel is Channel.EMAIL:
        return await deps.email.for_store(store_id) if deps.email else None
    return await deps.twilio.for_store(store_id) if deps.twilio else None


async def earlier_send_of(sender: Sender, intent: SendIntent, db: Database) -> str | None:
    """The id of the message an earlier attempt of `intent` sent; None when none went out.
    Raises OutcomeUnknown on a channel that cannot be asked."""
    if isinstance(sender, GraphSender | PageSender | EmailSender):
        raise OutcomeUnknown
    return await earlier_send(intent, sender, db)


async def deliver(reply: Reply, deps: ResponderDeps) -> Reply:
    """Send `reply` once, on its conversation's channel."""
    conversations = deps.conversations
    sender = await sender_for(deps, reply.store_id, reply.channel)
    if sender is None:
        REPLIES.labels("not_sent").inc()
        return await conversations.mark_not_sent(reply, not_configured(reply.channel))
    if reply.send_attempts and not reply.attempt_noted:  # an earlier attempt's fate is unknown
        try:
            found = await earlier_send_of(sender, reply.send_intent(), conversations.db)
        except OutcomeUnknown:
            REPLIES.labels(OUTCOME_UNKNOWN).inc()
            log.warning("an earlier send may have gone out; not sending again", reply=reply.id)
            return await conversations.mark_not_sent(reply, OUTCOME_UNKNOWN)
        if found:
            log.info("earlier send found; not sending again", reply=reply.id)
            return await _sent(reply, found, deps)
    allowed = _free_text(reply)
    if allowed is None:
        REPLIES.labels("not_sent").inc()
        return await conversations.mark_not_sent(reply, outside_reason(reply.channel, reply.author))
    if not reply.attempt_noted:
        reply = await conversations.note_send_attempt(reply)
    try:
        message_id = await _send(sender, reply, deps.status_callback_url, allowed)
    except REFUSALS as refusal:
        REPLIES.labels("refused").inc()
        return await conversations.mark_not_sent(reply, str(refusal))
    except NothingSent:  # certainly not sent: the retry sends without doubt
        await conversations.forget_send_attempt(reply)
        raise
    return await _sent(reply, message_id, deps, statuses_name_it=names_in_statuses(sender))


def names_in_statuses(sender: Sender) -> bool:
    """Whether the channel's statuses of a message name our id of it (`reference`): Twilio's
    through the status callback URL, the Cloud API's through `biz_opaque_callback_data`."""
    return isinstance(sender, TwilioSender | GraphSender)


def naming(sender: Sender, message_id: str) -> dict[str, str]:
    """The send's argument that makes its statuses name `message_id`, where the channel can."""
    return {"reference": message_id} if names_in_statuses(sender) else {}


def _free_text(reply: Reply) -> FreeText | None:
    """How the reply may go out now; None when Meta's window closed (the bot never sends after
    24 hours, an agent after 7 days). WhatsApp's window is the console's and agent_desk's."""
    if reply.channel not in META_MESSAGING:
        return FreeText.RESPONSE
    return free_text(reply.channel, reply.author, reply.customer_message_at, utcnow())


async def _send(sender: Sender, reply: Reply, status_callback: str, allowed: FreeText) -> str:
    recipient = {
        "to": reply.customer_number,
        "sender": reply.channel_account or reply.store_number,
        "status_callback": status_callback,
        **naming(sender, reply.id),
    }
    if reply.template_sid:
        return await sender.send_template(
            **recipient, content_sid=reply.template_sid, variables=reply.template_variables
        )
    if isinstance(sender, PageSender):
        return await sender.send(
            **recipient, body=reply.text, media_urls=reply.media_urls, free_text=allowed
        )
    if isinstance(sender, EmailSender):  # no buttons in a mail: the text asks for "YA"
        return await sender.send(**recipient, body=reply.text, media_urls=reply.media_urls)
    return await sender.send(
        **recipient,
        body=reply.text,
        media_urls=reply.media_urls,
        quick_replies=reply.quick_replies,
    )


async def _sent(
    reply: Reply, message_id: str, deps: ResponderDeps, statuses_name_it: bool = False
) -> Reply:
    REPLIES.labels("sent").inc()
    if reply.author is Author.BOT:
        REPLY_PIPELINE_SECONDS.observe((utcnow() - reply.customer_message_at).total_seconds())
    return await deps.conversations.mark_sent(reply, message_id, statuses_name_it)
