"""ingest: a thin HTTP service that turns webhooks, and the mail in stores' mailboxes, into Kafka
events. No LLM, no slow I/O on a request's path (mailboxes are read by background tasks)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import structlog
from fastapi import FastAPI, Request, Response
from pymongo.errors import PyMongoError

from services.ingest import outbox, receipts, webhooks, woocommerce
from services.ingest.channels import meta_messaging, whatsapp_cloud
from services.ingest.channels.mailboxes import MailboxReaders
from services.ingest.delivery import Deliverer
from services.ingest.deps import IngestContext, try_again_later
from services.ingest.metrics import (
    LAST_KNOWN_STORES,
    UNJOURNALED_EVENTS,
    WEBHOOK_REJECTIONS,
    WEBHOOKS,
)
from services.ingest.outbox import Outbox
from services.ingest.receipts import WebhookReceipts
from services.ingest.relay import Relay
from services.ingest.snapshots import WooCommerceSnapshots
from shared.http import health_router, metrics_app, serve_all_until, stop_on_signals
from shared.http_limits import BodyLimits, KiB, RouteLimit
from shared.kafka import Broker, broker_options, running
from shared.logging import configure_logging
from shared.runtime import open_runtime
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.directory import StoreDirectory

log = structlog.get_logger(__name__)

DEFAULT_MAX_BODY_BYTES = 16 * KiB  # the operations routes take no body


def _count_too_large(route: RouteLimit | None) -> None:
    endpoint = "other" if route is None else route.path
    WEBHOOKS.labels(endpoint, "rejected").inc()
    WEBHOOK_REJECTIONS.labels(endpoint, "too_large").inc()


async def _unavailable(request: Request, error: Exception) -> Response:
    """MongoDB failed or did not answer in time: nothing was accepted, the sender may retry."""
    log.warning("webhook not accepted: mongodb failed", path=request.url.path, error=repr(error))
    return try_again_later("MongoDB is unavailable")


def _receipt_ttl(settings: Settings) -> timedelta:
    """As long as a webhook holds its claim: the publish, the store in the outbox, the accept.
    A claim that outlives its request only delays a retry; one that expires early only lets a
    duplicate through (same `event_id`), so the shortest safe value is best."""
    ingest = settings.ingest
    return timedelta(seconds=ingest.publish_timeout_seconds + 2 * ingest.mongodb_timeout_seconds)


def create_app(settings: Settings) -> FastAPI:
    # A record Kafka does not acknowledge within the publish timeout expires in the producer
    # too, rather than landing long after.
    publish_timeout_ms = int(settings.ingest.publish_timeout_seconds * 1000)
    options = broker_options(
        settings,
        "ingest",
        journal_timeout_seconds=settings.ingest.mongodb_timeout_seconds,
        on_journal_outage=UNJOURNALED_EVENTS.inc,
    )
    broker = Broker(**options, request_timeout_ms=publish_timeout_ms)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            running(broker),
            open_runtime(
                settings,
                broker,
                [receipts.indexes, outbox.indexes],
                mongodb_timeout_seconds=settings.ingest.mongodb_timeout_seconds,
            ) as runtime,
        ):
            stored = Outbox(runtime.db)
            deliverer = Deliverer(broker, stored, settings.ingest.publish_timeout_seconds)
            webhook_receipts = WebhookReceipts(runtime.db, _receipt_ttl(settings))
            app.state.ingest = IngestContext(
                settings=settings,
                broker=broker,
                stores=StoreDirectory(
                    runtime.db, settings.ingest.store_refresh_seconds, LAST_KNOWN_STORES.inc
                ),
                receipts=webhook_receipts,
                deliverer=deliverer,
                secrets=secret_box(settings),
                snapshots=WooCommerceSnapshots(runtime.db),
            )
            # Ready while Kafka is down: webhooks are then accepted into the outbox, so a load
            # balancer must keep sending them here.
            checks = runtime.readiness_checks()
            app.include_router(health_router({"mongodb": checks["mongodb"]}))
            relay = asyncio.create_task(Relay(runtime.db, broker, stored).run())
            mail = asyncio.create_task(MailboxReaders(app.state.ingest).run())
            try:
                yield
            finally:
                await webhook_receipts.settle()
                deliverer.close()
                for task in (relay, mail):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app = FastAPI(
        title="Balas ingest", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.router.routes.extend(webhooks.ROUTES)  # first: they take nearly all requests
    app.include_router(woocommerce.router)
    app.include_router(whatsapp_cloud.router)
    app.include_router(meta_messaging.router)
    app.add_exception_handler(PyMongoError, _unavailable)
    app.add_middleware(
        BodyLimits,
        default=DEFAULT_MAX_BODY_BYTES,
        routes=[
            *webhooks.BODY_LIMITS,
            *woocommerce.BODY_LIMITS,
            *whatsapp_cloud.BODY_LIMITS,
            *meta_messaging.BODY_LIMITS,
        ],
        on_refused=_count_too_large,
    )
    return app


async def main(port: int | None = None) -> None:
    settings = Settings()
    configure_logging(settings, "ingest")
    app = create_app(settings)
    port = port or settings.ingest.port
    metrics = settings.metrics
    log.info(
        "ingest listening",
        url=f"http://{settings.ingest.host}:{port}",
        metrics=f"http://{metrics.host}:{metrics.ingest_port}/metrics",
    )
    # /metrics carries every store's figures: on an internal port, never the public one.
    listeners = [
        (app, settings.ingest.host, port),
        (metrics_app(), metrics.host, metrics.ingest_port),
    ]
    await serve_all_until(listeners, stop_on_signals())
