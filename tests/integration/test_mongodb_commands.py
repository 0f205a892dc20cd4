"""Every process counts the MongoDB commands it sends, by command and collection (the bench's
per-service budget)."""

from prometheus_client import REGISTRY

from shared.mongo import Database

COUNTER = "balas_mongodb_commands_total"


def _sent(command: str, collection: str) -> float:
    labels = {"command": command, "collection": collection}
    return REGISTRY.get_sample_value(COUNTER, labels) or 0.0


async def test_commands_are_counted_by_command_and_collection(db: Database) -> None:
    inserted, found = _sent("insert", "probe"), _sent("find", "probe")
    more = _sent("getMore", "probe")
    await db["probe"].insert_many([{"n": n} for n in range(5)])
    assert await db["probe"].find().batch_size(2).to_list() != []
    assert _sent("insert", "probe") == inserted + 1
    assert _sent("find", "probe") == found + 1
    assert _sent("getMore", "probe") >= more + 2  # 5 documents in batches of 2
