"""The channel of a conversation in the inbox: the enricher stores it on the card, the channel
filter finds new cards by the field and older ones by their id, and composes with the views,
the state filter and search."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.console.conversations import InboxFilter, list_conversations
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_message_received, on_reply_sent
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS
from shared.identity import conversation_id
from shared.mongo import Database
from tests.support.events import MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC)


async def card(
    db: Database,
    store_id: str,
    number: str,
    channel: Channel,
    minutes_ago: int,
    *,
    older: bool = False,
    **fields: Any,
) -> str:
    """A card as the enricher writes it; `older`: one from before cards named their channel."""
    at = NOW - timedelta(minutes=minutes_ago)
    cid = conversation_id(store_id, number, channel)
    document = {
        "_id": cid,
        "store_id": store_id,
        "customer_number": number,
        "owner": "bot",
        "status": "open",
        **({} if older else {"channel": channel.value}),
        "last_activity_at": at,
        "last_message": {"direction": "inbound", "text": "halo", "at": at},
        **fields,
    }
    await db[CONVERSATIONS].insert_one(document)
    return cid


async def listed(db: Database, store_id: str, **wanted: Any) -> list[str]:
    rows = await list_conversations(db, store_id, "u1", InboxFilter(**wanted))
    return [row.id for row in rows]


async def test_the_enricher_stores_the_channel_of_each_conversation_on_its_card(
    db: Database, store_id: str, make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    number = "+6281100000077"
    twilio = make_received(number, "Halo kak")
    cloud = make_received(number, "Halo dari Cloud API", channel=Channel.WHATSAPP_CLOUD)
    cloud_id = conversation_id(store_id, number, Channel.WHATSAPP_CLOUD)
    for event in (twilio, cloud):
        await on_message_received(event, db, OfflineClassifier())
    # a reply read before its message still names the channel
    first = make_received("+6281100000078", channel=Channel.WHATSAPP_CLOUD)
    await on_reply_sent(make_reply_sent(first), db)
    other = first.conversation_id

    cards = {c["_id"]: c async for c in db[CONVERSATIONS].find({"store_id": store_id})}
    assert cards[twilio.conversation_id]["channel"] == "whatsapp"
    assert cards[cloud_id]["channel"] == "whatsapp_cloud"
    assert cards[other]["channel"] == "whatsapp_cloud"
    rows = await list_conversations(db, store_id, "u1", InboxFilter())
    assert {row.id: row.channel for row in rows} == {
        twilio.conversation_id: Channel.WHATSAPP,
        cloud_id: Channel.WHATSAPP_CLOUD,
        other: Channel.WHATSAPP_CLOUD,
    }


async def test_the_channel_filter_finds_new_and_older_cards(db: Database, store_id: str) -> None:
    twilio = await card(db, store_id, "+628111", Channel.WHATSAPP, 1)
    cloud = await card(db, store_id, "+628222", Channel.WHATSAPP_CLOUD, 2)
    old_twilio = await card(db, store_id, "+628333", Channel.WHATSAPP, 3, older=True)
    old_cloud = await card(db, store_id, "+628444", Channel.WHATSAPP_CLOUD, 4, older=True)
    await card(db, "another-store", "+628555", Channel.WHATSAPP_CLOUD, 0)

    assert await listed(db, store_id) == [twilio, cloud, old_twilio, old_cloud]
    assert await listed(db, store_id, channel="whatsapp") == [twilio, old_twilio]
    assert await listed(db, store_id, channel="whatsapp_cloud") == [cloud, old_cloud]
    assert await listed(db, store_id, channel="") == [twilio, cloud, old_twilio, old_cloud]
    rows = await list_conversations(db, store_id, "u1", InboxFilter())
    assert [row.channel for row in rows] == [
        Channel.WHATSAPP,
        Channel.WHATSAPP_CLOUD,
        Channel.WHATSAPP,
        Channel.WHATSAPP_CLOUD,
    ]


async def test_the_channel_filter_composes_with_views_states_and_search(
    db: Database, store_id: str
) -> None:
    mine_cloud = await card(
        db, store_id, "+628111", Channel.WHATSAPP_CLOUD, 1, owner="human", assignee_id="u1"
    )
    mine_twilio = await card(
        db, store_id, "+628222", Channel.WHATSAPP, 2, owner="human", assignee_id="u1"
    )
    budi_cloud = await card(db, store_id, "+628333", Channel.WHATSAPP_CLOUD, 3, profile_name="Budi")
    budi_twilio = await card(db, store_id, "+628444", Channel.WHATSAPP, 4, profile_name="Budi")
    handed = NOW - timedelta(minutes=30)
    queued = await card(
        db, store_id, "+628555", Channel.WHATSAPP_CLOUD, 5, owner="human", handed_over_at=handed
    )

    assert await listed(db, store_id, view="mine", channel="whatsapp_cloud") == [mine_cloud]
    assert await listed(db, store_id, view="mine", channel="whatsapp") == [mine_twilio]
    assert await listed(db, store_id, q="budi", channel="whatsapp_cloud") == [budi_cloud]
    assert await listed(db, store_id, q="budi", channel="whatsapp") == [budi_twilio]
    assert await listed(db, store_id, state="bot", channel="whatsapp") == [budi_twilio]
    assert await listed(db, store_id, view="queue", channel="whatsapp_cloud") == [queued]
    assert await listed(db, store_id, view="queue", channel="whatsapp") == []


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        InboxFilter(channel="telegram")
