"""Messenger and Instagram webhooks read as Balas events: texts, quick replies, attachments by
URL, postbacks, echoes (an admin's reply in Meta's inbox app is an agent's; Balas's own marked
echo is dropped), receipts as statuses, and malformed payloads refused."""

from typing import Any

import pytest
from pydantic import ValidationError

from services.ingest.channels import meta_messaging_payloads as payloads
from shared.channels import ECHO_MARK, Channel
from shared.events import DeliveryStatus
from shared.stores.directory import Store
from tests.standins import graph_api
from tests.standins.graph_api import Page

STORE = Store(id="toko", name="Toko", whatsapp_number="+15550783881")
CUSTOMER = "6712345678901234"
PAGES = {
    Channel.MESSENGER: Page("170000000000001", "page", "token", "secret"),
    Channel.INSTAGRAM: Page("178414000000001", "instagram", "token", "secret"),
}


def read(payload: dict[str, Any]) -> tuple[Channel, payloads.Entry, payloads.Messaging]:
    parsed = payloads.parse(
        graph_api.GraphApiStandIn().signed(PAGES[Channel.MESSENGER], payload)[0]
    )
    [entry] = parsed.entry
    [messaging] = entry.messaging
    return parsed.channel, entry, messaging


@pytest.mark.parametrize("channel", list(PAGES))
def test_a_text_is_a_message_of_the_channels_conversation_with_the_customer(
    channel: Channel,
) -> None:
    page = PAGES[channel]
    payload = graph_api.customer_message(page, CUSTOMER, {"text": "Halo kak"}, mid="m_abc")

    found, entry, messaging = read(payload)
    event = payloads.message_received(found, entry, messaging, STORE)

    assert found is channel
    assert event is not None
    assert event.text == "Halo kak"
    assert event.conversation_id == f"toko:{channel.value}:{CUSTOMER}"
    assert (event.channel, event.channel_account) == (channel, page.account_id)
    assert (event.customer_number, event.message_sid) == (CUSTOMER, "m_abc")
    assert payloads.receipt_id(found, entry, messaging) == f"{channel.value}:m_abc"
    assert payloads.agent_reply(found, entry, messaging, STORE) is None


def test_a_quick_reply_is_the_text_the_customer_tapped() -> None:
    message = {"text": "Ukuran M", "quick_reply": {"payload": "SIZE_M"}}
    event = payloads.message_received(
        *read(graph_api.customer_message(PAGES[Channel.MESSENGER], CUSTOMER, message)), STORE
    )

    assert event is not None
    assert event.text == "Ukuran M"


def test_attachments_carry_their_public_url_and_unknown_kinds_are_left_out() -> None:
    attachments = [
        {"type": "image", "payload": {"url": "https://cdn.example/a.jpg"}},
        {"type": "audio", "payload": {"url": "https://cdn.example/v.mp4"}},
        {"type": "location", "payload": {}},
    ]
    page = PAGES[Channel.INSTAGRAM]
    message = graph_api.customer_message(page, CUSTOMER, {"attachments": attachments})
    event = payloads.message_received(*read(message), STORE)

    assert event is not None
    assert [(m.url, m.content_type) for m in event.media] == [
        ("https://cdn.example/a.jpg", "image/*"),
        ("https://cdn.example/v.mp4", "audio/*"),
    ]
    assert event.text == ""


def test_a_postback_is_a_message_whose_text_is_the_buttons_payload() -> None:
    page = PAGES[Channel.MESSENGER]
    payload = graph_api.postback_payload(page, CUSTOMER, "Cek status pesanan", "Status")
    channel, entry, messaging = read(payload)

    event = payloads.message_received(channel, entry, messaging, STORE)

    assert event is not None
    assert event.text == "Cek status pesanan"
    assert event.message_sid == payloads.receipt_id(channel, entry, messaging)


def test_an_echo_from_metas_inbox_app_is_an_agent_reply_already_sent() -> None:
    page = PAGES[Channel.MESSENGER]
    payload = graph_api.echo_payload(page, CUSTOMER, "Sudah kami kirim kak", mid="m_echo")
    channel, entry, messaging = read(payload)

    command = payloads.agent_reply(channel, entry, messaging, STORE)

    assert payloads.message_received(channel, entry, messaging, STORE) is None
    assert command is not None
    assert (command.command, command.text, command.sent_as) == (
        "reply",
        "Sudah kami kirim kak",
        "m_echo",
    )
    assert command.agent_id == payloads.META_INBOX_AGENT
    assert command.conversation_id == f"toko:messenger:{CUSTOMER}"  # the recipient is the customer
    assert not payloads.is_own_echo(messaging)


def test_an_echo_of_balas_own_send_is_recognised_and_becomes_nothing() -> None:
    page = PAGES[Channel.MESSENGER]
    payload = graph_api.echo_payload(page, CUSTOMER, "Halo!", metadata=ECHO_MARK)
    channel, entry, messaging = read(payload)

    assert payloads.is_own_echo(messaging)
    assert payloads.agent_reply(channel, entry, messaging, STORE) is None


def test_receipts_become_statuses_of_the_messages_they_name() -> None:
    page = PAGES[Channel.INSTAGRAM]
    delivered = read(graph_api.receipt_payload(page, CUSTOMER, delivery={"mids": ["m_1", "m_2"]}))
    seen = read(graph_api.receipt_payload(page, CUSTOMER, read={"mid": "m_2"}))
    watermark = read(graph_api.receipt_payload(page, CUSTOMER, read={"watermark": 1}))

    statuses = [
        (s.twilio_sid, s.status)
        for receipt in (delivered, seen, watermark)
        for s in payloads.delivery_statuses(*receipt, STORE)
    ]

    assert statuses == [
        ("m_1", DeliveryStatus.DELIVERED),
        ("m_2", DeliveryStatus.DELIVERED),
        ("m_2", DeliveryStatus.READ),
    ]
    assert payloads.receipt_id(*delivered) is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"object": "whatsapp_business_account", "entry": []}',
        b'{"object": "page", "entry": [{"id": "not-a-number", "messaging": []}]}',
        b'{"object": "page", "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}}]}]}',
        b"[]",
    ],
)
def test_a_body_that_is_not_metas_page_messaging_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        payloads.parse(body)
