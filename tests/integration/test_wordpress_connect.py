"""The WordPress plugin's connect call, against the console API served on loopback.

The plugin's own PHP connect class makes the call (deploy/woocommerce-plugin/tests/
live-connect.php runs it outside WordPress with a real HTTP client), so the path, headers and
body Balas accepts are the ones the plugin sends. The route takes the store's plugin token and
nothing else: not the admin token, not a console session, not another store's token, not a
replaced one.
"""

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from balas.cli import app
from services.console.auth.users import Role
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store, save_store
from tests.support.console import ConsoleApi

pytestmark = pytest.mark.slow

PLUGIN_ROOT = Path(__file__).resolve().parents[2] / "deploy" / "woocommerce-plugin"
PLUGIN_VERSION = re.search(
    r"define\( 'BALAS_WHATSAPP_VERSION', '([^']+)' \)",
    (PLUGIN_ROOT / "balas-whatsapp" / "balas-whatsapp.php").read_text(),
)[1]  # type: ignore[index]
SITE = "https://toko-budi.example"
BODY = {"site_url": SITE, "plugin_version": "0.1.0"}
SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py


def _plugin_connects(balas_url: str, store_id: str, token: str) -> dict[str, Any]:
    """The plugin's connect() outcome, as its settings page would show it."""
    php = shutil.which("php")
    if php is None:
        pytest.fail("php is not installed: run `make system-deps-test` (it installs php-cli)")
    run = subprocess.run(
        [php, "tests/live-connect.php", balas_url, store_id, token, SITE],
        capture_output=True,
        text=True,
        cwd=PLUGIN_ROOT,
        check=True,
        timeout=30,
    )
    outcome: dict[str, Any] = json.loads(run.stdout)
    return outcome


async def _new_store(db: Database, store_id: str, number: str = "+6281100000009") -> None:
    await save_store(db, Store(id=store_id, name="Toko Budi", whatsapp_number=number))


async def _plugin_token(console_api: ConsoleApi, store_id: str) -> str:
    async with console_api.client() as http:
        made = await http.post(f"/api/stores/{store_id}/plugin-token")
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


def _connect(
    console_api: ConsoleApi, store_id: str, token: str | None, body: Any
) -> httpx.Response:
    """The request the plugin documents (docs/woocommerce.md), made by hand."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    content = body if isinstance(body, str) else json.dumps(body)
    return httpx.post(
        f"{console_api.url}/api/stores/{store_id}/wordpress/connect",
        headers=headers,
        content=content,
        timeout=30,
    )


async def test_the_plugin_connects_with_its_store_token(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    await _new_store(db, store_id)
    token = await _plugin_token(console_api, store_id)

    outcome = _plugin_connects(console_api.url, store_id, token)

    assert outcome == {"ok": True, "message": f"Connected to Balas as store {store_id}."}
    async with console_api.client() as http:
        view = (await http.get(f"/api/stores/{store_id}")).json()
    assert view["wordpress"]["site_url"] == SITE
    assert view["wordpress"]["plugin_version"] == PLUGIN_VERSION
    assert view["wordpress"]["connected_at"]
    assert view["plugin_token_created_at"]
    assert token not in json.dumps(view)
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert token not in str(stored)  # only its digest is kept
    assert stored["plugin_token"]["sha256"] == hashlib.sha256(token.encode()).hexdigest()


async def test_the_plugin_says_why_balas_refused(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    await _new_store(db, store_id)
    old = await _plugin_token(console_api, store_id)
    await _plugin_token(console_api, store_id)  # replaces the old one

    refused = _plugin_connects(console_api.url, store_id, old)
    unknown = _plugin_connects(console_api.url, "no-such-store", old)

    assert refused == {"ok": False, "message": "Balas refused the token (HTTP 401)."}
    assert unknown["ok"] is False
    assert "(HTTP 404)" in unknown["message"]
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert stored.get("wordpress") is None


@pytest.mark.parametrize("which", ["none", "wrong", "admin", "other store's", "replaced"])
async def test_only_the_stores_current_plugin_token_is_accepted(
    console_api: ConsoleApi, db: Database, store_id: str, which: str
) -> None:
    other = f"{store_id}-other"
    await _new_store(db, store_id)
    await _new_store(db, other, "+6281100000008")
    replaced = await _plugin_token(console_api, store_id)
    current = await _plugin_token(console_api, store_id)
    tokens = {
        "none": None,
        "wrong": current[:-2] + "xx",
        "admin": console_api.token,
        "other store's": await _plugin_token(console_api, other),
        "replaced": replaced,
    }

    refused = _connect(console_api, store_id, tokens[which], BODY)
    accepted = _connect(console_api, store_id, current, BODY)

    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert accepted.status_code == 200
    assert accepted.json()["site_url"] == SITE


async def test_a_store_without_a_plugin_token_cannot_be_connected(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    await _new_store(db, store_id)

    response = _connect(console_api, store_id, "balas_wp_anything", BODY)

    assert response.status_code == 401


async def test_an_unknown_store_is_404(console_api: ConsoleApi) -> None:
    response = _connect(console_api, "no-such-store", "balas_wp_anything", BODY)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"site_url": "ftp://toko-budi.example", "plugin_version": "0.1.0"},
        {"site_url": "toko-budi.example", "plugin_version": "0.1.0"},
        {"site_url": SITE},
        {"site_url": SITE, "plugin_version": "0.1.0; rm -rf"},
        "not json",
    ],
    ids=["ftp", "no scheme", "no version", "odd version", "not json"],
)
async def test_a_bad_body_is_422_only_with_the_token(
    console_api: ConsoleApi, db: Database, store_id: str, body: Any
) -> None:
    await _new_store(db, store_id)
    token = await _plugin_token(console_api, store_id)

    checked = _connect(console_api, store_id, token, body)
    unauthenticated = _connect(console_api, store_id, "wrong", body)

    assert checked.status_code == 422
    assert unauthenticated.status_code == 401  # the body says nothing to a stranger
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert stored.get("wordpress") is None


async def test_a_plugin_token_opens_no_admin_route(
    console_api: ConsoleApi, db: Database, store_id: str
) -> None:
    await _new_store(db, store_id)
    token = await _plugin_token(console_api, store_id)

    async with console_api.client(token=token) as http:
        store = await http.get(f"/api/stores/{store_id}")
        new_token = await http.post(f"/api/stores/{store_id}/plugin-token")

    assert store.status_code == 401
    assert new_token.status_code == 401


async def test_making_a_plugin_token_needs_the_admin_and_a_store(
    console_api: ConsoleApi,
) -> None:
    async with console_api.client(token="") as anonymous:
        refused = await anonymous.post("/api/stores/no-such-store/plugin-token")
    async with console_api.client() as admin:
        unknown = await admin.post("/api/stores/no-such-store/plugin-token")

    assert refused.status_code == 401
    assert unknown.status_code == 404


async def test_only_owners_make_plugin_tokens_and_a_session_cannot_connect(
    db: Database, store_id: str, sign_in: SignIn
) -> None:
    other = f"{store_id}-other"
    await _new_store(db, store_id)
    await _new_store(db, other, "+6281100000006")
    owner, _, owner_token = await sign_in(Role.OWNER, store_id)
    agent, _, agent_token = await sign_in(Role.AGENT, store_id)
    owner_csrf, agent_csrf = {"X-CSRF-Token": owner_token}, {"X-CSRF-Token": agent_token}

    made = await owner.post(f"/api/stores/{store_id}/plugin-token", headers=owner_csrf)
    elsewhere = await owner.post(f"/api/stores/{other}/plugin-token", headers=owner_csrf)
    by_agent = await agent.post(f"/api/stores/{store_id}/plugin-token", headers=agent_csrf)
    by_session = await owner.post(
        f"/api/stores/{store_id}/wordpress/connect", json=BODY, headers=owner_csrf
    )

    assert made.status_code == 201
    assert made.json()["token"].startswith("balas_wp_")
    assert elsewhere.status_code == 404  # another store's id reveals nothing
    assert by_agent.status_code == 403
    assert by_session.status_code == 401  # the connect call takes the plugin token only


def test_the_cli_makes_a_token_the_plugin_connects_with(
    settings: Settings, console_api: ConsoleApi, store_id: str
) -> None:
    env = settings.as_environment()
    runner = CliRunner()
    store = ["--id", store_id, "--name", "Toko", "--number", "+6281100000007"]
    created = runner.invoke(app, ["store", "add", *store], env=env)

    made = runner.invoke(app, ["store", "plugin-token", store_id], env=env)
    missing = runner.invoke(app, ["store", "plugin-token", "no-such-store"], env=env)

    assert created.exit_code == 0, created.output
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("balas_wp_")
    assert _plugin_connects(console_api.url, store_id, token)["ok"] is True
    assert missing.exit_code == 1
