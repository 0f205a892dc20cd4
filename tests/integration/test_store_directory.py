"""StoreDirectory's last-known copies (ingest's, with `on_outage`): served only when MongoDB
does not answer, never for a store not seen before, never for one MongoDB said is gone.

The directory reaches the session's MongoDB through a proxy that can stall
(tests/support/stalling_servers.py); the test's own `db` arranges the data directly.
"""

from collections.abc import AsyncIterator, Iterator

import pytest
from pymongo.errors import PyMongoError

from shared import mongo
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store, StoreDirectory
from tests.standins.tcp_proxy import TcpProxy
from tests.support.servers import Infra
from tests.support.stalling_servers import mongodb_behind_proxy, proxied_uri

pytestmark = pytest.mark.slow


@pytest.fixture
def mongodb_proxy(infra: Infra) -> Iterator[TcpProxy]:
    with mongodb_behind_proxy(infra.mongodb_uri) as proxy:
        yield proxy


class Outages:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def outages() -> Outages:
    return Outages()


@pytest.fixture
async def directory(
    settings: Settings, mongodb_proxy: TcpProxy, outages: Outages
) -> AsyncIterator[StoreDirectory]:
    client = mongo.connect(proxied_uri(mongodb_proxy), timeout_seconds=1.0)
    yield StoreDirectory(client[settings.mongodb.database], ttl_seconds=0, on_outage=outages)
    mongodb_proxy.restart()
    await client.close()


async def test_a_store_seen_before_is_served_from_its_last_known_copy_while_mongodb_is_cut(
    directory: StoreDirectory, store: Store, mongodb_proxy: TcpProxy, outages: Outages
) -> None:
    assert await directory.by_number(store.whatsapp_number) == store
    assert await directory.by_id(store.id) == store
    mongodb_proxy.stall()

    assert await directory.by_number(store.whatsapp_number) == store
    assert await directory.by_id(store.id) == store
    assert outages.count == 2


async def test_a_store_never_seen_is_not_served_while_mongodb_is_cut(
    directory: StoreDirectory, store: Store, mongodb_proxy: TcpProxy, outages: Outages
) -> None:
    mongodb_proxy.stall()

    with pytest.raises(PyMongoError):
        await directory.by_number(store.whatsapp_number)
    assert outages.count == 0


async def test_mongodb_answering_wins_over_the_last_known_copy(
    directory: StoreDirectory, store: Store, db: Database, outages: Outages
) -> None:
    await directory.by_id(store.id)

    await db[STORES].update_one({"_id": store.id}, {"$set": {"name": "Toko Batik Baru"}})

    renamed = await directory.by_id(store.id)
    assert renamed is not None
    assert renamed.name == "Toko Batik Baru"
    assert outages.count == 0


async def test_a_store_mongodb_said_is_gone_is_not_served_while_mongodb_is_cut(
    directory: StoreDirectory, store: Store, db: Database, mongodb_proxy: TcpProxy
) -> None:
    await directory.by_id(store.id)
    await db[STORES].delete_one({"_id": store.id})
    assert await directory.by_id(store.id) is None
    mongodb_proxy.stall()

    with pytest.raises(PyMongoError):
        await directory.by_id(store.id)
