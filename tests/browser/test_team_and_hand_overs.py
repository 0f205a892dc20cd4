"""Set-up, team and hand-overs in a real browser at 1280 and 390 px: the owner fixes the
store's profile (a refused timezone says why), invites an agent by link, the agent joins from
the link; a hand-over shows in "needs a person" with its waiting time and in the tab's title,
live; the owner deletes the store only by typing its name. No page reaches past the screen's
edge. Screenshots go to /tmp/screens."""

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from shared.conversations.collections import CONVERSATIONS
from shared.mongo import Database
from shared.stores.collections import STORES
from tests.support.browser import Console, SignIn, StoreAccount, sticking_out

pytestmark = pytest.mark.browser

LIVE_MS = 3000  # as the inbox's own browser tests: no reload needed
WIDTHS = {
    "desktop": ViewportSize(width=1280, height=800),
    "phone": ViewportSize(width=390, height=844),
}

OpenPage = Callable[[], Awaitable[Page]]


@pytest.fixture(params=list(WIDTHS))
async def open_page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[OpenPage]:
    """Fresh profiles (no cookies) at one of the two widths, Indonesian like the admins."""
    viewport = WIDTHS[request.param]
    contexts = []

    async def open_one() -> Page:
        context = await browser.new_context(
            viewport=viewport, locale="id-ID", is_mobile=viewport["width"] < 600
        )
        contexts.append(context)
        return await context.new_page()

    yield open_one
    for context in contexts:
        await context.close()


def width_of(page: Page) -> int:
    size = page.viewport_size
    assert size is not None
    return size["width"]


async def test_an_owner_sets_up_the_store_and_invites_an_agent_who_joins(
    console: Console, store: StoreAccount, open_page: OpenPage, sign_in: SignIn, screens: Path
) -> None:
    page = await open_page()
    await sign_in(page, f"/stores/{store.id}/setup")
    assert await sticking_out(page) == []
    profile = page.locator("form[action$='/setup/profile']")
    await profile.locator("input[name=timezone]").fill("Jakarta")
    await profile.locator("button[type=submit]").click()
    await expect(page.locator("[data-outcome=profile]")).to_contain_text(
        "Zona waktu tidak dikenal: Jakarta"
    )
    assert await sticking_out(page) == []
    await page.locator("form[action$='/setup/profile'] input[name=timezone]").fill("Asia/Makassar")
    await page.locator("form[action$='/setup/profile'] button[type=submit]").click()
    await expect(page.locator("[data-outcome=profile]")).to_contain_text("Selesai")
    await expect(page.locator("input[name=timezone]")).to_have_value("Asia/Makassar")
    await page.screenshot(path=screens / f"setup-{width_of(page)}.png", full_page=True)

    await page.goto(f"{console.url}/stores/{store.id}/team")
    email = f"agen-{uuid.uuid4().hex[:6]}@sekar.example"
    await page.fill("#invite-email", email)
    await page.locator("form.invite-form button[type=submit]").click()
    link = await page.locator("[data-invite-url]").input_value()
    assert re.fullmatch(r"https?://.+/invite/[\w-]+", link)
    await expect(page.locator("main")).to_contain_text("Balas tidak mengirim e-mail")
    assert await sticking_out(page) == []
    await page.screenshot(path=screens / f"team-{width_of(page)}.png", full_page=True)

    invited = await open_page()
    await invited.goto(console.url + "/invite/" + link.rsplit("/invite/", 1)[1])
    await expect(invited.locator("main")).to_contain_text(email)
    assert await sticking_out(invited) == []
    await invited.fill("input[name=name]", "Agus Setiawan")
    await invited.fill("input[name=password]", store.password)
    await invited.locator("button[type=submit]").click()
    await invited.wait_for_url(f"{console.url}/stores/{store.id}/inbox")

    await page.goto(f"{console.url}/stores/{store.id}/team")
    member = page.locator(f"[data-member='{email}']")
    await expect(member).to_contain_text("Agus Setiawan")
    await expect(member).to_contain_text("· aktif")  # online, in the Indonesian UI's words
    await expect(page.locator("[data-audit=invite_accepted]")).to_contain_text(email)


async def hand_over(db: Database, store: StoreAccount, customer: str, name: str) -> str:
    conversation_id = f"{store.id}:{customer}"
    at = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store.id,
            "customer_number": customer,
            "profile_name": name,
            "owner": "human",
            "status": "open",
            "hand_over_reason": "customer_request",
            "handed_over_at": at,
            "last_activity_at": at,
            "last_message": {"direction": "outbound", "text": "Sebentar ya, Kak", "at": at},
        }
    )
    return conversation_id


# The browser's notifications, recorded instead of shown (permission granted).
RECORD_NOTIFICATIONS = """
window.notified = [];
window.Notification = class {
  constructor(title) { window.notified.push(title); }
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


async def test_a_hand_over_shows_in_needs_a_person_and_in_the_tab_title_live(
    console: Console, store: StoreAccount, open_page: OpenPage, sign_in: SignIn, screens: Path
) -> None:
    first = await hand_over(console.db, store, "+6281200000001", "Budi Santoso")
    page = await open_page()
    await page.add_init_script(RECORD_NOTIFICATIONS)
    await sign_in(page, f"/stores/{store.id}/inbox")
    await expect(page).to_have_title(re.compile(r"^\(1\) "))
    row = page.locator(f"[data-conversation-row='{first}']")
    await expect(row.locator(".unread-dot")).to_be_visible()  # though the bot wrote last
    await page.locator("label.segment", has_text="Perlu petugas").click()
    await expect(row).to_contain_text("Menunggu 0 mnt")
    await expect(row).to_contain_text("belum ada petugas")
    await expect(page.locator("[data-count=queue]")).to_have_text("1")
    assert await sticking_out(page) == []

    await page.locator(".alerts-menu > summary").click()
    await page.locator("[data-alerts] input[name=desktop]").check()
    await expect(page.locator("[data-alerts]")).to_have_attribute("data-desktop", "true")
    assert await sticking_out(page) == []
    assert await page.evaluate("window.notified") == []

    second = await hand_over(console.db, store, "+6281200000002", "Rina Kusuma")
    await expect(page).to_have_title(re.compile(r"^\(2\) "), timeout=LIVE_MS)
    await expect(page.locator(f"[data-conversation-row='{second}']")).to_be_visible()
    await expect(page.locator("[data-count=queue]")).to_have_text("2")
    assert await page.evaluate("window.notified") == ["Ada pelanggan yang perlu petugas"]
    await page.screenshot(path=screens / f"inbox-queue-{width_of(page)}.png")


async def test_an_owner_deletes_the_store_only_by_typing_its_name(
    console: Console, store: StoreAccount, open_page: OpenPage, sign_in: SignIn, screens: Path
) -> None:
    page = await open_page()
    await sign_in(page, f"/stores/{store.id}/setup")
    deletion = page.locator("form[action$='/setup/delete']")
    await deletion.locator("input[name=confirm]").fill("toko lain")
    await deletion.locator("button[type=submit]").click()
    await expect(page.locator("[data-outcome=delete]")).to_contain_text("bukan id atau nama")
    assert await sticking_out(page) == []
    await page.screenshot(path=screens / f"setup-delete-{width_of(page)}.png", full_page=True)
    assert await console.db[STORES].find_one({"_id": store.id}) is not None

    await page.locator("form[action$='/setup/delete'] input[name=confirm]").fill(store.name)
    await page.locator("form[action$='/setup/delete'] button[type=submit]").click()

    await expect(page).to_have_url(re.compile(r"/login"))
    assert await console.db[STORES].find_one({"_id": store.id}) is None
