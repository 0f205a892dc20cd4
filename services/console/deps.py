"""What the console's routes depend on: the runtime's clients and the admin's bearer token."""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from faststream.kafka import KafkaBroker

from shared.mongo import Database
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores import Store, StoreDirectory


@dataclass(frozen=True)
class ConsoleContext:
    settings: Settings
    broker: KafkaBroker
    db: Database
    secrets: SecretBox


def _context(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Context = Annotated[ConsoleContext, Depends(_context)]

_bearer = HTTPBearer(auto_error=False)


def require_admin(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Every admin route needs `Authorization: Bearer <ADMIN_API_TOKEN>`."""
    expected = context.settings.admin_api_token.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not hmac.compare_digest(given, expected):  # constant time: no token guessing by timing
        raise HTTPException(
            status_code=401,
            detail="a valid admin token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


Admin = Depends(require_admin)


async def _store(store_id: str, context: Context) -> Store:
    """The store named in the path; 404 when there is none."""
    store = await StoreDirectory(context.db, ttl_seconds=0).by_id(store_id)
    if store is None:
        raise HTTPException(status_code=404, detail=f"no store {store_id!r}")
    return store


ExistingStore = Annotated[Store, Depends(_store)]
