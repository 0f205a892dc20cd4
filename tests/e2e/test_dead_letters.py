"""When the LLM keeps failing, the customer message is retried, then parked on the DLQ."""

import json

import pytest

from shared import topics
from shared.stores import Store
from tests.e2e.conftest import RunningSystem, Webhooks
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support import eventually, new_customer, read_topic

pytestmark = pytest.mark.slow


async def test_an_llm_that_keeps_failing_sends_the_message_to_the_dead_letter_topic(
    system: RunningSystem,
    store: Store,
    webhooks: Webhooks,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    openai_api.fail_next(system.settings.handler_max_attempts, status=503)
    try:
        await webhooks.message(store, customer, "Halo?")

        async def dead_letter() -> dict | None:
            values = await read_topic(
                system.settings.kafka_bootstrap_servers or "",
                topics.dead_letter(topics.WHATSAPP_INBOUND),
            )
            letters = [json.loads(value) for value in values]
            return next((d for d in letters if customer in d["payload"]), None)

        letter = await eventually(dead_letter)
    finally:
        openai_api.stop_failing()
    assert letter["consumer_group"] == "responder"
    assert letter["attempts"] == system.settings.handler_max_attempts
    assert "503" in letter["error"] or "InternalServerError" in letter["error"]
    assert json.loads(letter["payload"])["customer_number"] == customer
    assert twilio_api.sent_to(customer) == []
