"""Who a request's session cookie signs in, looked up once per request."""

from dataclasses import dataclass

from fastapi import Request

from services.console.auth.sessions import SESSION_COOKIE, SessionStore
from services.console.auth.users import User, UserDirectory
from shared.mongo import Database
from shared.settings import Settings


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_id: str
    csrf_token: str


_UNSET = object()


async def signed_in(request: Request, db: Database, settings: Settings) -> SignedIn | None:
    """The live session's enabled user, or None. Pages' templates find the user and the CSRF
    token on `request.state` (`user`, `csrf_token`)."""
    cached = getattr(request.state, "signed_in", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    found = await _look_up(request.cookies.get(SESSION_COOKIE), db, settings)
    request.state.signed_in = found
    if found:
        request.state.user = found.user
        request.state.csrf_token = found.csrf_token
    return found


async def _look_up(session_id: str | None, db: Database, settings: Settings) -> SignedIn | None:
    if not session_id:
        return None
    session = await SessionStore(db, settings).find(session_id)
    if session is None:
        return None
    user = await UserDirectory(db).by_id(session.user_id)
    if user is None or user.disabled:
        return None
    return SignedIn(user=user, session_id=session_id, csrf_token=session.csrf_token)
