"""console: the admins' HTTP API (stores, knowledge, bot settings). It reads MongoDB and changes
the pipeline by publishing Kafka events, like every other part of it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from services.console import (
    bot_settings,
    broadcasts,
    collections,
    commands,
    customer_data,
    gaps,
    knowledge,
    limits,
    order_actions,
    order_notifications,
    plugin_consent,
    reply_library,
    stores,
    wordpress,
)
from services.console.auth import users_api
from services.console.auth.brake import Clock, utc_now
from services.console.auth.deps import LoginRequired, login_required
from services.console.auth.headers import SecurityHeaders
from services.console.auth.sessions import secure_cookies
from services.console.deps import Admin, ConsoleContext
from services.console.error_pages import http_error, server_error
from services.console.pages import broadcasts as broadcasts_page
from services.console.pages import (
    channel_setup,
    dashboard,
    inbox,
    invite,
    login,
    navigation,
    playground,
    replies,
    setup,
    stream,
    team,
    voice_notes,
)
from services.console.pages import knowledge as knowledge_page
from services.console.pages import notifications as notifications_page
from services.console.pages import settings as settings_page
from services.console.pages.templating import STATIC_DIR
from services.console.validation_text import validation_failed
from shared.http import ops_router, serve_until, stop_on_signals
from shared.http_limits import BodyLimits
from shared.kafka import Broker, broker_options, running
from shared.logging import configure_logging
from shared.runtime import open_runtime
from shared.secrets import secret_box
from shared.settings import Settings

log = structlog.get_logger(__name__)


def admin_api() -> APIRouter:
    """Every admin route, behind the admin token or a console session (services/console/deps.py)."""
    api = APIRouter(prefix="/api", dependencies=[Admin])
    api.include_router(stores.router)
    api.include_router(knowledge.router)
    api.include_router(gaps.router)
    api.include_router(bot_settings.router)
    api.include_router(order_notifications.router)
    api.include_router(broadcasts.router)
    api.include_router(order_actions.router)
    api.include_router(users_api.router)
    api.include_router(users_api.me_router)
    api.include_router(commands.router)
    api.include_router(wordpress.router)
    api.include_router(reply_library.router)
    api.include_router(customer_data.router)
    return api


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    broker = Broker(**broker_options(settings, "console"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            running(broker),
            open_runtime(settings, broker, [collections.indexes]) as runtime,
        ):
            app.state.console = ConsoleContext(
                settings=settings,
                broker=broker,
                db=runtime.db,
                secrets=secret_box(settings),
                clock=clock,
            )
            app.include_router(ops_router(runtime.readiness_checks()))
            yield

    app = FastAPI(
        title="Balas console API",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        form_limits=limits.FORM_LIMITS,
    )
    # Set when the console stops: its live streams end, so shutting down does not wait on them.
    app.state.stopping = asyncio.Event()
    app.include_router(admin_api())
    # The WordPress plugin's call: its store's plugin token only, never the admin's.
    app.include_router(wordpress.plugin_router)
    app.include_router(plugin_consent.router)
    app.include_router(login.router)
    app.include_router(navigation.router)
    app.include_router(inbox.router)
    app.include_router(voice_notes.router)
    app.include_router(stream.router)
    app.include_router(dashboard.router)
    app.include_router(knowledge_page.router)
    app.include_router(playground.router)
    app.include_router(settings_page.router)
    app.include_router(replies.router)
    app.include_router(broadcasts_page.router)
    app.include_router(setup.router)
    app.include_router(channel_setup.router)
    app.include_router(notifications_page.router)
    app.include_router(team.router)
    app.include_router(invite.router)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(RequestValidationError, validation_failed)  # 422s in the UI language
    app.add_exception_handler(HTTPException, http_error)  # a page for browsers, JSON for the API
    app.add_exception_handler(Exception, server_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(
        BodyLimits,
        default=limits.DEFAULT_MAX_BODY_BYTES,
        routes=limits.body_limits(settings),
        carries_credentials=limits.carries_credentials,
    )
    app.add_middleware(SecurityHeaders, https=secure_cookies(settings))  # every response
    # Outermost: every part sees the client's address and scheme as forwarded by a trusted proxy,
    # and the peer's own from anyone else (uvicorn's own trust is off: shared/http.py).
    trusted = [str(proxy) for proxy in settings.console.trusted_proxies]
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    return app


async def main(port: int | None = None) -> None:
    settings = Settings()
    configure_logging(settings, "console")
    app = create_app(settings)
    port = port or settings.console.port
    log.info("console API listening", url=f"http://{settings.console.host}:{port}")
    app.state.stopping = stop_on_signals()
    await serve_until(app, settings.console.host, port, app.state.stopping)
