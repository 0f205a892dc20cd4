"""Meta's page-messaging webhooks (Messenger, `object: "page"`; Instagram, `object:
"instagram"`) as pydantic models, and the events they become. No I/O here.

A POST carries `entry[]`, one per page or Instagram account (its `id` names the store), each
with `messaging[]` events between a customer (a page-scoped id) and the store:

- a `message` from the customer: text (a quick reply's text is what the customer tapped),
  attachments by public URL;
- a `message` with `is_echo`: one the store sent. Balas marks its own Messenger sends
  (`metadata`), and the responder knows all of its own by message id, so any other echo was
  written in Meta's own inbox app and becomes an agent's reply;
- a `postback`: a button the customer pressed, whose payload is the message's text;
- `delivery` and `read` receipts of the store's messages.

Anything else (reactions, referrals, opt-ins) is acknowledged and not published.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.channels import ECHO_MARK, Channel
from shared.events import (
    AgentCommandIssued,
    DeliveryStatus,
    DeliveryStatusChanged,
    Media,
    MessageReceived,
    agent_command_event_id,
    event_id_for,
    utcnow,
)
from shared.http_limits import KiB
from shared.identity import conversation_id
from shared.stores.directory import Store

MAX_BODY_BYTES = 512 * KiB
# Who an agent's reply from Meta's own inbox app is by (its echo names no person).
META_INBOX_AGENT = "meta_inbox"
OBJECTS: dict[str, Channel] = {"page": Channel.MESSENGER, "instagram": Channel.INSTAGRAM}

ScopedId = Annotated[str, Field(pattern=r"^[0-9]{1,32}$")]  # a page-scoped or Instagram id
MessageId = Annotated[str, Field(min_length=1, max_length=512)]
Text = Annotated[str, Field(max_length=4096)]
Timestamp = Annotated[int, Field(ge=0, lt=10**14)]  # milliseconds


class _Meta(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Party(_Meta):
    id: ScopedId


class AttachmentPayload(_Meta):
    url: str | None = Field(None, max_length=4096)


class Attachment(_Meta):
    type: str = Field(max_length=32)
    payload: AttachmentPayload = AttachmentPayload()


class QuickReply(_Meta):
    payload: str = Field(max_length=1000)


class Message(_Meta):
    mid: MessageId
    text: Text = ""
    attachments: list[Attachment] = Field(default_factory=list, max_length=16)
    quick_reply: QuickReply | None = None
    is_echo: bool = False
    metadata: str | None = Field(None, max_length=1000)


class Postback(_Meta):
    mid: MessageId | None = None
    title: str = Field("", max_length=1000)
    payload: str = Field("", max_length=1000)


class Delivery(_Meta):
    mids: list[MessageId] = Field(default_factory=list, max_length=1000)


class Read(_Meta):
    mid: MessageId | None = None  # Instagram names the message; Messenger only a watermark


class Messaging(_Meta):
    sender: Party
    recipient: Party
    timestamp: Timestamp
    message: Message | None = None
    postback: Postback | None = None
    delivery: Delivery | None = None
    read: Read | None = None


class Entry(_Meta):
    id: ScopedId  # the page, or the Instagram account
    messaging: list[Messaging] = Field(default_factory=list, max_length=1000)


class WebhookPayload(_Meta):
    object: Literal["page", "instagram"]
    entry: list[Entry] = Field(max_length=1000)

    @property
    def channel(self) -> Channel:
        return OBJECTS[self.object]


def parse(body: bytes) -> WebhookPayload:
    """A webhook's body; a ValidationError if it is not Meta's page-messaging payload."""
    return WebhookPayload.model_validate_json(body)


# Attachment types whose URL is a file Balas records; the kind is all Meta says of its format
# (the responder detects an image's or a file's type once downloaded).
MEDIA_TYPES = {
    "image": "image/*",
    "audio": "audio/*",
    "video": "video/*",
    "file": "application/*",
}


def _media(message: Message) -> list[Media]:
    return [
        Media(url=a.payload.url, content_type=MEDIA_TYPES[a.type])
        for a in message.attachments
        if a.type in MEDIA_TYPES and a.payload.url
    ]


def customer_of(entry: Entry, messaging: Messaging) -> str:
    """The customer's scoped id: the sender, or an echo's recipient."""
    return messaging.recipient.id if messaging.sender.id == entry.id else messaging.sender.id


def receipt_id(channel: Channel, entry: Entry, messaging: Messaging) -> str | None:
    """The id a message or postback is claimed by, so a retried webhook publishes it once;
    None for a receipt or an event Balas does not read."""
    if messaging.message is not None:
        return f"{channel.value}:{messaging.message.mid}"
    if messaging.postback is not None:  # older postbacks carry no mid
        mid = messaging.postback.mid or f"{customer_of(entry, messaging)}:{messaging.timestamp}"
        return f"{channel.value}:postback:{mid}"
    return None


def is_own_echo(messaging: Messaging) -> bool:
    """An echo of a message Balas sent: dropped."""
    message = messaging.message
    return message is not None and message.is_echo and message.metadata == ECHO_MARK


def message_received(
    channel: Channel, entry: Entry, messaging: Messaging, store: Store
) -> MessageReceived | None:
    """The event of a customer's message or postback; None when it carries nothing Balas reads
    (or is an echo)."""
    customer = customer_of(entry, messaging)
    if (message := messaging.message) is not None and not message.is_echo:
        message_id, text, media = message.mid, message.text, _media(message)
    elif (postback := messaging.postback) is not None:
        message_id = receipt_id(channel, entry, messaging) or ""
        text, media = postback.payload or postback.title, []
    else:
        return None
    if not text and not media:
        return None
    return MessageReceived(
        event_id=event_id_for(f"{channel.value}.inbound", message_id),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer, channel),
        channel=channel,
        channel_account=entry.id,
        message_sid=message_id,
        customer_number=customer,
        store_number=entry.id,
        text=text,
        media=media,
    )


def agent_reply(
    channel: Channel, entry: Entry, messaging: Messaging, store: Store
) -> AgentCommandIssued | None:
    """An echo of a message written in Meta's inbox app, as an agent's reply already sent;
    None for anything else (or an echo with no text)."""
    message = messaging.message
    if message is None or not message.is_echo or is_own_echo(messaging) or not message.text:
        return None
    command_id = event_id_for(f"{channel.value}.echo", message.mid)
    return AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer_of(entry, messaging), channel),
        channel=channel,
        channel_account=entry.id,
        command_id=command_id,
        agent_id=META_INBOX_AGENT,
        command="reply",
        text=message.text,
        sent_as=message.mid,
    )


def delivery_statuses(
    channel: Channel, entry: Entry, messaging: Messaging, store: Store
) -> list[DeliveryStatusChanged]:
    """The ticks of the store's messages a receipt names: each delivered message, and a read
    one when the receipt names it (Messenger's read names only a time: not applied)."""
    named: list[tuple[str, DeliveryStatus]] = []
    if messaging.delivery is not None:
        named += [(mid, DeliveryStatus.DELIVERED) for mid in messaging.delivery.mids]
    if messaging.read is not None and messaging.read.mid is not None:
        named.append((messaging.read.mid, DeliveryStatus.READ))
    customer = customer_of(entry, messaging)
    return [
        DeliveryStatusChanged(
            event_id=event_id_for(f"{channel.value}.status", mid, state.value),
            occurred_at=utcnow(),
            store_id=store.id,
            conversation_id=conversation_id(store.id, customer, channel),
            channel=channel,
            channel_account=entry.id,
            twilio_sid=mid,
            status=state,
        )
        for mid, state in named
    ]
