"""The KPIs by channel, live: the aggregator's Prometheus counters carry the channel, and the
dashboard adds its by-channel chart once a store has more than one channel in the range. (The
buckets' split, and its rebuild, are in test_kpi_aggregator.py and test_kpi_rebuild.py.)"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.kpi_aggregator.handlers import on_events
from shared.channels import Channel
from shared.events import Author, ConversationOutcome, HandOverReason
from shared.mongo import Database
from tests.support.events import MakeReceived, MakeReplySent, closed

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
CLOUD = Channel.WHATSAPP_CLOUD


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_message_counters_are_labelled_with_the_channel_and_count_once(
    db: Database, store_id: str, make_received: MakeReceived, make_reply_sent: MakeReplySent
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=10)
    twilio = make_received("+6281100000001", at=at)
    cloud = make_received("+6281100000002", at=at, channel=CLOUD)
    handed = make_reply_sent(cloud, response_seconds=2, hand_over=HandOverReason.TOOL_FAILURE)
    agent = make_reply_sent(cloud, response_seconds=30, author=Author.AGENT, event_id="agent-1")
    close = closed(cloud, at + timedelta(minutes=5), ConversationOutcome.RESOLVED_BY_HUMAN)
    store = {"store": store_id}
    before = {
        "in_twilio": sample("balas_kpi_inbound_messages_total", **store, channel="whatsapp"),
        "in_cloud": sample("balas_kpi_inbound_messages_total", **store, channel="whatsapp_cloud"),
    }

    await on_events([twilio, cloud, handed, agent, close], db)
    await on_events([cloud, agent], db)  # redelivered: counted once

    inbound = "balas_kpi_inbound_messages_total"
    assert sample(inbound, **store, channel="whatsapp") == before["in_twilio"] + 1
    assert sample(inbound, **store, channel="whatsapp_cloud") == before["in_cloud"] + 1
    outbound = "balas_kpi_outbound_messages_total"
    assert sample(outbound, **store, author="bot", channel="whatsapp_cloud") == 1
    assert sample(outbound, **store, author="agent", channel="whatsapp_cloud") == 1
    assert sample(outbound, **store, author="bot", channel="whatsapp") == 0
    hand_overs = "balas_kpi_hand_overs_total"
    assert sample(hand_overs, **store, reason="tool_failure", channel="whatsapp_cloud") == 1
    closes = "balas_kpi_conversations_closed_total"
    assert sample(closes, **store, outcome="resolved_by_human", channel="whatsapp_cloud") == 1


async def test_the_dashboard_shows_the_split_when_the_store_has_two_channels(
    db: Database,
    sign_in: SignIn,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
) -> None:
    client, store_id, _ = await sign_in()
    now = datetime.now(UTC) - timedelta(minutes=1)
    twilio = make_received("+6281100000001", at=now, store_id=store_id)
    await on_events([twilio, make_reply_sent(twilio, response_seconds=1)], db)

    page = await client.get(f"/stores/{store_id}/dashboard?range=7d")
    assert page.status_code == 200, page.text
    assert "data-by-channel" not in page.text  # one channel: nothing to compare

    cloud = make_received("+6281100000002", at=now, channel=CLOUD, store_id=store_id)
    second = make_received("+6281100000003", at=now, channel=CLOUD, store_id=store_id)
    await on_events([cloud, second, make_reply_sent(cloud, response_seconds=1)], db)

    page = await client.get(f"/stores/{store_id}/dashboard?range=7d")
    assert 'data-chart="by_channel"' in page.text
    data = (await client.get(f"/stores/{store_id}/dashboard/data?range=7d")).json()
    chart = data["charts"]["by_channel"]
    assert chart["labels"] == ["WhatsApp (Twilio)", "WhatsApp Cloud API"]
    series = {dataset["key"]: dataset["data"] for dataset in chart["datasets"]}
    assert series == {
        "inbound": [1, 2],
        "bot": [1, 1],
        "agent": [0, 0],
        "hand_overs": [0, 0],
        "closed": [0, 0],
    }
    assert data["cards"]["inbound"]["value"] == "3"  # the store's total, unchanged
