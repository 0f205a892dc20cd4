"""A broadcast and its recipients: what an owner sets (an approved template, a segment, a time)
and where its sending is (docs/notifications.md#broadcasts).

A broadcast goes draft → scheduled → sending → done; `paused` while the store's daily
messaging limit is reached (it resumes by itself), `cancelled` from any state before done. Its
recipients are made once, when the sending starts: one row per customer, `pending` until the
sweep claims it (`sending`), then `sent`, `failed` (the channel refused it), `skipped` (the
customer withdrew their consent meanwhile) or `cancelled` (the broadcast was, before its turn).
"""

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pymongo import DESCENDING, ReturnDocument

from shared.broadcasts.collections import BROADCAST_RECIPIENTS, BROADCAST_SETTINGS, BROADCASTS
from shared.events import utcnow
from shared.mongo import Database
from shared.notifications.orders import TemplateName

ATTRIBUTION_DAYS = 3  # replies, opt-outs and orders this long after a message count for it
DAILY_TIERS = (250, 1_000, 10_000, 100_000)  # WhatsApp's messaging limits, customers per 24 h


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"  # the daily messaging limit is reached: resumes at `resume_at`
    CANCELLED = "cancelled"
    DONE = "done"


CANCELLABLE = (Status.DRAFT, Status.SCHEDULED, Status.SENDING, Status.PAUSED)
RUNNABLE = (Status.SCHEDULED, Status.SENDING, Status.PAUSED)


class RecipientState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed: the message may be on its way
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class BroadcastField(StrEnum):
    """What a broadcast template's variables may carry."""

    FIRST_NAME = "first_name"  # the customer's, from their WooCommerce customer or orders
    STORE_NAME = "store_name"


class BroadcastTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: TemplateName
    variables: dict[str, BroadcastField] = Field(
        default_factory=dict, description='The template\'s variables by key ("1", "2", ...).'
    )


class Segment(BaseModel):
    """Who a broadcast is for: the store's customers meeting every criterion given, and always
    only those who agreed to promotions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_ids: list[int] = Field(
        default_factory=list, description="Bought any of these products."
    )
    categories: list[str] = Field(
        default_factory=list,
        description="Bought a product in any of these categories (slug or name).",
    )
    spent_over: Decimal | None = Field(
        default=None, gt=0, description="Spent more than this in paid orders, in all."
    )
    wrote_within_days: int | None = Field(
        default=None, ge=1, le=365, description="Wrote to the store in the last N days."
    )

    @model_validator(mode="after")
    def _says_who(self) -> "Segment":
        chosen = (self.product_ids, self.categories, self.spent_over, self.wrote_within_days)
        if not any(criterion for criterion in chosen):
            raise ValueError(
                "a segment needs at least one of product_ids, categories, spent_over, "
                "wrote_within_days"
            )
        return self


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class BroadcastPlan(BaseModel):
    """What an owner sets."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    template: BroadcastTemplate
    segment: Segment
    attribution_days: int = Field(default=ATTRIBUTION_DAYS, ge=1, le=30)


class Broadcast(BroadcastPlan):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(validation_alias=AliasChoices("_id", "id"))  # `_id` as stored
    store_id: str
    status: Status = Status.DRAFT
    created_at: datetime
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    materialised: bool = False  # its recipients are made
    resume_at: datetime | None = None  # paused: when the daily limit allows more


class Progress(BaseModel):
    """How many recipients are in each state."""

    recipients: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0


class Limits(BaseModel):
    """A store's sending limits: a pace, and its WhatsApp account's messaging tier (unique
    customers written to first in 24 hours, order notifications included)."""

    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(default=10.0, gt=0, le=1000)
    daily_customers: int = Field(default=DAILY_TIERS[0], ge=1)


class NotCancellable(Exception):
    """The broadcast is done or cancelled already."""


class NotSchedulable(Exception):
    """Only a draft (or a scheduled one, moved) can be scheduled."""


async def create(db: Database, store_id: str, plan: BroadcastPlan) -> Broadcast:
    broadcast = Broadcast(
        id=uuid.uuid4().hex[:12], store_id=store_id, created_at=utcnow(), **dict(plan)
    )
    document = {"_id": broadcast.id, **broadcast.model_dump(mode="python", exclude={"id"})}
    await db[BROADCASTS].insert_one(document)
    return broadcast


async def find(db: Database, store_id: str, broadcast_id: str) -> Broadcast | None:
    document = await db[BROADCASTS].find_one({"_id": broadcast_id, "store_id": store_id})
    return Broadcast.model_validate(document) if document else None


async def listed(db: Database, store_id: str, limit: int = 100) -> list[Broadcast]:
    """The store's broadcasts, newest first."""
    cursor = db[BROADCASTS].find({"store_id": store_id}, sort=[("created_at", DESCENDING)])
    return [Broadcast.model_validate(document) async for document in cursor.limit(limit)]


async def schedule(db: Database, broadcast: Broadcast, at: datetime) -> Broadcast:
    """Send it from `at` on (now or later)."""
    document = await db[BROADCASTS].find_one_and_update(
        {"_id": broadcast.id, "status": {"$in": [Status.DRAFT, Status.SCHEDULED]}},
        {"$set": {"status": Status.SCHEDULED.value, "scheduled_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    if document is None:
        raise NotSchedulable(f"broadcast {broadcast.id} is {broadcast.status}")
    return Broadcast.model_validate(document)


async def cancel(db: Database, broadcast: Broadcast) -> Broadcast:
    """Stop it: no pending recipient is sent from now on. A message the sweep claimed before
    (at most one, being handed to the channel) still completes."""
    document = await db[BROADCASTS].find_one_and_update(
        {"_id": broadcast.id, "status": {"$in": list(CANCELLABLE)}},
        {"$set": {"status": Status.CANCELLED.value, "finished_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if document is None:
        raise NotCancellable(f"broadcast {broadcast.id} is {broadcast.status}")
    await cancel_pending(db, broadcast.id)
    return Broadcast.model_validate(document)


async def cancel_pending(db: Database, broadcast_id: str) -> None:
    """Each pending recipient becomes cancelled; the sweep's claim of a recipient is conditional
    on it being pending, so one or the other wins, never both."""
    await db[BROADCAST_RECIPIENTS].update_many(
        {"broadcast_id": broadcast_id, "state": RecipientState.PENDING.value},
        {"$set": {"state": RecipientState.CANCELLED.value, "finished_at": utcnow()}},
    )


async def claim(db: Database, recipient_id: str) -> bool:
    """Take a pending recipient for sending; whether this caller won it. A conditional
    `update_one` by `_id`: a `find_one_and_update` would make the embedded server read every
    row (docs/benchmarks.md), and only one of two claims at once can modify the row."""
    claimed = await db[BROADCAST_RECIPIENTS].update_one(
        {"_id": recipient_id, "state": RecipientState.PENDING.value},
        {"$set": {"state": RecipientState.SENDING.value}},
    )
    return claimed.modified_count == 1


async def progress(db: Database, broadcast_id: str) -> Progress:
    counts: dict[str, Any] = {}
    async for row in await db[BROADCAST_RECIPIENTS].aggregate(
        [
            {"$match": {"broadcast_id": broadcast_id}},
            {"$group": {"_id": "$state", "n": {"$sum": 1}}},
        ]
    ):
        counts[row["_id"]] = row["n"]
    return Progress(recipients=sum(counts.values()), **counts)


async def load_limits(db: Database, store_id: str) -> Limits:
    document = await db[BROADCAST_SETTINGS].find_one({"_id": store_id}, {"_id": 0})
    return Limits.model_validate(document or {})


async def save_limits(db: Database, store_id: str, limits: Limits) -> None:
    await db[BROADCAST_SETTINGS].replace_one(
        {"_id": store_id}, limits.model_dump(mode="json"), upsert=True
    )


def due_filter(now: datetime) -> dict[str, Any]:
    """A broadcast whose sending may go on now: scheduled before now, not paused past now."""
    return {
        "status": {"$in": [status.value for status in RUNNABLE]},
        "scheduled_at": {"$lte": now},
        "$or": [{"resume_at": None}, {"resume_at": {"$lte": now}}],
    }
