"""Console owners for the end-to-end browser tests, made with the real first-run command
(`balas console create-owner`) against the running system's database."""

import asyncio
import sys
import uuid
from dataclasses import dataclass

from services.console.collections import CONSOLE_USERS
from shared import mongo
from shared.stores.directory import Store
from tests.e2e.conftest import RunningSystem

PASSWORD = "kopi-susu-gula-aren-42"


@dataclass(frozen=True)
class ConsoleOwner:
    id: str
    email: str
    name: str
    password: str


async def create_owner(
    system: RunningSystem, db: mongo.Database, store: Store, name: str = "Sari Wulandari"
) -> ConsoleOwner:
    """`balas console create-owner --store STORE`, the password from BALAS_OWNER_PASSWORD."""
    email = f"owner-{uuid.uuid4().hex[:8]}@toko.example"
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "balas", "console", "create-owner"),
        *("--email", email, "--name", name, "--store", store.id),
        env={**system.env, "BALAS_OWNER_PASSWORD": PASSWORD},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    user = await db[CONSOLE_USERS].find_one({"email": email})
    assert user is not None
    assert user["role"] == "owner"
    assert user["store_ids"] == [store.id]
    return ConsoleOwner(str(user["_id"]), email, name, PASSWORD)
