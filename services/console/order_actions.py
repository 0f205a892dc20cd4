"""A store's order actions (docs/actions.md): the audit of what the bot did to orders at its
customers' request, newest first, with each action's outcome. Read by any member of the store."""

from typing import Annotated

from fastapi import APIRouter, Query

from services.console.deps import Context, ExistingStore
from shared.actions.records import Entry, Ledger

router = APIRouter(prefix="/stores/{store_id}/order-actions", tags=["order actions"])


@router.get("")
async def order_actions(
    store: ExistingStore,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Entry]:
    """The latest confirmed actions: order, action, outcome and reason, the customer's number
    partly hidden, whether the order note was written."""
    return await Ledger(context.db).of_store(store.id, limit)
