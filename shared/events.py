"""Versioned event schemas: facts in the past tense, serialised as JSON on Kafka.

Every event carries `event_id` (deterministic where an outside id exists, so a retried webhook or
a republished fact is the same event), `occurred_at`, `store_id` and `schema_version`.
Consumers deduplicate on `event_id`.
"""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import topics

_EVENT_NAMESPACE = uuid.UUID("5b0f3f5e-6c1a-4f64-9a59-2f1a1f0b6a11")


def event_id_for(*parts: str) -> str:
    """A stable id for the fact named by `parts`, so redelivery yields the same id."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, "|".join(parts)))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    topic: ClassVar[str]

    schema_version: int = 1
    event_id: str
    occurred_at: datetime
    store_id: str

    def key(self) -> bytes:
        """The Kafka key: events of one conversation stay in one partition, in order."""
        return self.store_id.encode()


class ConversationEvent(Event):
    conversation_id: str

    def key(self) -> bytes:
        return self.conversation_id.encode()


class Media(BaseModel):
    url: str
    content_type: str


class MessageReceived(ConversationEvent):
    """A customer's WhatsApp message reached ingest (topic `whatsapp.inbound`)."""

    topic: ClassVar[str] = topics.WHATSAPP_INBOUND
    event_type: Literal["message.received"] = "message.received"
    message_sid: str
    channel: Literal["whatsapp"] = "whatsapp"
    customer_number: str
    store_number: str
    profile_name: str | None = None
    text: str = ""
    media: list[Media] = Field(default_factory=list)


class DeliveryStatus(StrEnum):
    """Twilio's message states; `rank` orders them so late callbacks never move a tick back."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    READ = "read"
    CANCELED = "canceled"
    UNDELIVERED = "undelivered"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @property
    def is_failure(self) -> bool:
        return self in (DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED)


_STATUS_RANK = {
    DeliveryStatus.ACCEPTED: 0,
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.PARTIALLY_DELIVERED: 3,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
    DeliveryStatus.CANCELED: 5,  # final states: nothing moves a message out of them
    DeliveryStatus.UNDELIVERED: 5,
    DeliveryStatus.FAILED: 5,
}


class DeliveryStatusChanged(ConversationEvent):
    """Twilio reported a new state of a message we sent (topic `whatsapp.status`)."""

    topic: ClassVar[str] = topics.WHATSAPP_STATUS
    event_type: Literal["delivery.status_changed"] = "delivery.status_changed"
    twilio_sid: str
    status: DeliveryStatus
    error_code: str | None = None


class Author(StrEnum):
    BOT = "bot"
    AGENT = "agent"


class HandOverReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    MISSING_KNOWLEDGE = "missing_knowledge"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    POLICY = "policy"
    TOOL_FAILURE = "tool_failure"
    OUTSIDE_HOURS = "outside_hours"


class LlmUsage(BaseModel):
    model: str
    latency_seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ReplySent(ConversationEvent):
    """The responder finished with a reply (topic `messages.outbound`).

    `sent` is false when it could not go out (for example Twilio is not configured, or Twilio
    refused the number); `not_sent_reason` then says why.
    """

    topic: ClassVar[str] = topics.MESSAGES_OUTBOUND
    event_type: Literal["reply.sent"] = "reply.sent"
    message_id: str
    in_reply_to: str
    author: Author
    text: str
    sent: bool
    twilio_sid: str | None = None
    not_sent_reason: str | None = None
    customer_message_at: datetime
    response_seconds: float
    first_response: bool
    hand_over: HandOverReason | None = None
    llm: LlmUsage | None = None


class DeadLetter(BaseModel):
    """An event a consumer gave up on, kept with its error so it can be inspected and re-driven."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int
    key: str | None
    payload: str
    error: str
    attempts: int
    consumer_group: str
    failed_at: datetime = Field(default_factory=utcnow)


EVENT_TYPES: dict[str, type[Event]] = {
    model.topic: model for model in (MessageReceived, DeliveryStatusChanged, ReplySent)
}
