"""Twilio's webhook forms as pydantic models, and the events they become. No I/O here."""

from typing import Annotated
from urllib.parse import unquote

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

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

WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# Twilio's form for a WhatsApp message with ten media is about 45 fields and a few KB; its
# largest field, a 1,600-character Body, is under 20 KB even percent-encoded.
MAX_FORM_BYTES = 64 * KiB
MAX_FIELDS = 100
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"  # all Twilio posts


def _whatsapp_number(address: str) -> str:
    """`whatsapp:+6281234567890` -> `+6281234567890`."""
    number = address.removeprefix(WHATSAPP_PREFIX)
    if not address.startswith(WHATSAPP_PREFIX) or not (
        number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16
    ):
        raise ValueError("must be a WhatsApp address like whatsapp:+6281234567890")
    return number


WhatsAppNumber = Annotated[str, AfterValidator(_whatsapp_number)]
TwilioSid = Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")]


class _TwilioForm(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class InboundMessageForm(_TwilioForm):
    """The form Twilio posts when a customer writes to a store's WhatsApp number."""

    message_sid: TwilioSid = Field(alias="MessageSid")
    from_number: WhatsAppNumber = Field(alias="From")
    to_number: WhatsAppNumber = Field(alias="To")
    body: str = Field("", alias="Body", max_length=4096)
    profile_name: str | None = Field(None, alias="ProfileName", max_length=256)
    num_media: int = Field(0, alias="NumMedia", ge=0, le=10)
    media: list[Media] = Field(default_factory=list)


class StatusCallbackForm(_TwilioForm):
    """The form Twilio posts when a message we sent changes state."""

    message_sid: TwilioSid = Field(alias="MessageSid")
    status: DeliveryStatus = Field(alias="MessageStatus")
    from_number: WhatsAppNumber = Field(alias="From")
    to_number: WhatsAppNumber = Field(alias="To")
    error_code: str | None = Field(None, alias="ErrorCode")


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """A urlencoded body's fields, decoded as Starlette's form parser does (bytes as Latin-1,
    percent escapes as UTF-8), as `parse_qsl(..., keep_blank_values=True)` returns them.
    ValueError past MAX_FIELDS fields. Written out because parse_qsl's two calls per field cost
    most of a webhook's form handling; `unquote` runs only on a part with an escape."""
    text = body.decode("latin-1")
    if text.count("&") >= MAX_FIELDS:
        raise ValueError(f"Too many fields. Maximum number of fields is {MAX_FIELDS}.")
    fields = []
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            fields.append((_unquote_plus(name), _unquote_plus(value)))
    return fields


def _unquote_plus(part: str) -> str:
    part = part.replace("+", " ")
    return unquote(part, errors="replace") if "%" in part else part


def parse_inbound(params: dict[str, str]) -> InboundMessageForm:
    count = params.get("NumMedia", "0")
    media = [
        {"url": params[f"MediaUrl{i}"], "content_type": params.get(f"MediaContentType{i}", "")}
        for i in range(int(count) if count.isdigit() else 0)
        if f"MediaUrl{i}" in params
    ]
    return InboundMessageForm.model_validate({**params, "media": media})


def parse_status(params: dict[str, str]) -> StatusCallbackForm:
    return StatusCallbackForm.model_validate(params)


def explain(error: ValidationError) -> str:
    """A one-line reason for a 400, naming Twilio's field names."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "form"
        problems.append(f"{field}: {item['msg']}")
    return "; ".join(problems)


def message_received(form: InboundMessageForm, store: Store) -> MessageReceived:
    return MessageReceived(
        event_id=event_id_for("whatsapp.inbound", form.message_sid),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, form.from_number),
        message_sid=form.message_sid,
        customer_number=form.from_number,
        store_number=form.to_number,
        channel_account=form.to_number,
        profile_name=form.profile_name,
        text=form.body,
        media=form.media,
    )


def delivery_status_changed(
    form: StatusCallbackForm, store: Store, message_id: str | None = None
) -> DeliveryStatusChanged:
    return DeliveryStatusChanged(
        event_id=event_id_for("whatsapp.status", form.message_sid, form.status.value),
        occurred_at=utcnow(),
        store_id=store.id,
        conversation_id=conversation_id(store.id, form.to_number),
        channel_account=form.from_number,
        twilio_sid=form.message_sid,
        message_id=message_id,
        status=form.status,
        error_code=form.error_code,
    )
