"""A store's broadcasts (docs/notifications.md#broadcasts): listed, previewed and followed by
any member of the store; created, scheduled, cancelled and their sending limits set by its
owners. The responder sends them; a template name or segment that is not one gets FastAPI's
422 naming the field, a schedule or cancel of a broadcast past it a 409."""

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from services.console.deps import Context, ExistingStore, OwnerOnly
from shared.broadcasts import model
from shared.broadcasts.model import Broadcast, BroadcastPlan, Limits, Progress, Segment
from shared.broadcasts.results import Results, results
from shared.broadcasts.segments import Preview, preview
from shared.events import utcnow

router = APIRouter(prefix="/stores/{store_id}", tags=["broadcasts"])


class Listed(BaseModel):
    broadcast: Broadcast
    progress: Progress


class Report(Listed):
    results: Results


class When(BaseModel):
    at: datetime | None = None  # None: now


@router.get("/broadcasts")
async def list_broadcasts(store: ExistingStore, context: Context) -> list[Listed]:
    """The store's broadcasts, newest first, with their progress."""
    found = await model.listed(context.db, store.id)
    return [Listed(broadcast=b, progress=await model.progress(context.db, b.id)) for b in found]


@router.post("/broadcasts", status_code=201, dependencies=[OwnerOnly])
async def create_broadcast(
    plan: BroadcastPlan, store: ExistingStore, context: Context
) -> Broadcast:
    """A draft: nothing is sent until it is scheduled."""
    return await model.create(context.db, store.id, plan)


@router.post("/broadcasts/preview")
async def preview_segment(segment: Segment, store: ExistingStore, context: Context) -> Preview:
    """How many customers the segment names now (with promotion consent), and a few of them."""
    return await preview(context.db, store.id, segment, utcnow())


@router.get("/broadcasts/{broadcast_id}")
async def broadcast_report(broadcast_id: str, store: ExistingStore, context: Context) -> Report:
    broadcast = await _broadcast(context, store.id, broadcast_id)
    return Report(
        broadcast=broadcast,
        progress=await model.progress(context.db, broadcast.id),
        results=await results(context.db, broadcast),
    )


@router.post("/broadcasts/{broadcast_id}/schedule", dependencies=[OwnerOnly])
async def schedule_broadcast(
    broadcast_id: str, when: When, store: ExistingStore, context: Context
) -> Broadcast:
    broadcast = await _broadcast(context, store.id, broadcast_id)
    try:
        return await model.schedule(context.db, broadcast, when.at or utcnow())
    except model.NotSchedulable as error:
        raise HTTPException(status_code=409, detail=str(error)) from None


@router.post("/broadcasts/{broadcast_id}/cancel", dependencies=[OwnerOnly])
async def cancel_broadcast(broadcast_id: str, store: ExistingStore, context: Context) -> Broadcast:
    """No pending recipient is sent from now on."""
    broadcast = await _broadcast(context, store.id, broadcast_id)
    try:
        return await model.cancel(context.db, broadcast)
    except model.NotCancellable as error:
        raise HTTPException(status_code=409, detail=str(error)) from None


@router.get("/broadcast-limits")
async def current_limits(store: ExistingStore, context: Context) -> Limits:
    return await model.load_limits(context.db, store.id)


@router.put("/broadcast-limits", dependencies=[OwnerOnly])
async def save_limits(limits: Limits, store: ExistingStore, context: Context) -> Limits:
    """The pace and the daily messaging tier, from the next recipient on."""
    await model.save_limits(context.db, store.id, limits)
    return limits


async def _broadcast(context: Context, store_id: str, broadcast_id: str) -> Broadcast:
    broadcast = await model.find(context.db, store_id, broadcast_id)
    if broadcast is None:
        raise HTTPException(status_code=404, detail=f"no broadcast {broadcast_id}")
    return broadcast
