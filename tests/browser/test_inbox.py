"""The inbox in a real browser: the list, a conversation arriving live, take over and reply
publishing agent commands, and the phone layout. Screenshots go to /tmp/screens (or
BALAS_SCREENSHOTS)."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from playwright.async_api import Page, expect

from services.console.collections import REPLY_LIBRARY
from services.enricher import agent_sessions
from shared import identity, kafka
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import AgentCommandIssued, MessageReceived, event_id_for
from shared.mongo import Database
from shared.settings import Settings
from shared.topics import AGENT_COMMANDS
from tests.support.browser import Console, SignIn, StoreAccount, broken_words, sticking_out

pytestmark = pytest.mark.browser

CUSTOMER = "+6281234567890"
LIVE_MS = 3000  # "within a couple of seconds": the page must update without a reload


def inbound(
    store: StoreAccount, text: str, at: datetime, customer: str = CUSTOMER
) -> MessageReceived:
    sid = "SM" + uuid.uuid4().hex
    return MessageReceived(
        event_id=event_id_for("whatsapp.inbound", sid),
        occurred_at=at,
        store_id=store.id,
        conversation_id=f"{store.id}:{customer}",
        message_sid=sid,
        customer_number=customer,
        store_number=store.whatsapp_number,
        profile_name="Budi Santoso",
        text=text,
    )


async def receive(db: Database, message: MessageReceived, **card: Any) -> None:
    """What the responder and the enricher store for a customer message."""
    await db[MESSAGES].insert_one(inbound_message_document(message))
    await db[CONVERSATIONS].update_one(
        {"_id": message.conversation_id},
        {
            "$set": {
                "store_id": message.store_id,
                "customer_number": message.customer_number,
                "profile_name": message.profile_name,
                "status": "open",
                "last_message": {
                    "direction": "inbound",
                    "text": message.text,
                    "at": message.occurred_at,
                },
                "last_activity_at": message.occurred_at,
                **card,
            },
            "$setOnInsert": {} if "owner" in card else {"owner": "bot"},
        },
        upsert=True,
    )


async def seed_conversation(db: Database, store: StoreAccount) -> str:
    """A customer asked about an order; the bot answered from a document and an order look-up,
    and the reply was read."""
    at = datetime.now(UTC) - timedelta(minutes=12)
    question = inbound(store, "Kak, pesanan #1042 saya sudah dikirim belum?", at)
    await receive(
        db,
        question,
        latest_intent="order_status",
        latest_sentiment={"label": "neutral", "score": 0.8},
        sentiment_trend={"scores": [0.0], "direction": "steady"},
        summary={
            "text": "Budi menanyakan status pengiriman pesanan #1042.",
            "engine": "extractive",
        },
        open_topics={"order_numbers": ["1042"], "question": "sudah dikirim belum?"},
        next_action="reply",
        customer={"id": 7, "name": "Budi Santoso", "email": "budi@example.id"},
        recent_orders=[
            {
                "id": 1042,
                "number": "1042",
                "status": "processing",
                "total": "245000",
                "currency": "IDR",
                "created_at": at.isoformat(),
                "items": "2 x Kemeja Batik Parang - L",
            }
        ],
    )
    await db[MESSAGES].insert_one(
        {
            "_id": f"reply:{question.message_sid}",
            "store_id": store.id,
            "conversation_id": question.conversation_id,
            "direction": "outbound",
            "author": "bot",
            "text": "Pesanan #1042 sedang dikemas dan dikirim besok lewat JNE ya kak 🙏",
            "created_at": at + timedelta(seconds=4),
            "state": "sent",
            "twilio_sid": "SM" + uuid.uuid4().hex,
            "delivery_status": "read",
            "delivery_rank": 5,
            "citations": [
                {
                    "kind": "tool",
                    "ref": "order_status",
                    "snippet": "Order 1042: processing, 2 items",
                },
                {
                    "kind": "passage",
                    "ref": "doc1:1:3",
                    "document_id": "doc1",
                    "filename": "kebijakan-pengiriman.pdf",
                    "locator": "page 2",
                    "snippet": "Pesanan dikirim 1x24 jam setelah pembayaran.",
                },
            ],
        }
    )
    await db[MESSAGES].insert_one(
        {
            "_id": "note:" + uuid.uuid4().hex,
            "store_id": store.id,
            "conversation_id": question.conversation_id,
            "direction": "internal",
            "author": "agent",
            "agent_id": store.owner_id,
            "text": "Pelanggan langganan, prioritaskan pengiriman.",
            "created_at": at + timedelta(minutes=2),
        }
    )
    return question.conversation_id


async def published_commands(
    settings: Settings, conversation_id: str, wanted: int
) -> list[AgentCommandIssued]:
    """Read agent.commands from its start until `wanted` commands of the conversation came
    (only records that mention it are decoded: the topic is shared by the session's tests)."""
    reader = AIOKafkaConsumer(
        AGENT_COMMANDS,
        bootstrap_servers=kafka.bootstrap_servers(settings),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await reader.start()
    found: list[AgentCommandIssued] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while len(found) < wanted and loop.time() < deadline:
            for records in (await reader.getmany(timeout_ms=200)).values():
                for record in records:
                    if conversation_id.encode() not in (record.value or b""):
                        continue
                    command = AgentCommandIssued.model_validate_json(record.value or b"")
                    if command.conversation_id == conversation_id:
                        found.append(command)
    finally:
        await reader.stop()
    return found


def csp_violations(page: Page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


async def test_live_inbox_take_over_and_reply(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn, screens: Path
) -> None:
    conversation_id = await seed_conversation(console.db, store)
    violations = csp_violations(page)
    await sign_in(page, f"/stores/{store.id}/inbox")

    row = page.locator(f"[data-conversation-row='{conversation_id}']")
    await expect(row).to_contain_text("Budi Santoso")
    await expect(row).to_contain_text("Status pesanan")
    await expect(page.locator("[data-live-status]")).to_have_class("live-status is-live")
    await page.screenshot(path=screens / "inbox-desktop.png")

    await row.click()
    await expect(page.locator("#conv-header")).to_contain_text("Budi Santoso")
    await expect(page.locator("[data-tick=read]")).to_be_visible()
    await page.locator(".citations summary").click()
    await expect(page.locator(".citations")).to_contain_text("kebijakan-pengiriman.pdf")
    await expect(page.locator("#card")).to_contain_text("2 x Kemeja Batik Parang - L")
    note = page.locator(".message-note")
    await expect(note).to_contain_text("Catatan internal · Sari Wulandari")
    await expect(note).to_contain_text("prioritaskan pengiriman")

    # A new customer message, stored as the responder and enricher would: it appears live.
    follow_up = inbound(store, "Halo? Tolong dicek ya, saya butuh hari Sabtu", datetime.now(UTC))
    await receive(console.db, follow_up)
    await expect(page.locator("#messages")).to_contain_text(follow_up.text, timeout=LIVE_MS)
    await expect(page.locator(".citations")).to_have_attribute("open", "")  # still unfolded
    await expect(row).to_contain_text("tolong dicek", ignore_case=True, timeout=LIVE_MS)

    await page.click("[data-action=take_over]")
    await expect(page.locator(".flash-ok")).to_be_visible()
    # The responder applies the command; the open page follows the card live.
    await console.db[CONVERSATIONS].update_one(
        {"_id": conversation_id}, {"$set": {"owner": "human"}}
    )
    reply_box = page.locator("textarea[data-composer-text]")
    await expect(page.locator("[data-action=reply]")).to_be_visible(timeout=LIVE_MS)
    await reply_box.fill("Siap kak, saya cek ke gudang sekarang.")
    await page.screenshot(path=screens / "conversation-desktop.png")
    await page.click("[data-action=reply]")
    await expect(page.locator(".flash-ok")).to_be_visible()
    await expect(reply_box).to_have_value("")

    commands = await published_commands(console.settings, conversation_id, wanted=2)
    assert [(c.command, c.text, c.agent_id) for c in commands] == [
        ("take_over", None, store.owner_id),
        ("reply", "Siap kak, saya cek ke gudang sekarang.", store.owner_id),
    ]
    assert violations == []


async def test_a_closed_conversation_is_reopened_from_its_page(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    conversation_id = await seed_conversation(console.db, store)
    closed_at = datetime.now(UTC) - timedelta(minutes=5)
    await console.db[CONVERSATIONS].update_one(
        {"_id": conversation_id},
        {"$set": {"status": "closed", "outcome": "resolved_by_bot", "closed_at": closed_at}},
    )
    await sign_in(page, f"/stores/{store.id}/conversations/{conversation_id}")
    header = page.locator("#conv-header")
    await expect(header.locator("[data-conversation-state=closed]")).to_be_visible()
    await expect(header.locator("[data-action=close]")).to_have_count(0)

    await page.click("[data-action=reopen]")
    await expect(page.locator(".flash-ok")).to_be_visible()
    (command,) = await published_commands(console.settings, conversation_id, wanted=1)
    assert (command.command, command.agent_id) == ("reopen", store.owner_id)
    await agent_sessions.on_agent_command(command, console.db)  # the enricher applies it

    # The open page follows the card live: a new session the bot answers, ready to take over.
    await expect(header.locator("[data-conversation-state=bot]")).to_be_visible(timeout=LIVE_MS)
    await expect(header.locator("[data-action=take_over]")).to_be_visible()
    await expect(header.locator("[data-action=close]")).to_be_visible()
    card = await console.db[CONVERSATIONS].find_one({"_id": conversation_id})
    assert card is not None
    assert (card["status"], card.get("reopens", 0)) == ("open", 0)


async def test_phone_shows_the_list_then_the_conversation(
    console: Console, store: StoreAccount, phone_page: Any, sign_in: SignIn, screens: Path
) -> None:
    conversation_id = await seed_conversation(console.db, store)
    page: Page = await phone_page()
    await sign_in(page, f"/stores/{store.id}/inbox")

    list_pane = page.locator(".list-pane")
    await expect(list_pane).to_be_visible()
    await expect(page.locator(".sidebar")).to_be_hidden()
    assert await sticking_out(page) == []  # nothing wider than the phone: no sideways scroll
    await page.screenshot(path=screens / "inbox-phone.png")

    await page.locator(f"[data-conversation-row='{conversation_id}']").click()
    await expect(page.locator(".conv-pane")).to_be_visible()
    await expect(list_pane).to_be_hidden()
    await expect(page.locator(".back-link")).to_be_visible()
    await expect(page.locator("[data-action=take_over]")).to_be_in_viewport()
    assert await sticking_out(page) == []
    await page.screenshot(path=screens / "conversation-phone.png")

    await page.click(".card-link")
    await expect(page.locator("#card")).to_be_visible()
    await expect(page.locator("#card")).to_contain_text("#1042")
    await page.screenshot(path=screens / "card-phone.png")
    await page.click("#card .card-close")
    await expect(page.locator("#card")).to_be_hidden()

    await page.click(".back-link")
    await expect(list_pane).to_be_visible()

    await page.click(".menu-toggle summary")
    await expect(page.locator(".mobile-nav .nav-link.is-active")).to_be_visible()
    await page.screenshot(path=screens / "menu-phone.png")


async def test_another_stores_conversation_is_not_found(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    await sign_in(page, f"/stores/{store.id}/inbox")
    elsewhere = "store-other:+6281111111111"
    await console.db[CONVERSATIONS].insert_one({"_id": elsewhere, "store_id": "store-other"})
    own_path = f"/stores/{store.id}/conversations/{elsewhere}"
    answer = await page.goto(console.url + own_path)
    assert answer is not None
    assert answer.status == 404
    answer = await page.goto(f"{console.url}/stores/store-other/inbox")
    assert answer is not None
    assert answer.status == 404


async def test_canned_replies_and_templates_outside_the_window(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    template_sid = "HX" + "5" * 32
    await console.db[REPLY_LIBRARY].insert_one(
        {
            "_id": store.id,
            "canned": [{"title": "Resi", "text": "Nomor resi akan kami kirim hari ini ya kak."}],
            "templates": [
                {
                    "name": "Tindak lanjut",
                    "content_sid": template_sid,
                    "body": "Halo {{1}}, pesanan {{2}} sudah kami cek.",
                }
            ],
        }
    )
    fresh = inbound(store, "Resinya mana kak?", datetime.now(UTC) - timedelta(minutes=5))
    await receive(console.db, fresh, owner="human")
    await sign_in(page, f"/stores/{store.id}/conversations/{fresh.conversation_id}")
    await page.click(".canned summary")
    await page.click("[data-canned-text]")
    await expect(page.locator("textarea[data-composer-text]")).to_have_value(
        "Nomor resi akan kami kirim hari ini ya kak."
    )

    # Another customer wrote 30 hours ago: WhatsApp only takes an approved template now.
    old = inbound(store, "Halo", datetime.now(UTC) - timedelta(hours=30), "+6285550001111")
    await receive(console.db, old, owner="human")
    await page.goto(f"{console.url}/stores/{store.id}/conversations/{old.conversation_id}")
    await expect(page.locator(".composer-warning")).to_be_visible()
    await expect(page.locator("textarea[data-composer-text]")).to_have_count(0)
    await page.select_option("[data-template-picker]", template_sid)
    await page.fill(f"input[name='var:{template_sid}:1']", "Budi")
    await page.fill(f"input[name='var:{template_sid}:2']", "#1042")
    await page.click("[data-action=reply]")
    await expect(page.locator(".flash-ok")).to_be_visible()

    (command,) = await published_commands(console.settings, old.conversation_id, wanted=1)
    assert (command.command, command.text, command.template_sid) == ("reply", None, template_sid)
    assert command.template_variables == {"1": "Budi", "2": "#1042"}


async def test_language_switch_keeps_the_page(
    store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    await sign_in(page, f"/stores/{store.id}/inbox?state=bot")
    await expect(page.locator(".list-pane h1")).to_have_text("Kotak masuk")  # Indonesian first
    await page.click(".sidebar [data-set-lang=en]")
    await expect(page.locator(".list-pane h1")).to_have_text("Inbox")
    assert page.url.endswith(f"/stores/{store.id}/inbox?state=bot")
    await expect(page.locator("input[name=state][value=bot]")).to_be_checked()


async def test_filters_search_and_assign(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    now = datetime.now(UTC)
    bot_owned = inbound(store, "Ada ukuran XL?", now - timedelta(minutes=3), "+6281111111111")
    await receive(console.db, bot_owned)
    human_owned = inbound(store, "Paket saya rusak", now - timedelta(minutes=2), "+6282222222222")
    await receive(console.db, human_owned, owner="human", profile_name="Rina")
    await sign_in(page, f"/stores/{store.id}/inbox")
    rows = page.locator("[data-conversation-row]")
    await expect(rows).to_have_count(2)

    await page.click("label.segment:has(input[value=human])")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Rina")
    await page.click("label.segment:has(input[value=''])")
    await page.fill("input[name=q]", "ukuran xl")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Ada ukuran XL?")

    await rows.first.click()
    await page.select_option("select[name=assignee_id]", store.owner_id)
    await expect(page.locator(".flash-ok")).to_be_visible()
    (command,) = await published_commands(console.settings, bot_owned.conversation_id, wanted=1)
    assert (command.command, command.assignee_id) == ("assign", store.owner_id)


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_a_reply_that_never_reached_the_console_keeps_its_text_and_can_be_retried(
    console: Console,
    store: StoreAccount,
    page: Page,
    phone_page: Any,
    sign_in: SignIn,
    size: str,
) -> None:
    tab = page if size == "desktop" else await phone_page()
    conversation_id = await seed_conversation(console.db, store)
    await console.db[CONVERSATIONS].update_one(
        {"_id": conversation_id}, {"$set": {"owner": "human"}}
    )
    await sign_in(tab, f"/stores/{store.id}/conversations/{conversation_id}")
    reply_box = tab.locator("textarea[data-composer-text]")
    failed = tab.locator("[data-send-failed]")
    text = "Siap kak, saya cek dulu."

    # The console cannot be reached: the text stays and the composer says why.
    await tab.route("**/actions", lambda route: route.abort("connectionrefused"))
    await reply_box.fill(text)
    await tab.click("[data-action=reply]")
    await expect(failed).to_contain_text("Tidak terkirim: konsol tidak dapat dihubungi")
    await expect(reply_box).to_have_value(text)
    assert await sticking_out(tab) == []

    # The console fails: the same marker, with the error in words.
    await tab.unroute("**/actions")
    await tab.route("**/actions", lambda route: route.fulfill(status=500, body="boom"))
    await failed.locator("button").click()
    await expect(failed).to_contain_text("konsol tidak dapat memprosesnya (kesalahan 500)")
    await expect(reply_box).to_have_value(text)

    # A refusal: its status in words, the server's own (English) detail on a second line.
    detail = "only the store's owners may change this"
    await tab.unroute("**/actions")
    await tab.route(
        "**/actions",
        lambda route: route.fulfill(status=403, json={"detail": detail}),
    )
    await failed.locator("button").click()
    await expect(failed).to_contain_text("Tidak terkirim: akun Anda tidak boleh mengubah ini")
    await expect(failed.locator(".failure-detail")).to_have_text(detail)
    await expect(reply_box).to_have_value(text)

    # Back again: a retry sends the kept text.
    await tab.unroute("**/actions")
    await failed.locator("button").click()
    await expect(tab.locator(".flash-ok")).to_be_visible()
    await expect(reply_box).to_have_value("")
    await expect(failed).to_have_count(0)
    commands = await published_commands(console.settings, conversation_id, wanted=1)
    assert [(c.command, c.text) for c in commands] == [("reply", text)]


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_times_and_badges_stay_whole_words(
    console: Console, store: StoreAccount, page: Page, phone_page: Any, sign_in: SignIn, size: str
) -> None:
    tab = page if size == "desktop" else await phone_page()
    conversation_id = await seed_conversation(console.db, store)
    await sign_in(tab, f"/stores/{store.id}/conversations/{conversation_id}")
    await tab.locator(".citations summary").click()

    await expect(tab.locator(".citation-kind").first).to_be_visible()
    assert await broken_words(tab, ".meta time, .tick, .citation-kind, .badge, .status") == []
    assert await sticking_out(tab) == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_each_conversation_shows_its_channel_and_the_list_filters_by_channel(
    console: Console,
    store: StoreAccount,
    page: Page,
    phone_page: Any,
    sign_in: SignIn,
    screens: Path,
    size: str,
) -> None:
    tab = page if size == "desktop" else await phone_page()
    now = datetime.now(UTC)
    on_twilio = inbound(store, "Ada ukuran XL?", now - timedelta(minutes=3), "+6281111111111")
    await receive(console.db, on_twilio, channel="whatsapp")
    cloud_number = "+6282222222222"
    on_cloud = inbound(store, "Paket saya rusak", now - timedelta(minutes=2), cloud_number)
    on_cloud = on_cloud.model_copy(
        update={
            "conversation_id": identity.conversation_id(
                store.id, cloud_number, Channel.WHATSAPP_CLOUD
            ),
            "channel": Channel.WHATSAPP_CLOUD,
        }
    )
    await receive(console.db, on_cloud, owner="human", profile_name="Rina")  # an older card
    await sign_in(tab, f"/stores/{store.id}/inbox")
    rows = tab.locator("[data-conversation-row]")
    await expect(rows).to_have_count(2)

    cloud_row = tab.locator(f"[data-conversation-row='{on_cloud.conversation_id}']")
    await expect(cloud_row.locator(".channel-badge")).to_have_attribute(
        "title", "WhatsApp Cloud API"
    )
    await expect(cloud_row.locator(".channel-badge .visually-hidden")).to_have_text(
        "WhatsApp Cloud API"
    )
    twilio_row = tab.locator(f"[data-conversation-row='{on_twilio.conversation_id}']")
    await expect(twilio_row.locator(".channel-badge")).to_contain_text("Twilio")
    assert await broken_words(tab, ".channel-name") == []
    assert await sticking_out(tab) == []
    await tab.screenshot(path=screens / f"inbox-channels-{size}.png")

    await tab.select_option("select[name=channel]", "whatsapp_cloud")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Rina")
    await tab.click("label.segment:has(input[value=human])")  # with the state filter too
    await expect(rows).to_have_count(1)
    await tab.select_option("select[name=channel]", "whatsapp")
    await expect(rows).to_have_count(0)
    await tab.select_option("select[name=channel]", "")
    await expect(rows).to_have_count(1)
    assert await sticking_out(tab) == []

    await tab.goto(f"{console.url}/stores/{store.id}/conversations/{on_cloud.conversation_id}")
    await expect(tab.locator(".conv-header .channel-badge")).to_contain_text("Cloud API")
    assert await sticking_out(tab) == []
