"""A store's order notifications: the template and variables of each order status, and its
quiet hours (docs/notifications.md#order-notifications). Read by any member of the store, set by
its owners; an invalid template name, status or field gets FastAPI's 422 naming the field."""

from fastapi import APIRouter

from services.console.audit import Action, AuditLog
from services.console.deps import Authorized, Context, ExistingStore, OwnerOnly
from shared.notifications import orders
from shared.notifications.orders import NotificationRules, OrderNotifications

router = APIRouter(prefix="/stores/{store_id}/order-notifications", tags=["order notifications"])


@router.get("")
async def current_notifications(store: ExistingStore, context: Context) -> OrderNotifications:
    """The settings in force; no template means nothing is sent."""
    return await orders.load(context.db, store.id)


@router.put("", dependencies=[OwnerOnly])
async def save_notifications(
    rules: NotificationRules, store: ExistingStore, context: Context, caller: Authorized
) -> OrderNotifications:
    """Replace the settings; the responder uses them from the next order event on."""
    saved = await orders.replace(context.db, store.id, rules)
    await AuditLog(context.db).record(
        store.id,
        caller.actor,
        Action.NOTIFICATIONS_CHANGED,
        store.id,
        statuses=sorted(saved.templates),
    )
    return saved
