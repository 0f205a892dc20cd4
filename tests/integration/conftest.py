"""Helpers for the integration tier, against the session's real Kafka and MongoDB.

Kafka topics are shared by every test of the session, so each test gets its own store id (its
events carry it, and handlers ignore other stores') and its own consumer group. Helpers are
fixtures over tests/support/, which test files may also import.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from functools import partial

import httpx
import pytest
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from services.console.app import create_app
from services.console.auth.users import Role
from services.ingest.app import create_app as create_ingest_app
from services.responder.deps import ResponderDeps
from shared import kafka
from shared.channels import Channel
from shared.events import (
    ConversationClosed,
    ConversationEnriched,
    ConversationReopened,
    MessageReceived,
)
from shared.knowledge.embeddings import Embedder, embedder_from
from shared.knowledge.library import KnowledgeLibrary
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.dates import at
from tests.standins.graph_api import GraphApiStandIn
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.server import LoopbackServer
from tests.standins.twilio_api import TwilioStandIn
from tests.support import console, events, waiting
from tests.support import kafka as kafka_support
from tests.support.console import ConsoleApi, SignedIn
from tests.support.kafka import ConsumerKit, Consumers, PublishBurst, publish_in_batches
from tests.support.responder import (
    GRAPH_API_TIMEOUT_SECONDS,
    close,
    responder_deps,
    through_twilio,
)
from tests.support.stores import save_new_store

TWILIO_TOKEN = "integration-twilio-auth-token"


@pytest.fixture
def store_id() -> str:
    """A store of this test alone: events of other tests on the shared topics are ignored."""
    return f"store-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def new_group_id() -> Callable[[], str]:
    return kafka_support.new_group_id


@pytest.fixture
async def broker(settings: Settings) -> AsyncIterator[KafkaBroker]:
    """A started FastStream publisher; the topics exist before anything is published."""
    await kafka.ensure_topics(settings)
    publisher = kafka.make_broker(settings, "test")
    await publisher.start()
    yield publisher
    await publisher.stop()


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    """Poll `condition` until it holds; fail with `what` after a generous deadline."""
    return waiting.wait_until


@pytest.fixture
def make_received(store_id: str) -> Callable[..., MessageReceived]:
    """A customer message of this test's store; `text` doubles as a label for assertions."""
    return partial(events.received, store_id=store_id)


@pytest.fixture
def publish_burst(settings: Settings, broker: KafkaBroker) -> PublishBurst:
    """Publish nine records to one partition of a topic in batches of 1, 5 and 3: the embedded
    broker then reports the partition's end offset as 7 (tests/support/kafka.py)."""
    return partial(publish_in_batches, settings)


@pytest.fixture
async def consumers(settings: Settings, broker: KafkaBroker) -> AsyncIterator[Consumers]:
    started = Consumers(settings, broker)
    yield started
    await started.stop_all()


@pytest.fixture
def kit(
    settings: Settings, broker: KafkaBroker, consumers: Consumers, store_id: str
) -> ConsumerKit:
    """A consumer test's store, publisher, consumers and dead letters in one."""
    return ConsumerKit(settings, broker, consumers, store_id)


@pytest.fixture
def hour() -> Callable[[int], datetime]:
    """Whole UTC hours of the test data's day, for KPI buckets and card times."""
    return lambda index: at(0) + timedelta(hours=index)


@pytest.fixture
def make_closed() -> Callable[..., ConversationClosed]:
    """The sweep's close of the session `opened` (a customer message) at `at`."""
    return events.closed


@pytest.fixture
def make_reopened() -> Callable[..., ConversationReopened]:
    """The customer's message `by` reopened the bot resolution closed at `closed_at`."""
    return events.reopened


@pytest.fixture
def make_snapshot() -> Callable[..., ConversationEnriched]:
    """A `conversations.enriched` snapshot of `of`'s conversation at `at`."""
    return events.enriched


@pytest.fixture
def console_api(settings: Settings) -> Iterator[ConsoleApi]:

    server = LoopbackServer(create_app(settings)).start()
    yield ConsoleApi(url=server.url, token=settings.console.admin_api_token.get_secret_value())
    server.stop()


@pytest.fixture
async def store(db: Database) -> Store:
    """A saved store of this test alone, answering offline unless a test configures more."""
    return await save_new_store(db)


@pytest.fixture
def ingest(settings: Settings) -> Iterator[str]:
    """The ingest app on loopback; its URL."""
    server = LoopbackServer(create_ingest_app(settings)).start()
    yield server.url
    server.stop()


@pytest.fixture
def channel(request: pytest.FixtureRequest) -> Channel:
    """Messenger, unless a test asks for Instagram or both (parametrized indirectly): the code
    is one for both Meta channels."""
    chosen: Channel = getattr(request, "param", Channel.MESSENGER)
    return chosen


@pytest.fixture
def graph_api() -> Iterator[GraphApiStandIn]:
    """Meta's Graph API stand-in: WhatsApp Cloud API numbers, Messenger pages and Instagram
    accounts, each added by the test."""
    stand_in = GraphApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def graph_deps(
    db: Database, broker: KafkaBroker, settings: Settings, graph_api: GraphApiStandIn
) -> AsyncIterator[ResponderDeps]:
    """The responder sending through the Graph API stand-in (Cloud API, Messenger, Instagram);
    no LLM: the offline engine answers."""
    settings = settings.updated(
        whatsapp_cloud={
            "graph_api_base_url": graph_api.url,
            "timeout_seconds": GRAPH_API_TIMEOUT_SECONDS,
        }
    )
    deps = responder_deps(db, broker, settings, cloud=True)
    yield deps
    await close(deps)


@pytest.fixture
def twilio_api() -> Iterator[TwilioStandIn]:
    """The Twilio stand-in's own account; it calls no status callbacks back. Tests that need
    another (a page size, callbacks) override this fixture."""
    stand_in = TwilioStandIn(auth_token=TWILIO_TOKEN, status_callbacks=()).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def deps(
    db: Database, broker: KafkaBroker, settings: Settings, twilio_api: TwilioStandIn
) -> AsyncIterator[ResponderDeps]:
    """The responder's dependencies, sending through the `twilio_api` stand-in (test files that
    need other senders or readers define their own `deps`)."""
    deps = responder_deps(db, broker, through_twilio(settings, twilio_api), twilio=True)
    yield deps
    await close(deps)


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    """The OpenAI stand-in: chat echoes the customer's last message, embeddings are hashed bags
    of words. Tests that script the model override this fixture."""
    stand_in = OpenAIStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def embedder(openai_api: OpenAIStandIn, settings: Settings) -> Embedder:
    """Embeddings through the stand-in, as a process with OPENAI_API_KEY set would make them."""
    configured = settings.updated(
        llm={"api_key": SecretStr("sk-test"), "base_url": openai_api.base_url}
    )
    embedder = embedder_from(configured)
    assert embedder is not None
    return embedder


@pytest.fixture
def library(db: Database, broker: KafkaBroker, settings: Settings) -> KnowledgeLibrary:
    """The knowledge library the console and `balas kb` use, over the real MongoDB and Kafka."""
    return KnowledgeLibrary(db, broker, settings.limits.knowledge_max_upload_bytes)


@pytest.fixture
async def sign_in(
    console_api: ConsoleApi, db: Database
) -> AsyncIterator[Callable[..., Awaitable[SignedIn]]]:
    """Sign a new console user in through the real login form, like a browser: of a new store
    unless one is given. Its clients are closed after the test."""
    opened: list[httpx.AsyncClient] = []

    async def sign(
        role: Role = Role.OWNER, store_id: str | None = None, lang: str = "en"
    ) -> SignedIn:
        client = httpx.AsyncClient(
            base_url=console_api.url, headers={"Accept-Language": lang}, timeout=30
        )
        opened.append(client)
        return await console.sign_in(client, db, role, store_id)

    yield sign
    for client in opened:
        await client.aclose()
