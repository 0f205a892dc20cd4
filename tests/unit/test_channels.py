"""The channel is a dimension of every conversation event; events and conversation ids written
before channels existed still read as Twilio WhatsApp."""

import json

from shared.channels import Channel
from shared.events import AgentCommandIssued, DeliveryStatusChanged, MessageReceived, ReplySent
from shared.identity import channel_of, conversation_id, customer_number

# A MessageReceived exactly as ingest serialised it before channels existed.
OLD_MESSAGE = {
    "schema_version": 1,
    "event_id": "0d9b0b8e-0000-5000-8000-000000000001",
    "occurred_at": "2026-05-06T08:00:00Z",
    "store_id": "toko-batik",
    "conversation_id": "toko-batik:+6281100000001",
    "event_type": "message.received",
    "message_sid": "SM" + "a" * 32,
    "channel": "whatsapp",
    "customer_number": "+6281100000001",
    "store_number": "+14155238886",
    "profile_name": "Sari",
    "text": "Halo",
    "media": [{"url": "https://api.twilio.com/m/1", "content_type": "image/jpeg"}],
}


def test_an_old_message_event_parses_as_twilio_whatsapp() -> None:
    event = MessageReceived.model_validate_json(json.dumps(OLD_MESSAGE))

    assert event.channel is Channel.WHATSAPP
    assert event.channel_account is None
    assert event.media[0].url == "https://api.twilio.com/m/1"
    assert event.media[0].id is None


def test_old_status_reply_and_command_events_parse_as_twilio_whatsapp() -> None:
    common = {k: OLD_MESSAGE[k] for k in ("event_id", "occurred_at", "store_id", "conversation_id")}
    status = DeliveryStatusChanged.model_validate(
        {**common, "twilio_sid": "SM" + "b" * 32, "status": "delivered"}
    )
    reply = ReplySent.model_validate(
        {
            **common,
            "message_id": "reply:x",
            "in_reply_to": "x",
            "author": "bot",
            "text": "Halo kak",
            "sent": True,
            "customer_message_at": "2026-05-06T08:00:00Z",
            "response_seconds": 2.0,
            "first_response": True,
        }
    )
    command = AgentCommandIssued.model_validate(
        {**common, "command_id": "c1", "agent_id": "a1", "command": "take_over"}
    )

    assert {status.channel, reply.channel, command.channel} == {Channel.WHATSAPP}


def test_a_cloud_message_round_trips_with_its_channel_and_account() -> None:
    event = MessageReceived.model_validate(
        {**OLD_MESSAGE, "channel": "whatsapp_cloud", "channel_account": "106540352242922"}
    )

    again = MessageReceived.model_validate_json(event.model_dump_json())

    assert again.channel is Channel.WHATSAPP_CLOUD
    assert again.channel_account == "106540352242922"


def test_twilio_conversation_ids_keep_their_old_form() -> None:
    assert conversation_id("toko", "+6281100000001") == "toko:+6281100000001"
    assert channel_of("toko:+6281100000001") is Channel.WHATSAPP


def test_cloud_conversations_are_distinct_from_twilio_ones_of_the_same_number() -> None:
    cloud = conversation_id("toko", "+6281100000001", Channel.WHATSAPP_CLOUD)

    assert cloud == "toko:whatsapp_cloud:+6281100000001"
    assert cloud != conversation_id("toko", "+6281100000001")
    assert channel_of(cloud) is Channel.WHATSAPP_CLOUD


def test_the_customer_number_of_either_form_is_the_same() -> None:
    assert customer_number("toko:+6281100000001") == "+6281100000001"
    assert customer_number("toko:whatsapp_cloud:+6281100000001") == "+6281100000001"
