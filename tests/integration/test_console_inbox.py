"""The inbox's reads against MongoDB: filters, search, unread markers and store isolation; the
reply library's API."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.console.conversations import (
    InboxFilter,
    find_conversation,
    list_conversations,
    mark_read,
)
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.mongo import Database
from shared.stores.collections import STORES
from tests.support.console import ConsoleApi

NOW = datetime.now(UTC)


async def card(db: Database, store_id: str, number: str, minutes_ago: int, **fields: Any) -> str:
    conversation_id = f"{store_id}:{number}"
    at = NOW - timedelta(minutes=minutes_ago)
    document = {
        "_id": conversation_id,
        "store_id": store_id,
        "customer_number": number,
        "owner": "bot",
        "status": "open",
        "last_activity_at": at,
        "last_message": {"direction": "inbound", "text": "halo", "at": at},
        **fields,
    }
    await db[CONVERSATIONS].insert_one(document)
    return conversation_id


async def listed(db: Database, store_id: str, user: str = "u1", **wanted: Any) -> list[str]:
    rows = await list_conversations(db, store_id, user, InboxFilter(**wanted))
    return [row.id for row in rows]


async def test_filters_by_state_labels_and_assignee(db: Database, store_id: str) -> None:
    bot = await card(db, store_id, "+628111", 1, latest_intent="shipping")
    human = await card(
        db,
        store_id,
        "+628222",
        2,
        owner="human",
        assignee_id="u1",
        latest_sentiment={"label": "negative", "score": 0.9},
    )
    closed = await card(db, store_id, "+628333", 3, status="closed", owner="human")
    await card(db, "another-store", "+628444", 0)

    assert await listed(db, store_id) == [bot, human, closed]  # newest first, own store only
    assert await listed(db, store_id, state="bot") == [bot]
    assert await listed(db, store_id, state="human") == [human]
    assert await listed(db, store_id, state="closed") == [closed]
    assert await listed(db, store_id, intent="shipping") == [bot]
    assert await listed(db, store_id, sentiment="negative") == [human]
    assert await listed(db, store_id, view="mine") == [human]
    assert await listed(db, store_id, user="u2", view="mine") == []


async def test_search_names_numbers_and_message_text(db: Database, store_id: str) -> None:
    budi = await card(db, store_id, "+6281234567890", 1, profile_name="Budi Santoso")
    sari = await card(db, store_id, "+6289876543210", 2, customer={"name": "Sari (toko)"})
    other = await card(db, store_id, "+6285550000000", 3)
    await db[MESSAGES].insert_one(
        {
            "_id": "SM1",
            "store_id": store_id,
            "conversation_id": other,
            "direction": "inbound",
            "text": "Apakah kemeja batik ukuran XL ready?",
            "created_at": NOW - timedelta(minutes=3),
        }
    )

    assert await listed(db, store_id, q="budi") == [budi]
    assert await listed(db, store_id, q="sari (toko") == [sari]  # regex characters are literal
    assert await listed(db, store_id, q="0812 3456") == []  # digits are matched as written
    assert await listed(db, store_id, q="98765") == [sari]
    assert await listed(db, store_id, q="BATIK ukuran") == [other]
    assert await listed(db, store_id, q="tidak ada") == []


async def test_unread_until_the_user_reads_the_newest_message(db: Database, store_id: str) -> None:
    waiting = await card(db, store_id, "+628111", 5)
    answered = await card(
        db,
        store_id,
        "+628222",
        6,
        last_message={"direction": "outbound", "text": "siap", "at": NOW - timedelta(minutes=6)},
    )

    assert await listed(db, store_id, unread=True) == [waiting]
    await mark_read(db, "u1", waiting, NOW - timedelta(minutes=5))
    assert await listed(db, store_id, unread=True) == []
    assert await listed(db, store_id, user="u2", unread=True) == [waiting]  # per user
    await mark_read(db, "u1", waiting, NOW - timedelta(hours=1))  # never moves back
    assert await listed(db, store_id, unread=True) == []
    assert answered in await listed(db, store_id)


async def test_a_conversation_opens_only_in_its_own_store(db: Database, store_id: str) -> None:
    conversation_id = await card(db, store_id, "+628111", 1)
    assert await find_conversation(db, store_id, conversation_id) is not None
    assert await find_conversation(db, "another-store", conversation_id) is None


async def test_reply_library_api(console_api: ConsoleApi, db: Database, store_id: str) -> None:
    await db[STORES].insert_one({"_id": store_id, "name": "Toko", "whatsapp_number": "+1415"})
    library = {
        "canned": [{"title": "Salam", "text": "Halo kak, ada yang bisa dibantu?"}],
        "templates": [
            {"name": "Follow-up", "content_sid": "HX" + "a" * 32, "body": "Halo {{1}}, {{2}}"}
        ],
    }
    async with console_api.client() as client:
        assert (await client.get(f"/api/stores/{store_id}/reply-library")).json() == {
            "canned": [],
            "templates": [],
        }
        saved = await client.put(f"/api/stores/{store_id}/reply-library", json=library)
        assert saved.status_code == 200
        assert (await client.get(f"/api/stores/{store_id}/reply-library")).json() == library
        bad = {"templates": [{"name": "x", "content_sid": "nope", "body": "b"}]}
        refused = await client.put(f"/api/stores/{store_id}/reply-library", json=bad)
        assert refused.status_code == 422
        assert (await client.get("/api/stores/no-such-store/reply-library")).status_code == 404
