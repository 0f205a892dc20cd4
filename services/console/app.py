"""console: the admins' HTTP API (stores, knowledge, bot settings). It reads MongoDB and changes
the pipeline by publishing Kafka events, like every other part of it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from faststream.kafka.fastapi import KafkaRouter

from services.console import bot_settings, gaps, knowledge, stores
from services.console.deps import Admin, ConsoleContext
from shared.http import ops_router, serve_until, stop_on_signals
from shared.kafka import broker_options
from shared.logging import configure_logging
from shared.runtime import open_runtime
from shared.secrets import secret_box
from shared.settings import Settings

log = structlog.get_logger(__name__)


def admin_api() -> APIRouter:
    """Every admin route, each behind the admin token."""
    api = APIRouter(prefix="/api", dependencies=[Admin])
    api.include_router(stores.router)
    api.include_router(knowledge.router)
    api.include_router(gaps.router)
    api.include_router(bot_settings.router)
    return api


def create_app(settings: Settings) -> FastAPI:
    # As in ingest: FastStream's integration owns the producer; no AsyncAPI page that publishes.
    kafka = KafkaRouter(**broker_options(settings, "console"), schema_url=None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kafka.lifespan_context(app), open_runtime(settings, kafka.broker) as runtime:
            app.state.console = ConsoleContext(
                settings=settings, broker=kafka.broker, db=runtime.db, secrets=secret_box(settings)
            )
            app.include_router(ops_router(runtime.readiness_checks()))
            yield

    app = FastAPI(title="Balas console API", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(admin_api())
    return app


async def main(port: int | None = None) -> None:
    settings = Settings()
    configure_logging(settings, "console")
    app = create_app(settings)
    port = port or settings.console_port
    log.info("console API listening", url=f"http://{settings.console_host}:{port}")
    await serve_until(app, settings.console_host, port, stop_on_signals())
