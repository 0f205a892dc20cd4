"""Errors where the person met them: a browser asking for a page gets a page in the console's
look and the UI language, saying what happened and offering a way back; API clients (paths under
/api/, htmx and script calls, anything not asking for HTML) keep FastAPI's JSON.
"""

from collections.abc import Mapping

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from services.console.pages.templating import templates

# The statuses with their own words; any other is told as its class (4xx as 400, 5xx as 500).
EXPLAINED = (400, 403, 404, 500)


def wants_page(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/static/")) or request.headers.get("HX-Request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def explained_status(status: int) -> int:
    return status if status in EXPLAINED else (500 if status >= 500 else 400)


def error_page(request: Request, status: int, headers: Mapping[str, str] | None = None) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "kind": explained_status(status)},
        status_code=status,
        headers=headers,
    )


async def http_error(request: Request, error: Exception) -> Response:
    """The app's handler for HTTPException (404s of unknown paths included)."""
    assert isinstance(error, HTTPException)
    if wants_page(request):
        return error_page(request, error.status_code, error.headers)
    return await http_exception_handler(request, error)


async def server_error(request: Request, error: Exception) -> Response:
    """The app's handler for anything unexpected; Starlette logs the error and re-raises it."""
    if wants_page(request):
        return error_page(request, 500)
    return JSONResponse({"detail": "internal server error"}, status_code=500)
