"""Helpers for the integration tier, against the session's real Kafka and MongoDB.

Kafka topics are shared by every test of the session, so each test gets its own store id (its
events carry it, and handlers ignore other stores') and its own consumer group. Helpers are
fixtures, so test files never import from each other.
"""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from services.console.app import create_app
from services.console.auth.users import Role, UserDirectory
from shared import kafka
from shared.consumer import BatchConsumer, KeyedConsumer, RetryPolicy
from shared.events import (
    Author,
    ConversationClosed,
    ConversationEnriched,
    ConversationOutcome,
    ConversationReopened,
    ConversationStatus,
    DeadLetter,
    MessageReceived,
    ReplySent,
    event_id_for,
)
from shared.knowledge.embeddings import Embedder
from shared.knowledge.library import KnowledgeLibrary
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.server import LoopbackServer
from tests.support import ConsoleApi

DEADLINE_SECONDS = 30.0
RETRY = RetryPolicy(max_attempts=3, backoff_seconds=0.01, backoff_max_seconds=0.05)
STORE_NUMBER = "+14155238886"

Condition = Callable[[], bool]
WaitUntil = Callable[..., Awaitable[None]]


@pytest.fixture
def store_id() -> str:
    """A store of this test alone: events of other tests on the shared topics are ignored."""
    return f"store-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def new_group_id() -> Callable[[], str]:
    return lambda: f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def broker(settings: Settings) -> AsyncIterator[KafkaBroker]:
    """A started FastStream publisher; the topics exist before anything is published."""
    await kafka.ensure_topics(settings)
    publisher = kafka.make_broker(settings, "test")
    await publisher.start()
    yield publisher
    await publisher.stop()


@pytest.fixture
def wait_until() -> WaitUntil:
    """Poll `condition` until it holds; fail with `what` after a generous deadline."""

    async def wait(condition: Condition, what: str, timeout: float = DEADLINE_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                pytest.fail(f"gave up waiting for {what}")
            await asyncio.sleep(0.02)

    return wait


@pytest.fixture
def make_received(store_id: str) -> Callable[..., MessageReceived]:
    """A customer message of this test's store; `text` doubles as a label for assertions."""

    def build(
        customer: str, text: str, at: datetime | None = None, **fields: Any
    ) -> MessageReceived:
        sid = "SM" + uuid.uuid4().hex
        values: dict[str, Any] = {
            "event_id": event_id_for("whatsapp.inbound", sid),
            "occurred_at": at or datetime.now(UTC),
            "store_id": store_id,
            "conversation_id": f"{store_id}:{customer}",
            "message_sid": sid,
            "customer_number": customer,
            "store_number": STORE_NUMBER,
            "text": text,
        }
        return MessageReceived(**{**values, **fields})

    return build


@dataclass
class Consumers:
    """Builds consumers with the test retry policy and stops whatever a test leaves running."""

    settings: Settings
    broker: KafkaBroker
    _running: list[KeyedConsumer | BatchConsumer] = field(default_factory=list)

    def _options(self, group_id: str, max_in_flight: int) -> dict[str, Any]:
        return {
            "bootstrap_servers": kafka.bootstrap_servers(self.settings),
            "group_id": group_id,
            "dead_letters": self.broker,
            "retry": RETRY,
            "max_in_flight": max_in_flight,
            "commit_interval_seconds": 0.05,
        }

    async def keyed(
        self, group_id: str, routes: dict[str, Any], max_in_flight: int = 100
    ) -> KeyedConsumer:
        consumer = KeyedConsumer(routes=routes, **self._options(group_id, max_in_flight))
        await self._start(consumer)
        return consumer

    async def batch(
        self, group_id: str, topic_names: Iterable[str], handler: Any, max_in_flight: int = 500
    ) -> BatchConsumer:
        consumer = BatchConsumer(
            topic_names=topic_names, handler=handler, **self._options(group_id, max_in_flight)
        )
        await self._start(consumer)
        return consumer

    async def _start(self, consumer: KeyedConsumer | BatchConsumer) -> None:
        await consumer.start()
        self._running.append(consumer)

    async def stop(self, consumer: KeyedConsumer | BatchConsumer, grace_seconds: float) -> None:
        self._running.remove(consumer)
        await consumer.stop(grace_seconds=grace_seconds)

    async def stop_all(self) -> None:
        while self._running:
            await self.stop(self._running[-1], grace_seconds=1.0)


@pytest.fixture
async def consumers(settings: Settings, broker: KafkaBroker) -> AsyncIterator[Consumers]:
    started = Consumers(settings, broker)
    yield started
    await started.stop_all()


@pytest.fixture
def read_dead_letters(
    settings: Settings,
) -> Callable[..., Awaitable[list[DeadLetter]]]:
    """Read a dead-letter topic from its start until `count` letters match `wanted`."""

    async def read(
        topic: str, wanted: Callable[[DeadLetter], bool], count: int
    ) -> list[DeadLetter]:
        reader = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka.bootstrap_servers(settings),
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await reader.start()
        found: list[DeadLetter] = []
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + DEADLINE_SECONDS
            while len(found) < count and loop.time() < deadline:
                batches = await reader.getmany(timeout_ms=200)
                for records in batches.values():
                    letters = (DeadLetter.model_validate_json(r.value or b"") for r in records)
                    found.extend(letter for letter in letters if wanted(letter))
        finally:
            await reader.stop()
        return found

    return read


@pytest.fixture
def hour() -> Callable[[int], datetime]:
    """Whole UTC hours of one fixed day, for KPI buckets and card times."""
    day = datetime(2024, 5, 6, tzinfo=UTC)
    return lambda index: day + timedelta(hours=index)


@pytest.fixture
def make_reply_sent() -> Callable[..., ReplySent]:
    """The responder's reply to `answering`, finished `response_seconds` after it arrived."""

    def build(
        answering: MessageReceived,
        response_seconds: float,
        first_response: bool = True,
        **fields: Any,
    ) -> ReplySent:
        reply_id = f"reply:{answering.message_sid}"
        values: dict[str, Any] = {
            "event_id": event_id_for("messages.outbound", reply_id),
            "occurred_at": answering.occurred_at + timedelta(seconds=response_seconds),
            "store_id": answering.store_id,
            "conversation_id": answering.conversation_id,
            "message_id": reply_id,
            "in_reply_to": answering.message_sid,
            "author": Author.BOT,
            "text": "Ada kak, silakan order 🙏",
            "sent": True,
            "twilio_sid": "SM" + uuid.uuid4().hex,
            "customer_message_at": answering.occurred_at,
            "response_seconds": response_seconds,
            "first_response": first_response,
        }
        return ReplySent(**{**values, **fields})

    return build


@pytest.fixture
def make_closed() -> Callable[..., ConversationClosed]:
    """The sweep's close of the session `opened` (a customer message) at `at`."""

    def build(
        opened: MessageReceived, at: datetime, outcome: str | ConversationOutcome
    ) -> ConversationClosed:
        return ConversationClosed(
            event_id=event_id_for("conversations.closed", opened.conversation_id, at.isoformat()),
            occurred_at=at,
            store_id=opened.store_id,
            conversation_id=opened.conversation_id,
            outcome=ConversationOutcome(outcome),
            opened_at=opened.occurred_at,
            last_activity_at=at - timedelta(hours=24),
        )

    return build


@pytest.fixture
def make_reopened() -> Callable[..., ConversationReopened]:
    """The customer's message `by` reopened the bot resolution closed at `closed_at`."""

    def build(closed_at: datetime, by: MessageReceived) -> ConversationReopened:
        return ConversationReopened(
            event_id=event_id_for("conversations.reopened", by.event_id),
            occurred_at=by.occurred_at,
            store_id=by.store_id,
            conversation_id=by.conversation_id,
            previous_outcome=ConversationOutcome.RESOLVED_BY_BOT,
            closed_at=closed_at,
            message_sid=by.message_sid,
        )

    return build


@pytest.fixture
def make_snapshot() -> Callable[..., ConversationEnriched]:
    """A `conversations.enriched` snapshot of `of`'s conversation at `at`."""

    def build(
        of: MessageReceived, revision: int, at: datetime, intent: str, sentiment: str
    ) -> ConversationEnriched:
        return ConversationEnriched(
            event_id=event_id_for("conversations.enriched", of.conversation_id, str(revision)),
            occurred_at=at,
            store_id=of.store_id,
            conversation_id=of.conversation_id,
            revision=revision,
            status=ConversationStatus.OPEN,
            latest_intent=intent,
            latest_sentiment=sentiment,
        )

    return build


@pytest.fixture
def console_api(settings: Settings) -> Iterator[ConsoleApi]:

    server = LoopbackServer(create_app(settings)).start()
    yield ConsoleApi(url=server.url, token=settings.console.admin_api_token.get_secret_value())
    server.stop()


@pytest.fixture
async def store(db: Database) -> Store:
    """A saved store of this test alone, answering offline unless a test configures more."""
    created = Store(
        id=f"s-{uuid.uuid4().hex[:6]}",
        name="Toko Batik Sari",
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
    )
    await save_store(db, created)
    return created


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
    assert configured.llm.embeddings_configured
    return Embedder(configured)


@pytest.fixture
def library(db: Database, broker: KafkaBroker, settings: Settings) -> KnowledgeLibrary:
    """The knowledge library the console and `balas kb` use, over the real MongoDB and Kafka."""
    return KnowledgeLibrary(db, broker, settings.limits.knowledge_max_upload_bytes)


CONSOLE_PASSWORD = "kopi-susu-gula-aren-42"


@dataclass
class SignedIn:
    client: httpx.AsyncClient
    store_id: str
    csrf: str

    def __iter__(self) -> Iterator[Any]:  # `client, store_id, csrf = await sign_in()`
        return iter((self.client, self.store_id, self.csrf))


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
        if store_id is None:
            store_id = f"store-{uuid.uuid4().hex[:12]}"
            number = "+62812" + str(uuid.uuid4().int)[:8]
            await save_store(db, Store(id=store_id, name="Toko Sari", whatsapp_number=number))
        email = f"{role}-{uuid.uuid4().hex[:8]}@toko.example"
        await UserDirectory(db).create(email, "Sari", CONSOLE_PASSWORD, role, [store_id])
        client = httpx.AsyncClient(
            base_url=console_api.url, headers={"Accept-Language": lang}, timeout=30
        )
        opened.append(client)
        form = await client.get("/login")
        field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert field, form.text
        login = {"email": email, "password": CONSOLE_PASSWORD, "csrf_token": field[1], "next": "/"}
        assert (await client.post("/login", data=login)).status_code == 303
        csrf: str = (await client.get("/api/me")).json()["csrf_token"]
        return SignedIn(client, store_id, csrf)

    yield sign
    for client in opened:
        await client.aclose()
