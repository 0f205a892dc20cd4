"""The operations endpoints every service exposes: /healthz, /readyz and /metrics."""

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[object]]


def ops_router(checks: Mapping[str, ReadinessCheck]) -> APIRouter:
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

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _probe(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=2.0)
    except Exception as error:
        return f"failed: {error!r}"
    return "ok"


class _Server(uvicorn.Server):
    """uvicorn that leaves signals to the process, so one handler stops everything in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_until(app: FastAPI, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve an ASGI app in this event loop until `stop` is set, then shut down gracefully."""
    server = _Server(uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on"))
    running = asyncio.create_task(server.serve())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopped.cancel()
    await running
    if not server.started:
        raise RuntimeError(f"could not serve on {host}:{port}")


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: the one way a Balas process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
