"""A customer's message on Messenger and on Instagram through the running system: ingest,
Kafka, the responder, and out through the Graph API stand-in's Send API on the same channel,
once even when Meta posts the message twice; the echo of Balas's own reply is not an agent's, its
receipt ticks it; an agent's reply from the console goes out on the channel; and an admin's
reply written in Meta's inbox app (an echo) shows as an agent's reply without being sent."""

import uuid

import httpx
import pytest

from services.ingest.channels.meta_messaging import ENDPOINTS
from shared import mongo
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.settings import Settings
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn, Page
from tests.standins.twilio_api import TwilioStandIn
from tests.support.stores import save_messaging_store
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

TOKEN = "EAAG-e2e-page-token"
APP_SECRET = "e2e-page-app-secret"
OBJECTS = {Channel.MESSENGER: "page", Channel.INSTAGRAM: "instagram"}
TICKED = {Channel.MESSENGER: "delivered", Channel.INSTAGRAM: "read"}  # Messenger's read: a time
AGENT_TEXT = "Halo kak, saya cek ke kurir ya."
INBOX_TEXT = "Sudah dikirim kemarin ya kak, resi JNE 123."


@pytest.mark.parametrize("channel", list(OBJECTS), ids=lambda channel: channel.value)
async def test_a_message_is_answered_on_its_channel_and_agents_replies_show_in_the_inbox(
    system: RunningSystem,
    system_db: mongo.Database,
    graph_api: GraphApiStandIn,
    twilio_api: TwilioStandIn,
    channel: Channel,
) -> None:
    page: Page = graph_api.add_page(OBJECTS[channel], TOKEN, APP_SECRET)
    settings: Settings = system.settings
    store = await save_messaging_store(
        system_db, settings, channel, page.account_id, TOKEN, APP_SECRET
    )
    customer = str(6700000000000000 + uuid.uuid4().int % 10**15)
    message = meta.customer_message(page, customer, {"text": "Halo, batik tulis ada ukuran L?"})
    body, headers = graph_api.signed(page, message)

    async with httpx.AsyncClient(base_url=system.ingest_url, timeout=30) as http:
        answers = [await http.post(ENDPOINTS[channel], content=body, headers=headers)]
        answers.append(await http.post(ENDPOINTS[channel], content=body, headers=headers))

    assert [answer.status_code for answer in answers] == [200, 200]  # Meta's retry: a duplicate
    [sent] = await eventually(lambda: graph_api.page_sends(customer))
    assert sent["request"]["message"]["text"] == (
        "Terima kasih! Anda menulis: Halo, batik tulis ada ukuran L?"
    )
    assert sent["request"]["messaging_type"] == "RESPONSE"
    assert twilio_api.sent_to(customer) == []  # answered on its own channel only

    async def ticked(message_id: str) -> dict | None:
        reply = await system_db[MESSAGES].find_one({"twilio_sid": message_id})
        return reply if reply and reply.get("delivery_status") == TICKED[channel] else None

    reply = await eventually(lambda: ticked(sent["id"]))  # its echo went before the receipts
    conversation = f"{store.id}:{channel.value}:{customer}"
    assert (reply["conversation_id"], reply["channel"]) == (conversation, channel.value)

    token = settings.console.admin_api_token.get_secret_value()
    async with httpx.AsyncClient(
        base_url=system.console_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as console:
        url = f"/api/stores/{store.id}/conversations/{conversation}/commands"
        issued = await console.post(url, json={"command": "reply", "text": AGENT_TEXT})
    assert issued.status_code == 202
    agents = await eventually(lambda: graph_api.page_sends(customer)[1:])
    assert [a["request"]["message"]["text"] for a in agents] == [AGENT_TEXT]
    await eventually(lambda: ticked(agents[0]["id"]))  # its echo is in, before the admin's

    echo_body, echo_headers = graph_api.signed(page, meta.echo_payload(page, customer, INBOX_TEXT))
    async with httpx.AsyncClient(base_url=system.ingest_url, timeout=30) as http:
        echoed = await http.post(ENDPOINTS[channel], content=echo_body, headers=echo_headers)
    assert echoed.status_code == 200

    async def inbox_reply() -> dict | None:
        return await system_db[MESSAGES].find_one(
            {"conversation_id": conversation, "agent_id": "meta_inbox"}
        )

    recorded = await eventually(inbox_reply)
    assert (recorded["state"], recorded["text"], recorded["author"]) == (
        "sent",
        INBOX_TEXT,
        "agent",
    )
    outbound = await system_db[MESSAGES].count_documents(
        {"conversation_id": conversation, "direction": "outbound"}
    )
    assert outbound == 3  # the bot's, the console agent's, the inbox's: no echo recorded twice
    assert len(graph_api.page_sends(customer)) == 2  # the inbox's reply was never sent again
