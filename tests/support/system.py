"""The whole system as separate processes on real Kafka and MongoDB, with Twilio and OpenAI
stand-ins on loopback (fixtures in tests/support/system_fixtures.py): signed webhooks into it,
and console owners made with its real first-run command."""

import asyncio
import sys
import uuid
from dataclasses import dataclass

import httpx

from balas.processes import ServiceProcesses
from balas.simulate import inbound_message_form, twilio_signature
from services.console.collections import CONSOLE_USERS
from shared import mongo
from shared.routes import TWILIO_MESSAGE_PATH
from shared.settings import Settings
from shared.stores.directory import Store

AUTH_TOKEN = "e2e-twilio-auth-token"
PASSWORD = "kopi-susu-gula-aren-42"


@dataclass
class RunningSystem:
    settings: Settings
    services: ServiceProcesses

    @property
    def env(self) -> dict[str, str]:
        return self.services.env

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.services.ports['ingest']}"

    @property
    def ingest_metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.metrics.ingest_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.services.ports['console']}"


@dataclass
class Webhooks:
    """WhatsApp messages posted to ingest as Twilio posts them, signed with `AUTH_TOKEN`."""

    system: RunningSystem

    async def message(
        self,
        store: Store,
        customer: str,
        text: str,
        *,
        form: dict[str, str] | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        form = form or inbound_message_form(
            customer=customer, store_number=store.whatsapp_number, text=text
        )
        public_url = self.system.settings.ingest.public_base_url + TWILIO_MESSAGE_PATH
        headers = {}
        if signature != "":
            headers["X-Twilio-Signature"] = signature or twilio_signature(
                AUTH_TOKEN, public_url, form
            )
        async with httpx.AsyncClient(base_url=self.system.ingest_url, timeout=30) as client:
            return await client.post(TWILIO_MESSAGE_PATH, data=form, headers=headers)


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
