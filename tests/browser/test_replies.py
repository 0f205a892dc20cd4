"""The reply library page in a real browser: an owner adds a canned reply and a template, sees an
inline error in Indonesian for a wrong Content SID, fixes it and saves; the saved library is what
the inbox offers. Screenshots go to /tmp/screens (or BALAS_SCREENSHOTS)."""

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from services.console.collections import REPLY_LIBRARY
from tests.support.browser import Console, SignIn, StoreAccount

pytestmark = pytest.mark.browser

SID = "HX" + "7" * 32


async def test_an_owner_builds_the_reply_library_with_inline_errors(
    console: Console, store: StoreAccount, page: Page, sign_in: SignIn, screens: Path
) -> None:
    await console.db[REPLY_LIBRARY].insert_one(
        {"_id": store.id, "canned": [{"title": "Lama", "text": "Balasan lama"}], "templates": []}
    )
    path = f"/stores/{store.id}/replies"
    await sign_in(page, path)
    await expect(page.get_by_role("link", name="Balasan")).to_have_attribute("aria-current", "page")

    await page.locator('[data-list="canned"] [data-remove-row]').click()
    await page.click('[data-add-row="canned"]')
    canned = page.locator('[data-list="canned"] [data-row]').last
    await canned.locator("input[name=title]").fill("Resi")
    await canned.locator("textarea[name=text]").fill("Nomor resi kami kirim hari ini ya kak.")
    await page.click('[data-add-row="templates"]')
    template = page.locator('[data-list="templates"] [data-row]').last
    await template.locator("input[name=name]").fill("Tindak lanjut")
    await template.locator("input[name=content_sid]").fill("HX123")
    await template.locator("textarea[name=body]").fill("Halo {{1}}, pesanan {{2}} sudah dikirim.")
    await expect(template.locator("[data-variables]")).to_have_text("{{1}} {{2}}")
    await page.click("[data-save]")

    error = template.locator('[data-error-for="content_sid"]')
    await expect(error).to_have_text("Content SID berupa HX diikuti 32 karakter heksadesimal.")
    stored = await console.db[REPLY_LIBRARY].find_one({"_id": store.id})
    assert stored is not None
    assert stored["canned"] == [{"title": "Lama", "text": "Balasan lama"}]  # nothing saved
    await page.screenshot(path=screens / "replies-error-desktop.png", full_page=True)

    await template.locator("input[name=content_sid]").fill(SID)
    await page.click("[data-save]")
    await expect(page.locator("[data-form-status]")).to_have_text("Tersimpan.")
    await expect(error).to_be_hidden()
    assert await console.db[REPLY_LIBRARY].find_one({"_id": store.id}, {"_id": 0}) == {
        "canned": [{"title": "Resi", "text": "Nomor resi kami kirim hari ini ya kak."}],
        "templates": [
            {
                "name": "Tindak lanjut",
                "content_sid": SID,
                "body": "Halo {{1}}, pesanan {{2}} sudah dikirim.",
            }
        ],
    }
    await page.reload()
    await expect(page.locator('[data-list="templates"] input[name=content_sid]')).to_have_value(SID)
    await page.screenshot(path=screens / "replies-desktop.png", full_page=True)
