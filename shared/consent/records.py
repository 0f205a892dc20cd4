"""Consent records: who agreed to be written to, for what, where, when and in which words.

Every grant and withdrawal is a document of its own (`ConsentRecord`), kept as it was made; a
purpose's current state is its newest record. Senders ask `may_contact` before writing first to
a customer: no record, or a newest record that withdraws, means no.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.consent.collections import CONSENT_EVENTS
from shared.events import event_id_for
from shared.identity import conversation_id
from shared.mongo import Database

WORDING_MAX_CHARS = 2000


class Purpose(StrEnum):
    ORDER_UPDATES = "order_updates"
    PROMOTIONS = "promotions"


class State(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class Source(StrEnum):
    CHECKOUT = "checkout"  # the WordPress plugin's checkbox
    CHAT = "chat"  # the customer's own message ("STOP", "MULAI")
    CONSOLE = "console"  # an owner or agent, on the customer's word
    CLI = "cli"


Wording = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=WORDING_MAX_CHARS)
]


class ConsentRecord(BaseModel):
    """One grant or withdrawal. `key` names the act that made it (the customer's message, the
    checkout, the console action), so recording the same act for the same customer again
    changes nothing."""

    store_id: str
    phone: str  # E.164, as in conversation ids
    purpose: Purpose
    state: State
    source: Source
    at: datetime
    wording: Wording  # the text the customer agreed to, or their withdrawal message
    key: str

    @property
    def conversation_id(self) -> str:
        return conversation_id(self.store_id, self.phone)

    @property
    def id(self) -> str:
        return event_id_for("consent", self.conversation_id, self.key, self.purpose.value)


async def record(db: Database, consent: ConsentRecord) -> bool:
    """Append `consent` to the history; False if this act was recorded before."""
    document = {
        "_id": consent.id,
        "conversation_id": consent.conversation_id,  # how erasure finds the customer
        **consent.model_dump(mode="python"),
    }
    try:
        await db[CONSENT_EVENTS].insert_one(document)
    except DuplicateKeyError:
        return False
    return True


async def history(db: Database, store_id: str, phone: str) -> list[ConsentRecord]:
    """Every record of the customer in the store, newest first."""
    cursor = db[CONSENT_EVENTS].find(
        {"conversation_id": conversation_id(store_id, phone)}, sort=[("at", DESCENDING)]
    )
    return [ConsentRecord.model_validate(document) async for document in cursor]


def current(records: list[ConsentRecord]) -> dict[Purpose, ConsentRecord]:
    """Each purpose's newest record (`records` newest first, as `history` gives them)."""
    newest: dict[Purpose, ConsentRecord] = {}
    for consent in records:
        newest.setdefault(consent.purpose, consent)
    return newest


async def may_contact(db: Database, store_id: str, phone: str, purpose: Purpose) -> bool:
    """Whether the customer (E.164 `phone`) has agreed to be written to first for `purpose`
    and not withdrawn since. Every notification and broadcast asks this before sending."""
    newest = await db[CONSENT_EVENTS].find_one(
        {"conversation_id": conversation_id(store_id, phone), "purpose": purpose.value},
        {"state": 1},
        sort=[("at", DESCENDING)],
    )
    return newest is not None and newest["state"] == State.GRANTED


class Change(BaseModel):
    """A change asked for one customer: the purposes, the new state and its proof."""

    purposes: list[Purpose] = Field(min_length=1)
    state: State
    source: Source
    wording: Wording


async def apply(
    db: Database, store_id: str, phone: str, change: Change, key: str, at: datetime
) -> list[ConsentRecord]:
    """Record `change` for each of its purposes; the records made now (none if done before)."""
    made = []
    for purpose in change.purposes:
        consent = ConsentRecord(
            store_id=store_id,
            phone=phone,
            purpose=purpose,
            state=change.state,
            source=change.source,
            at=at,
            wording=change.wording,
            key=key,
        )
        if await record(db, consent):
            made.append(consent)
    return made


async def contactable(
    db: Database, store_id: str, phones: Iterable[str], purpose: Purpose
) -> set[str]:
    """Of `phones` (E.164), those `may_contact` would allow, asked in one query."""
    ids = {conversation_id(store_id, phone): phone for phone in phones}
    newest: dict[str, str] = {}
    cursor = db[CONSENT_EVENTS].find(
        {"conversation_id": {"$in": list(ids)}, "purpose": purpose.value},
        {"conversation_id": 1, "state": 1},
        sort=[("at", DESCENDING)],
    )
    async for document in cursor:
        newest.setdefault(document["conversation_id"], document["state"])
    return {ids[key] for key, state in newest.items() if state == State.GRANTED}
