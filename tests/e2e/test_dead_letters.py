"""A Twilio outage pauses the responder, and the reply goes out once when Twilio is back; an
event that fails for reasons of its own is parked on the DLQ and re-driven later.

(An LLM failure parks nothing either: the bot answers offline instead.)"""

import asyncio
import json
import sys
import uuid

import pytest

from balas import dead_letters
from shared import kafka, mongo, topics
from shared.stores.directory import Store, save_store
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.events import new_customer
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def test_a_twilio_outage_pauses_the_responder_and_the_reply_goes_out_once_after_it(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    # Far more failures than the attempts after which the message used to be dead-lettered.
    outage = 4 * system.settings.consumers.handler_max_attempts
    failed_before = twilio_api.failed_attempts
    twilio_api.fail_next(outage, status=503)
    try:
        await webhooks.message(store, customer, "Halo?")
        await eventually(lambda: twilio_api.sent_to(customer))
    finally:
        twilio_api.stop_failing()
    found = await dead_letters.list_letters(system.settings, system_db, topics.WHATSAPP_INBOUND)

    assert twilio_api.failed_attempts - failed_before == outage
    assert len(twilio_api.sent_to(customer)) == 1
    assert [s for s in found.letters if customer in s.letter.payload] == []


async def test_an_event_for_a_missing_store_is_parked_and_a_redrive_answers_it_once(
    system: RunningSystem,
    system_db: mongo.Database,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    suffix = uuid.uuid4().int % 10**9
    store = Store(id=f"store-{suffix}", name="Toko Baru", whatsapp_number=f"+1556{suffix:09d}")
    message = events.received(
        customer, "Halo?", store_id=store.id, store_number=store.whatsapp_number
    )
    broker = kafka.make_broker(system.settings, "test")
    await broker.start()
    try:
        await kafka.publish(broker, message)
    finally:
        await broker.stop()

    async def parked() -> dead_letters.StoredLetter | None:
        found = await dead_letters.list_letters(system.settings, system_db, topics.WHATSAPP_INBOUND)
        return next((s for s in found.letters if customer in s.letter.payload), None)

    stored = await eventually(parked)
    letter = stored.letter
    assert letter.consumer_group == "responder"
    assert letter.attempts == 1
    assert "does not exist" in letter.error
    assert json.loads(letter.payload)["customer_number"] == customer
    assert twilio_api.sent_to(customer) == []

    await save_store(system_db, store)  # the cause, fixed
    listed = await _balas(system, "dlq", "list", "--topic", topics.WHATSAPP_INBOUND)
    redriven = await _balas(system, "dlq", "redrive", stored.id)
    again = await _balas(system, "dlq", "redrive", stored.id)

    assert stored.id in listed
    assert "re-drove 1 of 1" in redriven
    assert "re-drove 0 of 1" in again
    await eventually(lambda: twilio_api.sent_to(customer))
    assert len(twilio_api.sent_to(customer)) == 1


async def _balas(system: RunningSystem, *args: str) -> str:
    """Run the `balas` command as an operator would, against the running system."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "balas",
        *args,
        env={**system.env, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()
