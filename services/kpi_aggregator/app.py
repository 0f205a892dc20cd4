"""kpi_aggregator: rolls events (WooCommerce orders included) up into per-store hour and day
buckets and Prometheus metrics."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

import structlog

from services.kpi_aggregator.api import routes
from services.kpi_aggregator.expiry import date_undated_rows
from services.kpi_aggregator.handlers import GROUP, on_events
from services.kpi_aggregator.rehash import rehash_once
from shared import topics
from shared.consumer import BatchConsumer
from shared.kpis.zones import StoreZones
from shared.runtime import Consumer, Runtime, run_worker
from shared.settings import Settings

TOPICS = (
    topics.WHATSAPP_INBOUND,
    topics.MESSAGES_OUTBOUND,
    topics.WHATSAPP_STATUS,
    topics.CONVERSATIONS_ENRICHED,
    topics.WOOCOMMERCE_ORDERS,
    topics.CONVERSATIONS_CSAT,
    topics.CUSTOMERS_ERASED,
)

log = structlog.get_logger(__name__)


@asynccontextmanager
async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
    # Before anything is counted: a customer must have one hash in old and new documents.
    rehashed = await rehash_once(runtime.db)
    if rehashed is not None:
        log.info("customer hashes keyed", **vars(rehashed))
    dated = await date_undated_rows(runtime.db)  # so that rows written before expire too
    if dated:
        log.info("KPI rows dated for their expiry", rows=dated)
    handler = partial(
        on_events,
        db=runtime.db,
        zones=StoreZones(runtime.db),
        attribution_window=timedelta(days=runtime.settings.conversations.attribution_window_days),
        retention=runtime.settings.retention.window,
        notification_window=timedelta(
            days=runtime.settings.conversations.notification_attribution_days
        ),
    )
    yield [
        BatchConsumer(
            topic_names=TOPICS, handler=handler, **runtime.consumer_options(GROUP, batches=True)
        )
    ]


async def main(port: int | None = None) -> None:
    settings = Settings()
    port = port or settings.metrics.kpi_aggregator_port
    await run_worker(settings, GROUP, consumers, port, routes)
