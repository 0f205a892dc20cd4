"""Fixtures of the running system, declared by the conftest of each package that uses it
(tests/e2e, tests/browser/system) rather than once at the root: `system` is package-scoped, so
it stops after the package's last test, before its consumers can act on other tiers' events."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from balas.processes import SERVICES, ServiceProcesses
from shared import mongo
from shared.infra import free_port
from shared.routes import INSTAGRAM_PATH, MESSENGER_PATH, WHATSAPP_CLOUD_PATH
from shared.stores.directory import Store, save_store
from tests.standins.graph_api import PAGE_WEBHOOKS, GraphApiStandIn
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.databases import DatabasePool
from tests.support.servers import Infra
from tests.support.system import AUTH_TOKEN, RunningSystem, Webhooks


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


@pytest.fixture(scope="session")
def graph_api() -> Iterator[GraphApiStandIn]:
    """Meta's Graph API; once the system runs, it posts the status webhooks (on Messenger and
    Instagram the echo and receipts) of what it sends to the system's ingest, signed like Meta."""
    stand_in = GraphApiStandIn(
        status_webhooks=("sent", "delivered", "read"), page_webhooks=PAGE_WEBHOOKS
    ).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="package")
def system_database(databases: DatabasePool) -> Iterator[str]:
    """The running system's database, lent from the pool: emptied and given back after the
    system stopped (it tears down first, as it asks for this)."""
    with databases.lend() as database:
        yield database


@pytest.fixture(scope="package")
def system(
    infra: Infra,
    system_database: str,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
    graph_api: GraphApiStandIn,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningSystem]:
    """The running system, for the declaring package only: stopped after its last test, because
    its consumers read every topic of the shared broker and would act on other tiers' events."""
    ingest_port = free_port()
    settings = infra.settings(
        mongodb={"database": system_database},
        ingest={"public_base_url": f"http://127.0.0.1:{ingest_port}"},
        metrics={"ingest_port": free_port()},  # free: other runs may share this host
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
            "recovery_pause_seconds": 0.2,  # the stand-in lists at once unless a test says not
        },
        whatsapp_cloud={"graph_api_base_url": graph_api.url},
        email={"poll_seconds": 1},  # a mailbox connected by a test is read at once
        log={"format": "json"},
    )
    graph_api.webhook_url = f"http://127.0.0.1:{ingest_port}{WHATSAPP_CLOUD_PATH}"
    graph_api.page_webhook_urls = {
        "page": f"http://127.0.0.1:{ingest_port}{MESSENGER_PATH}",
        "instagram": f"http://127.0.0.1:{ingest_port}{INSTAGRAM_PATH}",
    }
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


@pytest.fixture(autouse=True)
def services_back(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test of the running system, the services it stopped or killed run again: a
    test that fails before it restarts them would otherwise fail every test after it."""
    yield
    if "system" not in request.fixturenames:
        return
    services = request.getfixturevalue("system").services
    if stopped := services.exited():
        for service in stopped:
            services.start(service)
        asyncio.run(services.wait_ready())


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


@pytest.fixture
def webhooks(system: RunningSystem) -> Webhooks:
    return Webhooks(system)
