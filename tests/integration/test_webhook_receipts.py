"""A webhook is answered once its event is delivered; its receipt's accept is written in the
background. A copy that arrives while that write is under way is still a duplicate, and a
stopping ingest waits for the writes under way. Accepts are kept as lists of ids; receipts
accepted in place, as before, still count."""

import uuid
from datetime import timedelta

from services.ingest.receipts import (
    ACCEPTED,
    CLAIMED,
    WEBHOOK_RECEIPTS,
    Claim,
    WebhookReceipts,
    is_accepted,
)
from shared.events import utcnow
from shared.mongo import Database


def message_sid() -> str:
    return "SM" + uuid.uuid4().hex


async def test_a_copy_arriving_while_the_accept_is_written_is_a_duplicate(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    sid = message_sid()
    assert await receipts.claim(sid) is Claim.NEW

    receipts.accept_soon(sid)  # the webhook is answered here
    again = await receipts.claim(sid)

    assert again is Claim.ACCEPTED
    assert await is_accepted(db, sid)  # answered after the accept landed


async def test_settle_waits_for_the_accepts_being_written(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    sids = [message_sid() for _ in range(5)]
    for sid in sids:
        assert await receipts.claim(sid) is Claim.NEW
        receipts.accept_soon(sid)

    await receipts.settle()

    assert [await is_accepted(db, sid) for sid in sids] == [True] * 5


async def test_an_expired_claim_is_taken_over_unless_it_was_accepted(db: Database) -> None:
    receipts = WebhookReceipts(db, timedelta(seconds=30))
    accepted, abandoned = message_sid(), message_sid()
    for sid in (accepted, abandoned):
        assert await receipts.claim(sid) is Claim.NEW
    receipts.accept_soon(accepted)
    await receipts.settle()
    expired = {"$set": {"claimed_until": utcnow() - timedelta(seconds=1)}}
    await db[WEBHOOK_RECEIPTS].update_many({"_id": {"$in": [accepted, abandoned]}}, expired)
    later = WebhookReceipts(db, timedelta(seconds=30))  # another replica: nothing in memory

    assert await later.claim(accepted) is Claim.ACCEPTED
    assert await later.claim(abandoned) is Claim.NEW
    assert not await is_accepted(db, abandoned)


async def test_receipts_accepted_in_place_or_without_a_state_are_duplicates(db: Database) -> None:
    in_place, stateless, held = message_sid(), message_sid(), message_sid()
    now = utcnow()
    await db[WEBHOOK_RECEIPTS].insert_many(
        [
            {"_id": in_place, "state": ACCEPTED, "received_at": now},
            {"_id": stateless, "received_at": now},
            {"_id": held, "state": CLAIMED, "claimed_until": now + timedelta(minutes=1)},
        ]
    )
    receipts = WebhookReceipts(db, timedelta(seconds=30))

    assert await receipts.claim(in_place) is Claim.ACCEPTED
    assert await receipts.claim(stateless) is Claim.ACCEPTED
    assert await receipts.claim(held) is Claim.IN_PROGRESS
