"""A responder that dies mid-stream loses no customer message and sends no reply twice."""

import pytest

from shared import mongo
from shared.conversations.collections import MESSAGES
from shared.stores.directory import Store
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def test_a_responder_killed_between_send_and_commit_neither_loses_nor_duplicates(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    in_flight = [new_customer() for _ in range(6)]
    while_down = [new_customer() for _ in range(4)]
    # Twilio takes the messages at once but answers late: the responder dies after sending and
    # before it could record the send or commit the offset.
    twilio_api.response_delay_seconds = 5.0
    try:
        for customer in in_flight:
            await webhooks.message(store, customer, "Apakah toko buka hari Minggu?")
        await eventually(lambda: all(twilio_api.sent_to(c) for c in in_flight))
        system.services.kill("responder")
        twilio_api.response_delay_seconds = 0.0
        for customer in while_down:
            await webhooks.message(store, customer, "Halo, masih ada stok?")

        system.services.start("responder")

        async def all_replies_sent() -> bool:
            sent = await system_db[MESSAGES].count_documents(
                {"direction": "outbound", "store_id": store.id, "state": "sent"}
            )
            return sent == len(in_flight) + len(while_down)

        await eventually(all_replies_sent, timeout=120)
    finally:
        twilio_api.response_delay_seconds = 0.0
        if system.services.processes["responder"].poll() is not None:
            system.services.start("responder")
    for customer in in_flight + while_down:
        assert len(twilio_api.sent_to(customer)) == 1, customer
