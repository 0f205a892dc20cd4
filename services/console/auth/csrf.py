"""CSRF: a synchronizer token per session. htmx and fetch send it in `X-CSRF-Token`, plain forms
in the hidden field `csrf_token`; every unsafe method with a session must carry it. The login
form has no session yet, so it uses a double-submit cookie instead."""

import hmac
import secrets

from fastapi import Request, Response

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LOGIN_CSRF_COOKIE = "balas_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def submitted_token(request: Request) -> str | None:
    """The token a request carries: the header, else a form's hidden field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Starlette caches the parsed form, so the route still reads the same body.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def carries_token(request: Request, expected: str) -> bool:
    if request.method in SAFE_METHODS:
        return True
    return same(await submitted_token(request), expected)


def set_login_token(response: Response, token: str, secure: bool, path: str) -> None:
    """The CSRF token of a form filled in before any session (sign-in, invite), scoped to it."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path=path
    )
