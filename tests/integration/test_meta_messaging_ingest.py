"""ingest's Messenger and Instagram routes against the session's Kafka and MongoDB, with
webhooks signed the way Meta signs them (tests/standins/graph_api.py): the handshake, the
signature, malformed and misdirected payloads, duplicates by `mid`, echoes and receipts.
"""

import json

import httpx
import pytest

from services.ingest.channels.meta_messaging import ENDPOINTS
from shared import topics
from shared.channels import ECHO_MARK, Channel
from shared.events import agent_command_event_id, event_id_for
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins import graph_api
from tests.standins.graph_api import GraphApiStandIn, Page
from tests.support.kafka import events_with_id
from tests.support.stores import save_messaging_store

pytestmark = pytest.mark.slow

APP_SECRET = "page-test-app-secret"
VERIFY_TOKEN = "page-test-verify-token"
CUSTOMER = "6712345678900042"
OBJECTS = {Channel.MESSENGER: "page", Channel.INSTAGRAM: "instagram"}


@pytest.fixture
def meta() -> GraphApiStandIn:
    return GraphApiStandIn()  # only its signing and payloads: no server needed


@pytest.fixture
def page(meta: GraphApiStandIn, channel: Channel) -> Page:
    return meta.add_page(OBJECTS[channel], "token", APP_SECRET)


@pytest.fixture
async def store(db: Database, settings: Settings, channel: Channel, page: Page) -> Store:
    return await save_messaging_store(
        db, settings, channel, page.account_id, "token", APP_SECRET, VERIFY_TOKEN
    )


async def post(
    ingest: str, channel: Channel, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=ingest, timeout=15) as http:
        return await http.post(ENDPOINTS[channel], content=body, headers=headers)


@pytest.mark.parametrize("channel", list(OBJECTS), indirect=True, ids=str)
async def test_the_handshake_echoes_the_challenge_for_a_stores_verify_token(
    ingest: str, channel: Channel, store: Store
) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8814"}
    async with httpx.AsyncClient(base_url=ingest) as http:
        answer = await http.get(ENDPOINTS[channel], params=query)
        wrong = await http.get(ENDPOINTS[channel], params={**query, "hub.verify_token": "guess"})

    assert (answer.status_code, answer.text) == (200, "8814")
    assert wrong.status_code == 403


@pytest.mark.parametrize("channel", list(OBJECTS), indirect=True, ids=str)
async def test_a_signed_message_is_published_once_however_often_meta_retries_it(
    ingest: str,
    channel: Channel,
    store: Store,
    page: Page,
    meta: GraphApiStandIn,
    settings: Settings,
) -> None:
    mid = graph_api.new_mid()
    payload = graph_api.customer_message(page, CUSTOMER, {"text": "Kak, ready ukuran M?"}, mid)
    body, headers = meta.signed(page, payload)

    answers = [await post(ingest, channel, body, headers) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    event_id = event_id_for(f"{channel.value}.inbound", mid)
    [event] = await events_with_id(settings, topics.WHATSAPP_INBOUND, event_id)
    assert event["conversation_id"] == f"{store.id}:{channel.value}:{CUSTOMER}"
    assert (event["channel"], event["channel_account"]) == (channel.value, page.account_id)
    assert event["text"] == "Kak, ready ukuran M?"


async def test_a_bad_or_missing_signature_or_another_channels_body_publishes_nothing(
    ingest: str,
    channel: Channel,
    store: Store,
    page: Page,
    meta: GraphApiStandIn,
    settings: Settings,
) -> None:
    mid = graph_api.new_mid()
    body, headers = meta.signed(
        page, graph_api.customer_message(page, CUSTOMER, {"text": "x"}, mid)
    )
    forged = {**headers, "X-Hub-Signature-256": GraphApiStandIn.signature("not-the-secret", body)}
    other = next(c for c in OBJECTS if c is not channel)

    refused = await post(ingest, channel, body, forged)
    missing = await post(ingest, channel, body, {"Content-Type": "application/json"})
    misdirected = await post(ingest, other, body, headers)
    malformed = await post(ingest, channel, body.replace(b'"sender"', b'"from"'), headers)

    assert (refused.status_code, missing.status_code) == (403, 401)
    assert (misdirected.status_code, malformed.status_code) == (400, 400)
    assert "sender" in malformed.json()["detail"]
    event_id = event_id_for(f"{channel.value}.inbound", mid)
    assert await events_with_id(settings, topics.WHATSAPP_INBOUND, event_id) == []


async def test_an_account_no_store_uses_is_refused(
    ingest: str, channel: Channel, store: Store, meta: GraphApiStandIn
) -> None:
    stranger = meta.add_page(OBJECTS[channel], "token", APP_SECRET)
    body, headers = meta.signed(
        stranger, graph_api.customer_message(stranger, CUSTOMER, {"text": "halo"})
    )

    assert (await post(ingest, channel, body, headers)).status_code == 404


@pytest.mark.parametrize("channel", [Channel.INSTAGRAM], indirect=True, ids=str)
async def test_an_echo_from_metas_inbox_is_an_agent_reply_and_balas_own_echo_is_dropped(
    ingest: str,
    channel: Channel,
    store: Store,
    page: Page,
    meta: GraphApiStandIn,
    settings: Settings,
) -> None:
    admins, balas = graph_api.new_mid(), graph_api.new_mid()
    from_inbox = graph_api.echo_payload(page, CUSTOMER, "Sudah dikirim ya kak", admins)
    own = graph_api.echo_payload(page, CUSTOMER, "Halo!", balas, metadata=ECHO_MARK)

    answers = [
        await post(ingest, channel, *meta.signed(page, payload))
        for payload in (from_inbox, from_inbox, own)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    command_id = event_id_for(f"{channel.value}.echo", admins)
    [command] = await events_with_id(
        settings, topics.AGENT_COMMANDS, agent_command_event_id(command_id)
    )
    assert (command["command"], command["sent_as"]) == ("reply", admins)
    assert command["conversation_id"] == f"{store.id}:{channel.value}:{CUSTOMER}"
    own_id = agent_command_event_id(event_id_for(f"{channel.value}.echo", balas))
    assert await events_with_id(settings, topics.AGENT_COMMANDS, own_id) == []


@pytest.mark.parametrize("channel", [Channel.INSTAGRAM], indirect=True, ids=str)
async def test_a_delivery_receipt_is_a_status_of_the_message_it_names(
    ingest: str,
    channel: Channel,
    store: Store,
    page: Page,
    meta: GraphApiStandIn,
    settings: Settings,
) -> None:
    mid = graph_api.new_mid()
    receipt = graph_api.receipt_payload(page, CUSTOMER, delivery={"mids": [mid]})

    answer = await post(ingest, channel, *meta.signed(page, receipt))

    assert answer.status_code == 200
    event_id = event_id_for(f"{channel.value}.status", mid, "delivered")
    [status] = await events_with_id(settings, topics.WHATSAPP_STATUS, event_id)
    assert status["twilio_sid"] == mid


async def test_one_stores_app_cannot_post_for_another_stores_page(
    ingest: str,
    channel: Channel,
    store: Store,
    meta: GraphApiStandIn,
    db: Database,
    settings: Settings,
) -> None:
    other = meta.add_page(OBJECTS[channel], "other-token", "other-app-secret")
    await save_messaging_store(
        db, settings, channel, other.account_id, "other-token", "other-app-secret"
    )
    mid = graph_api.new_mid()
    body = json.dumps(graph_api.customer_message(other, CUSTOMER, {"text": "halo"}, mid)).encode()
    signed_by_first = {"X-Hub-Signature-256": GraphApiStandIn.signature(APP_SECRET, body)}

    answer = await post(ingest, channel, body, signed_by_first)

    assert answer.status_code == 403
    event_id = event_id_for(f"{channel.value}.inbound", mid)
    assert await events_with_id(settings, topics.WHATSAPP_INBOUND, event_id) == []
