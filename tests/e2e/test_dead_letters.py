"""When Twilio keeps failing, the message is retried, parked on the DLQ, and re-driven later.

(An LLM failure no longer parks anything: the bot answers offline instead.)"""

import asyncio
import json
import sys

import pytest

from balas import dead_letters
from shared import mongo, topics
from shared.stores.directory import Store
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def test_a_failing_twilio_parks_the_message_and_a_redrive_answers_it_once(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    twilio_api.fail_next(system.settings.consumers.handler_max_attempts, status=503)  # every send
    try:
        await webhooks.message(store, customer, "Halo?")

        async def parked() -> dead_letters.StoredLetter | None:
            letters = await dead_letters.list_letters(
                system.settings, system_db, topics.WHATSAPP_INBOUND
            )
            return next((s for s in letters if customer in s.letter.payload), None)

        stored = await eventually(parked)
    finally:
        twilio_api.stop_failing()
    letter = stored.letter
    assert letter.consumer_group == "responder"
    assert letter.attempts == system.settings.consumers.handler_max_attempts
    assert "503" in letter.error
    assert json.loads(letter.payload)["customer_number"] == customer
    assert twilio_api.sent_to(customer) == []

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
