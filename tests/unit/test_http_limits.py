"""The body-limit tables name routes the apps serve (a renamed route would fall back to the
default limit unnoticed), and a route's limit applies to its paths only."""

import pytest
from fastapi import FastAPI

from services.console import limits
from services.console.app import create_app as create_console_app
from services.ingest import webhooks, woocommerce
from services.ingest.app import create_app as create_ingest_app
from shared.http_limits import RouteLimit
from shared.settings import Settings

SETTINGS = Settings(_env_file=None).updated(  # type: ignore[call-arg]
    kafka={"bootstrap_servers": "127.0.0.1:9"}, mongodb={"uri": "mongodb://127.0.0.1:9"}
)


def served(app: FastAPI) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


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
