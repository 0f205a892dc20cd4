"""Browser tests: the real console app served on loopback against the session's Kafka and
MongoDB, driven by Playwright on Debian's Chromium (`make system-deps` installs it; Playwright's
own browser download is never used). tests/browser/system drives the running system instead.

Fixtures: `console` (the served app, its settings and database), `store` (a store with an owner
who can sign in), `browser` (one Chromium per session), `page` (a fresh signed-in tab, desktop
size) and `sign_in` (sign any tab in through the real login form).
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from services.console.app import create_app
from services.console.auth.users import Role, UserDirectory
from shared import mongo
from shared.settings import Settings
from tests.standins.server import LoopbackServer
from tests.support.browser import (
    PASSWORD,
    SCREENS,
    Console,
    SignIn,
    StoreAccount,
    add_store,
    chromium,
    desktop_context,
    phone_context,
)
from tests.support.browser import sign_in as sign_in_with_form


@pytest.fixture(scope="session")
def screens() -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Console]:
    """The console app on loopback, on a database of this test alone."""
    server = LoopbackServer(create_app(settings)).start()
    assert settings.mongodb.uri
    client = mongo.connect(settings.mongodb.uri)
    yield Console(url=server.url, settings=settings, db=client[settings.mongodb.database])
    server.stop()
    await client.close()


@pytest.fixture
async def store(console: Console) -> StoreAccount:
    """A store and its owner, who signs in with `password`."""
    store_id = await add_store(console.db, "Toko Batik Sekar", "+14155238886")
    email = f"owner-{uuid.uuid4().hex[:6]}@sekar.example"
    owner = await UserDirectory(console.db).create(
        email, "Sari Wulandari", PASSWORD, Role.OWNER, [store_id]
    )
    return StoreAccount(store_id, "Toko Batik Sekar", "+14155238886", owner.id, email, PASSWORD)


@pytest.fixture
def sign_in(console: Console, store: StoreAccount) -> SignIn:
    """Sign `page` in through the real login form, then open `path`."""

    async def go(page: Page, path: str) -> None:
        await sign_in_with_form(page, console.url, store.owner_email, store.password, path)

    return go


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser profile (no cookies) at desktop size."""
    context = await desktop_context(browser)
    tab = await context.new_page()
    yield tab
    await context.close()


@pytest.fixture
async def phone_page(browser: Browser) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """Opens a fresh profile at phone size (390 by 844, touch)."""
    contexts: list[BrowserContext] = []

    async def open_page() -> Page:
        context = await phone_context(browser)
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()
