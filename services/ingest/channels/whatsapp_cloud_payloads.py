"""Meta's WhatsApp Cloud API webhook payload as pydantic models, and the events it becomes.
No I/O here.

A POST carries `entry[].changes[]`; a change of field `messages` has a `value` with the
receiving number (`metadata.phone_number_id`, which names the store), the customers' profiles
(`contacts`), their `messages` and the `statuses` of messages the store sent. Other fields
(template reviews, account updates) are acknowledged and ignored. A message of a type Balas
does not read (a location, a contact card, `unsupported`) is acknowledged and not published.
"""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.channels import Channel
from shared.events import (
    DeliveryStatus,
    DeliveryStatusChanged,
    Media,
    MessageReceived,
    event_id_for,
    utcnow,
)
from shared.http_limits import KiB
from shared.identity import conversation_id
from shared.stores.directory import Store

MAX_BODY_BYTES = 512 * KiB  # Meta batches at most a few hundred small updates in one POST
MESSAGES_FIELD = "messages"

WaId = Annotated[str, Field(pattern=r"^[1-9][0-9]{6,14}$")]  # a number without its +
MessageId = Annotated[str, Field(pattern=r"^wamid\.[A-Za-z0-9+/=_-]{1,300}$")]
Text = Annotated[str, Field(max_length=4096)]


class _Meta(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Metadata(_Meta):
    display_phone_number: str = Field(max_length=32)
    phone_number_id: str = Field(pattern=r"^[0-9]{1,32}$")


class Profile(_Meta):
    name: str | None = Field(None, max_length=256)


class Contact(_Meta):
    wa_id: WaId
    profile: Profile = Profile()


class TextBody(_Meta):
    body: Text


class MediaBody(_Meta):
    id: str = Field(min_length=1, max_length=128)
    mime_type: str = Field("application/octet-stream", max_length=128)
    caption: Text = ""
    filename: str | None = Field(None, max_length=512)


class Choice(_Meta):
    id: str = Field(max_length=256)
    title: str = Field(max_length=256)


class Interactive(_Meta):
    type: Literal["button_reply", "list_reply"]
    button_reply: Choice | None = None
    list_reply: Choice | None = None

    @property
    def choice(self) -> Choice | None:
        return self.button_reply if self.type == "button_reply" else self.list_reply


class Button(_Meta):
    """A quick-reply button of a template the customer pressed."""

    text: str = Field(max_length=256)
    payload: str | None = Field(None, max_length=1024)


class Reaction(_Meta):
    message_id: str = Field(max_length=300)
    emoji: str = Field("", max_length=32)  # empty: the customer took the reaction back


MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


class CloudMessage(_Meta):
    """One customer message; the object named by `type` holds its content."""

    from_number: WaId = Field(alias="from")
    id: MessageId
    timestamp: str = Field(pattern=r"^[0-9]{1,12}$")
    type: str = Field(max_length=32)
    text: TextBody | None = None
    image: MediaBody | None = None
    document: MediaBody | None = None
    audio: MediaBody | None = None
    video: MediaBody | None = None
    sticker: MediaBody | None = None
    interactive: Interactive | None = None
    button: Button | None = None
    reaction: Reaction | None = None

    @model_validator(mode="after")
    def _content_of_its_type(self) -> Self:
        readable = ("text", *MEDIA_TYPES, "interactive", "button", "reaction")
        if self.type in readable and getattr(self, self.type) is None:
            raise ValueError(f"a {self.type} message without its `{self.type}` object")
        if self.interactive is not None and self.interactive.choice is None:
            raise ValueError(f"an interactive reply without its `{self.interactive.type}`")
        return self

    @property
    def media(self) -> MediaBody | None:
        return getattr(self, self.type) if self.type in MEDIA_TYPES else None


class StatusError(_Meta):
    code: int
    title: str = Field("", max_length=512)


class CloudStatus(_Meta):
    """A new state of a message the store sent."""

    id: MessageId
    status: str = Field(max_length=32)
    timestamp: str = Field(pattern=r"^[0-9]{1,12}$")
    recipient_id: WaId
    errors: list[StatusError] = Field(default_factory=list, max_length=16)
    # what the send passed as `biz_opaque_callback_data`: our id of a reply (graph_sender.py)
    biz_opaque_callback_data: str | None = Field(None, max_length=512)


class MessagesValue(_Meta):
    messaging_product: Literal["whatsapp"]
    metadata: Metadata
    contacts: list[Contact] = Field(default_factory=list, max_length=1000)
    messages: list[CloudMessage] = Field(default_factory=list, max_length=1000)
    statuses: list[CloudStatus] = Field(default_factory=list, max_length=1000)


class Change(_Meta):
    field: str = Field(max_length=64)
    value: dict[str, object]


class Entry(_Meta):
    id: str = Field(max_length=64)  # the WhatsApp Business Account
    changes: list[Change] = Field(max_length=1000)


class WebhookPayload(_Meta):
    object: Literal["whatsapp_business_account"]
    entry: list[Entry] = Field(max_length=1000)

    def message_values(self) -> list[MessagesValue]:
        """The `messages` changes, validated (a ValidationError if one is malformed)."""
        return [
            MessagesValue.model_validate(change.value)
            for entry in self.entry
            for change in entry.changes
            if change.field == MESSAGES_FIELD
        ]


def parse(body: bytes) -> list[MessagesValue]:
    """The `messages` changes of a webhook's body; a ValidationError if it is not Meta's."""
    return WebhookPayload.model_validate_json(body).message_values()


def explain(error: ValidationError) -> str:
    """A one-line reason for a 400, naming the payload's fields."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors()
    )


STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


def _e164(digits: str) -> str:
    return "+" + "".join(character for character in digits if character.isdigit())


def content(message: CloudMessage) -> tuple[str, list[Media]] | None:
    """What the customer wrote and attached, as Balas reads it; None for a type it does not
    read. A button or list choice is its title; a reaction its emoji."""
    if message.text is not None:
        return message.text.body, []
    if (media := message.media) is not None:
        return media.caption, [Media(id=media.id, content_type=media.mime_type)]
    if message.interactive is not None and (choice := message.interactive.choice) is not None:
        return choice.title, []
    if message.button is not None:
        return message.button.text, []
    if message.reaction is not None and message.reaction.emoji:
        return message.reaction.emoji, []
    return None


def message_received(
    value: MessagesValue, message: CloudMessage, store: Store
) -> MessageReceived | None:
    """The event of one customer message; None when Balas does not read its type."""
    read = content(message)
    if read is None:
        return None
    text, media = read
    customer = _e164(message.from_number)
    names = {contact.wa_id: contact.profile.name for contact in value.contacts}
    return MessageReceived(
        event_id=event_id_for("whatsapp.inbound", message.id),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer, Channel.WHATSAPP_CLOUD),
        channel=Channel.WHATSAPP_CLOUD,
        channel_account=value.metadata.phone_number_id,
        message_sid=message.id,
        customer_number=customer,
        store_number=_e164(value.metadata.display_phone_number),
        profile_name=names.get(message.from_number),
        text=text,
        media=media,
        reaction_to=message.reaction.message_id if message.reaction is not None else None,
    )


def delivery_status_changed(
    value: MessagesValue, status: CloudStatus, store: Store
) -> DeliveryStatusChanged | None:
    """The event of one status; None for a state Balas does not track."""
    state = STATUSES.get(status.status)
    if state is None:
        return None
    customer = _e164(status.recipient_id)
    return DeliveryStatusChanged(
        event_id=event_id_for("whatsapp.status", status.id, state.value),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer, Channel.WHATSAPP_CLOUD),
        channel=Channel.WHATSAPP_CLOUD,
        channel_account=value.metadata.phone_number_id,
        twilio_sid=status.id,
        message_id=status.biz_opaque_callback_data,
        status=state,
        error_code=str(status.errors[0].code) if status.errors else None,
    )
