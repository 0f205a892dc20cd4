"""Small navigation routes: the home page, the store switcher and the language switcher."""

from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from services.console.auth.deps import CurrentUser
from services.console.i18n import LANG_COOKIE, as_lang

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


@router.get("/")
async def home(user: CurrentUser) -> RedirectResponse:
    """The user's first store's inbox."""
    if not user.store_ids:
        raise HTTPException(status_code=404, detail="this account has no store yet")
    return RedirectResponse(f"/stores/{user.store_ids[0]}/inbox", status_code=303)


@router.get("/stores/switch")
async def switch_store(store_id: str, user: CurrentUser) -> RedirectResponse:
    """The switcher's form without JavaScript; the inbox itself checks access."""
    return RedirectResponse(f"/stores/{store_id}/inbox", status_code=303)


def _back(request: Request) -> str:
    """Where the user came from, as a path on this site only (never another host)."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = not referer.netloc or referer.netloc == request.url.netloc
    path = referer.path if same_site and referer.path.startswith("/") else "/"
    path = "/" + path.lstrip("/")  # "//host" would leave the site
    return path + (f"?{referer.query}" if same_site and referer.query else "")


@router.get("/language/{code}")
async def choose_language(code: str, request: Request) -> RedirectResponse:
    """Remember the chosen UI language (any visitor, the login page too)."""
    lang = as_lang(code)
    if lang is None:
        raise HTTPException(status_code=404, detail="unknown language")
    response = RedirectResponse(_back(request), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="lax", httponly=True)
    return response
