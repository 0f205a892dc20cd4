"""Console accounts and security against the real console app, MongoDB and Kafka: sign-in,
session cookies, CSRF, logout, security headers, and that users reach only their own stores (404
for another store's ids) with the rights of their role. The login brake has tests of its own
(test_console_login_brake.py)."""

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from balas.cli import app as cli
from services.console.app import create_app
from services.console.auth.users import Role, UserDirectory
from services.console.collections import CONSOLE_AUDIT, CONSOLE_SESSIONS
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.server import LoopbackServer
from tests.support.console import ConsoleApi

PASSWORD = "kopi-susu-gula-aren-42"
WRONG_LOGIN = "Wrong e-mail or password."


def _client(console_api: ConsoleApi) -> httpx.AsyncClient:
    """A browser-like client: no admin token, English UI, cookies kept."""
    return httpx.AsyncClient(base_url=console_api.url, headers={"Accept-Language": "en"})


def _form_token(form: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match, form.text
    return match[1]


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/login")
    fields = {"email": email, "password": password, "csrf_token": _form_token(form), "next": "/"}
    return await client.post("/login", data=fields)


async def _sign_in(client: httpx.AsyncClient, email: str) -> str:
    """Sign the client in; its session's CSRF token."""
    assert (await _login(client, email)).status_code == 303
    me = await client.get("/api/me")
    assert me.status_code == 200, me.text
    token: str = me.json()["csrf_token"]
    return token


async def _store(db: Database, name: str) -> str:
    store_id = f"store-{uuid.uuid4().hex[:12]}"
    number = "+62812" + str(uuid.uuid4().int)[:8]
    await save_store(db, Store(id=store_id, name=name, whatsapp_number=number))
    return store_id


async def _user(db: Database, role: Role, *store_ids: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@toko.example"
    await UserDirectory(db).create(email, f"{role} name", PASSWORD, role, list(store_ids))
    return email


def _session_cookie(response: httpx.Response) -> str:
    cookies = response.headers.get_list("set-cookie")
    return next(cookie for cookie in cookies if cookie.startswith("balas_session="))


def _bot_settings(version: int) -> dict[str, Any]:
    return {"version": version, "settings": {"persona": "Mbak Sari, ramah dan singkat"}}


async def test_login_signs_in_and_failures_never_say_which_part_was_wrong(
    db: Database, console_api: ConsoleApi
) -> None:
    store = await _store(db, "Toko Budi")
    email = await _user(db, Role.OWNER, store)
    async with _client(console_api) as client:
        wrong_password = await _login(client, email, "not-the-password-at-all")
        unknown_email = await _login(client, "nobody@toko.example")
        assert client.cookies.get("balas_session") is None
        assert (await client.get("/api/me")).status_code == 401
        right = await _login(client, email.upper())  # e-mails are case-insensitive
        me = await client.get("/api/me")

    for refused in (wrong_password, unknown_email):
        assert refused.status_code == 401
        assert WRONG_LOGIN in refused.text
    assert right.status_code == 303
    assert right.headers["location"] == "/"
    assert me.json()["user"]["email"] == email
    assert me.json()["store_ids"] == [store]


async def test_session_cookie_is_http_only_lax_and_secure_behind_https(
    settings: Settings, db: Database, console_api: ConsoleApi
) -> None:
    email = await _user(db, Role.OWNER, await _store(db, "Toko Budi"))
    async with _client(console_api) as client:
        plain = _session_cookie(await _login(client, email))

    https_settings = settings.updated(console={"public_url": "https://console.example"})
    server = LoopbackServer(create_app(https_settings)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            # a client keeps Secure cookies for https: the login form's one goes by hand here
            form = await client.get("/login")
            token = _form_token(form)
            secure = await client.post(
                "/login",
                data={"email": email, "password": PASSWORD, "csrf_token": token},
                headers={"Cookie": f"balas_login_csrf={token}"},
            )
    finally:
        server.stop()

    for cookie in (plain, _session_cookie(secure)):
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
    assert "Secure" not in plain
    assert "Secure" in _session_cookie(secure)
    assert secure.headers["strict-transport-security"].startswith("max-age=")


async def test_unsafe_calls_with_a_session_need_the_csrf_token(
    db: Database, console_api: ConsoleApi
) -> None:
    store = await _store(db, "Toko Budi")
    email = await _user(db, Role.OWNER, store)
    async with _client(console_api) as client:
        token = await _sign_in(client, email)
        path = f"/api/stores/{store}/bot-settings"
        without = await client.put(path, json=_bot_settings(0))
        wrong = await client.put(path, json=_bot_settings(0), headers={"X-CSRF-Token": "guess"})
        reading = await client.get(path)
        with_token = await client.put(path, json=_bot_settings(0), headers={"X-CSRF-Token": token})
        logout_without = await client.post("/logout")
        # the login form's own token (double-submit cookie) is checked too
        forged_login = await client.post("/login", data={"email": email, "password": PASSWORD})

    assert without.status_code == 403
    assert wrong.status_code == 403
    assert reading.status_code == 200
    assert reading.json()["version"] == 0
    assert with_token.status_code == 200
    assert with_token.json()["version"] == 1
    assert logout_without.status_code == 403
    assert forged_login.status_code == 400


async def test_logout_ends_the_session_on_the_server(db: Database, console_api: ConsoleApi) -> None:
    email = await _user(db, Role.AGENT, await _store(db, "Toko Budi"))
    async with _client(console_api) as client:
        token = await _sign_in(client, email)
        stolen = client.cookies["balas_session"]
        assert await db[CONSOLE_SESSIONS].count_documents({}) == 1
        logout = await client.post("/logout", data={"csrf_token": token})
    assert logout.status_code == 303
    assert logout.headers["location"] == "/login"

    async with _client(console_api) as replay:  # the old cookie, e.g. copied before logout
        replay.cookies.set("balas_session", stolen)
        after = await replay.get("/api/me")
        page = await replay.get("/logout-check-does-not-exist")
    assert after.status_code == 401
    assert page.status_code == 404
    assert await db[CONSOLE_SESSIONS].count_documents({}) == 0


@pytest.mark.parametrize(
    "path", ["/login", "/api/stores", "/static/vendor/htmx-2.0.11.min.js", "/nothing", "/healthz"]
)
async def test_every_response_carries_the_security_headers(
    console_api: ConsoleApi, path: str
) -> None:
    async with _client(console_api) as client:
        response = await client.get(path)
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # plain http: no HSTS


async def test_a_store_admin_cannot_reach_another_stores_data_by_changing_ids(
    db: Database, console_api: ConsoleApi
) -> None:
    mine, theirs = await _store(db, "Toko Budi"), await _store(db, "Toko Sebelah")
    email = await _user(db, Role.OWNER, mine)
    conversation = f"{theirs}:+6281234567890"
    async with _client(console_api) as client:
        token = await _sign_in(client, email)
        csrf = {"X-CSRF-Token": token}
        listed = await client.get("/api/stores")
        reads = {
            path: await client.get(path.format(store=theirs))
            for path in [
                "/api/stores/{store}",
                "/api/stores/{store}/knowledge",
                "/api/stores/{store}/knowledge-gaps",
                "/api/stores/{store}/bot-settings",
                "/api/stores/{store}/reply-library",
                "/api/stores/{store}/users",
                f"/stores/{{store}}/conversations/{conversation}",
                "/stores/{store}/inbox",
            ]
        }
        writes = [
            await client.put(
                f"/api/stores/{theirs}/bot-settings", json=_bot_settings(0), headers=csrf
            ),
            await client.patch(f"/api/stores/{theirs}", json={"name": "Mine now"}, headers=csrf),
            await client.post(
                f"/api/stores/{theirs}/conversations/{conversation}/commands",
                json={"command": "take_over", "agent_id": "x"},
                headers=csrf,
            ),
            await client.post(
                f"/api/stores/{theirs}/users",
                json={"email": "spy@toko.example", "name": "Spy", "password": PASSWORD},
                headers=csrf,
            ),
        ]
        unknown = await client.get("/api/stores/no-such-store/knowledge")
        own = await client.get(f"/api/stores/{mine}/knowledge")

    assert [store["id"] for store in listed.json()] == [mine]
    assert {path: r.status_code for path, r in reads.items()} == dict.fromkeys(reads, 404)
    assert [r.status_code for r in writes] == [404] * len(writes)
    assert reads["/api/stores/{store}/knowledge"].json() == {"detail": f"no store {theirs!r}"}
    assert unknown.status_code == 404
    assert own.status_code == 200
    untouched = await db["stores"].find_one({"_id": theirs})
    assert untouched
    assert untouched["name"] == "Toko Sebelah"


async def test_agents_read_but_may_not_change_bot_settings_knowledge_or_the_store(
    db: Database, console_api: ConsoleApi
) -> None:
    store = await _store(db, "Toko Budi")
    agent = await _user(db, Role.AGENT, store)
    base = f"/api/stores/{store}"
    async with _client(console_api) as client:
        token = await _sign_in(client, agent)
        csrf = {"X-CSRF-Token": token}
        reads = [await client.get(f"{base}/{part}") for part in ("bot-settings", "knowledge")]
        changes = [
            await client.put(f"{base}/bot-settings", json=_bot_settings(0), headers=csrf),
            await client.post(
                f"{base}/knowledge", files={"files": ("faq.txt", b"Buka jam 9.")}, headers=csrf
            ),
            await client.patch(base, json={"name": "Renamed"}, headers=csrf),
            await client.post("/api/stores", json={"id": "new-store", "name": "New"}, headers=csrf),
            await client.post(
                f"{base}/users",
                json={"email": "friend@toko.example", "name": "Friend", "password": PASSWORD},
                headers=csrf,
            ),
        ]
    async with console_api.client() as admin:  # the admin token still works for scripts
        by_token = await admin.put(f"{base}/bot-settings", json=_bot_settings(0))

    assert [r.status_code for r in reads] == [200, 200]
    assert [r.status_code for r in changes] == [403] * len(changes)
    assert by_token.status_code == 200


async def test_owners_add_users_to_their_store_who_then_sign_in(
    db: Database, console_api: ConsoleApi
) -> None:
    store = await _store(db, "Toko Budi")
    owner = await _user(db, Role.OWNER, store)
    new_agent = {"email": "Rina@Toko.example", "name": "Rina", "password": PASSWORD}
    async with _client(console_api) as client:
        token = await _sign_in(client, owner)
        csrf = {"X-CSRF-Token": token}
        weak = await client.post(
            f"/api/stores/{store}/users",
            json={**new_agent, "password": "password123"},
            headers=csrf,
        )
        added = await client.post(f"/api/stores/{store}/users", json=new_agent, headers=csrf)
        again = await client.post(f"/api/stores/{store}/users", json=new_agent, headers=csrf)
        listed = await client.get(f"/api/stores/{store}/users")
    async with _client(console_api) as rina:
        signed_in = await _login(rina, "rina@toko.example")

    assert weak.status_code == 422
    assert added.status_code == 201
    assert added.json()["role"] == "agent"
    assert again.status_code == 409
    assert {user["email"] for user in listed.json()} == {owner, "rina@toko.example"}
    assert "password" not in listed.text
    assert signed_in.status_code == 303


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    return settings.as_environment()


def test_create_owner_refuses_weak_passwords_and_the_owner_signs_in(
    cli_env: dict[str, str], console_api: ConsoleApi
) -> None:
    runner = CliRunner()
    store = f"store-{uuid.uuid4().hex[:12]}"
    runner.invoke(
        cli, ["store", "add", "--id", store, "--name", "Toko", "--number", "+6281111"], env=cli_env
    )
    owner = ["console", "create-owner", "--email", "budi@toko.example", "--name", "Budi"]
    weak = runner.invoke(cli, owner, env={**cli_env, "BALAS_OWNER_PASSWORD": "qwertyuiop"})
    short = runner.invoke(cli, owner, input="short\nshort\n", env=cli_env)
    created = runner.invoke(cli, owner, env={**cli_env, "BALAS_OWNER_PASSWORD": PASSWORD})
    twice = runner.invoke(cli, owner, env={**cli_env, "BALAS_OWNER_PASSWORD": PASSWORD})
    agent = runner.invoke(
        cli,
        ["console", "add-user", "--email", "sari@toko.example", "--name", "Sari", "--store", store],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=cli_env,
    )
    no_store = runner.invoke(
        cli,
        ["console", "add-user", "--email", "x@toko.example", "--name", "X", "--store", "nope"],
        env={**cli_env, "BALAS_USER_PASSWORD": PASSWORD},
    )

    assert weak.exit_code == 1
    assert "too common" in weak.output
    assert short.exit_code == 1
    assert "at least 10" in short.output
    assert created.exit_code == 0, created.output
    assert f"stores: {store}" in created.output
    assert twice.exit_code == 1
    assert "already has an account" in twice.output
    assert agent.exit_code == 0, agent.output
    assert no_store.exit_code == 1
    assert "no store nope" in no_store.output
    with httpx.Client(base_url=console_api.url) as browser:
        token = _form_token(browser.get("/login"))
        fields = {"email": "budi@toko.example", "password": PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=fields).status_code == 303
        assert browser.get("/api/me").json()["store_ids"] == [store]


@pytest.mark.parametrize("command", ["create-owner", "add-user"])
def test_a_mistyped_email_is_said_plainly_before_the_password_is_asked(
    cli_env: dict[str, str], command: str
) -> None:
    user = ["console", command, "--email", "budi.toko.example", "--name", "Budi"]
    if command == "add-user":
        user += ["--store", "demo"]

    refused = CliRunner().invoke(cli, user, input=f"{PASSWORD}\n{PASSWORD}\n", env=cli_env)

    assert refused.exit_code == 1
    assert printed(refused.output) == ["email: not an e-mail address like you@toko.example"]


def printed(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip()]


async def test_add_user_follows_the_console_team_rules_and_is_audited(
    cli_env: dict[str, str], db: Database
) -> None:
    """`balas console add-user` and the console's team share one use case: the same
    validation, and the same audit log."""
    store = f"store-{uuid.uuid4().hex[:12]}"
    await save_store(db, Store(id=store, name="Toko", whatsapp_number="+6281111222"))
    runner = CliRunner()
    env = {**cli_env, "BALAS_USER_PASSWORD": PASSWORD}
    add = ["console", "add-user", "--name", "Wati", "--store", store, "--email"]
    bad = await asyncio.to_thread(runner.invoke, cli, [*add, "wati-at-toko"], env=env)
    good = await asyncio.to_thread(runner.invoke, cli, [*add, "wati@toko.example"], env=env)

    assert bad.exit_code == 1
    assert "email" in bad.output
    assert good.exit_code == 0, good.output
    entries = await db[CONSOLE_AUDIT].find({"store_id": store}).to_list()
    assert [(e["action"], e["actor"], e["subject"]) for e in entries] == [
        ("member_added", "balas console", "wati@toko.example")
    ]
