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


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Passwords hashed at a tiny argon2id cost in the tests' own process.

    The production cost (64 MiB, 3 passes) takes 0.15 s a hash or a check here, and the console
    tests make and check hundreds of passwords: minutes of the suite for a cost no test is about.
    Services the tests start as processes keep the production cost.
    """
    from argon2 import PasswordHasher

    from services.console.auth import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("no account has this password"))
        yield


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
