"""The login brake against the real console app and MongoDB, with time moved by a fake clock:
growing delays per (e-mail, address), per address and per e-mail, a short cap on the e-mail's
delay so an attack never keeps the owner out, and client addresses taken from X-Forwarded-For
only when the peer is a configured proxy."""

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from services.console.app import create_app
from services.console.auth.brake import LoginBrake
from services.console.auth.users import Role, UserDirectory
from services.console.collections import CONSOLE_LOGIN_FAILURES
from shared.mongo import Database
from shared.settings import Settings
from tests.standins.server import LoopbackServer
from tests.support.clock import FakeClock
from tests.support.console import CONSOLE_PASSWORD

OWNER_ADDRESS = "198.51.100.7"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _console(settings: Settings, clock: FakeClock) -> Iterator[str]:
    server = LoopbackServer(create_app(settings, clock)).start()
    yield server.url
    server.stop()


@pytest.fixture
def direct(settings: Settings, clock: FakeClock) -> Iterator[str]:
    """The console reached directly: no proxy is trusted (the default)."""
    yield from _console(settings, clock)


@pytest.fixture
def proxied(settings: Settings, clock: FakeClock) -> Iterator[str]:
    """The console behind a proxy on loopback, named in CONSOLE_TRUSTED_PROXIES."""
    yield from _console(settings.updated(console={"trusted_proxies": "127.0.0.1"}), clock)


async def _owner(db: Database) -> str:
    email = f"owner-{uuid.uuid4().hex[:8]}@toko.example"
    await UserDirectory(db).create(email, "Sari", CONSOLE_PASSWORD, Role.OWNER, ["toko-sari"])
    return email


async def _login(
    url: str, email: str, password: str = CONSOLE_PASSWORD, forwarded_for: str | None = None
) -> httpx.Response:
    """One login as a browser makes it (the form, then the post), from `forwarded_for` as a
    proxy in front would say."""
    headers = {"Accept-Language": "en"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as browser:
        form = await browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        fields = {"email": email, "password": password, "csrf_token": token[1], "next": "/"}
        return await browser.post("/login", data=fields)


def _wait(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    return int(response.headers["retry-after"])


async def test_delays_grow_after_the_free_failures_and_the_wait_is_shown(
    settings: Settings, db: Database, direct: str, clock: FakeClock
) -> None:
    email = await _owner(db)
    free = settings.console.login_free_failures

    failures = [(await _login(direct, email, "wrong")).status_code for _ in range(free)]
    waits = []
    for _ in range(4):  # fail again each time the wait has passed
        refused = await _login(direct, email, "wrong")
        assert refused.status_code == 401
        waiting = await _login(direct, email)  # even the right password waits
        waits.append(_wait(waiting))
        clock.advance(waits[-1])
    keys = [document["_id"] async for document in db[CONSOLE_LOGIN_FAILURES].find()]

    assert failures == [401] * free
    assert waits == [1, 2, 4, 8]
    assert "Please wait 8 seconds" in waiting.text
    assert (await _login(direct, email)).status_code == 303
    assert keys
    assert not any(email in key or "127.0.0.1" in key for key in keys)


async def test_the_right_password_signs_in_after_a_long_attack_once_the_short_delay_passed(
    settings: Settings, db: Database, proxied: str, clock: FakeClock
) -> None:
    email = await _owner(db)
    refused = 0
    for attempt in range(40):  # many attackers, each failing as often as the brake lets it
        attacker = f"203.0.113.{attempt % 8 + 1}"
        answer = await _login(proxied, email, f"guess-{attempt}", forwarded_for=attacker)
        if answer.status_code == 429:
            refused += 1
            clock.advance(_wait(answer))
        else:
            assert answer.status_code == 401

    first = await _login(proxied, email, forwarded_for=OWNER_ADDRESS)
    clock.advance(_wait(first))
    second = await _login(proxied, email, forwarded_for=OWNER_ADDRESS)

    assert refused > 0  # the attack was braked
    assert _wait(first) <= settings.console.login_account_max_delay_seconds
    assert second.status_code == 303


async def test_a_success_clears_its_pair_and_the_emails_delay_stays_capped(
    settings: Settings, db: Database, clock: FakeClock
) -> None:
    brake = LoginBrake(db, settings, clock)
    email, address = "sari@toko.example", "192.0.2.10"
    cap = settings.console.login_account_max_delay_seconds
    for _ in range(settings.console.login_free_failures + 7):  # the pair's delay: 64 s
        clock.advance(await brake.retry_after(email, address) or 0)
        await brake.failed(email, address)

    from_elsewhere = await brake.retry_after(email, "192.0.2.99")
    clock.advance(cap + 1)
    still = await brake.retry_after(email, address)
    await brake.succeeded(email, address)

    assert from_elsewhere == cap  # another address waits for the e-mail's short delay only
    assert still == 64 - cap - 1  # this pair waits longer
    assert await brake.retry_after(email, address) is None


@pytest.mark.parametrize(
    ("console", "shared"), [("proxied", False), ("direct", True)], ids=["trusted", "untrusted"]
)
async def test_the_address_limit_follows_x_forwarded_for_only_from_a_trusted_proxy(
    settings: Settings,
    db: Database,
    request: pytest.FixtureRequest,
    console: str,
    shared: bool,
) -> None:
    url: str = request.getfixturevalue(console)
    email = await _owner(db)
    sprayer = "203.0.113.50"
    per_address = settings.console.login_free_failures * 4
    for n in range(per_address + 1):  # a different account each time: only the address counts
        answer = await _login(url, f"user-{n}@toko.example", "guess", forwarded_for=sprayer)
        assert answer.status_code == 401

    braked = await _login(url, "one-more@toko.example", "guess", forwarded_for=sprayer)
    owner = await _login(url, email, forwarded_for=OWNER_ADDRESS)

    assert braked.status_code == 429
    # behind a trusted proxy the owner is a client of their own; from an untrusted peer the
    # header is ignored and everyone shares the peer's address (and its brake)
    assert owner.status_code == (429 if shared else 303)
