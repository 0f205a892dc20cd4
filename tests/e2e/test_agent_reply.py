"""An agent's reply through the running system: the console's API publishes the command, the
responder sends it through Twilio once, the aggregator counts it as the agent's; a private note
never reaches the customer nor the model."""

import httpx
import pytest

from shared import mongo
from shared.conversations.collections import CONVERSATIONS
from shared.kpis.collections import KPI_HOURLY
from shared.stores.directory import Store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

AGENT_TEXT = "Halo kak, saya cek ke kurir ya."


async def test_an_agent_reply_reaches_the_customer_once_and_a_note_never_does(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()
    await webhooks.message(store, customer, "Halo, paket saya belum sampai")
    await eventually(lambda: twilio_api.sent_to(customer))  # the bot's reply
    conversation = f"{store.id}:{customer}"
    token = system.settings.console.admin_api_token.get_secret_value()
    url = f"/api/stores/{store.id}/conversations/{conversation}/commands"

    async with httpx.AsyncClient(
        base_url=system.console_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as console:
        note = await console.post(url, json={"command": "note", "text": "Kurir JNE telat"})
        reply = await console.post(
            url, json={"command": "reply", "text": AGENT_TEXT, "agent_id": "ayu"}
        )

    assert (note.status_code, reply.status_code) == (202, 202)
    await eventually(lambda: len(twilio_api.sent_to(customer)) == 2)
    sent = twilio_api.sent_to(customer)
    assert sent[1]["body"] == AGENT_TEXT
    assert all("Kurir JNE telat" not in message["body"] for message in sent)

    async def counted() -> dict | None:
        bucket = await system_db[KPI_HOURLY].find_one({"store_id": store.id})
        return bucket if bucket and bucket.get("outbound_messages", {}).get("agent") == 1 else None

    await eventually(counted)
    card = await system_db[CONVERSATIONS].find_one({"_id": conversation})
    assert card is not None
    assert card["owner"] == "human"  # the agent's reply took the conversation

    async with httpx.AsyncClient(
        base_url=system.console_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as console:
        handed_back = await console.post(url, json={"command": "hand_back"})
    assert handed_back.status_code == 202

    async def bot_owns() -> bool:
        card = await system_db[CONVERSATIONS].find_one({"_id": conversation})
        return card is not None and card["owner"] == "bot"

    await eventually(bot_owns)
    await webhooks.message(store, customer, "Oke, ditunggu kabarnya")
    await eventually(lambda: len(twilio_api.sent_to(customer)) == 3)
    prompt = openai_api.requests_mentioning("Oke, ditunggu kabarnya")[0]["messages"]
    assert AGENT_TEXT in str(prompt)  # the agent's reply is history
    assert "Kurir JNE telat" not in str(prompt)  # the private note never is
