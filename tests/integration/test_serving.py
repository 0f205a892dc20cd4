"""How every service is served (shared/http.py): uvicorn believes no forwarded header of its own,
even from loopback, and ingest's public app and its metrics app are served side by side."""

import asyncio

import httpx
from fastapi import FastAPI, Request

from shared.http import health_router, metrics_app, serve_all_until
from shared.infra import free_port
from tests.support.waiting import eventually


def _whoami_app() -> FastAPI:
    app = FastAPI()
    app.include_router(health_router({}))

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        assert request.client is not None
        return {"client": request.client.host, "scheme": request.url.scheme}

    return app


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def test_served_apps_ignore_forwarded_headers_and_serve_metrics_apart() -> None:
    public, internal = free_port(), free_port()
    stop = asyncio.Event()
    listeners = [(_whoami_app(), "127.0.0.1", public), (metrics_app(), "127.0.0.1", internal)]
    serving = asyncio.create_task(serve_all_until(listeners, stop))
    try:
        await eventually(lambda: _answers(f"http://127.0.0.1:{internal}/metrics"))
        await eventually(lambda: _answers(f"http://127.0.0.1:{public}/healthz"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{public}", timeout=5) as http:
            forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
            seen = (await http.get("/whoami", headers=forged)).json()
            metrics_on_public = await http.get("/metrics")
    finally:
        stop.set()
        await serving

    assert seen == {"client": "127.0.0.1", "scheme": "http"}
    assert metrics_on_public.status_code == 404
