"""Jinja2 templates shared by every page: the layout's context (language, text, CSRF token, the
user's stores for the switcher) and cache-busted static URLs."""

import hashlib
from collections.abc import Mapping
from functools import cache, partial
from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.i18n import LANGUAGES, request_lang, t
from shared.mongo import Database
from shared.stores.collections import STORES

CONSOLE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = CONSOLE_DIR / "templates"
STATIC_DIR = CONSOLE_DIR / "static"


class PageUser(Protocol):
    """What the layout shows of the signed-in user (helper AUTH's User has these)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def store_ids(self) -> list[str]: ...


@cache
def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`: browsers may cache assets forever, a change busts it."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def _layout_context(request: Request) -> dict[str, Any]:
    lang = request_lang(request)
    return {
        "lang": lang,
        "languages": LANGUAGES,
        "t": partial(t, lang=lang),
        "static_url": static_url,
        # helper AUTH's middleware puts the session's token here; forms and htmx send it back
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }


templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[_layout_context])


async def user_stores(db: Database, user: PageUser) -> list[dict[str, str]]:
    """The stores the user may switch to: id and name, in the user's order."""
    found = {
        store["_id"]: store.get("name") or store["_id"]
        async for store in db[STORES].find({"_id": {"$in": user.store_ids}}, {"name": 1})
    }
    return [{"id": sid, "name": found[sid]} for sid in user.store_ids if sid in found]


async def render_page(
    request: Request,
    db: Database,
    template: str,
    *,
    user: PageUser,
    store_id: str,
    active: str,
    values: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A full page inside base.html: `active` is the nav item to highlight (inbox, dashboard,
    knowledge, replies, settings, playground)."""
    stores = await user_stores(db, user)
    store_name = next((store["name"] for store in stores if store["id"] == store_id), store_id)
    context = {
        "user": user,
        "stores": stores,
        "store_id": store_id,
        "store_name": store_name,
        "active": active,
        **(values or {}),
    }
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def render_partial(
    request: Request, template: str, values: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A fragment for htmx to swap in; it shares the layout's context (t, lang, csrf_token)."""
    return templates.TemplateResponse(request, template, dict(values), status_code=status_code)
