"""The store's WordPress plugin (deploy/woocommerce-plugin/): its token, and its connect call.

An owner makes the store's plugin token (`POST /api/stores/{id}/plugin-token`, or
`balas store plugin-token STORE`) and types it into the plugin's settings. The plugin then calls
`POST /api/stores/{id}/wordpress/connect` with it as a Bearer token. That route is on the app
itself, not under the admin router: it takes the store's plugin token and nothing else (not the
admin token, not a console session), so the token a WordPress site holds opens no other door.
"""

from datetime import datetime
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from services.console.deps import Context, ExistingStore, OwnerOnly
from shared.events import utcnow
from shared.stores import plugin_tokens
from shared.stores.collections import STORES
from shared.stores.directory import Store, StoreDirectory, WordPressConnection

CONNECT_PATH = "/api/stores/{store_id}/wordpress/connect"

router = APIRouter(prefix="/stores/{store_id}", tags=["wordpress"])  # under the admin API
plugin_router = APIRouter(tags=["wordpress"])  # on the app: the plugin token only

Body = TypeVar("Body", bound=BaseModel)

_bearer = HTTPBearer(auto_error=False)


class PluginTokenView(BaseModel):
    token: str  # shown this once; Balas keeps only its SHA-256
    created_at: datetime


@router.post("/plugin-token", status_code=201, dependencies=[OwnerOnly])
async def make_plugin_token(store: ExistingStore, context: Context) -> PluginTokenView:
    """A new plugin token for the store; the one before stops working."""
    issued = await plugin_tokens.issue(context.db, store.id)
    if issued is None:  # deleted in between
        raise HTTPException(status_code=404, detail=f"no store {store.id!r}")
    token, held = issued
    return PluginTokenView(token=token, created_at=held.created_at)


def _site_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be the site's http or https address, like https://toko.example")
    return url.rstrip("/")


class ConnectRequest(BaseModel):
    """What the plugin sends (class-balas-whatsapp-connect.php); fields a later plugin adds are
    ignored, so an upgraded plugin still connects."""

    site_url: Annotated[str, Field(max_length=2048), AfterValidator(_site_url)]
    plugin_version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")


async def _plugin_store(
    store_id: str,
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Store:
    """The path's store, when the Bearer token is its plugin token: 404 for an unknown store,
    401 for a missing or wrong token."""
    store = await StoreDirectory(context.db, ttl_seconds=0).by_id(store_id)
    if store is None:
        raise HTTPException(status_code=404, detail=f"no store {store_id!r}")
    if credentials is None or not plugin_tokens.accepts(store, credentials.credentials):
        raise HTTPException(
            status_code=401,
            detail="a valid plugin token for this store is required "
            "(make one with `balas store plugin-token STORE`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return store


PluginStore = Annotated[Store, Depends(_plugin_store)]


@plugin_router.post(CONNECT_PATH)
async def connect_wordpress(
    request: Request, store: PluginStore, context: Context
) -> WordPressConnection:
    """Remember the store's WordPress site; calling again updates it."""
    body = await plugin_body(request, ConnectRequest)
    connection = WordPressConnection(
        site_url=body.site_url, plugin_version=body.plugin_version, connected_at=utcnow()
    )
    # $set, not a replace: onboarding and the token keep the rest of the document.
    await context.db[STORES].update_one(
        {"_id": store.id}, {"$set": {"wordpress": connection.model_dump()}}
    )
    return connection


async def plugin_body(request: Request, model: type[Body]) -> Body:
    """The body, read only once the token is accepted (FastAPI would parse a declared body
    before any dependency), so a stranger learns nothing from a 422."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        problems = error.errors(include_input=False, include_url=False, include_context=False)
        detail = [{**problem, "loc": ("body", *problem["loc"])} for problem in problems]
        raise HTTPException(status_code=422, detail=detail) from None
