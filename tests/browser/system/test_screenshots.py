"""The screenshots in docs/screenshots/ (linked from README.md and docs/console.md), taken from
the running system: customers write through signed webhooks, the bot answers from uploaded
documents (the OpenAI stand-in, scripted to cite the first passage it is shown), an agent takes
one conversation over and replies. Only the dashboard's days before today are seeded, so its
charts have a week to show.

Skipped unless asked for; to regenerate (Chromium and fonts-noto-color-emoji, from
`make system-deps-test`, must be installed):

    BALAS_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/system/test_screenshots.py
"""

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import Decimal128
from PIL import Image
from playwright.async_api import Browser, FilePayload, Page, expect

from balas.simulate import inbound_message_form
from services.console.auth.roles import Role
from services.console.auth.users import UserDirectory
from shared import mongo
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY
from shared.kpis.keys import day_id
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn, ToolCall
from tests.standins.twilio_api import TwilioStandIn
from tests.support.browser import desktop_context, phone_context, sign_in, sticking_out
from tests.support.events import new_customer
from tests.support.system import ConsoleOwner, RunningSystem, Webhooks, create_owner
from tests.support.waiting import eventually

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("BALAS_UPDATE_SCREENSHOTS"),
        reason="regenerates docs/screenshots: set BALAS_UPDATE_SCREENSHOTS=1",
    ),
]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
MAX_BYTES = 250_000
PIPELINE_MS = 30_000
STORE_NAME = "Toko Batik Sekar"
PASSAGE = re.compile(r'<passage id="(P\d+)" source="[^"]*">\n(.*?)\n</passage>', re.DOTALL)
DOCUMENTS = {
    "pengiriman.md": "# Pengiriman\n\nOngkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari "
    "kerja. Pesanan dikirim 1x24 jam setelah pembayaran.\n\n## Retur\n\nBarang bisa "
    "dikembalikan dalam 7 hari dengan struk pembelian.\n",
    "harga.csv": "produk,harga,stok\nKemeja Batik Parang,Rp 180.000,12\n"
    "Kaos Polos,Rp 75.000,40\nSelendang Sutra,Rp 250.000,5\n",
    "jam-buka.md": "# Jam buka\n\nAdmin membalas Senin sampai Sabtu, 08.00 - 20.00 WIB.\n",
}
CUSTOMERS = [  # profile name, first message
    ("Rina Kusuma", "Kak, berapa ongkos kirim ke Bandung? 🙏"),
    ("Dewi Lestari", "Harga kemeja batik parang berapa ya kak? 😊"),
    ("Agus Pratama", "Bisa bayar COD di Surabaya?"),
    ("Budi Santoso", "Admin, retur barang bisa berapa hari?"),
]
FIRST_RESPONSES = [("bot", 3.2), ("bot", 4.1), ("bot", 5.6), ("bot", 2.8), ("agent", 240.0)]
TEAM = [("Dimas Prakoso", Role.AGENT), ("Wulan Sari", Role.AGENT)]
AGENT_REPLY = "Halo kak Rina 🙏 pesanan kakak kami kirim hari ini lewat JNE, resi menyusul ya."


def cite_first_passage(messages: list[dict[str, Any]]) -> list[ToolCall]:
    """A faithful model: answers with the first passage it was shown and cites it; says it
    does not know (a knowledge gap) when shown none."""
    found = PASSAGE.findall(messages[0]["content"])
    if not found or "COD" in str(messages[-1].get("content")):
        reply = "Maaf kak, untuk itu saya tanyakan ke admin dulu ya."
        return [ToolCall("answer", {"reply": reply, "cited_ids": [], "could_answer": False})]
    label, text = found[0]
    reply = f"Menurut info kami: {' '.join(text.split())} 😊"
    return [ToolCall("answer", {"reply": reply, "cited_ids": [label], "could_answer": True})]


@pytest.fixture
def scripted_model(openai_api: OpenAIStandIn) -> Iterator[None]:
    """The stand-in answers this store's prompts with cite_first_passage, others as before."""
    before = openai_api.script

    def script(messages: list[dict[str, Any]]) -> "str | list[ToolCall]":
        if messages and STORE_NAME in str(messages[0].get("content")):
            return cite_first_passage(messages)
        return before(messages)

    openai_api.script = script
    yield
    openai_api.script = before


def optimise(path: Path) -> None:
    """A 256-colour palette PNG: the console's flat colours survive, the file is a fraction."""
    with Image.open(path) as shot:
        palette = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    palette.save(path, optimize=True)
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


async def shoot(page: Page, name: str) -> None:
    await page.mouse.move(0, 0)  # no hover state in the picture
    await page.wait_for_load_state("networkidle")
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path)
    optimise(path)


async def seed_history(db: mongo.Database, store: Store) -> None:
    """The six days before today, so the week's charts have a shape (today is the pipeline's)."""
    today = datetime.now(UTC).astimezone(ZoneInfo(store.timezone)).date()
    for offset, inbound in ((1, 64), (2, 51), (3, 73), (4, 58), (5, 42), (6, 69)):
        day = today - timedelta(days=offset)
        paid = inbound // 9
        await db[KPI_DAILY].insert_one(
            {
                "_id": day_id(store.id, day),
                "store_id": store.id,
                "date": f"{day}",
                "timezone": store.timezone,
                "inbound_messages": inbound,
                "unique_customers": inbound // 3,
                "outbound_messages": {"bot": inbound - 9, "agent": 7},
                "first_response": {"histogram": {"5": inbound // 2, "15": 14, "60": 6, "300": 2}},
                "conversations": {
                    "closed": {"resolved_by_bot": 11, "resolved_by_human": 4, "abandoned": 2}
                },
                "hand_overs": {"customer_request": 2, "missing_knowledge": 2, "negative": 1},
                "orders": {"created": paid + 2, "paid": paid, "attributed": {"bot": paid - 2}},
                "revenue": {"IDR": {"paid": Decimal128(Decimal(paid * 215000)), "orders": paid}},
                "conversion": {"customers": paid - 1},
                "csat": {"ratings": 6, "sum": 27, "histogram": {"4": 3, "5": 3}},
                "human_first_response": {"histogram": {"60": 1, "300": 2, "900": 1}},
                "human_response_time": {"histogram": {"60": 3, "300": 3, "900": 1}},
            }
        )
        closed_at = datetime.combine(day, time(15), ZoneInfo(store.timezone))
        await db[CONVERSATION_FACTS].insert_many(
            [
                {
                    "_id": f"{store.id}:seed-{offset}-{index}",
                    "store_id": store.id,
                    "conversation_id": f"{store.id}:seed-{offset}-{index}",
                    "opened_at": closed_at - timedelta(hours=1),
                    "closed_at": closed_at,
                    "outcome": "resolved_by_bot" if responder == "bot" else "resolved_by_human",
                    "first_responder": responder,
                    "first_response_seconds": seconds,
                }
                for index, (responder, seconds) in enumerate(FIRST_RESPONSES)
            ]
        )


async def conversations(
    store: Store, webhooks: Webhooks, twilio_api: TwilioStandIn
) -> dict[str, str]:
    """Each customer writes once; their conversation ids, once every one was answered."""
    ids: dict[str, str] = {}
    for name, text in CUSTOMERS:
        customer = new_customer()
        form = inbound_message_form(
            customer=customer, store_number=store.whatsapp_number, text=text, profile_name=name
        )
        await webhooks.message(store, customer, "", form=form)
        ids[name] = f"{store.id}:{customer}"
    numbers = [conversation.split(":", 1)[1] for conversation in ids.values()]
    await eventually(lambda: all(twilio_api.sent_to(number) for number in numbers))
    return ids


async def test_screenshots_of_the_main_pages(
    system: RunningSystem,
    system_db: mongo.Database,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
    browser: Browser,
    scripted_model: None,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = uuid.uuid4().int % 10**9
    store = Store(id=f"sekar-{suffix}", name=STORE_NAME, whatsapp_number=f"+1557{suffix:09d}")
    await save_store(system_db, store)
    owner = await create_owner(system, system_db, store)
    await seed_history(system_db, store)
    desktop = await desktop_context(browser)
    page = await desktop.new_page()
    base = f"/stores/{store.id}"

    await upload_documents(page, system, owner, base)
    ids = await conversations(store, webhooks, twilio_api)
    await page.goto(f"{system.console_url}{base}/knowledge")
    await expect(page.locator("[data-gap]").first).to_be_visible(timeout=PIPELINE_MS)
    await shoot(page, "knowledge")

    rina = ids["Rina Kusuma"]
    await page.goto(f"{system.console_url}{base}/conversations/{rina}")
    await page.click("[data-action=take_over]")
    await expect(page.locator("[data-action=reply]")).to_be_visible(timeout=PIPELINE_MS)
    await page.fill("textarea[data-composer-text]", AGENT_REPLY)
    await page.click("[data-action=reply]")
    sent = page.locator(".message", has_text=AGENT_REPLY)
    await expect(sent.locator("[data-tick=delivered]")).to_be_visible(timeout=PIPELINE_MS)
    await page.wait_for_load_state("networkidle")
    await page.locator(".citations summary").first.click()
    await expect(page.locator(".citations").first).to_have_attribute("open", "")
    await shoot(page, "conversation")
    await page.goto(f"{system.console_url}{base}/inbox")
    await expect(page.locator("[data-conversation-row]")).to_have_count(len(CUSTOMERS))
    await shoot(page, "inbox")
    await page.goto(f"{system.console_url}{base}/inbox?view=queue")
    await expect(page.locator("[data-conversation-row]").first).to_be_visible()
    await shoot(page, "queue")
    await page.goto(f"{system.console_url}{base}/setup")
    await shoot(page, "setup")
    for name, role in TEAM:
        email = f"{name.split()[0].lower()}-{suffix}@sekar.example"
        await UserDirectory(system_db).create(email, name, owner.password, role, [store.id])
    await page.goto(f"{system.console_url}{base}/team")
    await expect(page.locator("body")).to_contain_text(TEAM[-1][0])
    await shoot(page, "team")

    await page.goto(f"{system.console_url}{base}/dashboard")
    await page.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    await shoot(page, "dashboard")
    await page.goto(f"{system.console_url}{base}/settings")
    await shoot(page, "settings")
    await page.goto(f"{system.console_url}{base}/playground")
    await page.fill("[data-chat-input]", "Berapa ongkos kirim ke Bandung?")
    await page.press("[data-chat-input]", "Enter")
    await expect(page.locator(".msg-bot").last.locator("[data-citation]").first).to_be_visible()
    await shoot(page, "playground")
    await desktop.close()

    phone = await phone_context(browser)
    tab = await phone.new_page()
    await sign_in(tab, system.console_url, owner.email, owner.password, f"{base}/inbox")
    await expect(tab.locator("[data-conversation-row]")).to_have_count(len(CUSTOMERS))
    assert await sticking_out(tab) == []
    await shoot(tab, "inbox-phone")
    await tab.goto(f"{system.console_url}{base}/conversations/{rina}")
    await expect(tab.locator(".message", has_text=AGENT_REPLY)).to_be_visible()
    assert await sticking_out(tab) == []
    await shoot(tab, "conversation-phone")
    await tab.goto(f"{system.console_url}{base}/dashboard")
    await tab.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    assert await sticking_out(tab) == []
    await shoot(tab, "dashboard-phone")
    await phone.close()


async def upload_documents(
    page: Page, system: RunningSystem, owner: ConsoleOwner, base: str
) -> None:
    """Through the knowledge page, as an owner would; every document ready."""
    await sign_in(page, system.console_url, owner.email, owner.password, f"{base}/knowledge")
    files = [
        FilePayload(name=name, mimeType="text/plain", buffer=text.encode())
        for name, text in DOCUMENTS.items()
    ]
    await page.set_input_files("[data-file-input]", files)
    ready = page.locator('tr[data-status="ready"]')
    await expect(ready).to_have_count(len(DOCUMENTS), timeout=PIPELINE_MS)
