"""The reply library page: the store's canned replies and approved WhatsApp templates as an
editable list that static/replies.js saves whole through `PUT /api/stores/{id}/reply-library`
(with the session's CSRF token). The API's 422 errors appear next to their fields, in the UI
language. Agents see the lists read-only (the API refuses their changes too)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.deps import Context
from services.console.pages.templating import render_page
from services.console.reply_library import load_library

router = APIRouter(prefix="/stores/{store_id}/replies", tags=["pages"])


@router.get("", response_class=HTMLResponse)
async def replies_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    library = await load_library(context.db, store.id)
    return await render_page(
        request,
        context.db,
        "replies.html",
        user=user,
        store_id=store.id,
        active="replies",
        values={"library": library, "can_edit": user.is_owner},
    )
