"""Dead letters: list and show what consumers gave up on, and re-drive it to its topic.

Re-driving publishes the original payload to the original topic with the original key. Every
consumer group sees it again, which is safe because handlers deduplicate by `event_id`. Each
letter is re-driven once; the fact is kept in MongoDB.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from shared import kafka, topics
from shared.events import DeadLetter, utcnow
from shared.mongo import Database
from shared.settings import Settings

DEAD_LETTER_REDRIVES = "dead_letter_redrives"  # which dead letters were re-driven, by id


@dataclass(frozen=True)
class StoredLetter:
    id: str  # "<dead-letter topic>:<partition>:<offset>", stable for the letter's lifetime
    letter: DeadLetter
    redriven_at: datetime | None


HEAD_BYTES = 32  # of a record that is no dead letter: enough to recognise what wrote it


@dataclass(frozen=True)
class Undecodable:
    """A record of a dead-letter topic that is no dead letter (written by another program or
    by hand): shown so an operator can look into it, never re-driven."""

    id: str  # as a letter's
    partition: int
    offset: int
    size: int  # bytes of its value
    head: bytes  # its first HEAD_BYTES


@dataclass(frozen=True)
class DeadLetters:
    letters: list[StoredLetter]
    undecodable: list[Undecodable]


def dead_letter_topics(topic: str | None) -> list[str]:
    return [topics.dead_letter(name) for name in ([topic] if topic else topics.ALL)]


async def list_letters(settings: Settings, db: Database, topic: str | None) -> DeadLetters:
    """The letters of `topic`'s dead-letter topic (of every topic's when None), and its records
    that are no dead letters: one such record must not hide the others."""
    bootstrap = kafka.bootstrap_servers(settings)
    found: list[tuple[str, DeadLetter]] = []
    undecodable: list[Undecodable] = []
    for dlq in dead_letter_topics(topic):
        for record in await kafka.read_topic(bootstrap, dlq):
            letter_id = f"{dlq}:{record.partition}:{record.offset}"
            value = record.value or b""
            try:
                found.append((letter_id, DeadLetter.model_validate_json(value)))
            except ValidationError:
                undecodable.append(
                    Undecodable(
                        letter_id, record.partition, record.offset, len(value), value[:HEAD_BYTES]
                    )
                )
    redriven = {
        document["_id"]: document["redriven_at"]
        async for document in db[DEAD_LETTER_REDRIVES].find(
            {"_id": {"$in": [letter_id for letter_id, _ in found]}}
        )
    }
    letters = [StoredLetter(id_, letter, redriven.get(id_)) for id_, letter in found]
    return DeadLetters(letters, undecodable)


async def redrive(
    settings: Settings,
    db: Database,
    letters: list[StoredLetter],
    progress: Callable[[], None] = lambda: None,
) -> int:
    """Publish each letter not re-driven yet back to its topic; returns how many were sent."""
    broker = kafka.make_broker(settings, "balas-dlq")
    await broker.start()
    sent = 0
    try:
        for stored in letters:
            if stored.redriven_at is None:
                letter = stored.letter
                await broker.publish(
                    letter.payload.encode(),
                    topic=letter.topic,
                    key=letter.key.encode() if letter.key else None,
                    headers={"redriven-from": stored.id},
                )
                with contextlib.suppress(DuplicateKeyError):
                    await db[DEAD_LETTER_REDRIVES].insert_one(
                        {"_id": stored.id, "redriven_at": utcnow()}
                    )
                sent += 1
            progress()
    finally:
        await broker.stop()
    return sent
