"""Meta's WhatsApp Cloud API webhooks read as Balas events: each message type's content, the
statuses Twilio's become, malformed payloads refused with the field named, and the signature."""

from typing import Any

import pytest
from pydantic import ValidationError

from services.ingest.channels import meta_signature
from services.ingest.channels import whatsapp_cloud_payloads as payloads
from shared.channels import Channel
from shared.events import DeliveryStatus
from shared.stores.directory import Store
from tests.standins import graph_api
from tests.standins.graph_api import GraphApiStandIn, PhoneNumber

NUMBER = PhoneNumber("106540352242922", "+15550783881", "token", "app-secret")
STORE = Store(id="toko", name="Toko", whatsapp_number="+15550783881")
CUSTOMER = "+6281100000001"


def received(content: dict[str, Any]) -> Any:
    payload = graph_api.message_payload(NUMBER, CUSTOMER, content, message_id="wamid.ABC123==")
    values = payloads.parse(GraphApiStandIn().signed(NUMBER, payload)[0])
    [value] = values
    return payloads.message_received(value, value.messages[0], STORE)


def test_a_text_message_is_a_cloud_message_of_its_store_and_customer() -> None:
    event = received(graph_api.text("Halo kak, ready?"))

    assert event.text == "Halo kak, ready?"
    assert event.channel is Channel.WHATSAPP_CLOUD
    assert event.channel_account == NUMBER.phone_number_id
    assert event.conversation_id == "toko:whatsapp_cloud:+6281100000001"
    assert (event.customer_number, event.store_number) == (CUSTOMER, "+15550783881")
    assert event.profile_name == "Sari"
    assert event.message_sid == "wamid.ABC123=="


@pytest.mark.parametrize("kind", ["image", "document", "audio"])
def test_media_carries_its_media_id_and_caption(kind: str) -> None:
    part = {"id": "1234567890", "mime_type": "image/jpeg", "caption": "yang ini ada?"}
    event = received({"type": kind, kind: part})

    assert [(m.id, m.content_type, m.url) for m in event.media] == [
        ("1234567890", "image/jpeg", "")
    ]
    assert event.text == "yang ini ada?"


@pytest.mark.parametrize("kind", ["button_reply", "list_reply"])
def test_an_interactive_reply_reads_as_the_choice_the_customer_made(kind: str) -> None:
    choice = {"id": "track", "title": "Lacak pesanan"}
    event = received({"type": "interactive", "interactive": {"type": kind, kind: choice}})

    assert event.text == "Lacak pesanan"


def test_a_reaction_reads_as_its_emoji_and_a_withdrawn_one_is_not_published() -> None:
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}
    withdrawn = {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": ""}}

    event = received(reaction)
    assert (event.text, event.reaction_to) == ("👍", "wamid.X")
    assert received(withdrawn) is None
    assert received(graph_api.text("👍")).reaction_to is None  # an emoji written is a message


def test_a_type_balas_does_not_read_is_not_published() -> None:
    location = {"type": "location", "location": {"latitude": -6.2, "longitude": 106.8}}

    assert received(location) is None


@pytest.mark.parametrize(
    ("meta", "ours"),
    [
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.READ),
        ("failed", DeliveryStatus.FAILED),
    ],
)
def test_statuses_become_the_status_events_twilio_callbacks_produce(
    meta: str, ours: DeliveryStatus
) -> None:
    error = 131047 if meta == "failed" else None
    payload = graph_api.status_payload(NUMBER, "wamid.OUT1", meta, CUSTOMER, error)
    [value] = payloads.parse(GraphApiStandIn().signed(NUMBER, payload)[0])

    event = payloads.delivery_status_changed(value, value.statuses[0], STORE)

    assert event is not None
    assert (event.twilio_sid, event.status, event.channel) == (
        "wamid.OUT1",
        ours,
        Channel.WHATSAPP_CLOUD,
    )
    assert event.error_code == ("131047" if error else None)
    assert event.conversation_id == "toko:whatsapp_cloud:+6281100000001"
    assert event.message_id is None  # a send that passed no `biz_opaque_callback_data`


def test_a_status_names_our_message_by_the_callback_data_meta_echoes() -> None:
    payload = graph_api.status_payload(
        NUMBER, "wamid.OUT1", "sent", CUSTOMER, callback_data="reply:wamid.IN1"
    )
    [value] = payloads.parse(GraphApiStandIn().signed(NUMBER, payload)[0])

    event = payloads.delivery_status_changed(value, value.statuses[0], STORE)

    assert event is not None
    assert (event.twilio_sid, event.message_id) == ("wamid.OUT1", "reply:wamid.IN1")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"not json", "body: Invalid JSON"),
        (b'{"object": "page", "entry": []}', "object"),
        (
            b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field":'
            b' "messages", "value": {"messaging_product": "whatsapp"}}]}]}',
            "metadata",
        ),
    ],
)
def test_a_malformed_payload_is_refused_naming_the_field(body: bytes, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        payloads.parse(body)

    assert payloads.explain(refused.value).startswith(named)


def test_a_text_message_without_its_text_is_malformed() -> None:
    payload = graph_api.message_payload(NUMBER, CUSTOMER, {"type": "text"})

    with pytest.raises(ValidationError, match="without its `text`"):
        payloads.parse(GraphApiStandIn().signed(NUMBER, payload)[0])


def test_changes_other_than_messages_are_ignored() -> None:
    body = (
        b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field":'
        b' "message_template_status_update", "value": {"event": "APPROVED"}}]}]}'
    )

    assert payloads.parse(body) == []


def test_a_signature_made_the_way_meta_makes_it_matches() -> None:
    body = b'{"object": "whatsapp_business_account", "entry": []}'
    header = GraphApiStandIn.signature("app-secret", body)

    assert meta_signature.matches("app-secret", body, header)
    assert not meta_signature.matches("another-secret", body, header)
    assert not meta_signature.matches("app-secret", body + b" ", header)
    assert not meta_signature.matches("app-secret", body, header.removeprefix("sha256="))
