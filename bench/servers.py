"""The embedded Kafka broker and MongoDB server a bench run starts for itself, on free ports."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from shared.infra import EmbeddedServers, free_port


@asynccontextmanager
async def embedded_mongodb(data_dir: Path) -> AsyncIterator[EmbeddedServers]:
    async with _embedded(data_dir, kafka=False) as servers:
        yield servers


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
