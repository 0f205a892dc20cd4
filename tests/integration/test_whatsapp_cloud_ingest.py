"""ingest's WhatsApp Cloud API route against the session's Kafka and MongoDB, with webhooks
signed the way Meta signs them (tests/standins/graph_api.py): the verification handshake, the
signature, malformed payloads, duplicates by `wamid`, and statuses.
"""

import json
import uuid

import httpx
import pytest

from services.ingest.channels.whatsapp_cloud import MAX_NUMBERS_PER_BODY
from shared import routes, topics
from shared.channels import Channel
from shared.events import event_id_for
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins import graph_api
from tests.standins.graph_api import GraphApiStandIn, PhoneNumber
from tests.support.kafka import events_with_id
from tests.support.stores import save_cloud_store

pytestmark = pytest.mark.slow

APP_SECRET = "cloud-test-app-secret"
VERIFY_TOKEN = "cloud-test-verify-token"
CUSTOMER = "+6281100000042"


@pytest.fixture
def meta() -> GraphApiStandIn:
    return GraphApiStandIn()  # only its signing and payloads: no server needed


@pytest.fixture
def number(meta: GraphApiStandIn) -> PhoneNumber:
    return meta.add_number(f"+1555{uuid.uuid4().int % 10**7:07d}", "token", APP_SECRET)


@pytest.fixture
async def store(db: Database, settings: Settings, number: PhoneNumber) -> Store:
    return await save_cloud_store(
        db, settings, number.phone_number_id, "token", APP_SECRET, VERIFY_TOKEN
    )


async def post(ingest: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=ingest, timeout=15) as http:
        return await http.post(routes.WHATSAPP_CLOUD_PATH, content=body, headers=headers)


async def test_the_handshake_echoes_the_challenge_for_a_stores_verify_token(
    ingest: str, store: Store
) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with httpx.AsyncClient(base_url=ingest) as http:
        answer = await http.get(routes.WHATSAPP_CLOUD_PATH, params=query)
        wrong = await http.get(
            routes.WHATSAPP_CLOUD_PATH, params={**query, "hub.verify_token": "guessed"}
        )
        not_subscribe = await http.get(
            routes.WHATSAPP_CLOUD_PATH, params={**query, "hub.mode": "unsubscribe"}
        )

    assert (answer.status_code, answer.text) == (200, "1158201444")
    assert (wrong.status_code, not_subscribe.status_code) == (403, 403)


async def test_a_signed_message_is_published_once_however_often_meta_retries_it(
    ingest: str, store: Store, number: PhoneNumber, meta: GraphApiStandIn, settings: Settings
) -> None:
    message_id = graph_api.new_message_id()
    payload = graph_api.message_payload(
        number, CUSTOMER, graph_api.text("Kak, kemeja batik M ready?"), message_id
    )
    body, headers = meta.signed(number, payload)

    answers = [await post(ingest, body, headers) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    [event] = await events_with_id(
        settings, topics.WHATSAPP_INBOUND, event_id_for("whatsapp.inbound", message_id)
    )
    assert event["store_id"] == store.id
    assert event["channel"] == Channel.WHATSAPP_CLOUD.value
    assert event["channel_account"] == number.phone_number_id
    assert event["conversation_id"] == f"{store.id}:whatsapp_cloud:{CUSTOMER}"
    assert event["text"] == "Kak, kemeja batik M ready?"


async def test_a_bad_or_missing_signature_publishes_nothing(
    ingest: str, store: Store, number: PhoneNumber, meta: GraphApiStandIn, settings: Settings
) -> None:
    message_id = graph_api.new_message_id()
    payload = graph_api.message_payload(number, CUSTOMER, graph_api.text("halo"), message_id)
    body, headers = meta.signed(number, payload)
    forged = {**headers, "X-Hub-Signature-256": GraphApiStandIn.signature("not-the-secret", body)}
    unsigned = {"Content-Type": "application/json"}

    refused = await post(ingest, body, forged)
    missing = await post(ingest, body, unsigned)
    tampered = await post(ingest, body.replace(b"halo", b"HALO"), headers)

    assert (refused.status_code, missing.status_code, tampered.status_code) == (403, 401, 403)
    event_id = event_id_for("whatsapp.inbound", message_id)
    assert await events_with_id(settings, topics.WHATSAPP_INBOUND, event_id) == []


async def test_a_malformed_payload_is_refused_with_the_field_named(
    ingest: str, store: Store, number: PhoneNumber, meta: GraphApiStandIn
) -> None:
    payload = graph_api.message_payload(number, CUSTOMER, graph_api.text("halo"))
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "not a number"
    body, headers = meta.signed(number, payload)

    answer = await post(ingest, body, headers)

    assert answer.status_code == 400
    assert "from" in answer.json()["detail"]


async def test_an_unsigned_body_naming_many_numbers_is_refused_before_any_look_up(
    ingest: str, store: Store, number: PhoneNumber
) -> None:
    payload = graph_api.message_payload(number, CUSTOMER, graph_api.text("halo"))
    change = payload["entry"][0]["changes"][0]
    payload["entry"][0]["changes"] = [
        {**change, "value": {**change["value"], "metadata": {
            **change["value"]["metadata"], "phone_number_id": f"{index:015d}"}}}
        for index in range(MAX_NUMBERS_PER_BODY + 1)
    ]  # fmt: skip
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0" * 64}

    answer = await post(ingest, json.dumps(payload).encode(), headers)

    assert answer.status_code == 400
    assert f"more than {MAX_NUMBERS_PER_BODY} numbers" in answer.json()["detail"]


async def test_a_number_no_store_uses_is_refused(
    ingest: str, store: Store, meta: GraphApiStandIn
) -> None:
    stranger = meta.add_number("+15550000001", "token", APP_SECRET)
    body, headers = meta.signed(
        stranger, graph_api.message_payload(stranger, CUSTOMER, graph_api.text("halo"))
    )

    assert (await post(ingest, body, headers)).status_code == 404


async def test_statuses_are_published_as_delivery_status_events(
    ingest: str, store: Store, number: PhoneNumber, meta: GraphApiStandIn, settings: Settings
) -> None:
    sent_id = graph_api.new_message_id()
    for status in ("delivered", "read"):
        body, headers = meta.signed(
            number, graph_api.status_payload(number, sent_id, status, CUSTOMER)
        )
        assert (await post(ingest, body, headers)).status_code == 200

    [read] = await events_with_id(
        settings, topics.WHATSAPP_STATUS, event_id_for("whatsapp.status", sent_id, "read")
    )
    assert (read["twilio_sid"], read["status"], read["channel"]) == (
        sent_id,
        "read",
        "whatsapp_cloud",
    )
    assert read["conversation_id"] == f"{store.id}:whatsapp_cloud:{CUSTOMER}"


async def test_a_body_naming_no_store_is_answered_only_when_a_stores_app_signed_it(
    ingest: str, store: Store, meta: GraphApiStandIn
) -> None:
    review = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": graph_api.WABA_ID,
                "changes": [
                    {"field": "message_template_status_update", "value": {"event": "APPROVED"}}
                ],
            }
        ],
    }
    body = json.dumps(review).encode()
    signed = {"X-Hub-Signature-256": GraphApiStandIn.signature(APP_SECRET, body)}
    forged = {"X-Hub-Signature-256": GraphApiStandIn.signature("someone-elses-app", body)}

    assert (await post(ingest, body, signed)).status_code == 200
    assert (await post(ingest, body, forged)).status_code == 403


async def test_one_stores_app_cannot_post_for_another_stores_number(
    ingest: str,
    store: Store,
    number: PhoneNumber,
    meta: GraphApiStandIn,
    db: Database,
    settings: Settings,
) -> None:
    other = meta.add_number("+15550004242", "other-token", "other-app-secret")
    await save_cloud_store(db, settings, other.phone_number_id, "other-token", "other-app-secret")
    message_id = graph_api.new_message_id()
    aimed_at_other = graph_api.message_payload(other, CUSTOMER, graph_api.text("halo"), message_id)
    body = json.dumps(aimed_at_other).encode()
    signed_by_first = {"X-Hub-Signature-256": GraphApiStandIn.signature(APP_SECRET, body)}

    answer = await post(ingest, body, signed_by_first)

    assert answer.status_code == 403
    event_id = event_id_for("whatsapp.inbound", message_id)
    assert await events_with_id(settings, topics.WHATSAPP_INBOUND, event_id) == []
