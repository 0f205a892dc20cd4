"""Dead letters: list and show what consumers gave up on, and re-drive it to its topic.

Re-driving publishes the original payload to the original topic with the original key. Every
consumer group sees it again, which is safe because handlers deduplicate by `event_id`. Each
letter is re-driven once; the fact is kept in MongoDB.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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


def dead_letter_topics(topic: str | None) -> list[str]:
    return [topics.dead_letter(name) for name in ([topic] if topic else topics.ALL)]


async def list_letters(settings: Settings, db: Database, topic: str | None) -> list[StoredLetter]:
    bootstrap = kafka.bootstrap_servers(settings)
    found: list[tuple[str, DeadLetter]] = []
    for dlq in dead_letter_topics(topic):
        for record in await kafka.read_topic(bootstrap, dlq):
            letter_id = f"{dlq}:{record.partition}:{record.offset}"
            found.append((letter_id, DeadLetter.model_validate_json(record.value)))
    redriven = {
        document["_id"]: document["redriven_at"]
        async for document in db[DEAD_LETTER_REDRIVES].find(
            {"_id": {"$in": [letter_id for letter_id, _ in found]}}
        )
    }
    return [StoredLetter(id_, letter, redriven.get(id_)) for id_, letter in found]


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
