"""The dashboard, knowledge, bot settings and "test the bot" pages in a real browser, against the
console app on the session's Kafka and MongoDB (the enricher's knowledge handler processes the
uploads). Screenshots at desktop and phone width go to /tmp/screens (or BALAS_SCREENSHOTS)."""

import io
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bson import Decimal128
from playwright.async_api import Page, expect

from services.console.collections import CONSOLE_AUDIT
from services.console.document_kinds import ACCEPTED_LIST
from services.console.pages.formatting import byte_size
from services.enricher.knowledge import on_knowledge_document_changed
from shared import kafka, topics
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import KnowledgeDocumentChanged
from shared.knowledge.collections import KNOWLEDGE_DOCUMENTS, KNOWLEDGE_GAPS
from shared.kpis.collections import KPI_DAILY
from shared.kpis.keys import day_id
from shared.mongo import Database
from shared.notifications.orders import ORDER_NOTIFICATION_SETTINGS
from shared.stores.collections import BOT_SETTINGS
from tests.support.browser import Console, SignIn, StoreAccount, sticking_out
from tests.support.kafka import Consumers, new_group_id

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Asia/Jakarta")
SHIPPING = """# Pengiriman

Ongkos kirim ke Bandung Rp 15.000, sampai dalam 2 hari kerja.

## Retur

Barang bisa dikembalikan dalam 7 hari dengan struk pembelian.
"""
PRICES = "produk,harga\nKaos Polos,Rp 75.000\nKemeja Batik,Rp 180.000\n"
Phone = Callable[[], Awaitable[Page]]
Screenshots = Callable[[str, str], Awaitable[None]]  # path, name


@pytest.fixture
async def knowledge_worker(console: Console, store: StoreAccount) -> AsyncIterator[None]:
    """The enricher's knowledge handler on `knowledge.documents`, for this test's store."""
    handler = partial(on_knowledge_document_changed, db=console.db, embedder=None)

    async def process(event: KnowledgeDocumentChanged) -> None:
        if event.store_id == store.id:  # the topic is shared by the session's tests
            await handler(event)

    await kafka.ensure_topics(console.settings)
    dead_letters = kafka.make_broker(console.settings, "test")
    await dead_letters.start()
    consumers = Consumers(console.settings, dead_letters)
    await consumers.keyed(new_group_id(), {topics.KNOWLEDGE_DOCUMENTS: process}, max_in_flight=10)
    yield
    await consumers.stop_all()
    await dead_letters.stop()


@pytest.fixture
def screenshots(page: Page, phone_page: Phone, sign_in: SignIn, screens: Path) -> Screenshots:
    """Save the desktop tab as it is now, then `path` opened on a phone, as `name`-*.png."""

    async def take(path: str, name: str) -> None:
        await page.screenshot(path=screens / f"{name}-desktop.png", full_page=name == "dashboard")
        phone = await phone_page()
        await sign_in(phone, path)
        await phone.wait_for_load_state("networkidle")
        await phone.screenshot(path=screens / f"{name}-phone.png", full_page=True)

    return take


async def seed_kpi_days(db: Database, store_id: str, days: list[tuple[int, int, int]]) -> None:
    """A day's KPI bucket per (days ago, customer messages, bot replies), as the aggregator
    writes them."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    for offset, inbound, bot in days:
        day = today - timedelta(days=offset)
        await db[KPI_DAILY].insert_one(
            {
                "_id": day_id(store_id, day),
                "store_id": store_id,
                "date": f"{day}",
                "timezone": "Asia/Jakarta",
                "inbound_messages": inbound,
                "unique_customers": 20,
                "outbound_messages": {"bot": bot, "agent": 4},
                "first_response": {"histogram": {"5": 6, "15": 2, "60": 2}},
                "conversations": {
                    "closed": {"resolved_by_bot": 7, "resolved_by_human": 2, "abandoned": 1}
                },
                "hand_overs": {"customer_request": 1, "missing_knowledge": 1},
                "orders": {"created": 5, "paid": 4},
                "revenue": {"IDR": {"paid": Decimal128(Decimal("1000000")), "orders": 4}},
                "conversion": {"customers": 3},
            }
        )


async def test_dashboard_shows_the_numbers_of_the_buckets(
    console: Console,
    store: StoreAccount,
    page: Page,
    sign_in: SignIn,
    screenshots: Screenshots,
) -> None:
    await seed_kpi_days(
        console.db, store.id, [(0, 48, 41), (1, 36, 30), (3, 52, 47), (12, 999, 999)]
    )
    path = f"/stores/{store.id}/dashboard"
    await sign_in(page, path)
    await expect(page.locator("h1")).to_have_text("Dasbor")  # Indonesian UI (id-ID browser)
    # Three days of the last seven (the 12-day-old bucket is outside): 48 + 36 + 52.
    await expect(page.locator('[data-card="inbound"] [data-value]')).to_have_text("136")
    await expect(page.locator('[data-card="replies"] [data-value]')).to_have_text("130")
    await expect(page.locator('[data-card="bot_resolution"] [data-value]')).to_have_text("70,0%")
    await expect(page.locator('[data-card="orders"] [data-value]')).to_have_text("15")
    await expect(page.locator('[data-card="revenue"] [data-value]')).to_have_text("Rp 3.000.000")
    await expect(page.locator('[data-card="aov"] [data-value]')).to_have_text("Rp 250.000")
    await expect(page.locator('[data-card="conversion"] [data-value]')).to_have_text("15,0%")
    await expect(page.locator('[data-card="csat"] [data-sub]')).to_have_text("Belum ada penilaian")
    # The chart was drawn by dashboard.js from /dashboard/data: the same numbers per day.
    await page.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    inbound = await page.evaluate(
        "Chart.getChart(document.querySelector('[data-chart=volume]')).data.datasets[0].data"
    )
    assert inbound == [0, 0, 0, 52, 0, 36, 48]
    await expect(page.locator(".findings li").first).to_be_visible()
    await page.click("text=Hari ini")
    await expect(page.locator('[data-card="inbound"] [data-value]')).to_have_text("48")
    await page.click("text=7 hari")
    await page.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    await screenshots(path, "dashboard")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_dashboard_splits_the_counts_by_channel_when_the_store_has_two(
    console: Console,
    store: StoreAccount,
    page: Page,
    phone_page: Phone,
    sign_in: SignIn,
    screens: Path,
    size: str,
) -> None:
    await seed_kpi_days(console.db, store.id, [(0, 48, 41)])
    path = f"/stores/{store.id}/dashboard"
    tab = page if size == "desktop" else await phone_page()
    await sign_in(tab, path)
    await expect(tab.locator("[data-by-channel]")).to_have_count(0)  # one channel only

    split = {
        "whatsapp": {"inbound_messages": 30, "outbound_messages": {"bot": 25, "agent": 4}},
        "whatsapp_cloud": {"inbound_messages": 18, "outbound_messages": {"bot": 16}},
    }
    today = datetime.now(UTC).astimezone(ZONE).date()
    await console.db[KPI_DAILY].update_one(
        {"_id": day_id(store.id, today)}, {"$set": {"by_channel": split}}
    )
    await tab.reload()
    await expect(tab.locator("[data-by-channel] figcaption")).to_have_text("Per kanal")
    await tab.wait_for_function("document.querySelector('[data-dashboard]').dataset.updatedAt")
    chart = await tab.evaluate(
        "(() => { const c = Chart.getChart(document.querySelector('[data-chart=by_channel]'));"
        " return {labels: c.data.labels, inbound: c.data.datasets[0].data}; })()"
    )
    assert chart == {"labels": ["WhatsApp (Twilio)", "WhatsApp Cloud API"], "inbound": [30, 18]}
    await expect(tab.locator('[data-card="inbound"] [data-value]')).to_have_text("48")
    assert await sticking_out(tab) == []
    await tab.locator("[data-by-channel]").screenshot(path=screens / f"by-channel-{size}.png")


async def test_knowledge_upload_shows_progress_then_ready(
    console: Console,
    store: StoreAccount,
    page: Page,
    sign_in: SignIn,
    screenshots: Screenshots,
    tmp_path: Path,
    knowledge_worker: None,
) -> None:
    await console.db[KNOWLEDGE_GAPS].insert_one(
        {
            "store_id": store.id,
            "conversation_id": f"{store.id}:+6281100000001",
            "question": "Apakah bisa bayar di tempat (COD)?",
            "created_at": datetime.now(UTC),
        }
    )
    shipping, prices = tmp_path / "pengiriman.md", tmp_path / "harga.csv"
    shipping.write_text(SHIPPING)
    prices.write_text(PRICES)
    path = f"/stores/{store.id}/knowledge"
    await sign_in(page, path)
    await page.set_input_files("[data-file-input]", [str(shipping), str(prices)])
    uploads = page.locator("[data-upload]")
    await expect(uploads).to_have_count(2)
    await expect(page.locator("[data-upload] progress").first).to_be_attached()
    await expect(page.locator('tr[data-status="ready"]')).to_have_count(2, timeout=30_000)
    # Once the list shows the documents, their state is read there, not in a stale upload row.
    await expect(uploads).to_have_count(0)
    await expect(page.locator("tr", has_text="harga.csv")).to_contain_text("Siap")
    # The preview shows the extracted text.
    await page.locator("tr", has_text="pengiriman.md").locator("[data-preview]").click()
    await expect(page.locator("[data-preview-text]")).to_contain_text("Ongkos kirim ke Bandung")
    await page.keyboard.press("Escape")
    # A gap answered in one click becomes a document that is processed too.
    await page.click("text=Tambah jawaban")
    await page.fill("textarea[name=answer]", "Bisa, COD tersedia untuk Jawa dan Bali.")
    await page.click("text=Simpan sebagai FAQ")
    faq = page.locator("tr", has_text="FAQ: Apakah bisa bayar di tempat (COD)?")
    await expect(faq).to_have_attribute("data-status", "ready", timeout=30_000)
    await expect(page.locator("[data-gap]")).to_have_count(0)
    await screenshots(path, "knowledge")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_a_refused_upload_is_a_failure_row_with_the_reason_in_the_admins_language(
    console: Console,
    store: StoreAccount,
    page: Page,
    phone_page: Phone,
    sign_in: SignIn,
    tmp_path: Path,
    size: str,
) -> None:
    tab = page if size == "desktop" else await phone_page()
    archive, program, huge = tmp_path / "arsip.zip", tmp_path / "faq.txt", tmp_path / "besar.pdf"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as zipped:
        zipped.writestr("daftar.txt", "bukan dokumen")
    archive.write_bytes(packed.getvalue())
    program.write_bytes(b"MZ\x90\x00" + bytes(300))  # a Windows program named .txt
    with huge.open("wb") as big:
        big.truncate(console.settings.limits.knowledge_max_upload_bytes + 1)
    await sign_in(tab, f"/stores/{store.id}/knowledge")
    await tab.set_input_files("[data-file-input]", [str(archive), str(program), str(huge)])

    failed = tab.locator("[data-upload].is-failed")
    await expect(failed).to_have_count(3)
    for name in ("arsip.zip", "faq.txt"):
        row = tab.locator(f'[data-upload="{name}"]')
        await expect(row).to_contain_text("Bukan berkas yang bisa dibaca bot")
        await expect(row).to_contain_text(ACCEPTED_LIST)
    limit = byte_size(console.settings.limits.knowledge_max_upload_bytes, "id")
    await expect(tab.locator('[data-upload="besar.pdf"]')).to_contain_text(limit)
    assert await failed.evaluate_all(
        "rows => rows.map(r => r.querySelector('progress').value)"
    ) == [
        0,
        0,
        0,
    ]
    colour = await failed.first.evaluate(
        "row => getComputedStyle(row.querySelector('[data-state]')).color"
    )
    assert colour == "rgb(220, 38, 38)"  # the failure colour, --p-bad
    assert await tab.locator("tr[data-document]").count() == 0  # nothing was indexed
    assert await sticking_out(tab) == []


async def test_a_refused_deletion_shows_the_servers_reason_in_the_documents_row(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    now = datetime.now(UTC)
    await console.db[KNOWLEDGE_DOCUMENTS].insert_one(
        {
            "_id": "harga-lama",
            "store_id": store.id,
            "filename": "harga.csv",
            "content_type": "text/csv",
            "size": 100,
            "status": "ready",
            "version": 1,
            "active_version": 1,
            "chunk_count": 2,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }
    )
    await sign_in(page, f"/stores/{store.id}/knowledge")
    row = page.locator('tr[data-document="harga-lama"]')
    await expect(row).to_contain_text("Siap")
    # Another owner deleted it meanwhile and it is gone: this tab's deletion is refused (404).
    await console.db[KNOWLEDGE_DOCUMENTS].delete_one({"_id": "harga-lama"})
    page.once("dialog", lambda dialog: dialog.accept())
    await row.locator("[data-delete]").click()

    refused = row.locator("[data-delete-failed]")
    # In the page's language; the server's own (English) detail only on a second line.
    await expect(refused).to_contain_text("Tidak terhapus: sudah tidak ada (mungkin dihapus di")
    await expect(refused.locator(".failure-detail")).to_have_text(
        "no document 'harga-lama' in this store"
    )
    await expect(refused).to_have_attribute("role", "alert")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_an_unknown_page_is_the_consoles_error_page_with_a_way_back(
    console: Console, store: StoreAccount, page: Page, phone_page: Phone, sign_in: SignIn, size: str
) -> None:
    tab = page if size == "desktop" else await phone_page()
    await sign_in(tab, f"/stores/{store.id}/inbox")
    await tab.goto(f"{console.url}/stores/{store.id}/no-such-page")

    await expect(tab.locator("h1")).to_have_text("Halaman tidak ditemukan")
    assert await sticking_out(tab) == []
    await tab.click("[data-way-back]")
    await tab.wait_for_url(f"{console.url}/stores/{store.id}/inbox")


async def test_settings_show_an_inline_error_then_save(
    console: Console,
    store: StoreAccount,
    page: Page,
    sign_in: SignIn,
    screens: Path,
    screenshots: Screenshots,
) -> None:
    path = f"/stores/{store.id}/settings"
    await sign_in(page, path)
    await page.fill("input[name='hand_over.negative_sentiment_streak']", "50")
    await page.click("[data-save]")
    error = page.locator('[data-error-for="hand_over.negative_sentiment_streak"]')
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("20")
    assert await console.db[BOT_SETTINGS].find_one({"_id": store.id}) is None
    await page.screenshot(path=screens / "settings-error-desktop.png", full_page=False)
    await page.fill("input[name='hand_over.negative_sentiment_streak']", "2")
    await page.fill("#greeting", "Halo kak, selamat datang di Toko Batik Sekar!")
    await page.locator('[data-day="monday"] [data-add-period]').click()
    await page.click("[data-save]")
    await expect(page.locator("[data-form-status]")).to_have_text("Tersimpan sebagai versi 1.")
    await expect(error).to_be_hidden()
    saved = await console.db[BOT_SETTINGS].find_one({"_id": store.id})
    assert saved is not None
    assert saved["settings"]["hand_over"]["negative_sentiment_streak"] == 2
    assert saved["settings"]["greeting"] == "Halo kak, selamat datang di Toko Batik Sekar!"
    assert saved["settings"]["business_hours"]["days"]["monday"] == [
        {"start": "09:00:00", "end": "17:00:00"}
    ]
    await screenshots(path, "settings")


async def test_an_owner_shortens_the_stores_retention_and_stops_keeping_media(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    await sign_in(page, f"/stores/{store.id}/settings")
    days = page.locator("input[name='privacy.retention_days']")
    await days.fill("20")
    await page.click("[data-save]")
    error = page.locator('[data-error-for="privacy.retention_days"]')
    await expect(error).to_contain_text("30")
    await days.fill("90")
    await page.uncheck("input[name='privacy.keep_media']")
    await page.click("[data-save]")

    await expect(page.locator("[data-form-status]")).to_have_text("Tersimpan sebagai versi 1.")
    saved = await console.db[BOT_SETTINGS].find_one({"_id": store.id})
    assert saved is not None
    assert saved["settings"]["privacy"] == {"retention_days": 90, "keep_media": False}
    audited = await console.db[CONSOLE_AUDIT].find_one({"store_id": store.id})
    assert audited is not None
    assert audited["action"] == "privacy_changed"


async def test_playground_answers_from_an_uploaded_document_with_its_citation(
    console: Console,
    store: StoreAccount,
    page: Page,
    sign_in: SignIn,
    screenshots: Screenshots,
    tmp_path: Path,
    knowledge_worker: None,
) -> None:
    shipping = tmp_path / "pengiriman.md"
    shipping.write_text(SHIPPING)
    await sign_in(page, f"/stores/{store.id}/knowledge")
    await page.set_input_files("[data-file-input]", str(shipping))
    await expect(page.locator('tr[data-status="ready"]')).to_have_count(1, timeout=30_000)
    path = f"/stores/{store.id}/playground"
    await page.goto(console.url + path)
    await page.fill("[data-chat-input]", "Berapa ongkos kirim ke Bandung?")
    await page.press("[data-chat-input]", "Enter")
    reply = page.locator(".msg-bot").last
    # The first question builds the store's search index and loads the offline models: on a
    # loaded machine that outlasts Playwright's 5 s default.
    await expect(reply.locator(".bubble")).to_contain_text("15.000", timeout=30_000)
    await expect(reply.locator("[data-citation]").first).to_contain_text("pengiriman.md")
    await expect(reply.locator("[data-hand-over]")).to_have_attribute("data-hand-over", "")
    assert await console.db["messages"].count_documents({"store_id": store.id}) == 0
    await page.fill("[data-chat-input]", "Saya mau bicara dengan admin saja")
    await page.press("[data-chat-input]", "Enter")
    await expect(page.locator(".msg-bot").last.locator("[data-hand-over]")).to_have_attribute(
        "data-hand-over", "customer_request"
    )
    await screenshots(path, "playground")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_switching_business_hours_on_starts_from_a_usual_week(
    console: Console, store: StoreAccount, page: Page, phone_page: Phone, sign_in: SignIn, size: str
) -> None:
    tab = page if size == "desktop" else await phone_page()
    await sign_in(tab, f"/stores/{store.id}/settings")
    await tab.check("input[name='business_hours.enabled']")
    await tab.click("[data-save]")

    await expect(tab.locator("[data-form-status]")).to_have_text("Tersimpan sebagai versi 1.")
    saved = await console.db[BOT_SETTINGS].find_one({"_id": store.id})
    assert saved is not None
    days = saved["settings"]["business_hours"]["days"]
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    assert {day: len(periods) for day, periods in days.items()} == dict.fromkeys(weekdays, 1)
    assert saved["settings"]["business_hours"]["enabled"] is True
    assert await sticking_out(tab) == []


PAGES = ["inbox", "dashboard", "knowledge", "settings", "playground", "replies", "setup", "team"]


async def seed_handed_over(db: Database, store_id: str) -> str:
    """A conversation the bot handed over, with an order on its card: what the queue and the
    conversation page show at their widest."""
    at = datetime.now(UTC) - timedelta(minutes=7)
    conversation_id = f"{store_id}:+6281298765432"
    question = "Kak, pesanan #2051 saya belum sampai, padahal katanya dikirim tiga hari lalu?"
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": "+6281298765432",
            "profile_name": "Kartika Dewi Anggraini Putri",
            "status": "open",
            "owner": "human",
            "handed_over_at": at,
            "hand_over_reason": "customer_request",
            "last_activity_at": at,
            "last_message": {"direction": "inbound", "text": question, "at": at},
            "latest_intent": "order_status",
            "recent_orders": [
                {"id": 2051, "number": "2051", "status": "on-hold", "total": "1250000",
                 "currency": "IDR", "items": "3 x Kemeja Batik Parang Rusak Barong - XXL"}
            ],
        }
    )  # fmt: skip
    await db[MESSAGES].insert_one(
        {
            "_id": "SM" + uuid.uuid4().hex,
            "store_id": store_id,
            "conversation_id": conversation_id,
            "direction": "inbound",
            "author": "customer",
            "text": question,
            "created_at": at,
        }
    )
    return conversation_id


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_no_page_is_wider_than_the_screen(
    console: Console, store: StoreAccount, page: Page, phone_page: Phone, sign_in: SignIn, size: str
) -> None:
    tab = page if size == "desktop" else await phone_page()
    if size == "desktop":
        await tab.set_viewport_size({"width": 1280, "height": 800})  # a common laptop
    await seed_kpi_days(console.db, store.id, [(0, 48, 41), (1, 36, 30), (3, 52, 47)])
    conversation = await seed_handed_over(console.db, store.id)
    await sign_in(tab, f"/stores/{store.id}/inbox")
    wide: dict[str, list[str]] = {}
    for name in [*PAGES, "inbox?view=queue", f"conversations/{conversation}", "no-such-page"]:
        await tab.goto(f"{console.url}/stores/{store.id}/{name}")
        await tab.wait_for_load_state("networkidle")
        found = await sticking_out(tab)
        if found:
            wide[name] = found
    assert wide == {}


async def test_an_owner_maps_an_order_status_to_a_template_on_the_notifications_page(
    console: Console,
    store: StoreAccount,
    page: Page,
    phone_page: Phone,
    sign_in: SignIn,
    screenshots: Screenshots,
) -> None:
    path = f"/stores/{store.id}/settings/notifications"
    await sign_in(page, path)
    shipped = page.locator('[data-status="shipped"]')
    await shipped.locator("input[name='shipped.template']").fill("order_shipped:id")
    await shipped.locator("select[name='shipped.field.0']").select_option("first_name")
    await shipped.locator("select[name='shipped.field.1']").select_option("tracking_number")
    await page.fill("#quiet-start", "21:00")
    await page.fill("#quiet-end", "08:00")
    await page.click("form.setup-form button[type=submit]")
    await expect(page.locator('[data-outcome="saved"]')).to_be_visible()
    saved = await console.db[ORDER_NOTIFICATION_SETTINGS].find_one({"_id": store.id})
    assert saved is not None
    assert saved["templates"]["shipped"] == {
        "template": "order_shipped:id",
        "variables": {"1": "first_name", "2": "tracking_number"},
    }
    assert saved["quiet_hours"] == {"start": "21:00:00", "end": "08:00:00"}
    phone = await phone_page()
    await sign_in(phone, path)
    assert await sticking_out(phone) == []
    await screenshots(path, "notifications")
