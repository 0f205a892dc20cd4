"""The embedded Kafka broker and MongoDB server a bench run starts for itself, on free ports,
or a MongoDB server it is given (`MONGODB_URI`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pymongo import AsyncMongoClient

from shared.infra import EmbeddedServers, free_port

# The databases a run writes; on a server it is given, the bench drops them before it starts.
BENCH_DATABASES = ("bench_ingest", "bench_pipeline")


class GivenMongoDB(EmbeddedServers):
    """A MongoDB server the bench neither starts nor stops, reached by its URI. Its process is
    not this machine's to measure, so no CPU or memory row is kept for it."""

    def __init__(self, data_dir: Path, uri: str) -> None:
        super().__init__(
            data_dir, kafka_port=0, mongodb_port=0, with_kafka=False, with_mongodb=False
        )
        self._uri = uri

    @property
    def mongodb_uri(self) -> str:
        return self._uri


@asynccontextmanager
async def mongodb_for_bench(data_dir: Path, uri: str | None) -> AsyncIterator[EmbeddedServers]:
    """The given server (its bench databases emptied first), else an embedded one."""
    if not uri:
        async with _embedded(data_dir, kafka=False) as servers:
            yield servers
        return
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        uri, serverSelectionTimeoutMS=5000
    )
    try:
        for name in BENCH_DATABASES:
            await client.drop_database(name)
    finally:
        await client.close()
    yield GivenMongoDB(data_dir, uri)


@asynccontextmanager
async def embedded_kafka(data_dir: Path) -> AsyncIterator[EmbeddedServers]:
    """A fresh broker: Tansu keeps topics in memory, so each one starts empty."""
    async with _embedded(data_dir, kafka=True) as servers:
        yield servers


@asynccontextmanager
async def _embedded(data_dir: Path, *, kafka: bool) -> AsyncIterator[EmbeddedServers]:
    servers = EmbeddedServers(
        data_dir,
        kafka_port=free_port(),
        mongodb_port=free_port(),
        with_kafka=kafka,
        with_mongodb=not kafka,
    )
    servers.start()
    try:
        await servers.wait_until_ready()
        yield servers
    finally:
        servers.stop()
