"""A customer's WhatsApp message, through ingest, Kafka, the responder and Twilio, and counted."""

import json

import pytest

from balas.simulate import inbound_message_form
from shared import mongo, topics
from shared.conversations.collections import MESSAGES
from shared.kpis.collections import KPI_HOURLY
from shared.stores.directory import Store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.kafka import read_topic
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def _bucket(db: mongo.Database, store: Store) -> dict | None:
    return await db[KPI_HOURLY].find_one({"store_id": store.id})


async def test_a_signed_webhook_gets_exactly_one_reply_with_the_llm_text_and_is_counted(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()

    response = await webhooks.message(store, customer, "Halo, sepatu lari ukuran 42 ready?")

    assert response.status_code == 200
    assert response.text.startswith("<?xml")
    assert "<Response>" in response.text
    sent = await eventually(lambda: twilio_api.sent_to(customer))
    assert len(sent) == 1
    assert sent[0]["from"] == f"whatsapp:{store.whatsapp_number}"
    assert sent[0]["body"] == "Terima kasih! Anda menulis: Halo, sepatu lari ukuran 42 ready?"
    prompt = openai_api.requests_mentioning("Halo, sepatu lari ukuran 42 ready?")[0]["messages"]
    assert prompt[0]["role"] == "system"
    assert store.name in prompt[0]["content"]
    assert customer not in json.dumps(prompt)  # the phone number never reaches the model

    async def counted() -> dict | None:
        bucket = await _bucket(system_db, store)
        if bucket and bucket.get("outbound_messages", {}).get("bot") == 1:
            return bucket
        return None

    bucket = await eventually(counted)
    assert bucket["inbound_messages"] == 1
    assert bucket["unique_customers"] == 1
    assert bucket["first_response"]["count"] == 1


async def test_the_model_sees_the_conversation_history_in_order(
    system: RunningSystem,
    store: Store,
    webhooks: Webhooks,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    await webhooks.message(store, customer, "Pesanan saya #1042 sudah dikirim?")
    await eventually(lambda: twilio_api.sent_to(customer))

    await webhooks.message(store, customer, "Kapan sampainya?")
    await eventually(lambda: len(twilio_api.sent_to(customer)) == 2)

    prompt = openai_api.requests_mentioning("Kapan sampainya?")[0]["messages"]
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[1]["content"] == "Pesanan saya #1042 sudah dikirim?"
    assert prompt[2]["content"] == twilio_api.sent_to(customer)[0]["body"]
    assert prompt[3]["content"] == "Kapan sampainya?"


async def test_the_same_webhook_twice_gives_one_event_and_one_reply(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    form = inbound_message_form(
        customer=customer, store_number=store.whatsapp_number, text="Ada diskon?"
    )

    first = await webhooks.message(store, customer, "", form=form)
    again = await webhooks.message(store, customer, "", form=form)
    # A later message of the same conversation is handled after anything the duplicate caused.
    await webhooks.message(store, customer, "Terima kasih")

    assert first.status_code == again.status_code == 200
    await eventually(lambda: len(twilio_api.sent_to(customer)) == 2)
    bodies = [m["body"] for m in twilio_api.sent_to(customer)]
    assert len(bodies) == 2
    assert "Ada diskon?" in bodies[0]
    assert "Terima kasih" in bodies[1]
    events = await read_topic(
        system.settings.kafka.bootstrap_servers or "", topics.WHATSAPP_INBOUND
    )
    assert sum(form["MessageSid"].encode() in value for value in events) == 1

    async def counted() -> dict | None:
        bucket = await _bucket(system_db, store)
        return bucket if bucket and bucket.get("outbound_messages", {}).get("bot") == 2 else None

    assert (await eventually(counted))["inbound_messages"] == 2


async def test_a_bad_or_missing_signature_gets_403_and_publishes_nothing(
    system: RunningSystem, store: Store, webhooks: Webhooks
) -> None:
    customer = new_customer()

    forged = await webhooks.message(store, customer, "forged", signature="bm90IGEgc2lnbmF0dXJl")
    unsigned = await webhooks.message(store, customer, "unsigned", signature="")

    assert forged.status_code == 403
    assert unsigned.status_code == 403
    events = await read_topic(
        system.settings.kafka.bootstrap_servers or "", topics.WHATSAPP_INBOUND
    )
    assert not any(customer.encode() in value for value in events)


async def test_a_malformed_payload_gets_400_with_a_reason(
    system: RunningSystem, store: Store, webhooks: Webhooks
) -> None:
    customer = new_customer()
    form = {"MessageSid": "not-a-sid", "From": customer, "To": f"whatsapp:{store.whatsapp_number}"}

    response = await webhooks.message(store, customer, "", form=form)

    assert response.status_code == 400
    reason = response.json()["detail"]
    assert "MessageSid" in reason
    assert "From" in reason


async def test_a_twilio_500_then_success_sends_once(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    failures_before = twilio_api.failed_attempts
    twilio_api.fail_next(1, status=500)

    await webhooks.message(store, customer, "Bisa COD?")

    sent = await eventually(lambda: twilio_api.sent_to(customer))
    assert twilio_api.failed_attempts == failures_before + 1
    reply = await eventually(lambda: _sent_reply(system_db, customer))
    assert reply["send_attempts"] == 2
    assert len(twilio_api.sent_to(customer)) == len(sent) == 1


async def test_delivery_callbacks_move_the_reply_to_delivered(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    await webhooks.message(store, customer, "Halo")

    async def delivered() -> dict | None:
        return await system_db[MESSAGES].find_one(
            {"conversation_id": f"{store.id}:{customer}", "delivery_status": "delivered"}
        )

    reply = await eventually(delivered)
    assert reply["twilio_sid"] == twilio_api.sent_to(customer)[0]["sid"]


async def test_callbacks_before_the_sends_answer_out_of_order_and_twice_still_tick_delivered(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    """Twilio may post a status before its API's answer reaches the responder: ingest has
    answered every callback when the answer leaves. One responder handles a conversation's
    statuses after its reply (one key's records in order), so the early ones wait here; another
    replica holding the status topic's partition would not (test_responder_delivery_ticks.py)."""
    customer = new_customer()
    usual = twilio_api.status_callbacks
    twilio_api.status_callbacks = ("delivered", "sent", "delivered")
    twilio_api.callbacks_before_answer = True
    twilio_api.response_delay_seconds = 1.0
    try:
        await webhooks.message(store, customer, "Halo")
        reply = await eventually(lambda: _sent_reply(system_db, customer))
    finally:
        twilio_api.status_callbacks = usual
        twilio_api.callbacks_before_answer = False
        twilio_api.response_delay_seconds = 0.0

    async def delivered() -> dict | None:
        found = await system_db[MESSAGES].find_one({"_id": reply["_id"]})
        return found if found and found["delivery_status"] == "delivered" else None

    assert (await eventually(delivered))["twilio_sid"] == twilio_api.sent_to(customer)[0]["sid"]


async def _sent_reply(db: mongo.Database, customer: str) -> dict | None:
    return await db[MESSAGES].find_one(
        {"direction": "outbound", "customer_number": customer, "state": "sent"}
    )
