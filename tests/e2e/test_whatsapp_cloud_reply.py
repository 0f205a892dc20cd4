"""A customer's message on the WhatsApp Cloud API, through ingest, Kafka and the responder, out
through the Graph API stand-in on the same channel, its status ticks applied from Meta's signed
webhooks, and counted in the KPIs."""

import uuid

import httpx
import pytest

from shared import mongo
from shared.conversations.collections import MESSAGES
from shared.kpis.collections import KPI_HOURLY
from shared.routes import WHATSAPP_CLOUD_PATH
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.stores import save_cloud_store
from tests.support.system import RunningSystem
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

TOKEN = "EAAG-e2e-access-token"
APP_SECRET = "e2e-cloud-app-secret"


@pytest.fixture
async def cloud_store(
    system: RunningSystem, system_db: mongo.Database, graph_api: GraphApiStandIn
) -> tuple[Store, meta.PhoneNumber]:
    number = graph_api.add_number(f"+1555{uuid.uuid4().int % 10**7:07d}", TOKEN, APP_SECRET)
    settings: Settings = system.settings
    store = await save_cloud_store(system_db, settings, number.phone_number_id, TOKEN, APP_SECRET)
    return store, number


async def test_a_cloud_message_is_answered_on_the_cloud_api_ticked_and_counted(
    system: RunningSystem,
    system_db: mongo.Database,
    cloud_store: tuple[Store, meta.PhoneNumber],
    graph_api: GraphApiStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    store, number = cloud_store
    customer = new_customer()
    payload = meta.message_payload(number, customer, meta.text("Halo, batik tulis ada ukuran L?"))
    body, headers = graph_api.signed(number, payload)

    async with httpx.AsyncClient(base_url=system.ingest_url, timeout=30) as http:
        answer = await http.post(WHATSAPP_CLOUD_PATH, content=body, headers=headers)

    assert answer.status_code == 200
    [sent] = await eventually(lambda: graph_api.sent_to(customer))
    assert sent["phone_number_id"] == number.phone_number_id
    assert sent["request"]["text"]["body"] == (
        "Terima kasih! Anda menulis: Halo, batik tulis ada ukuran L?"
    )
    assert twilio_api.sent_to(customer) == []  # answered on its own channel only

    async def read_tick() -> dict | None:
        reply = await system_db[MESSAGES].find_one({"twilio_sid": sent["id"]})
        return reply if reply and reply.get("delivery_status") == "read" else None

    reply = await eventually(read_tick)
    assert reply["conversation_id"] == f"{store.id}:whatsapp_cloud:{customer}"
    assert reply["channel"] == "whatsapp_cloud"

    async def counted() -> dict | None:
        bucket = await system_db[KPI_HOURLY].find_one({"store_id": store.id})
        if bucket and bucket.get("delivery", {}).get("read") == 1:
            return bucket
        return None

    bucket = await eventually(counted)
    assert bucket["inbound_messages"] == 1
    assert bucket["outbound_messages"]["bot"] == 1
    assert bucket["unique_customers"] == 1
