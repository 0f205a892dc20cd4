"""An unexpected failure is the console's error page for a browser, JSON for an API client."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.console.error_pages import server_error
from services.console.i18n import t


def _failing_app() -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(Exception, server_error)

    @app.get("/stores/s/inbox")
    @app.get("/api/stores/s")
    async def broken() -> None:
        raise RuntimeError("a bug")

    return app


def test_an_unexpected_failure_is_a_page_for_a_browser_and_json_for_the_api() -> None:
    client = TestClient(_failing_app(), raise_server_exceptions=False)

    page = client.get("/stores/s/inbox", headers={"Accept": "text/html", "Accept-Language": "id"})
    api = client.get("/api/stores/s", headers={"Accept": "text/html"})

    assert page.status_code == 500
    assert t("error.500.title", "id") in page.text
    assert "a bug" not in page.text
    assert api.status_code == 500
    assert api.json() == {"detail": "internal server error"}
