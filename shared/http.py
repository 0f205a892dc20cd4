"""The operations endpoints every service exposes: /healthz, /readyz and /metrics.

/metrics carries every store's figures: it is served only on internal ports (the workers'
operations port, ingest's own metrics port), never on a port the internet reaches."""

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[object]]
TICK_SECONDS = 1.0  # uvicorn's own loop ticks every 0.1 s


def ops_router(checks: Mapping[str, ReadinessCheck]) -> APIRouter:
    """/healthz, /readyz and /metrics, for a service whose port is internal."""
    router = health_router(checks)
    router.include_router(metrics_router())
    return router


def health_router(checks: Mapping[str, ReadinessCheck]) -> APIRouter:
    """/healthz and /readyz: what a load balancer or an orchestrator probes."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results = {name: await _probe(check) for name, check in checks.items()}
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def metrics_app() -> FastAPI:
    """/metrics alone, for a service whose own port is public (ingest)."""
    app = FastAPI(title="balas metrics", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(metrics_router())
    return app


async def _probe(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=2.0)
    except Exception as error:
        return f"failed: {error!r}"
    return "ok"


class _Server(uvicorn.Server):
    """uvicorn that leaves signals to the process, so one handler stops everything in order,
    and ticks once a second instead of ten times while idle: a tick only refreshes the Date
    header (to the second) and looks whether to stop, and `stop` wakes it at once."""

    def __init__(self, config: uvicorn.Config, stop: asyncio.Event) -> None:
        super().__init__(config)
        self._stop = stop

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        while not (await self.on_tick(0) or self._stop.is_set()):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), TICK_SECONDS)


async def serve_until(app: FastAPI, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve an ASGI app in this event loop until `stop` is set, then shut down gracefully.

    uvicorn's own trust of X-Forwarded-For from loopback stays off: an app that sits behind a
    proxy names its proxies itself (the console's CONSOLE_TRUSTED_PROXIES)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        proxy_headers=False,
        access_log=False,  # its logger is at WARNING (shared/logging.py): no line per request
    )
    server = _Server(config, stop)
    running = asyncio.create_task(server.serve())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopped.cancel()
    await running
    if not server.started:
        raise RuntimeError(f"could not serve on {host}:{port}")


async def serve_all_until(
    listeners: Sequence[tuple[FastAPI, str, int]], stop: asyncio.Event
) -> None:
    """Serve each (app, host, port) until `stop` is set; when one ends or cannot start, the
    others stop too, and its error is raised."""
    serving = [
        asyncio.create_task(serve_until(app, host, port, stop)) for app, host, port in listeners
    ]
    await asyncio.wait(serving, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for outcome in await asyncio.gather(*serving, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: the one way a Balas process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
