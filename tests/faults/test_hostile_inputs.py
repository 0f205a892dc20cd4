"""Oversize, malformed, hostile and poison requests on every public endpoint of the running
system, a customer writing alongside each: no request gets a server error, no service falls over,
and every customer is answered once. (Memory under a stream of huge bodies: test_oversize.py.)

Poison requests are correctly signed and make it past ingest's checks; the consumers must park
or drop them without stalling the customers queued behind them.
"""

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from balas.simulate import inbound_message_form, twilio_signature
from shared import routes
from shared.channels import Channel
from shared.http_limits import MiB
from shared.stores.directory import Store
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn, Page, PhoneNumber
from tests.standins.woocommerce_data import body_of, delivery_headers, order
from tests.support.faults import FaultSystem, Scenario, check
from tests.support.stores import save_cloud_store, save_messaging_store, save_woocommerce_store
from tests.support.system import AUTH_TOKEN

WEBHOOK_SECRET = "faults-webhook-secret"
CLOUD_APP_SECRET = "faults-cloud-app-secret"
HUGE = b"x" * (2 * MiB)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


async def woocommerce_store(system: FaultSystem) -> Store:
    db = system.db()
    try:
        return await save_woocommerce_store(db, system.settings, WEBHOOK_SECRET)
    finally:
        await db.client.close()


def signed_twilio(system: FaultSystem, path: str, form: dict[str, str]) -> dict[str, str]:
    url = routes.public_url(system.settings.ingest.public_base_url, path)
    return {**FORM, "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, form)}


def poison_forms(store: Store) -> list[dict[str, str]]:
    """Signed inbound forms whose content is hostile: odd text, numbers, counts, identifiers."""
    base = inbound_message_form(
        customer="+6281200000000", store_number=store.whatsapp_number, text=""
    )
    return [
        {**base, "MessageSid": f"SM{uuid.uuid4().hex}", "Body": "\x00\ufffd🙂" * 500},
        {**base, "MessageSid": f"SM{uuid.uuid4().hex}", "From": "whatsapp:+"},
        {**base, "MessageSid": f"SM{uuid.uuid4().hex}", "From": "whatsapp:" + "9" * 300},
        {**base, "MessageSid": f"SM{uuid.uuid4().hex}", "NumMedia": "9999"},
        {
            **base,
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "NumMedia": "1",
            "MediaUrl0": "http://127.0.0.1:1/x",
        },
        {**base, "MessageSid": "../../etc/passwd", "Body": "{{7*7}} ${jndi:ldap://x} <script>"},
        {**base, "MessageSid": f"SM{uuid.uuid4().hex}", "To": "whatsapp:+10000000000"},
        {k: v for k, v in base.items() if k != "MessageSid"},
    ]


async def cloud_api_number(system: FaultSystem) -> PhoneNumber:
    """A store on the WhatsApp Cloud API, whose app signs with `CLOUD_APP_SECRET`."""
    number = GraphApiStandIn().add_number("+15550009999", "faults-token", CLOUD_APP_SECRET)
    db = system.db()
    try:
        await save_cloud_store(
            db, system.settings, number.phone_number_id, "faults-token", CLOUD_APP_SECRET
        )
    finally:
        await db.client.close()
    return number


def poison_cloud_payloads(number: PhoneNumber) -> list[dict[str, Any]]:
    """Cloud API payloads, correctly signed, whose content ingest must refuse (never a 5xx):
    they never reach the responder, which would call the real Graph API."""
    text = meta.text("\x00\ufffd🙂" * 2000)  # past the 4,096 characters of a text
    payloads = [
        meta.message_payload(number, "+6281200000000", text),
        meta.message_payload(number, "+" + "9" * 300, meta.text("halo")),
        meta.message_payload(number, "+6281200000000", meta.text("hi"), "../../etc/passwd"),
        meta.message_payload(number, "+6281200000000", {"type": "image", "image": {}}),
        meta.message_payload(number, "+6281200000000", {"type": "interactive"}),
        meta.status_payload(number, "wamid.X", "read", "not-a-number"),
    ]
    stranger = PhoneNumber("999999999999", "+15550000000", "t", CLOUD_APP_SECRET)
    payloads.append(meta.message_payload(stranger, "+6281200000000", meta.text("halo")))
    return payloads


async def messenger_page(system: FaultSystem) -> Page:
    """A store on Messenger, whose app signs with `CLOUD_APP_SECRET`."""
    page = GraphApiStandIn().add_page("page", "faults-token", CLOUD_APP_SECRET)
    db = system.db()
    try:
        await save_messaging_store(
            db,
            system.settings,
            Channel.MESSENGER,
            page.account_id,
            "faults-token",
            CLOUD_APP_SECRET,
        )
    finally:
        await db.client.close()
    return page


def poison_page_payloads(page: Page) -> list[dict[str, Any]]:
    """Messenger payloads, correctly signed, whose content ingest must refuse (never a 5xx):
    they never reach the responder, which would call the real Graph API."""
    customer = "6712345678900000"
    payloads = [
        meta.customer_message(page, customer, {"text": "\x00\ufffd🙂" * 2000}),  # over 4,096
        meta.customer_message(page, "../../etc/passwd", {"text": "halo"}),
        meta.customer_message(page, customer, {"text": "hi"}, mid="m_" + "x" * 600),
        meta.customer_message(page, customer, {"attachments": [{"type": "image", "payload": 1}]}),
        meta.receipt_payload(page, customer, delivery={"mids": "m_1"}),
        {**meta.customer_message(page, customer, {"text": "hi"}), "object": "instagram"},
    ]
    stranger = Page("999999999999", "page", "t", CLOUD_APP_SECRET)
    payloads.append(meta.customer_message(stranger, customer, {"text": "halo"}))
    return payloads


def poison_orders() -> list[bytes]:
    """Signed deliveries that ingest answers without a server error today."""
    return [
        body_of(order(order_id=-1, total="NaN", currency="???", line_items="nope")),
        b"{}",
        b"[]",
        b"null",
        b"\xff\xfe not json",
    ]


@dataclass
class Barrage:
    """Hostile requests, each sent alongside a customer's message; each one's status."""

    scenario: Scenario
    client: httpx.AsyncClient
    statuses: dict[str, int] = field(default_factory=dict)

    async def send(self, what: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        _, response = await asyncio.gather(
            self.scenario.post(), self.client.post(url, content=body, headers=headers)
        )
        self.statuses[what] = response.status_code

    def server_errors(self) -> dict[str, int]:
        return {what: code for what, code in self.statuses.items() if code >= 500}


async def test_hostile_requests_on_every_public_endpoint(shared_system: FaultSystem) -> None:
    system = shared_system
    woo = await woocommerce_store(system)
    ingest, console = system.ingest_url, system.console_url
    woo_url = ingest + routes.WOOCOMMERCE_PATH.format(store_id=woo.id)
    twenty_thousand_fields = b"&".join(b"f%d=1" % n for n in range(20_000))
    async with (
        Scenario.run("hostile inputs on every endpoint", system) as scenario,
        httpx.AsyncClient(timeout=60) as client,
    ):
        barrage = Barrage(scenario, client)
        for path in (routes.TWILIO_MESSAGE_PATH, routes.TWILIO_STATUS_PATH):
            bogus = {**FORM, "X-Twilio-Signature": "AAAA"}
            await barrage.send(f"{path} oversize", ingest + path, HUGE, bogus)
            await barrage.send(f"{path} no signature", ingest + path, b"Body=hi", FORM)
            await barrage.send(f"{path} bogus signature", ingest + path, b"Body=hi", bogus)
            await barrage.send(f"{path} broken form", ingest + path, b"%%%&&==\xff", bogus)
            await barrage.send(f"{path} json", ingest + path, b'{"Body": 1}', {**JSON, **bogus})
            await barrage.send(f"{path} 20k fields", ingest + path, twenty_thousand_fields, bogus)
        twilio_url = ingest + routes.TWILIO_MESSAGE_PATH
        for number, form in enumerate(poison_forms(scenario.store)):
            headers = signed_twilio(system, routes.TWILIO_MESSAGE_PATH, form)
            body = str(httpx.QueryParams(form)).encode()
            await barrage.send(f"poison form {number}", twilio_url, body, headers)
        for number, body in enumerate(poison_orders()):
            headers = delivery_headers("order.updated", body, WEBHOOK_SECRET)
            await barrage.send(f"poison order {number}", woo_url, body, headers)
        cloud_url = ingest + routes.WHATSAPP_CLOUD_PATH
        bogus_hub = {**JSON, "X-Hub-Signature-256": "sha256=" + "0" * 64}
        nested = b"[" * 50_000 + b"]" * 50_000
        await barrage.send("cloud api oversize", cloud_url, HUGE, bogus_hub)
        await barrage.send("cloud api no signature", cloud_url, b"{}", JSON)
        await barrage.send("cloud api bogus signature", cloud_url, b'{"object": 1}', bogus_hub)
        await barrage.send("cloud api broken json", cloud_url, b"{\xff", bogus_hub)
        await barrage.send("cloud api deep json", cloud_url, nested, bogus_hub)
        number = await cloud_api_number(system)
        for index, payload in enumerate(poison_cloud_payloads(number)):
            body, headers = GraphApiStandIn().signed(number, payload)
            await barrage.send(f"poison cloud api payload {index}", cloud_url, body, headers)
        for path in (routes.MESSENGER_PATH, routes.INSTAGRAM_PATH):
            await barrage.send(f"{path} oversize", ingest + path, HUGE, bogus_hub)
            await barrage.send(f"{path} no signature", ingest + path, b"{}", JSON)
            await barrage.send(f"{path} broken json", ingest + path, b"{\xff", bogus_hub)
            await barrage.send(f"{path} deep json", ingest + path, nested, bogus_hub)
        page = await messenger_page(system)
        for index, payload in enumerate(poison_page_payloads(page)):
            body, headers = GraphApiStandIn().signed(page, payload)
            messenger_url = ingest + routes.MESSENGER_PATH
            await barrage.send(f"poison messenger payload {index}", messenger_url, body, headers)
        good = body_of(order())
        forged = delivery_headers("order.updated", good, "wrong secret")
        await barrage.send("order, bad signature", woo_url, good, forged)
        unknown = ingest + routes.WOOCOMMERCE_PATH.format(store_id="no-such-store")
        await barrage.send("order, unknown store", unknown, HUGE, JSON)
        oversize = delivery_headers("order.updated", HUGE, WEBHOOK_SECRET)
        await barrage.send("order, oversize", woo_url, HUGE, oversize)
        login = console + "/login"
        await barrage.send("login oversize", login, HUGE, FORM)
        await barrage.send("login broken form", login, b"email=%%%&password=\xff", FORM)
        await barrage.send("login 20k fields", login, twenty_thousand_fields, FORM)
        upload = console + f"/api/stores/{scenario.store.id}/knowledge"
        multipart = {"Content-Type": "multipart/form-data; boundary=b"}
        await barrage.send("upload oversize, no credentials", upload, HUGE, multipart)
        no_boundary = {"Content-Type": "multipart/form-data"}
        await barrage.send("upload without boundary", upload, b"--b\r\n", no_boundary)
        await scenario.settle()
        row = await scenario.row(note=f"{len(barrage.statuses)} hostile requests")
    assert not barrage.server_errors()
    cloud = {code for what, code in barrage.statuses.items() if what.startswith("poison cloud")}
    assert cloud <= {400, 404}  # refused at ingest: nothing reached the responder
    pages = {code for what, code in barrage.statuses.items() if what.startswith("poison mess")}
    assert pages <= {400, 404}
    assert not system.services.exited()
    check(row)


async def test_poison_woocommerce_deliveries_get_no_server_error(
    shared_system: FaultSystem,
) -> None:
    woo = await woocommerce_store(shared_system)
    woo_url = shared_system.ingest_url + routes.WOOCOMMERCE_PATH.format(store_id=woo.id)
    nested = b'{"id": 1, "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    async with (
        Scenario.run("poison WooCommerce deliveries", shared_system) as scenario,
        httpx.AsyncClient(timeout=60) as client,
    ):
        barrage = Barrage(scenario, client)
        for what, body in (("order id 2**70", body_of(order(order_id=2**70))), ("nested", nested)):
            headers = delivery_headers("order.updated", body, WEBHOOK_SECRET)
            await barrage.send(what, woo_url, body, headers)
        await scenario.settle()
        row = await scenario.row()
    check(row)
    assert not barrage.server_errors(), barrage.statuses
