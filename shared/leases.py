"""Leases in MongoDB: at most one holder of a named job at a time, across processes and hosts.

A lease is one document (`_id` = its name) with a holder and an expiry. Taking it is one
conditional upsert (free, expired, or already ours), so two contenders never both win; a holder
that dies loses it when it expires. A long job renews it as it goes and stops if it was lost.
"""

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from shared.events import utcnow
from shared.mongo import Database

LEASES = "leases"  # one holder per named job across processes


class LeaseHeld(Exception):
    """Someone else holds the lease."""

    def __init__(self, name: str, holder: str, expires_at: datetime | None) -> None:
        until = f" until {expires_at:%Y-%m-%d %H:%M:%S} UTC" if expires_at else ""
        super().__init__(f"{name} is held by {holder}{until}")
        self.holder, self.expires_at = holder, expires_at


class LeaseLost(Exception):
    """The lease expired and someone else took it: the job must stop."""


def new_holder() -> str:
    """This process, told apart from others on the same host and from its own earlier runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease:
    def __init__(self, db: Database, name: str, holder: str, ttl: timedelta) -> None:
        self._collection = db[LEASES]
        self.name, self.holder, self.ttl = name, holder, ttl

    async def take(self) -> bool:
        now = utcnow()
        free = {"$or": [{"expires_at": {"$lte": now}}, {"holder": self.holder}]}
        try:
            await self._collection.update_one(
                {"_id": self.name, **free},
                {"$set": {"holder": self.holder, "expires_at": now + self.ttl, "taken_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:  # the document exists and is someone else's, not expired
            return False
        return True

    async def renew(self) -> None:
        result = await self._collection.update_one(
            {"_id": self.name, "holder": self.holder},
            {"$set": {"expires_at": utcnow() + self.ttl}},
        )
        if result.matched_count != 1:
            raise LeaseLost(f"{self.name} was taken over by another holder")

    async def release(self) -> None:
        await self._collection.delete_one({"_id": self.name, "holder": self.holder})


@asynccontextmanager
async def holding(db: Database, name: str, holder: str, ttl: timedelta) -> AsyncIterator[Lease]:
    """Hold the lease for the block; LeaseHeld if another holder has it."""
    lease = Lease(db, name, holder, ttl)
    if not await lease.take():
        current = await db[LEASES].find_one({"_id": name}) or {}
        raise LeaseHeld(name, current.get("holder", "another process"), current.get("expires_at"))
    try:
        yield lease
    finally:
        await lease.release()
