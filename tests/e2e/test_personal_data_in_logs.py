"""A customer's number, e-mail, name and words never reach the services' logs (at INFO, as they
run in production) nor their metrics, while their messages go through ingest, the responder, the
enricher and the KPI aggregator: linked to their WooCommerce account, answered, closed, counted."""

from datetime import UTC, datetime

import httpx
import pytest

from balas.processes import SERVICES
from balas.simulate import inbound_message_form
from shared import kafka, mongo
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import CustomerChanged, MessageReceived, event_id_for
from shared.identity import conversation_id
from shared.kpis.collections import CONVERSATION_FACTS, KPI_HOURLY
from shared.stores.directory import Store
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

NAME, SURNAME = "Laksmi", "Pratiwinata"
WORDS = ("jilbab", "zamrud", "kemarin", "sampai")
WOOCOMMERCE_ID = 7302


def personal_marks(number: str, email: str) -> tuple[str, ...]:
    """What must not appear: the number in any form (its national digits are in all of them),
    the e-mail, the name and the message's words."""
    national = number.removeprefix("+62")
    return (national, email, NAME, SURNAME, *WORDS)


def log_lines(system: RunningSystem) -> dict[str, list[str]]:
    log_dir = system.services.log_dir
    assert log_dir is not None
    return {
        service: (log_dir / f"{service}.log").read_text(errors="replace").splitlines()
        for service in SERVICES
    }


def metrics_urls(system: RunningSystem) -> list[str]:
    workers = ("responder", "enricher", "kpi_aggregator")
    return [
        f"{system.ingest_metrics_url}/metrics",
        *(f"http://127.0.0.1:{system.services.ports[name]}/metrics" for name in workers),
    ]


async def a_linked_customer_writes_is_answered_closed_and_counted(
    system: RunningSystem,
    db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> tuple[str, str]:
    number = events.new_customer()
    email = f"laksmi.{number[-6:]}@example.id"
    conversation = conversation_id(store.id, number)
    broker = kafka.make_broker(system.settings, "test-personal-logs")
    await broker.start()
    now = datetime.now(UTC)
    try:
        await kafka.publish(
            broker,
            CustomerChanged(
                event_id=event_id_for("test-logs", store.id, number),
                occurred_at=now,
                store_id=store.id,
                change="created",
                modified_at=now,
                customer_id=WOOCOMMERCE_ID,
                email=email,
                first_name=NAME,
                last_name=SURNAME,
                billing_phone="0" + number.removeprefix("+62"),  # as typed at checkout
            ),
        )
        # The customer is known before they write, as a linked customer is: the enricher reads
        # the cache when the message comes, and its topics are consumed independently.
        await eventually(
            lambda: db[WOOCOMMERCE_CUSTOMERS].find_one(
                {"store_id": store.id, "woocommerce_id": WOOCOMMERCE_ID, "billing_e164": number}
            )
        )
        text = (
            f"Halo kak, saya {NAME} {SURNAME} ({email}, WA 0{number.removeprefix('+62')}): "
            + " ".join(WORDS)
        )
        form = inbound_message_form(
            customer=number,
            store_number=store.whatsapp_number,
            text=text,
            profile_name=f"{NAME} {SURNAME}",
        )
        assert (await webhooks.message(store, number, text, form=form)).status_code == 200
        await eventually(lambda: twilio_api.sent_to(number))
        await eventually(
            lambda: db[CONVERSATIONS].find_one({"_id": conversation, "customer.id": WOOCOMMERCE_ID})
        )
        first = await db[MESSAGES].find_one({"conversation_id": conversation})
        assert first is not None
        opened = MessageReceived(
            event_id=event_id_for("test-logs-opened", first["_id"]),
            occurred_at=first["created_at"],
            store_id=store.id,
            conversation_id=conversation,
            message_sid=first["_id"],
            customer_number=number,
            store_number=store.whatsapp_number,
            text=first["text"],
        )
        closed_at = datetime.now(UTC)
        await kafka.publish(broker, events.closed(opened, closed_at, "resolved_by_bot"))
        await eventually(lambda: db[CONVERSATION_FACTS].find_one({"conversation_id": conversation}))
        await eventually(lambda: db[KPI_HOURLY].find_one({"store_id": store.id}))
    finally:
        await broker.stop()
    return number, email


async def test_no_log_line_or_metric_holds_the_customers_number_email_name_or_words(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    number, email = await a_linked_customer_writes_is_answered_closed_and_counted(
        system, system_db, store, webhooks, twilio_api
    )
    marks = personal_marks(number, email)
    # The store's lines are there: the responder built its knowledge index to answer.
    assert any(store.id in line for line in log_lines(system)["responder"])

    leaks = [
        (service, mark, line)
        for service, lines in log_lines(system).items()
        for line in lines
        for mark in marks
        if mark.lower() in line.lower()
    ]
    assert leaks == []

    async with httpx.AsyncClient(timeout=10) as client:
        scraped = [(await client.get(url)).text for url in metrics_urls(system)]
    assert any(f'store="{store.id}"' in page for page in scraped)  # labels are filled in
    assert [
        (url, mark)
        for url, page in zip(metrics_urls(system), scraped, strict=True)
        for mark in marks
        if mark.lower() in page.lower()
    ] == []
