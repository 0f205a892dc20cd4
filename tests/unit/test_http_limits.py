"""The body-limit tables name routes the apps serve (a renamed route would fall back to the
default limit unnoticed), and a route's limit applies to its paths only."""

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from services.console import limits
from services.console.app import create_app as create_console_app
from services.console.limits import carries_credentials
from services.ingest import webhooks, woocommerce
from services.ingest.app import create_app as create_ingest_app
from shared.http_limits import BodyLimits, RouteLimit
from shared.settings import Settings

SETTINGS = Settings(_env_file=None).updated(  # type: ignore[call-arg]
    kafka={"bootstrap_servers": "127.0.0.1:9"}, mongodb={"uri": "mongodb://127.0.0.1:9"}
)


def served(app: FastAPI) -> set[tuple[str, str]]:
    """FastAPI's routes (from the OpenAPI document) and plain Starlette ones (ingest's Twilio)."""
    paths = app.openapi()["paths"]
    plain = {
        (method, route.path)
        for route in app.routes
        if type(route) is Route
        for method in route.methods or ()
    }
    return plain | {(method.upper(), path) for path, item in paths.items() for method in item}


@pytest.mark.parametrize(
    ("app", "table"),
    [
        (create_ingest_app(SETTINGS), [*webhooks.BODY_LIMITS, *woocommerce.BODY_LIMITS]),
        (create_console_app(SETTINGS), limits.body_limits(SETTINGS)),
    ],
    ids=["ingest", "console"],
)
def test_every_limited_route_is_served(app: FastAPI, table: list[RouteLimit]) -> None:
    assert {(route.method, route.path) for route in table} <= served(app)


def test_a_route_limit_matches_its_method_and_paths_only() -> None:
    route = RouteLimit("PUT", "/api/stores/{store_id}/knowledge/{document_id}", 10)

    assert route.matches("PUT", "/api/stores/toko/knowledge/doc-1")
    assert not route.matches("POST", "/api/stores/toko/knowledge/doc-1")
    assert not route.matches("PUT", "/api/stores/toko/knowledge")
    assert not route.matches("PUT", "/api/stores/toko/knowledge/doc-1/text")


async def _posted(app: ASGIApp, headers: dict[str, str]) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
        response = await client.post("/upload", content=b"a" * 2048, headers=headers)
    return response.status_code


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 413), ({"Authorization": "Bearer t"}, 200), ({"Cookie": "balas_session=s"}, 200)],
)
async def test_a_route_for_signed_in_users_holds_strangers_to_the_default_limit(
    headers: dict[str, str], status: int
) -> None:
    async def read_all(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app = BodyLimits(
        Starlette(routes=[Route("/upload", read_all, methods=["POST"])]),
        default=1024,
        routes=[RouteLimit("POST", "/upload", 4096, credentials_needed=True)],
        carries_credentials=carries_credentials,
    )

    assert await _posted(app, headers) == status
