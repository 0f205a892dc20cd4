"""The whole system as separate processes on real Kafka and MongoDB, with Twilio and OpenAI
stand-ins on loopback. Tests talk to it over HTTP, like Twilio does."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, Page

from balas.processes import SERVICES, ServiceProcesses
from balas.simulate import (
    inbound_message_form,
    twilio_signature,
)
from shared import mongo
from shared.infra import free_port
from shared.routes import TWILIO_MESSAGE_PATH
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.browser_support import chromium, desktop_context
from tests.conftest import Infra
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn

AUTH_TOKEN = "e2e-twilio-auth-token"


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
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.services.ports['console']}"


@pytest.fixture(scope="session")
def openai_api() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def twilio_api() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn(auth_token=AUTH_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="package")
def system(
    infra: Infra,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningSystem]:
    """The running system, for the e2e package only: stopped after its last test, because its
    consumers read every topic of the shared broker and would act on other tiers' events."""
    ingest_port = free_port()
    settings = infra.settings(
        ingest={"public_base_url": f"http://127.0.0.1:{ingest_port}"},
        llm={
            "api_key": "sk-test",
            "base_url": openai_api.base_url,
            "classification_engine": "offline",  # the stand-in's requests are the responder's alone
            "summary_engine": "extractive",
        },
        twilio={
            "account_sid": twilio_api.account_sid,
            "auth_token": AUTH_TOKEN,
            "api_base_url": twilio_api.url,
        },
        log={"format": "json"},
    )
    services = ServiceProcesses(
        env={**os.environ, **settings.as_environment()}, log_dir=tmp_path_factory.mktemp("logs")
    )
    for service in SERVICES:
        services.start(service, ingest_port if service == "ingest" else free_port())
    try:
        asyncio.run(services.wait_ready())
        yield RunningSystem(settings, services)
    finally:
        services.stop()


@pytest.fixture
async def system_db(system: RunningSystem) -> AsyncIterator[mongo.Database]:
    assert system.settings.mongodb.uri
    client = mongo.connect(system.settings.mongodb.uri)
    yield client[system.settings.mongodb.database]
    await client.close()


@pytest.fixture
async def store(system_db: mongo.Database) -> Store:
    """A store of its own for each test, so tests sharing the running system never mix."""
    suffix = uuid.uuid4().int % 10**9
    created = Store(
        id=f"store-{suffix}", name=f"Toko Uji {suffix}", whatsapp_number=f"+1555{suffix:09d}"
    )
    await save_store(system_db, created)
    return created


@dataclass
class Webhooks:
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


@pytest.fixture
def webhooks(system: RunningSystem) -> Webhooks:
    return Webhooks(system)


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium for the console's browser tests (tests/browser_support.py)."""
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh profile (no cookies) at desktop size."""
    context = await desktop_context(browser)
    yield await context.new_page()
    await context.close()
