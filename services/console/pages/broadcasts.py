"""The broadcasts page: the store's broadcasts with their progress, a create form (template,
variables, segment) for owners, and each broadcast's page with its segment's preview, progress,
results, and the owner's schedule and cancel buttons. Plain forms, no script: the rules are
shared/broadcasts/ (the same as the API's and `balas store broadcast`)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.auth.users import User
from services.console.deps import Context
from services.console.i18n import request_lang
from services.console.pages.forms import text_fields
from services.console.pages.inbox_views import date_time
from services.console.pages.templating import render_page
from services.console.validation_text import localized
from shared.broadcasts import model
from shared.broadcasts.model import BroadcastField, BroadcastPlan, Status
from shared.broadcasts.results import results
from shared.broadcasts.segments import preview
from shared.events import utcnow
from shared.stores.directory import Store

router = APIRouter(prefix="/stores/{store_id}/broadcasts", tags=["pages"])

VARIABLE_KEYS = ("1", "2", "3")
PREVIEWED = (Status.DRAFT, Status.SCHEDULED)


@router.get("", response_class=HTMLResponse)
async def broadcasts_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    return await _list_page(request, context, user, store)


@router.post("", response_class=HTMLResponse, dependencies=[OwnerOnly])
async def create_broadcast(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> Response:
    given = await text_fields(request, max_fields=16)
    try:
        plan = BroadcastPlan.model_validate(_plan(given))
    except ValidationError as invalid:
        problem = localized(invalid.errors(include_url=False)[0], request_lang(request))
        return await _list_page(request, context, user, store, problem=problem, given=given)
    broadcast = await model.create(context.db, store.id, plan)
    return RedirectResponse(f"/stores/{store.id}/broadcasts/{broadcast.id}", status_code=303)


@router.get("/{broadcast_id}", response_class=HTMLResponse)
async def broadcast_page(
    broadcast_id: str, request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    broadcast = await _broadcast(context, store, broadcast_id)
    seen = None
    if broadcast.status in PREVIEWED:
        seen = await preview(context.db, store.id, broadcast.segment, utcnow())
    return await render_page(
        request,
        context.db,
        "broadcast.html",
        user=user,
        store_id=store.id,
        active="broadcasts",
        values={
            "broadcast": broadcast,
            "progress": await model.progress(context.db, broadcast.id),
            "results": await results(context.db, broadcast),
            "preview": seen,
            "can_edit": user.is_owner,
            "schedulable": broadcast.status in PREVIEWED,
            "cancellable": broadcast.status in model.CANCELLABLE,
            "local": lambda moment: date_time(moment, store.timezone),
        },
    )


@router.post("/{broadcast_id}/schedule", dependencies=[OwnerOnly])
async def schedule_broadcast(
    broadcast_id: str, request: Request, context: Context, store: StoreAccess
) -> Response:
    """At the local time given (the store's timezone), or now."""
    broadcast = await _broadcast(context, store, broadcast_id)
    given = await text_fields(request, max_fields=4)
    at = utcnow()
    if given.get("at"):
        try:
            at = datetime.fromisoformat(given["at"]).replace(tzinfo=ZoneInfo(store.timezone))
        except ValueError:
            raise HTTPException(status_code=422, detail="not a date and time") from None
    try:
        await model.schedule(context.db, broadcast, at)
    except model.NotSchedulable as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return _back(store, broadcast_id)


@router.post("/{broadcast_id}/cancel", dependencies=[OwnerOnly])
async def cancel_broadcast(broadcast_id: str, context: Context, store: StoreAccess) -> Response:
    broadcast = await _broadcast(context, store, broadcast_id)
    try:
        await model.cancel(context.db, broadcast)
    except model.NotCancellable as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return _back(store, broadcast_id)


async def _list_page(
    request: Request,
    context: Context,
    user: User,
    store: Store,
    *,
    problem: str | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    found = await model.listed(context.db, store.id)
    rows = [(b, await model.progress(context.db, b.id)) for b in found]
    return await render_page(
        request,
        context.db,
        "broadcasts.html",
        user=user,
        store_id=store.id,
        active="broadcasts",
        values={
            "rows": rows,
            "can_edit": user.is_owner,
            "fields": [field.value for field in BroadcastField],
            "variable_keys": VARIABLE_KEYS,
            "problem": problem,
            "given": given or {},
            "local": lambda moment: date_time(moment, store.timezone),
        },
        status_code=422 if problem else 200,
    )


def _plan(given: dict[str, str]) -> dict[str, Any]:
    """The form's fields as a plan; empty fields are left out."""
    variables = {key: given[f"var_{key}"] for key in VARIABLE_KEYS if given.get(f"var_{key}")}
    segment: dict[str, Any] = {
        "product_ids": given.get("products", "").replace(",", " ").split(),  # ids, checked
        "categories": [c.strip() for c in given.get("categories", "").split(",") if c.strip()],
        "spent_over": given.get("spent_over") or None,
        "wrote_within_days": given.get("wrote_within_days") or None,
    }
    return {
        "name": given.get("name", ""),
        "template": {"template": given.get("template", ""), "variables": variables},
        "segment": segment,
        "attribution_days": given.get("attribution_days") or model.ATTRIBUTION_DAYS,
    }


async def _broadcast(context: Context, store: Store, broadcast_id: str) -> model.Broadcast:
    broadcast = await model.find(context.db, store.id, broadcast_id)
    if broadcast is None:
        raise HTTPException(status_code=404, detail=f"no broadcast {broadcast_id}")
    return broadcast


def _back(store: Store, broadcast_id: str) -> Response:
    return RedirectResponse(f"/stores/{store.id}/broadcasts/{broadcast_id}", status_code=303)
