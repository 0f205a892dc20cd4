"""Chromium through Playwright for the console's browser tests (tests/browser: the console app
alone, and in tests/browser/system the running system): Debian's /usr/bin/chromium (or
BALAS_CHROMIUM), never Playwright's own browser download, and sign-in through the real login
form."""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES

CHROMIUM = os.environ.get("BALAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = ViewportSize(width=1440, height=900)
PHONE = ViewportSize(width=390, height=844)
SCREENS = Path(os.environ.get("BALAS_SCREENSHOTS", "/tmp/screens"))  # to look at, never committed
PASSWORD = "kopi-susu-gula-aren-42"

SignIn = Callable[[Page, str], Awaitable[None]]


@dataclass(frozen=True)
class Console:
    """The console app served for one test, and the database behind it."""

    url: str
    settings: Settings
    db: Database


@dataclass(frozen=True)
class StoreAccount:
    """A store and its owner, who signs in with `password` through the login form."""

    id: str
    name: str
    whatsapp_number: str
    owner_id: str
    owner_email: str
    password: str


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """One headless Chromium; skips the test when the machine has none."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (make system-deps-test installs it)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def desktop_context(browser: Browser) -> BrowserContext:
    """A fresh profile (no cookies) at desktop size, Indonesian first like the stores' admins."""
    return await browser.new_context(viewport=DESKTOP, locale="id-ID")


async def phone_context(browser: Browser) -> BrowserContext:
    """A fresh profile at phone size (390 by 844, touch, a 2x screen)."""
    return await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )


async def sign_in(page: Page, console_url: str, email: str, password: str, path: str) -> None:
    """Sign `page` in through the real login form, which then opens `path`."""
    await page.goto(f"{console_url}/login?next={quote(path, safe='')}")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{console_url}{path}*")


# Measured against the width the test gave the tab, not `innerWidth`: a mobile browser widens
# its layout viewport to fit content that overflows, so innerWidth grows with the overflow.
STICKING_OUT = """(width) => {
    const root = document.documentElement;
    const scroll = Math.max(root.scrollWidth, document.body.scrollWidth);
    const page = scroll > width ? [`the page scrolls ${scroll - width} px sideways`] : [];
    const wide = [...document.querySelectorAll("body *")]
        .filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > width + 1)
        .map((e) => e.tagName.toLowerCase() + " in ." + (e.closest("[class]")?.className || "body")
            + ` (right edge at ${Math.round(e.getBoundingClientRect().right)} px)`);
    return [...page, ...wide];
}"""


async def sticking_out(page: Page) -> list[str]:
    """What is wider than the tab's screen: the page's own sideways scroll, and the visible
    elements that reach past its right edge (a phone would scroll, or cut them off)."""
    width = page.viewport_size["width"] if page.viewport_size else DESKTOP["width"]
    found: list[str] = await page.evaluate(STICKING_OUT, width)
    return found


WRAPPED = """(selector) => [...document.querySelectorAll(selector)]
    .filter((e) => e.checkVisibility() && e.textContent.trim())
    .filter((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size > 1;
    })
    .map((e) => e.textContent.trim())"""


async def broken_words(page: Page, selector: str) -> list[str]:
    """The visible texts of `selector` (badges, times) that wrap onto more than one line."""
    found: list[str] = await page.evaluate(WRAPPED, selector)
    return found


async def add_store(db: Database, name: str, whatsapp_number: str) -> str:
    """A store written straight to MongoDB, as onboarding leaves it; its new id."""
    store_id = f"store-{uuid.uuid4().hex[:10]}"
    await db[STORES].insert_one({"_id": store_id, "name": name, "whatsapp_number": whatsapp_number})
    return store_id
