"""Counting the MongoDB commands a piece of code sends: a client on the test's database whose
command listener records every command (the per-message budgets of issue 16)."""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo import AsyncMongoClient, monitoring

from shared.mongo import Database, Document, command_and_collection
from shared.settings import Settings


class Recorder(monitoring.CommandListener):
    """Every command the client sends, as (command, collection)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.sent.append(command_and_collection(event))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def counted(self) -> Counter[tuple[str, str]]:
        return Counter(self.sent)


@asynccontextmanager
async def recorded(db: Database, settings: Settings) -> AsyncIterator[tuple[Database, Recorder]]:
    """`db` through a client of its own whose commands are recorded."""
    recorder = Recorder()
    assert settings.mongodb.uri
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb.uri, tz_aware=True, event_listeners=[recorder]
    )
    try:
        yield client[db.name], recorder
    finally:
        await client.close()
