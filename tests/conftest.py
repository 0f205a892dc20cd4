"""Fixtures of every tier: the session's Kafka and MongoDB (tests/support/servers.py), settings
and a database of each test's own (tests/support/databases.py), and the reply builder both tiers
share."""

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from shared.events import ReplySent
from shared.settings import Settings
from tests.support import events
from tests.support.databases import DatabasePool
from tests.support.servers import Infra, servers

pytest_plugins = ("tests.support.fault_report",)  # the fault suite's summary table


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    yield from servers(tmp_path_factory)


@pytest.fixture(scope="session")
def databases(infra: Infra) -> Iterator[DatabasePool]:
    with DatabasePool(infra.mongodb_uri) as pool:
        yield pool


@pytest.fixture
def settings(infra: Infra, databases: DatabasePool) -> Iterator[Settings]:
    """Fresh settings and an empty database for each test."""
    with databases.lend() as database:
        yield infra.settings(mongodb={"database": database})


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[object]:
    from services.console import collections as console
    from services.ingest import outbox, receipts
    from shared import mongo
    from shared.collections import SHARED_INDEXES

    assert settings.mongodb.uri
    client = mongo.connect(settings.mongodb.uri)
    database = client[settings.mongodb.database]
    await mongo.ensure_indexes(
        database, settings, [*SHARED_INDEXES, receipts.indexes, outbox.indexes, console.indexes]
    )
    yield database
    await client.close()


@pytest.fixture
def make_reply_sent() -> Callable[..., ReplySent]:
    """The responder's reply to a message, finished `response_seconds` after it arrived."""
    return events.reply_sent
