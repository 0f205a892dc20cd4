"""/login and /logout: the only console pages reachable without a session.

A failed login says only "wrong e-mail or password", whether the e-mail exists or not (and takes
as long). After failures the login brake asks for a growing wait: while it runs, a login is
answered 429 with Retry-After and the wait in words (services/console/auth/brake.py). The login
form is protected against CSRF by a double-submit cookie, logout by the session's token.
"""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.auth.brake import LoginBrake
from services.console.auth.csrf import LOGIN_CSRF_COOKIE, new_token, same, set_login_token
from services.console.auth.deps import CurrentSession
from services.console.auth.sessions import SESSION_COOKIE, SessionStore, secure_cookies
from services.console.auth.signin import signed_in
from services.console.auth.users import UserDirectory, normalised_email
from services.console.deps import ConsoleContext, Context
from services.console.i18n import Lang, request_lang, t
from services.console.pages.templating import templates

router = APIRouter(tags=["pages"])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or an absolute URL (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _wait_text(seconds: int, lang: Lang) -> str:
    if seconds < 120:
        return t("login.wait_seconds", lang, count=seconds)
    return t("login.wait_minutes", lang, count=math.ceil(seconds / 60))


def _form(
    request: Request,
    context: Context,
    email: str = "",
    next_path: str = "/",
    *,
    status_code: int = 200,
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = new_token()  # a fresh one for every form shown
    values: dict[str, Any] = {
        "error": error,
        "email": email,
        "next": next_path,
        "login_csrf": token,
    }
    response = templates.TemplateResponse(
        request, "login.html", values, status_code=status_code, headers=headers
    )
    set_login_token(response, token, secure_cookies(context.settings), "/login")
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, context: Context, next: str | None = None) -> Response:
    if await signed_in(request, context.db, context.settings):
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, context, "", safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    context: Context,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    lang = request_lang(request)
    next_path = safe_next(next)
    if not same(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        error = t("login.form_expired", lang)
        return _form(request, context, email, next_path, status_code=400, error=error)
    brake = LoginBrake(context.db, context.settings, context.clock)
    # the client's address: behind a proxy named in CONSOLE_TRUSTED_PROXIES, the forwarded one
    address = request.client.host if request.client else "unknown"
    email = normalised_email(email)
    wait = await brake.retry_after(email, address)
    if wait is not None:
        error = _wait_text(wait, lang)
        headers = {"Retry-After": str(wait)}
        return _form(
            request, context, email, next_path, status_code=429, error=error, headers=headers
        )
    user = await UserDirectory(context.db).authenticate(email, password)
    if user is None:
        await brake.failed(email, address)
        error = t("login.wrong", lang)
        return _form(request, context, email, next_path, status_code=401, error=error)
    await brake.succeeded(email, address)
    response = await start_session(context, user.id, next_path)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def start_session(context: ConsoleContext, user_id: str, next_path: str) -> Response:
    """Sign the user in (a new session and its cookie) and go to `next_path`."""
    sessions = SessionStore(context.db, context.settings)
    session_id = await sessions.start(user_id)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=sessions.max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(context.settings),
        path="/",
    )
    return response


@router.post("/logout")
async def logout(session: CurrentSession, context: Context) -> Response:
    """Ends the session on the server (a copied cookie stops working too), then the cookie."""
    await SessionStore(context.db, context.settings).end(session.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure_cookies(context.settings), httponly=True
    )
    return response
