"""Every process counts the MongoDB commands it sends, by command and collection (the bench's
per-service budget); ingest's receipt check is one of them, for a new message and a duplicate."""

from datetime import timedelta

from prometheus_client import REGISTRY

from services.ingest.receipts import WEBHOOK_RECEIPTS, Claim, WebhookReceipts
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


async def test_a_receipt_check_is_one_command_new_or_duplicate(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    before, reads = _sent("findAndModify", WEBHOOK_RECEIPTS), _sent("find", WEBHOOK_RECEIPTS)
    assert await receipts.claim("SM-new") is Claim.NEW
    assert await receipts.claim("SM-new") is Claim.IN_PROGRESS
    await receipts.accept("SM-new")
    assert await receipts.claim("SM-new") is Claim.ACCEPTED
    assert _sent("findAndModify", WEBHOOK_RECEIPTS) == before + 3
    assert _sent("find", WEBHOOK_RECEIPTS) == reads


async def test_an_expired_claim_is_taken_over_once(db: Database) -> None:
    expired = WebhookReceipts(db, timedelta(seconds=-1))  # every claim is already expired
    assert await expired.claim("SM-died") is Claim.NEW
    assert await expired.claim("SM-died") is Claim.NEW  # the holder died: a retry publishes
    live = WebhookReceipts(db, timedelta(seconds=30))
    assert await live.claim("SM-died") is Claim.NEW
    assert await live.claim("SM-died") is Claim.IN_PROGRESS
