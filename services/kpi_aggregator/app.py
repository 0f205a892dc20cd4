"""kpi_aggregator: rolls events up into per-store hour and day buckets and Prometheus metrics."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from services.kpi_aggregator.api import routes
from services.kpi_aggregator.handlers import GROUP, on_events
from services.kpi_aggregator.zones import StoreZones
from shared import topics
from shared.consumer import BatchConsumer
from shared.runtime import Consumer, Runtime, run_worker

METRICS_PORT = 9103
TOPICS = (
    topics.WHATSAPP_INBOUND,
    topics.MESSAGES_OUTBOUND,
    topics.WHATSAPP_STATUS,
    topics.CONVERSATIONS_ENRICHED,
)


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    handler = partial(on_events, db=runtime.db, zones=StoreZones(runtime.db))
    yield [BatchConsumer(topic_names=TOPICS, handler=handler, **runtime.consumer_options(GROUP))]


async def main(port: int | None = None) -> None:
    await run_worker(GROUP, consumers, port or METRICS_PORT, routes)
