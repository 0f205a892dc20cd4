"""The console in Debian's Chromium against the running system (issue 5 §8): every service is a
real process, customers write through signed Twilio webhooks, replies leave through the Twilio
stand-in, whose status callbacks come back through ingest. Owners are made with the real
`balas console create-owner` and sign in through the login form."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from balas.simulate import inbound_message_form
from shared import mongo
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.kpis.collections import KPI_DAILY
from shared.stores.directory import Store, save_store
from tests.standins.twilio_api import TwilioStandIn
from tests.support.browser import desktop_context, sign_in
from tests.support.events import new_customer
from tests.support.system import ConsoleOwner, RunningSystem, Webhooks, create_owner
from tests.support.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PIPELINE_MS = 30_000  # webhook → Kafka → responder/enricher → MongoDB → change stream → page
AGENT_TEXT = "Siap kak, paketnya saya cek ke kurir sekarang."
SHIPPING = "# Pengiriman\n\nOngkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari kerja.\n"


async def open_as(page: Page, system: RunningSystem, owner: ConsoleOwner, path: str) -> None:
    await sign_in(page, system.console_url, owner.email, owner.password, path)


async def test_a_webhook_conversation_appears_live_and_the_agent_reply_is_delivered(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
    page: Page,
) -> None:
    owner = await create_owner(system, system_db, store)
    await open_as(page, system, owner, f"/stores/{store.id}/inbox")
    await expect(page.locator(".list-pane h1")).to_have_text("Kotak masuk")
    await expect(page.locator("[data-live-status]")).to_have_class("live-status is-live")
    await expect(page.locator("[data-conversation-row]")).to_have_count(0)
    await page.evaluate("window.balasNotReloaded = true")  # gone if the page reloads

    customer = new_customer()
    conversation = f"{store.id}:{customer}"
    form = inbound_message_form(
        customer=customer,
        store_number=store.whatsapp_number,
        text="Halo, paket saya belum sampai",
        profile_name="Rina Kusuma",
    )
    assert (await webhooks.message(store, customer, "", form=form)).status_code == 200

    row = page.locator(f"[data-conversation-row='{conversation}']")
    await expect(row).to_contain_text("Rina Kusuma", timeout=PIPELINE_MS)
    await expect(row).to_contain_text("paket saya belum sampai", timeout=PIPELINE_MS)
    assert await page.evaluate("window.balasNotReloaded") is True

    await row.click()
    await expect(page.locator("#conv-header")).to_contain_text("Rina Kusuma")
    await page.evaluate("window.balasNotReloaded = true")  # the conversation opened: mark it
    await eventually(lambda: twilio_api.sent_to(customer))  # the bot answered first
    await page.click("[data-action=take_over]")
    reply_box = page.locator("textarea[data-composer-text]")
    # The responder applies the take-over; the composer follows live and offers replies.
    await expect(page.locator("[data-action=reply]")).to_be_visible(timeout=PIPELINE_MS)
    await reply_box.fill(AGENT_TEXT)
    await page.click("[data-action=reply]")
    await expect(reply_box).to_have_value("")

    await eventually(lambda: len(twilio_api.sent_to(customer)) == 2)
    assert twilio_api.sent_to(customer)[1]["body"] == AGENT_TEXT
    sent = page.locator(".message", has_text=AGENT_TEXT)
    await expect(sent).to_contain_text("Sari Wulandari", timeout=PIPELINE_MS)
    # Twilio's status callbacks (sent, then delivered) reach ingest; the tick follows live.
    await expect(sent.locator("[data-tick=delivered]")).to_be_visible(timeout=PIPELINE_MS)
    stored = await system_db[MESSAGES].find_one(
        {"conversation_id": conversation, "text": AGENT_TEXT}
    )
    assert stored is not None
    assert (stored["author"], stored["agent_id"]) == ("agent", owner.id)
    assert stored["delivery_status"] == "delivered"
    card = await system_db[CONVERSATIONS].find_one({"_id": conversation})
    assert card is not None
    assert card["owner"] == "human"
    assert await page.evaluate("window.balasNotReloaded") is True


async def test_an_uploaded_document_becomes_ready(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    page: Page,
    tmp_path: Path,
) -> None:
    owner = await create_owner(system, system_db, store)
    shipping = tmp_path / "pengiriman.md"
    shipping.write_text(SHIPPING)
    await open_as(page, system, owner, f"/stores/{store.id}/knowledge")

    await page.set_input_files("[data-file-input]", str(shipping))

    document = page.locator("tr", has_text="pengiriman.md")
    await expect(document).to_have_attribute("data-status", "ready", timeout=PIPELINE_MS)
    await expect(document).to_contain_text("Siap")
    await expect(page.locator("[data-upload]")).to_have_count(0)  # the list tells the state
    stored = await system_db["knowledge_documents"].find_one(
        {"store_id": store.id, "filename": "pengiriman.md"}
    )
    assert stored is not None
    assert stored["status"] == "ready"
    assert stored["active_version"] == 1
    assert stored["chunk_count"] >= 1


async def test_the_dashboard_shows_what_the_kpi_buckets_hold(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
    page: Page,
) -> None:
    owner = await create_owner(system, system_db, store)
    customers = [new_customer() for _ in range(3)]
    for customer in customers:
        await webhooks.message(store, customer, "Halo kak, ada ukuran XL?")
    await webhooks.message(store, customers[0], "Warna hitam ya")

    async def counted() -> list[dict[str, Any]] | None:
        days = await system_db[KPI_DAILY].find({"store_id": store.id}).to_list()
        bot = sum(d.get("outbound_messages", {}).get("bot", 0) for d in days)
        inbound = sum(d.get("inbound_messages", 0) for d in days)
        return days if (inbound, bot) == (4, 4) else None

    await eventually(lambda: sum(len(twilio_api.sent_to(c)) for c in customers) == 4)
    days = await eventually(counted)

    async def classified() -> bool:
        found = {"store_id": store.id, "classification.sentiment.label": {"$exists": True}}
        return await system_db[MESSAGES].count_documents(found) == 4

    await eventually(classified)  # the enricher labelled the four customer messages
    inbound = sum(d["inbound_messages"] for d in days)
    replies = sum(sum(d.get("outbound_messages", {}).values()) for d in days)
    unique = sum(d.get("unique_customers", 0) for d in days)
    assert unique == 3

    await open_as(page, system, owner, f"/stores/{store.id}/dashboard")

    await expect(page.locator('[data-card="inbound"] [data-value]')).to_have_text(f"{inbound}")
    await expect(page.locator('[data-card="inbound"] [data-sub]')).to_contain_text(f"{unique}")
    await expect(page.locator('[data-card="replies"] [data-value]')).to_have_text(f"{replies}")
    # The chart's last point (today) is drawn by dashboard.js from the same buckets.
    await page.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    series = await page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart=volume]')).data.datasets[0].data"
    )
    assert sum(series) == inbound
    sentiments = await page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart=sentiments]')).data.datasets[0].data"
    )
    assert sum(sentiments) == 4


async def test_one_stores_owner_is_refused_another_stores_conversation(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    browser: Browser,
    page: Page,
) -> None:
    suffix = uuid.uuid4().int % 10**9
    other = Store(
        id=f"store-{suffix}", name=f"Toko Lain {suffix}", whatsapp_number=f"+1556{suffix:09d}"
    )
    await save_store(system_db, other)
    owner = await create_owner(system, system_db, store)
    other_owner = await create_owner(system, system_db, other, name="Budi Hartono")
    customer = new_customer()
    secret = "Alamat saya Jl. Melati 7, Bandung"
    await webhooks.message(other, customer, secret)
    conversation = f"{other.id}:{customer}"

    async def carded() -> bool:  # a conversation page is a 404 until its card exists
        return await system_db[CONVERSATIONS].count_documents({"_id": conversation}) == 1

    await eventually(carded)
    # Its own owner sees it: the conversation exists and the page would show it.
    await open_as(page, system, other_owner, f"/stores/{other.id}/conversations/{conversation}")
    await expect(page.locator("#messages")).to_contain_text(secret, timeout=PIPELINE_MS)

    intruder = await desktop_context(browser)
    tab = await intruder.new_page()
    await open_as(tab, system, owner, f"/stores/{store.id}/inbox")
    for path in (
        f"/stores/{store.id}/conversations/{conversation}",  # own store, another's id
        f"/stores/{other.id}/conversations/{conversation}",  # the other store in the path
        f"/stores/{other.id}/inbox",
    ):
        answer = await tab.goto(system.console_url + path)
        assert answer is not None
        assert answer.status == 404, path
        assert secret not in await tab.content()
    await intruder.close()
