"""The proposals waiting for a confirmation and the ledger of confirmed actions, in MongoDB.

A proposal is one per conversation (a new one replaces the last); the customer's answer is
written on it with the message that gave it, so a redelivered answer is read back the same.
A ledger entry is claimed (inserted, unique `_id`) before WooCommerce is called, marked when the
change is applied and when the order note is written, and finished with its outcome: however
often a confirmation is delivered, one entry, one effect.
"""

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.actions.intents import ActionKind, Answer
from shared.events import utcnow
from shared.mongo import Database
from shared.stores.bot_settings import Language


class Stage(StrEnum):
    ORDER = "order"  # waiting for the order number
    ADDRESS = "address"  # waiting for the new address
    CONFIRM = "confirm"  # waiting for yes


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"  # not allowed (any more): nothing was done
    FAILED = "failed"  # WooCommerce refused or could not be reached: nothing was done
    UNKNOWN = "unknown"  # the write may have happened: a person checks


class Proposal(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    conversation_id: str = Field(alias="_id")
    store_id: str
    kind: ActionKind
    stage: Stage
    language: Language
    order_id: int | None = None
    order_number: str | None = None
    summary: str = ""  # " (Rp 265.000)": which order it is, in the confirmation question
    address: str | None = None
    postcode: str | None = None
    asked_by: str  # the message the current stage was asked after
    created_at: datetime
    expires_at: datetime
    answer: Answer | None = None
    answered_by: str | None = None  # the message that answered it


class Entry(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    store_id: str
    conversation_id: str
    order_id: int
    order_number: str
    kind: ActionKind
    requested_by: str  # the customer's number, partly hidden
    confirmed_by: str  # the message that confirmed it
    address: str | None = None
    postcode: str | None = None
    attempts: int = 1
    applied: bool = False
    noted: bool = False
    outcome: Outcome | None = None
    reason: str | None = None
    payment_url: str | None = None
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def reference(self) -> str:
        """A short reference the order note carries, to find it again after a crash."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:12]


def entry_id(store_id: str, conversation_id: str, order_id: int, kind: str, proposal: str) -> str:
    return f"{store_id}|{conversation_id}|{order_id}|{kind}|{proposal}"


class Proposals:
    def __init__(self, db: Database) -> None:
        self._proposals = db[ACTION_PROPOSALS]

    async def current(self, conversation_id: str) -> Proposal | None:
        document = await self._proposals.find_one({"_id": conversation_id})
        return Proposal.model_validate(document) if document else None

    async def put(self, proposal: Proposal) -> None:
        document = proposal.model_dump(by_alias=True, mode="python")
        await self._proposals.replace_one({"_id": proposal.conversation_id}, document, upsert=True)

    async def answer(self, proposal: Proposal, answer: Answer, message_sid: str) -> Proposal:
        """Write the customer's answer once; a redelivered message reads the same one back."""
        document = await self._proposals.find_one_and_update(
            {"_id": proposal.conversation_id, "asked_by": proposal.asked_by, "answer": None},
            {"$set": {"answer": answer.value, "answered_by": message_sid}},
            return_document=ReturnDocument.AFTER,
        )
        return Proposal.model_validate(document) if document else proposal


class Ledger:
    def __init__(self, db: Database) -> None:
        self._entries = db[ORDER_ACTIONS]

    async def claim(self, entry: Entry) -> Entry:
        """The entry, claimed now; or the one claimed before, its attempts counted."""
        try:
            await self._entries.insert_one(entry.model_dump(by_alias=True, mode="python"))
            return entry
        except DuplicateKeyError:
            document = await self._entries.find_one_and_update(
                {"_id": entry.id, "outcome": None},
                {"$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER,
            )
            return Entry.model_validate(document or await self._entries.find_one({"_id": entry.id}))

    async def mark(self, entry: Entry, **fields: Any) -> Entry:
        document = await self._entries.find_one_and_update(
            {"_id": entry.id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        return Entry.model_validate(document)

    async def finish(self, entry: Entry, outcome: Outcome, reason: str | None = None) -> Entry:
        return await self.mark(entry, outcome=outcome.value, reason=reason, finished_at=utcnow())

    async def of_store(self, store_id: str, limit: int = 100) -> list[Entry]:
        """The store's latest actions, newest first (the audit)."""
        cursor = self._entries.find({"store_id": store_id}).sort("created_at", -1).limit(limit)
        return [Entry.model_validate(document) async for document in cursor]
