"""Each test's own empty database, lent from a pool instead of made afresh.

A fresh database costs the embedded MongoDB about a second for its 39 collections and 85
indexes, and a drop half as much again: with one database per test that was several minutes of
the suite. A lent database keeps its collections and indexes; what a test wrote is deleted when
it is given back; a collection of no index plan, or one a test changed the options of (a
validator), is dropped, so the next test sees only the collections the services make. Indexes
themselves are the `ensure_indexes` of the next test's fixtures and services to put right (it
retunes a TTL a test changed).
"""

import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from pymongo import MongoClient

from services.console import collections as console
from services.ingest import outbox, receipts
from shared.collections import SHARED_INDEXES
from shared.mongo import Retention

# Every collection the services declare indexes for: what a test database holds.
EVERY_INDEX_PLAN = [*SHARED_INDEXES, receipts.indexes, outbox.indexes, console.indexes]
INDEXED = {name for plan in EVERY_INDEX_PLAN for name in plan(Retention(1))}

# Given-back databases wait this many tests before they are lent again, so that a straggler of a
# stopped service (a write in flight at its kill) lands before the next test starts, not in it.
RESTING = 3


class DatabasePool:
    def __init__(self, uri: str) -> None:
        self._client: MongoClient[dict[str, object]] = MongoClient(uri)
        self._idle: deque[str] = deque()
        self._lent: set[str] = set()

    @contextmanager
    def lend(self) -> Iterator[str]:
        """An empty database's name for the block; emptied when the block ends."""
        name = self._idle.popleft() if len(self._idle) > RESTING else _new_name()
        self._lent.add(name)
        try:
            yield name
        finally:
            self._lent.discard(name)
            self._empty(name)
            self._idle.append(name)

    def _empty(self, name: str) -> None:
        database = self._client[name]
        for collection in database.list_collections():
            if collection["name"].startswith("system."):
                continue
            if collection.get("options") or collection["name"] not in INDEXED:
                database.drop_collection(collection["name"])
            else:
                database[collection["name"]].delete_many({})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        for name in [*self._idle, *self._lent]:
            self._client.drop_database(name)
        self._client.close()


def _new_name() -> str:
    return f"balas_test_{uuid.uuid4().hex[:8]}"
