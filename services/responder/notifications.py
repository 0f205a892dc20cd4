"""Order notifications: an order reaching a status the store has a template for becomes one
approved-template message to the customer who agreed to order updates (docs/notifications.md).

The message is a reply document by author `notification` in the customer's conversation, so an
answer to it lands in the same conversation. Its `_id` names the store, order and status: the
insert is the claim, made before anything is sent, so the same snapshot delivered again (or a
replay) sends nothing new, and a crash mid-send is recovered like any reply (sending.py). In the
store's quiet hours the message is stored with `not_before` and `release_due` sends it later.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from pymongo.errors import DuplicateKeyError

from services.responder.deps import ResponderDeps
from services.responder.metrics import ORDER_NOTIFICATIONS
from services.responder.repository import Reply, ReplyState
from services.responder.sending import deliver, store_account
from services.responder.service import notification_sent
from shared.channels import template_channel
from shared.consent.records import Purpose, may_contact
from shared.conversations.collections import MESSAGES
from shared.events import Author, Event, NotificationSource, OrderChanged, utcnow
from shared.identity import conversation_id
from shared.kafka import publish
from shared.mongo import Database, Document
from shared.notifications.orders import (
    NotifiedStatus,
    OrderTemplate,
    load,
    reached_statuses,
    variables,
)
from shared.phones import normalise, store_country
from shared.stores.directory import Store

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
NO_CONSENT = "no_consent"
SUPERSEDED = "superseded"  # a newer status of the order was held with it: only that one goes
RELEASE_TICK_SECONDS = 60.0
RELEASE_LEASE = timedelta(minutes=5)  # longer than a send with its retries takes
# A snapshot older than this is history (a replay, a topic re-driven into the responder), not
# news for the customer: it is never notified.
NEWS_FOR = timedelta(days=2)


def notification_id(store_id: str, order_id: int, status: NotifiedStatus) -> str:
    return f"notification:{store_id}:{order_id}:{status.value}"


async def on_order_changed(event: Event, deps: ResponderDeps, clock: Clock = utcnow) -> None:
    """Claim and send (or hold) the notifications this order snapshot is due."""
    if not isinstance(event, OrderChanged) or event.deleted:
        return
    if clock() - (event.modified_at or event.occurred_at) > NEWS_FOR:
        return
    settings = await load(deps.conversations.db, event.store_id)
    due = [(s, settings.templates[s]) for s in reached_statuses(event) if s in settings.templates]
    if not due:
        return
    store = await deps.stores.by_id(event.store_id)
    if store is None:
        return
    phone = normalise(event.billing_phone, store_country(store))
    if phone is None:
        ORDER_NOTIFICATIONS.labels("no_phone").inc()
        return
    db = deps.conversations.db
    if await _newer_snapshot_notified(db, event.store_id, event.order_id, event.modified_at):
        ORDER_NOTIFICATIONS.labels("stale").inc()
        return
    if not await may_contact(db, store.id, phone, Purpose.ORDER_UPDATES):
        ORDER_NOTIFICATIONS.labels(NO_CONSENT).inc()
        return
    now = clock()
    hours = settings.quiet_hours
    not_before = hours.next_send_time(now, store.timezone) if hours else now
    held = not_before > now
    for status, template in due:
        reply, claimed = await _reserve(db, store, event, phone, status, template, not_before, held)
        if reply.finished:
            if claimed is not None and claimed.get("order_modified_at") == event.modified_at:
                await _publish(reply, deps)  # the same snapshot again: a crash may have lost it
            continue
        if claimed is not None and claimed.get("held"):  # the release's to send
            continue
        if held:
            ORDER_NOTIFICATIONS.labels("held").inc()
            continue
        await _send(reply, deps)


async def release_due(deps: ResponderDeps, clock: Clock = utcnow) -> int:
    """Send the held notifications whose quiet hours are over; how many were sent or settled.
    Each is leased before it is sent, so two releases never send it both; one cut short by a
    crash is tried again once its lease is over (and asks the channel first: sending.py)."""
    messages = deps.conversations.db[MESSAGES]
    now = clock()
    due = {
        "not_before": {"$lte": now},
        "author": Author.NOTIFICATION.value,
        "state": ReplyState.SENDING.value,
        "held": True,
        "lease_until": {"$not": {"$gt": now}},  # never leased, or the lease is over
    }
    released = 0
    while True:
        # A find and a conditional update, not one find-and-modify with an `$or`: the embedded
        # server answers either of those by scanning all messages, this by the not_before index.
        document = await messages.find_one(due)
        if document is None:
            return released
        leased = await messages.update_one(
            {"_id": document["_id"], **due}, {"$set": {"lease_until": now + RELEASE_LEASE}}
        )
        if leased.modified_count == 0:
            continue  # another release leased it first
        reply = Reply.model_validate(document)
        overtaken = await _newer_snapshot_notified(
            deps.conversations.db,
            reply.store_id,
            document["order_id"],
            document.get("order_modified_at"),
        )
        if overtaken:
            ORDER_NOTIFICATIONS.labels(SUPERSEDED).inc()
            await _publish(await deps.conversations.mark_not_sent(reply, SUPERSEDED), deps)
        else:
            await _send(reply, deps)
        released += 1


async def keep_releasing(deps: ResponderDeps) -> None:
    """`release_due` every tick until cancelled; a failed tick is tried again the next."""
    while True:
        try:
            await release_due(deps)
        except Exception as error:
            log.warning("releasing held notifications failed", error=repr(error))
        await asyncio.sleep(RELEASE_TICK_SECONDS)


async def _send(reply: Reply, deps: ResponderDeps) -> None:
    """Deliver once, if the customer still agrees: a withdrawal overnight wins."""
    db = deps.conversations.db
    if not await may_contact(db, reply.store_id, reply.customer_number, Purpose.ORDER_UPDATES):
        ORDER_NOTIFICATIONS.labels(NO_CONSENT).inc()
        await _publish(await deps.conversations.mark_not_sent(reply, NO_CONSENT), deps)
        return
    sent = await deliver(reply, deps)
    ORDER_NOTIFICATIONS.labels(sent.state.value).inc()
    await _publish(sent, deps)


async def _publish(finished: Reply, deps: ResponderDeps) -> None:
    """The notification's fact on `messages.outbound`, for the KPIs (docs/kpis.md)."""
    await publish(deps.broker, notification_sent(finished, NotificationSource.ORDER_NOTIFICATION))


async def _newer_snapshot_notified(
    db: Database, store_id: str, order_id: int, modified_at: datetime | None
) -> bool:
    """Whether a notification of this order came from a snapshot newer than `modified_at`: an
    older one arriving late (WooCommerce's deliveries are not ordered) sends nothing for its
    older status, and a held one a newer status overtook during the night is not sent."""
    if modified_at is None:
        return False
    newer = await db[MESSAGES].find_one(
        {
            "store_id": store_id,
            "author": Author.NOTIFICATION.value,
            "order_id": order_id,
            "order_modified_at": {"$gt": modified_at},
        },
        {"_id": 1},
    )
    return newer is not None


async def _reserve(
    db: Database,
    store: Store,
    event: OrderChanged,
    phone: str,
    status: NotifiedStatus,
    template: OrderTemplate,
    not_before: datetime,
    held: bool,
) -> tuple[Reply, Document | None]:
    """The notification's send intent; the existing one, and its stored document, when it was
    claimed before."""
    channel = template_channel(template.template)
    assert channel is not None  # checked when the template was saved
    reply = Reply(
        id=notification_id(store.id, event.order_id, status),
        store_id=store.id,
        conversation_id=conversation_id(store.id, phone, channel),
        in_reply_to="",
        customer_number=phone,
        store_number=store.whatsapp_number,
        channel=channel,
        channel_account=store_account(store, channel),
        author=Author.NOTIFICATION,
        text=f"[template {template.template}] order {event.number or event.order_id}: {status}",
        created_at=utcnow(),
        customer_message_at=event.occurred_at,
        first_response=False,
        state=ReplyState.SENDING,
        template_sid=template.template,
        template_variables=variables(template, event),
    )
    document: dict[str, Any] = {
        **reply.model_dump(by_alias=True, mode="python"),
        "direction": "outbound",
        "order_id": event.order_id,
        "order_number": event.number,
        "order_status": status.value,
        "order_modified_at": event.modified_at,
        "notification_source": NotificationSource.ORDER_NOTIFICATION.value,
        "not_before": not_before,
        "held": held,
    }
    try:
        await db[MESSAGES].insert_one(document)
    except DuplicateKeyError:  # claimed before: a redelivered or repeated snapshot
        existing = await db[MESSAGES].find_one({"_id": reply.id})
        if existing is None:
            raise RuntimeError(f"notification {reply.id} vanished") from None
        return Reply.model_validate(existing), existing
    return reply, None
