"""Request body limits, enforced while the body arrives, for every HTTP app (ingest, console).

uvicorn reads bodies without a limit, and Starlette's `request.body()` and form parsers keep what
they read, so anyone could make a process hold hundreds of megabytes before a route had checked
a store or a signature. `BodyLimits` answers 413 before the app runs when Content-Length is over
the route's limit, and, for a body without one (chunked), raises `BodyTooLarge` from `receive()`
as soon as the bytes read pass it: the app's HTTPException handler answers 413 in the route's
own error style, and no more is read. Limits are declared per route, in one table per app.
docs/operations.md lists them.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KiB = 1024
MiB = 1024 * KiB


class FormLimits(TypedDict, total=False):
    """What Starlette's form parser accepts (`request.form(**limits)`, FastAPI's `form_limits`):
    its defaults (1,000 fields, 1,000 files, 1 MiB a field) are far above what any form needs."""

    max_fields: int
    max_files: int
    max_part_size: int


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body larger than {limit} bytes")


@dataclass(frozen=True)
class RouteLimit:
    """The largest body `method` on the route `path` (a template, as the route declares it)
    accepts, in bytes. A route for signed-in users only (uploads) sets `credentials_needed`:
    a request without credentials gets the app's default limit, since the route's own check
    runs only after the body has been parsed."""

    method: str
    path: str
    max_bytes: int
    credentials_needed: bool = False
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", compile_path(self.path)[0])

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and self._pattern.match(path) is not None


Refused = Callable[[RouteLimit | None], None]
CarriesCredentials = Callable[[Headers], bool]


class BodyLimits:
    """ASGI middleware: every request body at most its route's limit, else `default`.

    `on_refused` is told of every 413, with the route's limit (None: the default), for metrics.
    `carries_credentials` tells whether a request names a user (a token or a session cookie),
    for the routes that need one; whether they are valid is the route's check.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        routes: Sequence[RouteLimit] = (),
        on_refused: Refused = lambda _: None,
        carries_credentials: CarriesCredentials = lambda _: True,
    ) -> None:
        self.app = app
        self.default = default
        self.routes = routes
        self.on_refused = on_refused
        self.carries_credentials = carries_credentials

    def _route_for(self, method: str, path: str) -> RouteLimit | None:
        return next((route for route in self.routes if route.matches(method, path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self._route_for(scope["method"], scope["path"])
        limit = self.default if route is None else route.max_bytes
        if (
            route
            and route.credentials_needed
            and not self.carries_credentials(Headers(scope=scope))
        ):
            limit = self.default
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            self.on_refused(route)
            await _too_large_response(limit)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    self.on_refused(route)
                    raise BodyTooLarge(limit)  # the app's HTTPException handler answers 413
            return message

        await self.app(scope, limited_receive, send)


def _too_large_response(limit: int) -> JSONResponse:
    return JSONResponse({"detail": BodyTooLarge(limit).detail}, status_code=413)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
