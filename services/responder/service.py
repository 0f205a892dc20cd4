"""The responder's decisions, free of I/O: what may go to WhatsApp, and the fact it publishes."""

from services.responder.repository import Reply, ReplyState
from shared.events import NotificationSent, NotificationSource, ReplySent, event_id_for


def reply_sent(reply: Reply) -> ReplySent:
    """The fact published once a reply is finished; the same reply always gives the same event."""
    finished_at = reply.finished_at or reply.created_at
    return ReplySent(
        event_id=event_id_for("messages.outbound", reply.id),
        occurred_at=finished_at,
        store_id=reply.store_id,
        conversation_id=reply.conversation_id,
        channel=reply.channel,
        channel_account=reply.channel_account,
        message_id=reply.id,
        in_reply_to=reply.in_reply_to,
        author=reply.author,
        text=reply.text,
        sent=reply.state is ReplyState.SENT,
        twilio_sid=reply.twilio_sid,
        not_sent_reason=reply.not_sent_reason,
        customer_message_at=reply.customer_message_at,
        response_seconds=max(0.0, (finished_at - reply.customer_message_at).total_seconds()),
        first_response=reply.first_response,
        hand_over=reply.hand_over,
        llm=reply.llm,
        citations=reply.citations,
        agent_id=reply.agent_id,
        handed_over_at=reply.handed_over_at,
        order_action=reply.order_action,
    )


def notification_sent(reply: Reply, source: NotificationSource) -> NotificationSent:
    """The fact published once a notification is finished (sent or not); the same notification
    always gives the same event."""
    return NotificationSent(
        event_id=event_id_for("messages.outbound", reply.id),
        occurred_at=reply.finished_at or reply.created_at,
        store_id=reply.store_id,
        conversation_id=reply.conversation_id,
        channel=reply.channel,
        channel_account=reply.channel_account,
        message_id=reply.id,
        source=source,
        sent=reply.state is ReplyState.SENT,
        twilio_sid=reply.twilio_sid,
        not_sent_reason=reply.not_sent_reason,
    )
