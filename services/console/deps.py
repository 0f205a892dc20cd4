"""What the console's routes depend on: the runtime's clients and who is calling (the admin's
bearer token or a console session; docs/console.md has the table of who may do what)."""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from faststream.kafka import KafkaBroker

from services.console.audit import Actor
from services.console.auth.brake import Clock, utc_now
from services.console.auth.csrf import carries_token
from services.console.auth.signin import signed_in
from services.console.auth.users import User
from shared.mongo import Database
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import Store, StoreDirectory


@dataclass(frozen=True)
class ConsoleContext:
    settings: Settings
    broker: KafkaBroker
    db: Database
    secrets: SecretBox
    clock: Clock = utc_now  # the login brake's; tests move time instead of sleeping


def _context(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Context = Annotated[ConsoleContext, Depends(_context)]

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Caller:
    """Who calls an admin route: a signed-in console user, or None for the admin token
    (operators, scripts, the CLI), which may do everything in every store."""

    user: User | None

    def may_access(self, store_id: str) -> bool:
        return self.user is None or self.user.may_access(store_id)

    @property
    def is_owner(self) -> bool:
        return self.user is None or self.user.is_owner

    @property
    def actor(self) -> Actor:
        """How the audit log names the caller."""
        if self.user is None:
            return Actor(None, "admin token")
        return Actor(self.user.id, self.user.email)


async def require_admin(
    request: Request,
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """`Authorization: Bearer <ADMIN_API_TOKEN>`, or a console session whose user may access the
    store in the path (else 404, as for an unknown store); with a session, unsafe methods need
    the CSRF token."""
    if credentials is not None:
        expected = context.settings.console.admin_api_token.get_secret_value().encode()
        # constant time: no token guessing by timing
        if not hmac.compare_digest(credentials.credentials.encode(), expected):
            raise _unauthorised("a valid admin token is required")
        return Caller(user=None)
    session = await signed_in(request, context.db, context.settings)
    if session is None:
        raise _unauthorised("sign in to the console or give the admin token")
    if not await carries_token(request, session.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    store_id = request.path_params.get("store_id")
    if store_id is not None and not session.user.may_access(store_id):
        raise _no_store(store_id)
    return Caller(user=session.user)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _no_store(store_id: str) -> HTTPException:
    # The same answer for a store that exists but is someone else's: ids reveal nothing.
    return HTTPException(status_code=404, detail=f"no store {store_id!r}")


Admin = Depends(require_admin)
Authorized = Annotated[Caller, Admin]


def require_owner(caller: Authorized) -> None:
    """Routes that change a store's setup (bot settings, knowledge, onboarding, users)."""
    if not caller.is_owner:
        raise HTTPException(status_code=403, detail="only the store's owners may change this")


def require_token(caller: Authorized) -> None:
    """Routes for operators only (creating stores): console users never reach them."""
    if caller.user is not None:
        raise HTTPException(status_code=403, detail="only with the admin token")


OwnerOnly = Depends(require_owner)
TokenOnly = Depends(require_token)


async def _store(store_id: str, context: Context, caller: Authorized) -> Store:
    """The store named in the path; 404 when there is none or the caller may not see it."""
    if not caller.may_access(store_id):
        raise _no_store(store_id)
    store = await StoreDirectory(context.db, ttl_seconds=0).by_id(store_id)
    if store is None:
        raise _no_store(store_id)
    return store


ExistingStore = Annotated[Store, Depends(_store)]
