"""The plugin inside a real WordPress (Debian's package, on MariaDB, served by `php -S`): activated
from the Plugins screen, its settings page filled in and saved like a browser does, the connect
call reaching the console API on loopback, the button on the storefront and a product page, the
pages in Indonesian, and deleting the plugin from the admin. WooCommerce is not in Debian: the
checkout hooks are covered by the plugin's plain-PHP tests (tests/unit/test_wordpress_plugin.py).
"""

import re
import shutil
from collections.abc import Iterator
from html import unescape
from urllib.parse import quote

import httpx
import pytest

from shared.mongo import Database
from shared.stores.collections import STORES
from shared.stores.directory import Store, save_store
from tests.support.console import ConsoleApi
from tests.support.wordpress import PLUGIN, WordPressSite, form_field, wordpress_site

pytestmark = pytest.mark.slow

PLUGIN_FILE = "balas-whatsapp/balas-whatsapp.php"
SETTINGS_PAGE = "/wp-admin/options-general.php?page=balas-whatsapp"
VERSION = re.search(
    r"define\( 'BALAS_WHATSAPP_VERSION', '([^']+)' \)", (PLUGIN / "balas-whatsapp.php").read_text()
)[1]  # type: ignore[index]


@pytest.fixture(scope="module")
def site() -> Iterator[WordPressSite]:
    with wordpress_site() as running:
        yield running


@pytest.fixture
def active(site: WordPressSite) -> WordPressSite:
    """The site with the plugin active and no settings saved yet."""
    site.php(
        f"activate_plugin( '{PLUGIN_FILE}' ); delete_option( 'balas_whatsapp_settings' );"
        "delete_user_meta( 1, 'locale' ); update_option( 'WPLANG', '' ); return true;"
    )
    return site


def _save_settings(site: WordPressSite, **settings: object) -> None:
    """Settings written straight to the option, as an earlier save would have left them."""
    values = ", ".join(f"'{key}' => {_php_value(value)}" for key, value in settings.items())
    site.php(f"update_option( 'balas_whatsapp_settings', array( {values} ) ); return true;")


def _php_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


async def _store_with_plugin_token(db: Database, console_api: ConsoleApi, store_id: str) -> str:
    await save_store(db, Store(id=store_id, name="Toko Budi", whatsapp_number="+6281100000029"))
    async with console_api.client() as http:
        made = await http.post(f"/api/stores/{store_id}/plugin-token")
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


def _notices(html: str) -> list[str]:
    """The admin notices on a page, as text."""
    found = re.findall(r"<div[^>]*class=['\"][^'\"]*\bnotice\b[^>]*>(.*?)</div>", html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", notice)).strip() for notice in found]


def _plugin_problems(site: WordPressSite) -> list[str]:
    """PHP notices, warnings and errors WordPress logged from the plugin's files."""
    log = site.debug_log.read_text() if site.debug_log.exists() else ""
    return [line for line in log.splitlines() if "balas-whatsapp/" in line]


def _button_href(html: str) -> str:
    link = re.search(r'<a class="balas-whatsapp-button[^"]*" href="([^"]+)"', html)
    assert link is not None, "no WhatsApp button on the page"
    return unescape(link[1])


def test_the_plugin_is_activated_from_the_plugins_screen(site: WordPressSite) -> None:
    site.php(f"deactivate_plugins( '{PLUGIN_FILE}' ); return true;")

    with site.admin() as browser:
        plugins = browser.get("/wp-admin/plugins.php").text
        activate = re.search(
            r'href="(plugins\.php\?action=activate&amp;plugin=balas-whatsapp[^"]+)"', plugins
        )
        assert activate is not None, "no Activate link for the plugin"
        activated = browser.get(f"/wp-admin/{unescape(activate[1])}")

    assert "Plugin activated." in activated.text
    assert (
        'href="' + f"{site.url}/wp-admin/options-general.php?page=balas-whatsapp" in activated.text
    )
    assert site.php("return get_option( 'active_plugins' );") == [PLUGIN_FILE]
    assert _plugin_problems(site) == []


async def test_saving_the_settings_connects_the_site_to_balas(
    active: WordPressSite, console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    token = await _store_with_plugin_token(db, console_api, store_id)

    with active.admin() as browser:
        page = browser.get(SETTINGS_PAGE).text
        saved = browser.post(
            "/wp-admin/options.php",
            data={
                "option_page": "balas_whatsapp",
                "action": "update",
                "_wpnonce": form_field(page, 'action="options.php"', "_wpnonce"),
                "_wp_http_referer": SETTINGS_PAGE,
                "balas_whatsapp_settings[enabled]": "1",
                "balas_whatsapp_settings[whatsapp_number]": "+62 811 0000 0029",
                "balas_whatsapp_settings[message]": "Halo kak",
                "balas_whatsapp_settings[product_message]": "Saya mau {product}",
                "balas_whatsapp_settings[label]": "Chat kami",
                "balas_whatsapp_settings[position]": "bottom-left",
                "balas_whatsapp_settings[balas_url]": console_api.url + "/",
                "balas_whatsapp_settings[store_id]": store_id,
                "balas_whatsapp_settings[token]": token,
            },
        )

    for field in ("whatsapp_number", "balas_url", "store_id", "token"):
        assert f'id="balas_whatsapp_{field}"' in page
    assert f"Settings saved. Connected to Balas as store {store_id}." in _notices(saved.text)
    assert token not in saved.text  # the token never goes back to the browser
    async with console_api.client() as http:
        view = (await http.get(f"/api/stores/{store_id}")).json()
    assert view["wordpress"]["site_url"] == active.url
    assert view["wordpress"]["plugin_version"] == VERSION
    settings = active.php("return get_option( 'balas_whatsapp_settings' );")
    assert isinstance(settings, dict)
    assert settings["whatsapp_number"] == "+6281100000029"
    assert settings["balas_url"] == console_api.url
    assert _plugin_problems(active) == []


async def test_the_connect_button_shows_why_balas_refused(
    active: WordPressSite, console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    old = await _store_with_plugin_token(db, console_api, store_id)
    _save_settings(active, balas_url=console_api.url, store_id=store_id, token=old)
    async with console_api.client() as http:
        await http.post(f"/api/stores/{store_id}/plugin-token")  # the site's token is replaced

    with active.admin() as browser:
        page = browser.get(SETTINGS_PAGE).text
        pressed = browser.post(
            "/wp-admin/admin-post.php",
            data={
                "action": "balas_whatsapp_connect",
                "_wpnonce": form_field(page, 'admin-post.php"', "_wpnonce"),
                "_wp_http_referer": SETTINGS_PAGE,
            },
        )

    assert "Balas refused the token (HTTP 401)." in _notices(pressed.text)
    assert str(pressed.url).endswith("page=balas-whatsapp&settings-updated=true")
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert stored.get("wordpress") is None


def test_the_storefront_shows_the_button_and_a_product_page_names_the_product(
    active: WordPressSite,
) -> None:
    _save_settings(
        active,
        enabled=True,
        whatsapp_number="+6281100000029",
        message="Halo kak",
        product_message="Saya mau {product} ({url})",
        label="Chat kami",
        position="bottom-right",
    )
    product = active.php(
        "$id = wp_insert_post( array( 'post_type' => 'product', 'post_status' => 'publish',"
        " 'post_title' => 'Batik Tulis & Kain' ) ); return get_permalink( $id );"
    )
    assert isinstance(product, str)

    home = httpx.get(active.url + "/", timeout=60).text
    product_page = httpx.get(product, timeout=60).text

    assert _button_href(home) == "https://wa.me/6281100000029?text=Halo%20kak"
    assert "balas-whatsapp.css" in home
    assert _button_href(product_page) == "https://wa.me/6281100000029?text=" + quote(
        f"Saya mau Batik Tulis & Kain ({product})", safe=""
    )
    assert _plugin_problems(active) == []


def test_in_indonesian_the_settings_page_and_the_button_speak_it(active: WordPressSite) -> None:
    _save_settings(active, whatsapp_number="+6281100000029")  # the label left at its default
    active.php(
        "update_option( 'WPLANG', 'id_ID' ); update_user_meta( 1, 'locale', 'id_ID' );"
        "return get_locale();"
    )

    with active.admin() as browser:
        page = browser.get(SETTINGS_PAGE).text
    home = httpx.get(active.url + "/", timeout=60).text

    assert "Nomor WhatsApp" in page
    assert "Koneksi Balas" in page
    assert 'lang="id-ID"' in home
    assert '<span class="balas-whatsapp-button__label">Chat dengan kami</span>' in home
    assert 'aria-label="Chat dengan kami (membuka WhatsApp di tab baru)"' in home
    assert _button_href(home) == "https://wa.me/6281100000029?text=" + quote(
        "Halo! Saya ingin bertanya.", safe=""
    )


def test_deleting_the_plugin_removes_its_settings(active: WordPressSite) -> None:
    _save_settings(active, whatsapp_number="+6281100000029", token="balas_wp_secret-token")
    installed = active.root / "wp-content" / "plugins" / PLUGIN.name

    with active.admin() as browser:
        plugins = browser.get("/wp-admin/plugins.php").text
        deactivate = re.search(
            r'href="(plugins\.php\?action=deactivate&amp;plugin=balas-whatsapp[^"]+)"', plugins
        )
        assert deactivate is not None
        listing = browser.get(f"/wp-admin/{unescape(deactivate[1])}").text
        deleted = browser.post(
            "/wp-admin/plugins.php",
            data={
                "action": "delete-selected",
                "verify-delete": "1",
                "checked[]": PLUGIN_FILE,
                "_wpnonce": form_field(listing, 'id="bulk-action-form"', "_wpnonce"),
            },
        )

    try:
        assert deleted.status_code == 200
        assert not installed.exists()
        assert active.php("return get_option( 'balas_whatsapp_settings' );") is False
    finally:  # later tests (and a rerun) find the plugin installed again
        if not installed.exists():
            shutil.copytree(PLUGIN, installed)
