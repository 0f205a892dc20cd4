"""One customer, several channels: the card lists the customer's other conversations in the
store — the same number on the other WhatsApp channel, or the same WooCommerce customer on any
channel — and links to each; another store's or another customer's never show."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.console.conversations import elsewhere
from services.console.i18n import t
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS
from shared.identity import conversation_id
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
BUDI = "+6281100000041"
SARI = "+6281100000042"


async def card(
    db: Database,
    store_id: str,
    handle: str,
    channel: Channel,
    customer_id: int | None = None,
    status: str = "open",
) -> str:
    conversation = conversation_id(store_id, handle, channel)
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation,
            "store_id": store_id,
            "customer_number": handle,
            "channel": channel.value,
            "owner": "bot",
            "status": status,
            "last_activity_at": now - timedelta(minutes=len(handle) % 7),
            "last_message": {"direction": "inbound", "text": "Halo", "at": now},
            "customer": None if customer_id is None else {"id": customer_id, "name": "Budi"},
        }
    )
    return conversation


def linked(page: str) -> set[str]:
    """The conversation ids the card's "also writes on" list links to."""
    return {part.split('"', 1)[0] for part in page.split('data-elsewhere="')[1:]}


async def test_the_card_lists_the_customers_other_channels_and_nobody_elses(
    db: Database, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in(lang="en")
    twilio = await card(db, store_id, BUDI, Channel.WHATSAPP, customer_id=7)
    cloud = await card(db, store_id, BUDI, Channel.WHATSAPP_CLOUD, status="closed")
    messenger = await card(db, store_id, "2468013579", Channel.MESSENGER, customer_id=7)
    await card(db, store_id, SARI, Channel.WHATSAPP_CLOUD, customer_id=8)  # someone else
    _, other_store, _ = await sign_in()
    await card(db, other_store, BUDI, Channel.WHATSAPP_CLOUD, customer_id=7)

    page = (await client.get(f"/stores/{store_id}/conversations/{twilio}")).text

    assert linked(page) == {cloud, messenger}
    assert t("card.elsewhere", "en") in page
    assert t("card.elsewhere_state.closed", "en") in page
    # from the Messenger conversation: only the WooCommerce link ties it to the others
    page = (await client.get(f"/stores/{store_id}/conversations/{messenger}")).text
    assert linked(page) == {twilio}


async def test_a_customer_on_one_channel_has_no_list(db: Database, sign_in: SignIn) -> None:
    client, store_id, _ = await sign_in(lang="id")
    only = await card(db, store_id, SARI, Channel.WHATSAPP)

    page = (await client.get(f"/stores/{store_id}/conversations/{only}")).text

    assert linked(page) == set()
    assert t("card.elsewhere", "id") not in page


async def test_the_list_holds_the_ten_newest_each_once(db: Database) -> None:
    """A conversation found both by number and by customer shows once; the list keeps the
    newest ten of both reads, newest first."""
    store_id = f"store-{uuid.uuid4().hex[:8]}"
    twilio = await card(db, store_id, BUDI, Channel.WHATSAPP, customer_id=7)
    cloud = await card(db, store_id, BUDI, Channel.WHATSAPP_CLOUD, customer_id=7)
    messengers = [
        await card(db, store_id, f"24680135{i:02d}", Channel.MESSENGER, customer_id=7)
        for i in range(12)
    ]
    now = datetime.now(UTC)
    newest_first = [cloud, *messengers]  # the order set here, the twin in the middle
    newest_first.insert(0, newest_first.pop(5))
    for age, conversation in enumerate(newest_first):
        await db[CONVERSATIONS].update_one(
            {"_id": conversation}, {"$set": {"last_activity_at": now - timedelta(minutes=age)}}
        )
    shown = await db[CONVERSATIONS].find_one({"_id": twilio})
    assert shown is not None

    others = await elsewhere(db, store_id, shown)

    assert [other["_id"] for other in others] == newest_first[:10]
