"""ingest: a thin HTTP service that turns webhooks into Kafka events. No LLM, no slow I/O."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from faststream.kafka.fastapi import KafkaRouter
from twilio.request_validator import RequestValidator

from services.ingest import receipts, webhooks, woocommerce
from services.ingest.deps import IngestContext
from services.ingest.metrics import WEBHOOK_REJECTIONS, WEBHOOKS
from services.ingest.receipts import WebhookReceipts
from services.ingest.snapshots import WooCommerceSnapshots
from shared.http import health_router, metrics_app, serve_all_until, stop_on_signals
from shared.http_limits import BodyLimits, KiB, RouteLimit
from shared.kafka import broker_options
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


def create_app(settings: Settings) -> FastAPI:
    # FastStream's Kafka integration owns the producer; its AsyncAPI page stays off because it
    # would offer an unauthenticated way to publish.
    kafka = KafkaRouter(**broker_options(settings, "ingest"), schema_url=None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            kafka.lifespan_context(app),
            open_runtime(settings, kafka.broker, [receipts.indexes]) as runtime,
        ):
            app.state.ingest = IngestContext(
                settings=settings,
                broker=kafka.broker,
                stores=StoreDirectory(runtime.db),
                receipts=WebhookReceipts(runtime.db),
                twilio_validator=RequestValidator(settings.twilio.auth_token.get_secret_value()),
                secrets=secret_box(settings),
                snapshots=WooCommerceSnapshots(runtime.db),
            )
            app.include_router(health_router(runtime.readiness_checks()))
            yield

    app = FastAPI(
        title="Balas ingest", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.include_router(webhooks.router)
    app.include_router(woocommerce.router)
    app.add_middleware(
        BodyLimits,
        default=DEFAULT_MAX_BODY_BYTES,
        routes=[*webhooks.BODY_LIMITS, *woocommerce.BODY_LIMITS],
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
