"""One builder per event type, with defaults that make a valid event of one store's customer;
the unit tier's fixtures pin the time and message id, the integration tier's the store."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from balas.simulate import new_customer_number as new_customer
from services.responder.repository import Reply, ReplyState
from shared.channels import Channel
from shared.events import (
    Author,
    ConversationClosed,
    ConversationEnriched,
    ConversationOutcome,
    ConversationReopened,
    ConversationStatus,
    CsatSurveyDue,
    DeliveryStatus,
    DeliveryStatusChanged,
    MessageReceived,
    NotificationSent,
    NotificationSource,
    OrderChanged,
    ReplySent,
    StoreDeleted,
    event_id_for,
    utcnow,
)
from shared.identity import conversation_id
from tests.standins.dates import at

__all__ = [
    "CUSTOMER_NUMBER",
    "MESSAGE_SID",
    "MORNING",
    "STORE_ID",
    "STORE_NUMBER",
    "Hour",
    "MakeReceived",
    "MakeReplySent",
    "broadcast_sent",
    "closed",
    "enriched",
    "new_customer",
    "notification_message",
    "notification_sent",
    "order_changed",
    "received",
    "reopened",
    "reply_record",
    "reply_sent",
    "status_changed",
    "store_deleted",
]

STORE_ID = "toko-batik"
STORE_NUMBER = "+14155238886"
CUSTOMER_NUMBER = "+6281234567890"
MESSAGE_SID = "SM" + "a" * 32
DELIVERED_SID = "SM" + "b" * 32
MORNING = at(10, 15)  # a Monday, inside the 10:00 hour bucket

# The types of the fixtures over these builders (and of the integration tier's `hour`).
MakeReceived = Callable[..., MessageReceived]
MakeReplySent = Callable[..., ReplySent]
Hour = Callable[[int], datetime]


def received(
    customer: str = CUSTOMER_NUMBER,
    text: str = "Halo, apakah batik ini ready?",
    at: datetime | None = None,
    *,
    sid: str | None = None,
    store_id: str = STORE_ID,
    **fields: Any,
) -> MessageReceived:
    """A customer's message (`text` doubles as a label for assertions), now and with a new
    message id unless given; on Twilio unless `channel` is given."""
    sid = sid or "SM" + uuid.uuid4().hex
    values: dict[str, Any] = {
        "event_id": event_id_for("whatsapp.inbound", sid),
        "occurred_at": at or datetime.now(UTC),
        "store_id": store_id,
        "conversation_id": conversation_id(
            store_id, customer, fields.get("channel", Channel.WHATSAPP)
        ),
        "message_sid": sid,
        "customer_number": customer,
        "store_number": STORE_NUMBER,
        "text": text,
    }
    return MessageReceived(**{**values, **fields})


def reply_sent(
    answering: MessageReceived | None = None,
    response_seconds: float = 12.0,
    first_response: bool = True,
    *,
    asked_at: datetime = MORNING,
    sent: bool = True,
    **fields: Any,
) -> ReplySent:
    """The responder's reply to `answering` (else to message `MESSAGE_SID`, asked at
    `asked_at`), finished `response_seconds` after it arrived, on its channel; its event id is
    the responder's."""
    if answering is None:
        answering = received(at=asked_at, sid=MESSAGE_SID)
    reply_id = f"reply:{answering.message_sid}"
    values: dict[str, Any] = {
        "event_id": event_id_for("messages.outbound", reply_id),
        "occurred_at": answering.occurred_at + timedelta(seconds=response_seconds),
        "store_id": answering.store_id,
        "conversation_id": answering.conversation_id,
        "channel": answering.channel,
        "message_id": reply_id,
        "in_reply_to": answering.message_sid,
        "author": Author.BOT,
        "text": "Ready kak!",
        "sent": sent,
        "twilio_sid": "SM" + uuid.uuid4().hex if sent else None,
        "not_sent_reason": None if sent else "twilio_not_configured",
        "customer_message_at": answering.occurred_at,
        "response_seconds": response_seconds,
        "first_response": first_response,
    }
    return ReplySent(**{**values, **fields})


def notification_sent(
    customer: str = CUSTOMER_NUMBER,
    at: datetime = MORNING,
    *,
    store_id: str = STORE_ID,
    order_id: int = 501,
    status: str = "shipped",
    sent: bool = True,
    **fields: Any,
) -> NotificationSent:
    """The responder's order notification of `order_id` reaching `status`, finished at `at`;
    its ids are the responder's."""
    message_id = f"notification:{store_id}:{order_id}:{status}"
    values: dict[str, Any] = {
        "event_id": event_id_for("messages.outbound", message_id),
        "occurred_at": at,
        "store_id": store_id,
        "conversation_id": conversation_id(store_id, customer),
        "message_id": message_id,
        "source": NotificationSource.ORDER_NOTIFICATION,
        "sent": sent,
        "twilio_sid": "SM" + uuid.uuid4().hex if sent else None,
        "not_sent_reason": None if sent else "no_consent",
    }
    return NotificationSent(**{**values, **fields})


def broadcast_sent(
    customer: str = CUSTOMER_NUMBER,
    at: datetime = MORNING,
    *,
    store_id: str = STORE_ID,
    broadcast_id: str = "promo-1212",
    sent: bool = True,
) -> NotificationSent:
    """The responder's broadcast message of `broadcast_id` to `customer`, finished at `at`;
    its ids are the responder's (services/responder/broadcasts.py)."""
    message_id = f"broadcast:{broadcast_id}:{customer}"
    return notification_sent(
        customer,
        at,
        store_id=store_id,
        sent=sent,
        event_id=event_id_for("messages.outbound", message_id),
        message_id=message_id,
        source=NotificationSource.BROADCAST,
        not_sent_reason=None if sent else "twilio_not_configured",
    )


def notification_message(note: NotificationSent) -> dict[str, Any]:
    """The responder's record of a sent notification in `messages`, the fields the KPI
    aggregator reads of it (services/responder/notifications.py keeps more)."""
    return {
        "_id": note.message_id,
        "store_id": note.store_id,
        "conversation_id": note.conversation_id,
        "channel": note.channel.value,
        "author": Author.NOTIFICATION.value,
        "state": ReplyState.SENT.value,
        "twilio_sid": note.twilio_sid,
        "finished_at": note.occurred_at,
        "notification_source": note.source.value,
    }


def status_changed(
    status: DeliveryStatus,
    at: datetime = MORNING,
    *,
    sid: str = DELIVERED_SID,
    store_id: str = STORE_ID,
    **fields: Any,
) -> DeliveryStatusChanged:
    """Twilio's status callback for the default customer's reply `sid`."""
    values: dict[str, Any] = {
        "event_id": event_id_for("whatsapp.status", sid, status.value),
        "occurred_at": at,
        "store_id": store_id,
        "conversation_id": f"{store_id}:{CUSTOMER_NUMBER}",
        "twilio_sid": sid,
        "status": status,
    }
    return DeliveryStatusChanged(**{**values, **fields})


def closed(
    opened: MessageReceived, at: datetime, outcome: str | ConversationOutcome
) -> ConversationClosed:
    """The sweep's close of the session `opened` (a customer message) at `at`."""
    return ConversationClosed(
        event_id=event_id_for("conversations.closed", opened.conversation_id, at.isoformat()),
        occurred_at=at,
        store_id=opened.store_id,
        conversation_id=opened.conversation_id,
        outcome=ConversationOutcome(outcome),
        opened_at=opened.occurred_at,
        last_activity_at=at - timedelta(hours=24),
    )


def reopened(closed_at: datetime, by: MessageReceived) -> ConversationReopened:
    """The customer's message `by` reopened the bot resolution closed at `closed_at`."""
    return ConversationReopened(
        event_id=event_id_for("conversations.reopened", by.event_id),
        occurred_at=by.occurred_at,
        store_id=by.store_id,
        conversation_id=by.conversation_id,
        previous_outcome=ConversationOutcome.RESOLVED_BY_BOT,
        closed_at=closed_at,
        message_sid=by.message_sid,
    )


def survey_due(
    opened: MessageReceived, last_customer_message_at: datetime | None = None
) -> CsatSurveyDue:
    """The sweep's request to ask for a rating of the session `opened` (a customer message),
    idle since `last_customer_message_at` (by default since that message)."""
    return CsatSurveyDue(
        event_id=uuid.uuid4().hex,
        occurred_at=utcnow(),
        store_id=opened.store_id,
        conversation_id=opened.conversation_id,
        session_opened_at=opened.occurred_at,
        last_customer_message_at=last_customer_message_at or opened.occurred_at,
        customer_number=opened.customer_number,
        reason="idle",
    )


def enriched(
    of: MessageReceived, revision: int, at: datetime, intent: str, sentiment: str
) -> ConversationEnriched:
    """A `conversations.enriched` snapshot of `of`'s conversation at `at`."""
    return ConversationEnriched(
        event_id=event_id_for("conversations.enriched", of.conversation_id, str(revision)),
        occurred_at=at,
        store_id=of.store_id,
        conversation_id=of.conversation_id,
        revision=revision,
        status=ConversationStatus.OPEN,
        latest_intent=intent,
        latest_sentiment=sentiment,
    )


def reply_record(**fields: Any) -> Reply:
    """The responder's `Reply` record behind a sent reply, as MongoDB holds it."""
    values: dict[str, Any] = {
        "_id": f"reply:{MESSAGE_SID}",
        "store_id": STORE_ID,
        "conversation_id": f"{STORE_ID}:{CUSTOMER_NUMBER}",
        "in_reply_to": MESSAGE_SID,
        "customer_number": CUSTOMER_NUMBER,
        "store_number": STORE_NUMBER,
        "author": Author.BOT,
        "text": "Ready kak!",
        "created_at": MORNING + timedelta(seconds=3),
        "customer_message_at": MORNING,
        "first_response": True,
        "state": ReplyState.SENT,
        "twilio_sid": DELIVERED_SID,
        "finished_at": MORNING + timedelta(seconds=7.5),
    }
    return Reply.model_validate({**values, **fields})


def store_deleted(store_id: str = STORE_ID) -> StoreDeleted:
    """The announcement that `store_id` and all its data were deleted, now."""
    return StoreDeleted(
        event_id=event_id_for("stores.deleted", store_id),
        occurred_at=datetime.now(UTC),
        store_id=store_id,
        requested_by="test",
    )


def order_changed(
    store_id: str = STORE_ID,
    order_id: int = 1207,
    status: str = "processing",
    modified_at: datetime | None = None,
    **fields: Any,
) -> OrderChanged:
    """A WooCommerce order snapshot; its event id follows from the order and its modified
    time, like ingest's, so the same snapshot built twice is the same event."""
    modified = modified_at or datetime.now(UTC)
    customer = {"billing_phone": "0812-3456-7890", "first_name": "Rina"}
    return OrderChanged(
        event_id=event_id_for("order.changed", f"{store_id}:{order_id}:{modified.isoformat()}"),
        occurred_at=modified,
        store_id=store_id,
        change="updated",
        modified_at=modified,
        order_id=order_id,
        number=str(order_id),
        status=status,
        currency="IDR",
        total="250000.00",
        **{**customer, **fields},
    )
