"""FastAPI dependencies of the console's pages (HTML) and page-side endpoints.

`CurrentUser` is the signed-in user; without a session a page redirects to /login (htmx gets
`HX-Redirect`), an /api route answers 401. Unsafe methods must carry the session's CSRF token.
`StoreAccess` is the path's store when the user may see it, else 404 (never 403: another store's
id must not reveal that it exists). The /api routes use services/console/deps.py `require_admin`,
which also accepts the admin token.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.console.auth.csrf import carries_token
from services.console.auth.signin import SignedIn, signed_in
from services.console.auth.users import User
from services.console.deps import Context
from shared.stores.directory import Store, StoreDirectory


class LoginRequired(Exception):
    """Raised by `CurrentUser` without a live session; `login_required` answers it."""


async def _signed_in(request: Request, context: Context) -> SignedIn:
    session = await signed_in(request, context.db, context.settings)
    if session is None:
        raise LoginRequired
    if not await carries_token(request, session.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return session


CurrentSession = Annotated[SignedIn, Depends(_signed_in)]


def _user(session: CurrentSession) -> User:
    return session.user


CurrentUser = Annotated[User, Depends(_user)]


async def _store_access(store_id: str, user: CurrentUser, context: Context) -> Store:
    store = None
    if user.may_access(store_id):
        store = await StoreDirectory(context.db, ttl_seconds=0).by_id(store_id)
    if store is None:
        raise HTTPException(status_code=404, detail=f"no store {store_id!r}")
    return store


StoreAccess = Annotated[Store, Depends(_store_access)]


def _require_owner(user: CurrentUser) -> None:
    if not user.is_owner:
        raise HTTPException(status_code=403, detail="only the store's owners may change this")


OwnerOnly = Depends(_require_owner)


def login_required(request: Request, _: Exception) -> Response:
    """The exception handler app.py registers for `LoginRequired`."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "sign in to the console first"}, status_code=401)
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)
