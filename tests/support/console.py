"""The console API as tests call it: served on loopback, by token or by a signed-in user."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from services.console.auth.users import Role, UserDirectory
from shared.mongo import Database
from shared.stores.directory import Store, save_store

CONSOLE_PASSWORD = "kopi-susu-gula-aren-42"


@dataclass
class ConsoleApi:
    """The console API served on loopback, with its lifespan (Kafka producer, MongoDB) running."""

    url: str
    token: str

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


@dataclass
class SignedIn:
    client: httpx.AsyncClient
    store_id: str
    csrf: str

    def __iter__(self) -> Iterator[Any]:  # `client, store_id, csrf = await sign_in()`
        return iter((self.client, self.store_id, self.csrf))


async def sign_in(
    client: httpx.AsyncClient, db: Database, role: Role, store_id: str | None
) -> SignedIn:
    """Sign a new console user in on `client` through the real login form, like a browser: of a
    new store unless one is given."""
    if store_id is None:
        store_id = f"store-{uuid.uuid4().hex[:12]}"
        number = "+62812" + str(uuid.uuid4().int)[:8]
        await save_store(db, Store(id=store_id, name="Toko Sari", whatsapp_number=number))
    email = f"{role}-{uuid.uuid4().hex[:8]}@toko.example"
    await UserDirectory(db).create(email, "Sari", CONSOLE_PASSWORD, role, [store_id])
    form = await client.get("/login")
    field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert field, form.text
    login = {"email": email, "password": CONSOLE_PASSWORD, "csrf_token": field[1], "next": "/"}
    assert (await client.post("/login", data=login)).status_code == 303
    csrf: str = (await client.get("/api/me")).json()["csrf_token"]
    return SignedIn(client, store_id, csrf)
