"""The composition root of a worker process: clients opened at start, consumers run, clean exit."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from shared import kafka, mongo
from shared.collections import SHARED_INDEXES
from shared.consumer import RetryPolicy
from shared.http import ReadinessCheck, ops_router, serve_until, stop_on_signals
from shared.logging import configure_logging
from shared.mongo import Database, Document, IndexPlan
from shared.settings import Settings

log = structlog.get_logger(__name__)


class Consumer(Protocol):
    """What a worker runs: anything with start() and stop() (KeyedConsumer, BatchConsumer)."""

    async def start(self) -> None: ...
    async def stop(self, grace_seconds: float = 30.0) -> None: ...


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    mongo: AsyncMongoClient[Document]
    db: Database
    broker: KafkaBroker

    def consumer_options(
        self, group_id: str, max_in_flight: int = 500, batches: bool = False
    ) -> dict[str, Any]:
        """The options of a consumer of `group_id`; `batches` for one whose handler writes a
        poll's records in bulk: it waits a little for more (BATCH_WAIT_MS)."""
        batch_wait = self.settings.consumers.batch_wait_ms / 1000 if batches else 0.0
        return {
            "batch_wait_seconds": batch_wait,
            "bootstrap_servers": kafka.bootstrap_servers(self.settings),
            "group_id": group_id,
            "dead_letters": self.broker,
            "max_in_flight": max_in_flight,
            "paced_fetches": self.settings.kafka.paced_fetches,
            "session_timeout_seconds": self.settings.consumers.group_session_timeout_seconds,
            "replay_partitions": self.settings.kafka.partitions,
            "replication_factor": self.settings.kafka.replication_factor,
            "replay_configs": kafka.retention_config(self.settings),  # copies of personal data
            "retry": RetryPolicy(
                max_attempts=self.settings.consumers.handler_max_attempts,
                backoff_seconds=self.settings.consumers.retry_backoff_seconds,
                backoff_max_seconds=self.settings.consumers.retry_backoff_max_seconds,
            ),
        }

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {
            "mongodb": lambda: self.db.command("ping"),
            "kafka": lambda: self.broker.ping(timeout=2.0),
        }


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    broker: KafkaBroker,
    indexes: Sequence[IndexPlan] = (),
    mongodb_timeout_seconds: float | None = None,
) -> AsyncIterator[Runtime]:
    """MongoDB connected and indexed (shared's collections and the service's own `indexes`),
    topics created; the broker's lifecycle stays the caller's. With `mongodb_timeout_seconds`
    every MongoDB operation fails past it (ingest must answer before its callers give up)."""
    if not settings.mongodb.uri:
        raise RuntimeError("MONGODB_URI is not set (run through `balas run`)")
    client = mongo.connect(settings.mongodb.uri, mongodb_timeout_seconds)
    try:
        db = client[settings.mongodb.database]
        await mongo.ensure_indexes(db, settings, [*SHARED_INDEXES, *indexes])
        await kafka.ensure_topics(settings)
        yield Runtime(settings=settings, mongo=client, db=db, broker=broker)
    finally:
        await client.close()


# A process-wide table a service builds on first use (word lists, a model): each service names
# its own, and run_worker builds them before its consumers start, so no customer waits for one.
Warmer = Callable[[], object]


def warm(warmers: Sequence[Warmer]) -> None:
    """Build the tables of `warmers` now (CPU only: run it in a thread)."""
    started = time.perf_counter()
    for build in warmers:
        build()
    if warmers:
        log.info("tables built", seconds=round(time.perf_counter() - started, 2))


ConsumersFactory = Callable[[Runtime], AbstractAsyncContextManager[Sequence[Consumer]]]
# A service's own HTTP routes, served next to the operations endpoints (shared/ never imports
# services/, so a service hands its routes in).
RoutesFactory = Callable[[Runtime], APIRouter]


async def run_worker(
    settings: Settings,
    service: str,
    consumers: ConsumersFactory,
    port: int,
    routes: RoutesFactory | None = None,
    warmers: Sequence[Warmer] = (),
) -> None:
    """Run a consumer service with its /metrics endpoint (and `routes`) until SIGINT/SIGTERM;
    its `warmers` are built before its consumers start."""
    configure_logging(settings, service)
    # In a thread while the broker and MongoDB connect: their start-up is mostly waiting.
    warming = asyncio.create_task(asyncio.to_thread(warm, warmers), name=f"{service}-warm")
    broker = kafka.make_broker(settings, service)
    await broker.start()
    try:
        async with open_runtime(settings, broker) as runtime, consumers(runtime) as running:
            await warming
            for consumer in running:
                await consumer.start()
            ops = FastAPI(title=f"balas {service}", openapi_url=None)
            ops.include_router(ops_router(runtime.readiness_checks()))
            if routes is not None:
                ops.include_router(routes(runtime))
            log.info("service ready", metrics=f"http://{settings.metrics.host}:{port}/metrics")
            try:
                await serve_until(ops, settings.metrics.host, port, stop_on_signals())
            finally:  # together, so the service stops within one grace period
                await asyncio.gather(*(consumer.stop() for consumer in running))
    finally:
        await broker.stop()
    log.info("service stopped")
