"""Fixtures of every tier: the session's Kafka and MongoDB (tests/support/servers.py), settings
and a database of each test's own (tests/support/databases.py), and the reply builder both tiers
share."""

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from shared.events import ReplySent
from shared.settings import Settings
from tests.support import events
from tests.support.databases import EVERY_INDEX_PLAN, DatabasePool
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
    from shared import mongo

    assert settings.mongodb.uri
    client = mongo.connect(settings.mongodb.uri)
    database = client[settings.mongodb.database]
    await mongo.ensure_indexes(database, settings, EVERY_INDEX_PLAN)
    yield database
    await client.close()


@pytest.fixture
def make_reply_sent() -> Callable[..., ReplySent]:
    """The responder's reply to a message, finished `response_seconds` after it arrived."""
    return events.reply_sent
