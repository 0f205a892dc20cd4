"""A webhook is answered once its event is delivered; its receipt's accept is written in the
background. A copy that arrives while that write is under way is still a duplicate, and a
stopping ingest waits for the writes under way."""

import uuid
from datetime import timedelta

from services.ingest.receipts import ACCEPTED, WEBHOOK_RECEIPTS, Claim, WebhookReceipts
from shared.mongo import Database


def message_sid() -> str:
    return "SM" + uuid.uuid4().hex


async def state_of(db: Database, sid: str) -> str | None:
    receipt = await db[WEBHOOK_RECEIPTS].find_one({"_id": sid})
    return None if receipt is None else receipt["state"]


async def test_a_copy_arriving_while_the_accept_is_written_is_a_duplicate(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    sid = message_sid()
    assert await receipts.claim(sid) is Claim.NEW

    receipts.accept_soon(sid)  # the webhook is answered here
    again = await receipts.claim(sid)

    assert again is Claim.ACCEPTED
    assert await state_of(db, sid) == ACCEPTED  # answered after the accept landed


async def test_settle_waits_for_the_accepts_being_written(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    sids = [message_sid() for _ in range(5)]
    for sid in sids:
        assert await receipts.claim(sid) is Claim.NEW
        receipts.accept_soon(sid)

    await receipts.settle()

    assert [await state_of(db, sid) for sid in sids] == [ACCEPTED] * 5
