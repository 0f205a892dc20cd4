"""An inbox left open in a tab goes to the login page once its session ends elsewhere: the live
stream says `signed_out` and static/console.js stops reconnecting."""

import re

import pytest
from playwright.async_api import Page, expect

from services.console.collections import CONSOLE_SESSIONS
from tests.support.browser import Console, SignIn, StoreAccount

pytestmark = pytest.mark.browser


async def test_an_open_inbox_goes_to_the_login_page_when_the_session_ends(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn
) -> None:
    path = f"/stores/{store.id}/inbox"
    await sign_in(page, path)
    await expect(page.locator("[data-live-status].is-live")).to_be_visible()

    # Signed out from another device: the server forgets every session of this user.
    await console.db[CONSOLE_SESSIONS].delete_many({"user_id": store.owner_id})

    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fstores%2F"), timeout=15_000)
