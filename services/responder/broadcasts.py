"""Sending broadcasts: a leased sweep takes a due broadcast, makes its recipients once, and
sends each one approved-template message through the reply path (docs/notifications.md#broadcasts).

Exactly once per customer: a recipient is claimed (`pending` → `sending`) before anything is
sent, and its message is a reply document whose `_id` names the broadcast and the number,
inserted before the channel is called; a sweep cut short resumes the claimed ones through the
reply path's recovery (sending.py), which asks Twilio before sending again. A cancel turns
every pending recipient cancelled, and a claim only takes a pending one, so nothing is sent
after it. Consent is asked again right before each send: a STOP meanwhile skips the customer.

Each finished message is published as a `NotificationSent` (source `broadcast`) before its
recipient is settled, so a sweep cut short between the send and the publish publishes it again
when it resumes the recipient (the same event id: the KPI aggregator counts it once).
"""

import asyncio
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.responder.deps import ResponderDeps
from services.responder.metrics import BROADCAST_MESSAGES
from services.responder.repository import Reply, ReplyState
from services.responder.sending import deliver, store_account
from services.responder.service import notification_sent
from shared.broadcasts.collections import BROADCAST_RECIPIENTS, BROADCASTS
from shared.broadcasts.model import (
    Broadcast,
    BroadcastField,
    Limits,
    RecipientState,
    Status,
    cancel_pending,
    claim,
    due_filter,
    load_limits,
)
from shared.broadcasts.segments import candidates
from shared.channels import template_channel
from shared.consent.records import Purpose, may_contact
from shared.conversations.collections import MESSAGES
from shared.events import Author, NotificationSource, utcnow
from shared.identity import conversation_id
from shared.kafka import publish
from shared.mongo import Database
from shared.stores.directory import Store

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
SWEEP_TICK_SECONDS = 30.0
LEASE = timedelta(minutes=5)  # renewed at every recipient; a sweep that died loses it
DAY = timedelta(hours=24)
NO_CONSENT = "no_consent"


def message_id(broadcast_id: str, phone: str) -> str:
    return f"broadcast:{broadcast_id}:{phone}"


async def send_due(deps: ResponderDeps, clock: Clock = utcnow, sleep: Sleep = asyncio.sleep) -> int:
    """Run every broadcast due now to its end (or its pause); how many were taken."""
    db = deps.conversations.db
    taken = 0
    while (leased := await _take(db, clock)) is not None:
        taken += 1
        sweep = _Sweep(deps, *leased, clock, sleep)
        try:
            await sweep.run()
        except Exception:
            await sweep.release()  # free at once: the next tick tries again
            raise
    return taken


async def keep_sending(deps: ResponderDeps) -> None:
    """`send_due` every tick until cancelled; a failed tick (a channel outage) is tried again."""
    while True:
        try:
            await send_due(deps)
        except Exception as error:
            log.warning("sending broadcasts failed", error=repr(error))
        await asyncio.sleep(SWEEP_TICK_SECONDS)


async def _take(db: Database, clock: Clock) -> tuple[Broadcast, str] | None:
    """Lease a due broadcast nobody else is sending; it and the lease's holder."""
    now = clock()
    free = {"$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}
    holder = uuid.uuid4().hex
    document = await db[BROADCASTS].find_one_and_update(
        {"$and": [due_filter(now), free]},
        [
            {
                "$set": {
                    "status": Status.SENDING.value,
                    "lease_until": now + LEASE,
                    "lease_holder": holder,
                    "resume_at": None,
                    "started_at": {"$ifNull": ["$started_at", now]},  # its first run's
                }
            }
        ],
        sort=[("scheduled_at", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )
    return (Broadcast.model_validate(document), holder) if document else None


class _Sweep:
    def __init__(
        self, deps: ResponderDeps, broadcast: Broadcast, holder: str, clock: Clock, sleep: Sleep
    ) -> None:
        self.deps, self.broadcast, self.holder = deps, broadcast, holder
        self.clock, self.sleep = clock, sleep
        self.db = deps.conversations.db
        self.unsent: deque[dict[str, Any]] = deque()  # read by `_next`, claimed one by one

    async def run(self) -> None:
        store = await self.deps.stores.by_id(self.broadcast.store_id)
        if store is None:
            return
        if not self.broadcast.materialised:
            await self._materialise(store)
        limits = await load_limits(self.db, store.id)
        contacted = await _written_first(self.db, store.id, self.clock() - DAY)
        while True:
            if not await self._still_ours():
                if await self._cancelled():  # rows made after the cancel are cancelled too
                    await cancel_pending(self.db, self.broadcast.id)
                return  # else another sweep took it over: it goes on
            recipient = await self._next()
            if recipient is None:
                await self._finish(Status.DONE)
                return
            phone = recipient["phone"]
            if phone not in contacted and len(contacted) >= limits.daily_customers:
                await self._pause(await _room_at(self.db, store.id, self.clock() - DAY))
                return
            if await self._send(store, recipient):
                contacted.add(phone)
                await self.sleep(_pace(limits))

    async def release(self) -> None:
        await self.db[BROADCASTS].update_one(
            {"_id": self.broadcast.id, "lease_holder": self.holder},
            {"$set": {"lease_until": None}},
        )

    async def _still_ours(self) -> bool:
        """Renew the lease, if the broadcast is still sending and still this sweep's."""
        now = self.clock()
        renewed = await self.db[BROADCASTS].update_one(  # not find_one_and_update: a scan
            {
                "_id": self.broadcast.id,
                "status": Status.SENDING.value,
                "lease_holder": self.holder,
            },
            {"$set": {"lease_until": now + LEASE}},
        )
        return renewed.matched_count == 1

    async def _cancelled(self) -> bool:
        query = {"_id": self.broadcast.id, "status": Status.CANCELLED.value}
        return await self.db[BROADCASTS].count_documents(query) > 0

    async def _materialise(self, store: Store) -> None:
        """One row per customer of the segment who may be sent promotions now. Run again after
        a crash, it adds only the rows not made yet."""
        found = await candidates(self.db, store.id, self.broadcast.segment, self.clock())
        channel = template_channel(self.broadcast.template.template)
        assert channel is not None  # checked when the broadcast was made
        now = utcnow()
        rows = [
            {
                "_id": f"{self.broadcast.id}:{candidate.phone}",
                "broadcast_id": self.broadcast.id,
                "store_id": store.id,
                "phone": candidate.phone,
                "conversation_id": conversation_id(store.id, candidate.phone, channel),
                "first_name": candidate.first_name,
                "state": RecipientState.PENDING.value,
                "created_at": now,
            }
            for candidate in found
        ]
        if rows:
            try:
                await self.db[BROADCAST_RECIPIENTS].insert_many(rows, ordered=False)
            except BulkWriteError as error:
                if any(e["code"] != 11000 for e in error.details["writeErrors"]):
                    raise  # anything but a row made before
        await self.db[BROADCASTS].update_one(
            {"_id": self.broadcast.id}, {"$set": {"materialised": True}}
        )

    async def _next(self) -> dict[str, Any] | None:
        """The next recipient to send: one claimed before and cut short first, else a pending
        one, claimed now (only if still pending: a cancel wins over the claim). The rows are
        read a list at a time and claimed one by one by `_id`; an empty list ends the sweep."""
        while True:
            if not self.unsent:
                self.unsent = deque(await self._unsent())
                if not self.unsent:
                    return None
            recipient = self.unsent.popleft()
            if recipient["state"] == RecipientState.SENDING.value:
                return recipient
            if await claim(self.db, recipient["_id"]):
                return {**recipient, "state": RecipientState.SENDING.value}

    async def _unsent(self) -> list[dict[str, Any]]:
        """The rows claimed before and cut short, then the pending ones, each by `_id`: two
        equality reads of the `{broadcast_id, state}` index."""
        rows: list[dict[str, Any]] = []
        for state in (RecipientState.SENDING, RecipientState.PENDING):
            query = {"broadcast_id": self.broadcast.id, "state": state.value}
            found = await self.db[BROADCAST_RECIPIENTS].find(query).to_list()
            rows += sorted(found, key=lambda row: str(row["_id"]))
        return rows

    async def _send(self, store: Store, recipient: dict[str, Any]) -> bool:
        """Send the claimed recipient's message once; whether it went to the customer."""
        reply = await self._made(recipient)
        if reply is None or not reply.finished:  # a message finished before stays as it went
            if not await may_contact(self.db, store.id, recipient["phone"], Purpose.PROMOTIONS):
                BROADCAST_MESSAGES.labels(RecipientState.SKIPPED.value).inc()
                await self._settle(recipient, RecipientState.SKIPPED, reason=NO_CONSENT)
                return False
            if reply is None:
                reply = await self._reserve(store, recipient)
            if not reply.finished:
                reply = await deliver(reply, self.deps)
        await publish(self.deps.broker, notification_sent(reply, NotificationSource.BROADCAST))
        sent = reply.state is ReplyState.SENT
        state = RecipientState.SENT if sent else RecipientState.FAILED
        BROADCAST_MESSAGES.labels(state.value).inc()
        await self._settle(recipient, state, reason=reply.not_sent_reason, message=reply.id)
        return sent

    async def _made(self, recipient: dict[str, Any]) -> Reply | None:
        """The recipient's message, when a sweep cut short made it before."""
        made = message_id(self.broadcast.id, recipient["phone"])
        existing = await self.db[MESSAGES].find_one({"_id": made})
        return Reply.model_validate(existing) if existing else None

    async def _reserve(self, store: Store, recipient: dict[str, Any]) -> Reply:
        """The recipient's send intent; the existing one when it was made before."""
        template = self.broadcast.template
        channel = template_channel(template.template)
        assert channel is not None
        now = utcnow()
        values = {
            BroadcastField.FIRST_NAME: recipient.get("first_name"),
            BroadcastField.STORE_NAME: store.name,
        }
        reply = Reply(
            id=message_id(self.broadcast.id, recipient["phone"]),
            store_id=store.id,
            conversation_id=recipient["conversation_id"],
            in_reply_to="",
            customer_number=recipient["phone"],
            store_number=store.whatsapp_number,
            channel=channel,
            channel_account=store_account(store, channel),
            author=Author.NOTIFICATION,
            text=f"[template {template.template}] broadcast {self.broadcast.name}",
            created_at=now,
            customer_message_at=now,
            first_response=False,
            state=ReplyState.SENDING,
            template_sid=template.template,
            # WhatsApp refuses an empty parameter
            template_variables={
                key: values[field] or "-" for key, field in template.variables.items()
            },
        )
        document = {
            **reply.model_dump(by_alias=True, mode="python"),
            "direction": "outbound",
            "broadcast_id": self.broadcast.id,
            "notification_source": NotificationSource.BROADCAST.value,  # for the KPIs
        }
        try:
            await self.db[MESSAGES].insert_one(document)
        except DuplicateKeyError:  # made before the sweep was cut short
            existing = await self.db[MESSAGES].find_one({"_id": reply.id})
            if existing is None:
                raise RuntimeError(f"broadcast message {reply.id} vanished") from None
            return Reply.model_validate(existing)
        return reply

    async def _settle(
        self,
        recipient: dict[str, Any],
        state: RecipientState,
        reason: str | None = None,
        message: str | None = None,
    ) -> None:
        await self.db[BROADCAST_RECIPIENTS].update_one(
            {"_id": recipient["_id"]},
            {
                "$set": {
                    "state": state.value,
                    "reason": reason,
                    "message_id": message,
                    "finished_at": utcnow(),
                }
            },
        )

    async def _pause(self, resume_at: datetime) -> None:
        log.info("broadcast paused at the daily messaging limit", broadcast=self.broadcast.id)
        await self.db[BROADCASTS].update_one(
            {"_id": self.broadcast.id, "status": Status.SENDING.value},
            {"$set": {"status": Status.PAUSED.value, "resume_at": resume_at, "lease_until": None}},
        )

    async def _finish(self, status: Status) -> None:
        await self.db[BROADCASTS].update_one(
            {"_id": self.broadcast.id, "status": Status.SENDING.value},
            {"$set": {"status": status.value, "finished_at": utcnow(), "lease_until": None}},
        )


def _pace(limits: Limits) -> float:
    return 1.0 / limits.per_second


def _written_first_query(store_id: str, since: datetime) -> dict[str, Any]:
    """Template messages sent since `since`: what WhatsApp counts against the messaging tier."""
    return {
        "store_id": store_id,
        "direction": "outbound",
        "template_sid": {"$ne": None},
        "state": ReplyState.SENT.value,
        "finished_at": {"$gte": since},
    }


async def _written_first(db: Database, store_id: str, since: datetime) -> set[str]:
    """The customers the store wrote first to since `since`."""
    numbers = await db[MESSAGES].distinct("customer_number", _written_first_query(store_id, since))
    return set(numbers)


async def _room_at(db: Database, store_id: str, since: datetime) -> datetime:
    """When the oldest first-written message of the last 24 hours leaves the window."""
    oldest = await db[MESSAGES].find_one(
        _written_first_query(store_id, since), {"finished_at": 1}, sort=[("finished_at", ASCENDING)]
    )
    return (oldest["finished_at"] if oldest else since) + DAY
