"""The inbox's reads against MongoDB: filters, search, unread markers and store isolation; the
reply library's API."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.console.conversations import (
    InboxFilter,
    find_conversation,
    inbox_counts,
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


async def agent_reply(db: Database, conversation_id: str, minutes_ago: int, state: str) -> None:
    await db[MESSAGES].insert_one(
        {
            "_id": f"agent:{conversation_id}:{minutes_ago}",
            "conversation_id": conversation_id,
            "direction": "outbound",
            "author": "agent",
            "state": state,
            "created_at": NOW - timedelta(minutes=minutes_ago),
        }
    )


def handed_over(minutes_ago: int, **fields: Any) -> dict[str, Any]:
    """A card the bot handed over `minutes_ago`, its hand-over reply the last message."""
    at = NOW - timedelta(minutes=minutes_ago)
    return {
        "owner": "human",
        "hand_over_reason": "customer_request",
        "handed_over_at": at,
        "last_message": {"direction": "outbound", "text": "Sebentar ya", "at": at},
        **fields,
    }


async def test_needs_a_person_lists_unassigned_hand_overs_first_then_the_longest_waiting(
    db: Database, store_id: str
) -> None:
    assigned_old = await card(db, store_id, "+628101", 50, **handed_over(50, assignee_id="u2"))
    unassigned_new = await card(db, store_id, "+628102", 5, **handed_over(5))
    unassigned_old = await card(db, store_id, "+628103", 30, **handed_over(30))
    taken_mid = await card(db, store_id, "+628104", 20, **handed_over(20, taken_over_by="u3"))
    answered = await card(db, store_id, "+628105", 40, **handed_over(40))
    await agent_reply(db, answered, 35, "sent")
    failed_reply = await card(db, store_id, "+628106", 45, **handed_over(45))
    await agent_reply(db, failed_reply, 44, "not_sent")  # the customer still waits
    await card(db, store_id, "+628107", 1)  # the bot's
    await card(db, store_id, "+628108", 60, **handed_over(60, status="closed"))

    assert await listed(db, store_id, view="queue") == [
        failed_reply,
        unassigned_old,
        unassigned_new,
        assigned_old,
        taken_mid,
    ]
    rows = await list_conversations(db, store_id, "u1", InboxFilter(view="queue"))
    assert rows[0].waiting_since is not None
    assert abs((rows[0].waiting_since - (NOW - timedelta(minutes=45))).total_seconds()) < 1
    counts = await inbox_counts(db, store_id, "u2")
    assert counts.queue == 5
    assert counts.mine == 1
    every = await list_conversations(db, store_id, "u1", InboxFilter())
    waits = {row.id for row in every if row.waiting_since is not None}
    assert waits == {failed_reply, unassigned_old, unassigned_new, assigned_old, taken_mid}


async def test_a_hand_over_is_unread_though_the_bot_wrote_last_until_the_agent_opens_it(
    db: Database, store_id: str
) -> None:
    conversation = await card(db, store_id, "+628201", 3, **handed_over(3))
    taken_by_agent = await card(db, store_id, "+628202", 3, **handed_over(3, hand_over_reason=None))
    await mark_read(db, "u1", taken_by_agent, NOW - timedelta(minutes=10))
    assert await listed(db, store_id, unread=True) == [conversation]
    assert (await inbox_counts(db, store_id, "u1")).unread == 1

    await mark_read(db, "u1", conversation, NOW - timedelta(minutes=3))  # opened: its last message
    assert await listed(db, store_id, unread=True) == []
    assert await listed(db, store_id, user="u2", unread=True) == [conversation]  # others' own
