"""Order notifications on the session's MongoDB and the Twilio stand-in: one template message per
order and status to a customer who agreed to order updates, none to anyone else, none twice
for a repeated or late snapshot, and none in the store's quiet hours until they are over."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, time, timedelta
from functools import partial

import pytest
import requests
from faststream.kafka import KafkaBroker

from balas.simulate import inbound_message_form
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.commerce import on_order_changed as cache_order
from services.enricher.handlers import on_message_received as enrich
from services.ingest.twilio_forms import message_received, parse_inbound
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from services.responder.notifications import on_order_changed, release_due
from shared import topics
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import NotificationSent, OrderChanged, decode_event
from shared.mongo import Database
from shared.notifications import orders
from shared.notifications.orders import (
    NotifiedStatus,
    OrderField,
    OrderNotifications,
    OrderTemplate,
    QuietHours,
)
from shared.settings import Settings
from shared.stores.directory import Store
from shared.woocommerce.payloads import SHIPMENT_TRACKING_KEY, OrderSnapshot, Topic, changed_event
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_data import order
from tests.support.events import order_changed
from tests.support.kafka import Consumers, new_group_id, publish_all, records_mentioning
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

TEMPLATES = {status: "HX" + f"{n:032x}" for n, status in enumerate(NotifiedStatus, start=1)}
NUMBER_AND_NAME = {"1": OrderField.FIRST_NAME, "2": OrderField.ORDER_NUMBER}


@pytest.fixture
async def notifying(db: Database, store: Store) -> Store:
    """The store with a template for every status, each naming the customer and the order."""
    templates = {
        s: OrderTemplate(template=t, variables=NUMBER_AND_NAME) for s, t in TEMPLATES.items()
    }
    templates[NotifiedStatus.SHIPPED] = OrderTemplate(
        template=TEMPLATES[NotifiedStatus.SHIPPED],
        variables={"1": OrderField.TRACKING_NUMBER, "2": OrderField.COURIER},
    )
    await orders.save(db, OrderNotifications(store_id=store.id, templates=templates))
    return store


@pytest.fixture
async def quiet_nights(db: Database, notifying: Store) -> Store:
    """The notifying store, which sends nothing from 21:00 to 08:00 in its time zone."""
    settings = await orders.load(db, notifying.id)
    settings.quiet_hours = QuietHours(start=time(21), end=time(8))
    await orders.save(db, settings)
    return notifying


def new_customer() -> str:
    return f"+62812{uuid.uuid4().int % 10**7:07d}"


def typed_at_checkout(phone: str) -> str:
    """The number as a customer types it: national, with dashes."""
    national = "0" + phone.removeprefix("+62")
    return f"{national[:4]}-{national[4:8]}-{national[8:]}"


async def consent(db: Database, store: Store, phone: str, state: State, key: str) -> None:
    change = Change(
        purposes=[Purpose.ORDER_UPDATES],
        state=state,
        source=Source.CHECKOUT,
        wording="Kirimi saya kabar pesanan lewat WhatsApp",
    )
    at = datetime.now(UTC) - timedelta(hours=1 if state is State.GRANTED else 0)
    await records.apply(db, store.id, phone, change, key=key, at=at)


def templates_sent(twilio: TwilioStandIn, phone: str) -> list[str]:
    return [message["content_sid"] for message in twilio.sent_to(phone)]


async def test_an_order_through_its_statuses_sends_one_message_per_status(
    db: Database,
    deps: ResponderDeps,
    notifying: Store,
    twilio_api: TwilioStandIn,
    settings: Settings,
) -> None:
    customer = new_customer()
    await consent(db, notifying, customer, State.GRANTED, "order:1207")
    start = datetime.now(UTC) - timedelta(hours=3)
    phone = typed_at_checkout(customer)
    tracking = {"tracking_number": "JNE0012345", "courier": "JNE"}
    snapshots = [
        order_changed(notifying.id, status="on-hold", modified_at=start, billing_phone=phone),
        order_changed(notifying.id, modified_at=start + timedelta(hours=1), billing_phone=phone),
        order_changed(
            notifying.id, modified_at=start + timedelta(hours=2), billing_phone=phone, **tracking
        ),
        order_changed(
            notifying.id,
            status="completed",
            modified_at=start + timedelta(hours=3),
            billing_phone=phone,
            **tracking,
        ),
    ]

    for snapshot in snapshots:
        await on_order_changed(snapshot, deps)

    statuses = [NotifiedStatus.ON_HOLD, NotifiedStatus.PROCESSING, NotifiedStatus.SHIPPED]
    statuses.append(NotifiedStatus.COMPLETED)
    assert templates_sent(twilio_api, customer) == [TEMPLATES[s] for s in statuses]
    sent = twilio_api.sent_to(customer)
    assert json.loads(sent[0]["content_variables"]) == {"1": "Rina", "2": "1207"}
    assert json.loads(sent[2]["content_variables"]) == {"1": "JNE0012345", "2": "JNE"}
    in_conversation = await db[MESSAGES].count_documents(
        {"conversation_id": f"{notifying.id}:{customer}", "author": "notification", "state": "sent"}
    )
    assert in_conversation == 4
    published = [
        decode_event(topics.MESSAGES_OUTBOUND, raw)
        for raw in await records_mentioning(settings, topics.MESSAGES_OUTBOUND, notifying.id)
    ]
    facts = [  # each once: a later snapshot reaching a notified status does not publish it
        event
        for event in published
        if isinstance(event, NotificationSent)
        and event.conversation_id == f"{notifying.id}:{customer}"
    ]
    assert [(fact.sent, fact.source) for fact in facts] == [(True, "order_notification")] * 4
    assert {fact.twilio_sid for fact in facts} == {message["sid"] for message in sent}


async def test_the_same_snapshot_three_times_sends_one_message(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, notifying, customer, State.GRANTED, "order:1207")
    snapshot = order_changed(notifying.id, status="completed", billing_phone=customer)

    for _ in range(3):
        await on_order_changed(snapshot, deps)

    assert templates_sent(twilio_api, customer) == [TEMPLATES[NotifiedStatus.COMPLETED]]


async def test_an_older_snapshot_after_a_newer_status_sends_nothing(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, notifying, customer, State.GRANTED, "order:1207")
    now = datetime.now(UTC)
    completed = order_changed(
        notifying.id, status="completed", modified_at=now, billing_phone=customer
    )
    processing = order_changed(
        notifying.id,
        status="processing",
        modified_at=now - timedelta(hours=1),
        billing_phone=customer,
    )

    await on_order_changed(completed, deps)
    await on_order_changed(processing, deps)

    assert templates_sent(twilio_api, customer) == [TEMPLATES[NotifiedStatus.COMPLETED]]


async def test_without_consent_nothing_is_sent_nor_claimed(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()

    await on_order_changed(order_changed(notifying.id, billing_phone=customer), deps)

    assert twilio_api.sent_to(customer) == []
    assert await db[MESSAGES].count_documents({"author": "notification"}) == 0


async def test_after_a_withdrawal_nothing_is_sent(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, notifying, customer, State.GRANTED, "order:1207")
    await consent(db, notifying, customer, State.WITHDRAWN, "message:SMstop")

    await on_order_changed(order_changed(notifying.id, billing_phone=customer), deps)

    assert twilio_api.sent_to(customer) == []


async def test_a_status_without_a_template_sends_nothing(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, store, customer, State.GRANTED, "order:1207")
    only_completed = {
        NotifiedStatus.COMPLETED: OrderTemplate(template=TEMPLATES[NotifiedStatus.COMPLETED])
    }
    await orders.save(db, OrderNotifications(store_id=store.id, templates=only_completed))

    await on_order_changed(order_changed(store.id, billing_phone=customer), deps)

    assert twilio_api.sent_to(customer) == []


async def test_in_quiet_hours_a_notification_is_held_and_sent_once_in_the_morning(
    db: Database, deps: ResponderDeps, quiet_nights: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, quiet_nights, customer, State.GRANTED, "order:1207")
    # Jakarta is UTC+7: 15:30 UTC is 22:30 there, 00:59 UTC 07:59 and 01:00 UTC 08:00.
    evening = datetime.now(UTC).replace(hour=15, minute=30, second=0, microsecond=0)
    snapshot = order_changed(
        quiet_nights.id,
        status="completed",
        modified_at=evening - timedelta(minutes=5),
        billing_phone=customer,
    )

    await on_order_changed(snapshot, deps, clock=lambda: evening)
    await on_order_changed(snapshot, deps, clock=lambda: evening + timedelta(hours=10))
    early = await release_due(deps, clock=lambda: evening + timedelta(hours=9, minutes=29))

    assert twilio_api.sent_to(customer) == []
    assert early == 0
    morning = evening + timedelta(hours=9, minutes=30)
    assert await release_due(deps, clock=lambda: morning) == 1
    assert await release_due(deps, clock=lambda: morning + timedelta(hours=1)) == 0
    assert templates_sent(twilio_api, customer) == [TEMPLATES[NotifiedStatus.COMPLETED]]


async def test_a_withdrawal_during_the_night_stops_a_held_notification(
    db: Database, deps: ResponderDeps, quiet_nights: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, quiet_nights, customer, State.GRANTED, "order:1207")
    evening = datetime.now(UTC).replace(hour=15, minute=30, second=0, microsecond=0)
    snapshot = order_changed(
        quiet_nights.id, status="completed", modified_at=evening, billing_phone=customer
    )
    await on_order_changed(snapshot, deps, clock=lambda: evening)

    await consent(db, quiet_nights, customer, State.WITHDRAWN, "message:SMstop")
    await release_due(deps, clock=lambda: evening + timedelta(hours=10))

    assert twilio_api.sent_to(customer) == []
    held = await db[MESSAGES].find_one({"author": "notification"})
    assert held is not None
    assert (held["state"], held["not_sent_reason"]) == ("not_sent", "no_consent")


async def test_through_kafka_repeated_and_late_snapshots_give_one_message_per_status(
    db: Database,
    broker: KafkaBroker,
    consumers: Consumers,
    deps: ResponderDeps,
    notifying: Store,
    twilio_api: TwilioStandIn,
) -> None:
    customer, last_customer = new_customer(), new_customer()
    for phone in (customer, last_customer):
        await consent(db, notifying, phone, State.GRANTED, f"order:{phone}")
    now = datetime.now(UTC)
    processing = order_changed(notifying.id, modified_at=now, billing_phone=customer)
    completed = order_changed(
        notifying.id,
        status="completed",
        modified_at=now + timedelta(minutes=5),
        billing_phone=customer,
    )
    late = order_changed(
        notifying.id,
        status="on-hold",
        modified_at=now - timedelta(minutes=5),
        billing_phone=customer,
    )
    # another order of the store after them: its partition's records are handled in order
    last = order_changed(
        notifying.id, order_id=1208, status="completed", billing_phone=last_customer
    )
    routes = {topics.WOOCOMMERCE_ORDERS: partial(on_order_changed, deps=deps)}
    await consumers.keyed(new_group_id(), routes)

    await publish_all(
        broker, [processing, processing, completed, processing, late, completed, last]
    )

    await wait_until(lambda: twilio_api.sent_to(last_customer), "the last order's notification")
    assert templates_sent(twilio_api, customer) == [
        TEMPLATES[NotifiedStatus.PROCESSING],
        TEMPLATES[NotifiedStatus.COMPLETED],
    ]


async def test_a_crash_after_twilio_accepted_the_notification_does_not_send_it_again(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, notifying, customer, State.GRANTED, "order:1207")
    snapshot = order_changed(notifying.id, status="completed", billing_phone=customer)
    twilio_api.drop_after_accepting(1)  # sent, but the answer never reaches the responder
    with pytest.raises(requests.RequestException):
        await on_order_changed(snapshot, deps)

    await on_order_changed(snapshot, deps)  # the event redelivered

    sent = twilio_api.sent_to(customer)
    assert [message["content_sid"] for message in sent] == [TEMPLATES[NotifiedStatus.COMPLETED]]
    stored = await db[MESSAGES].find_one({"author": "notification"})
    assert stored is not None
    assert (stored["state"], stored["twilio_sid"]) == ("sent", sent[0]["sid"])


async def test_a_reply_to_a_shipped_notification_lands_in_its_conversation_with_the_order(
    db: Database, deps: ResponderDeps, notifying: Store, twilio_api: TwilioStandIn
) -> None:
    budi = "+6281234567890"  # the billing phone of the WooCommerce stand-in's order
    await consent(db, notifying, budi, State.GRANTED, "order:727")
    shipment = {"tracking_number": "JP1234567890", "tracking_provider": "J&T Express"}
    document = order(
        727,
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        meta_data=[{"id": 9, "key": SHIPMENT_TRACKING_KEY, "value": [shipment]}],
    )
    snapshot = changed_event(
        notifying.id, Topic("order", "updated"), OrderSnapshot.model_validate(document)
    )
    assert isinstance(snapshot, OrderChanged)

    await on_order_changed(snapshot, deps)  # the responder notifies
    await cache_order(snapshot, db)  # the enricher caches the order for the card
    form = inbound_message_form(
        customer=budi, store_number=notifying.whatsapp_number, text="Kapan sampai kak?"
    )
    answer = message_received(parse_inbound(form), notifying)
    await enrich(answer, db, OfflineClassifier())
    await respond(answer, deps)

    sent = twilio_api.sent_to(budi)
    by_template = {message["content_sid"]: message for message in sent if message["content_sid"]}
    assert len(sent) == 3  # two notifications and the bot's answer
    assert set(by_template) == {
        TEMPLATES[NotifiedStatus.PROCESSING],
        TEMPLATES[NotifiedStatus.SHIPPED],
    }
    shipped = by_template[TEMPLATES[NotifiedStatus.SHIPPED]]
    assert json.loads(shipped["content_variables"]) == {"1": "JP1234567890", "2": "J&T Express"}
    conversation = f"{notifying.id}:{budi}"
    in_conversation = db[MESSAGES].find({"conversation_id": conversation})
    assert {m.get("author", "customer") async for m in in_conversation} == {
        "notification",
        "customer",
        "bot",
    }
    assert answer.conversation_id == conversation
    bot = await deps.conversations.find_reply(answer.message_sid)
    assert bot is not None
    assert (bot.conversation_id, bot.first_response) == (conversation, True)  # not an answer
    card = await db[CONVERSATIONS].find_one({"_id": conversation})
    assert card is not None
    assert [o["number"] for o in card["recent_orders"]] == ["727"]


async def test_of_two_statuses_held_through_the_night_only_the_newer_goes_out(
    db: Database, deps: ResponderDeps, quiet_nights: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, quiet_nights, customer, State.GRANTED, "order:1207")
    evening = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
    processing = order_changed(quiet_nights.id, modified_at=evening, billing_phone=customer)
    later = evening + timedelta(hours=1)
    completed = order_changed(
        quiet_nights.id, status="completed", modified_at=later, billing_phone=customer
    )
    await on_order_changed(processing, deps, clock=lambda: evening)
    await on_order_changed(completed, deps, clock=lambda: later)

    await release_due(deps, clock=lambda: evening + timedelta(hours=11))

    assert templates_sent(twilio_api, customer) == [TEMPLATES[NotifiedStatus.COMPLETED]]
    overtaken = await db[MESSAGES].find_one({"order_status": "processing"})
    assert overtaken is not None
    assert (overtaken["state"], overtaken["not_sent_reason"]) == ("not_sent", "superseded")


async def test_two_releases_at_once_send_a_held_notification_once(
    db: Database, deps: ResponderDeps, quiet_nights: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, quiet_nights, customer, State.GRANTED, "order:1207")
    evening = datetime.now(UTC).replace(hour=15, minute=30, second=0, microsecond=0)
    snapshot = order_changed(
        quiet_nights.id, status="completed", modified_at=evening, billing_phone=customer
    )
    await on_order_changed(snapshot, deps, clock=lambda: evening)
    morning = evening + timedelta(hours=9, minutes=30)

    # both find it due; only one lease is taken
    released = await asyncio.gather(*(release_due(deps, clock=lambda: morning) for _ in "ab"))

    assert sorted(released) == [0, 1]
    assert templates_sent(twilio_api, customer) == [TEMPLATES[NotifiedStatus.COMPLETED]]


async def test_a_release_cut_short_by_a_crash_is_taken_again_after_its_lease_and_sent_once(
    db: Database, deps: ResponderDeps, quiet_nights: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await consent(db, quiet_nights, customer, State.GRANTED, "order:1207")
    evening = datetime.now(UTC).replace(hour=15, minute=30, second=0, microsecond=0)
    snapshot = order_changed(
        quiet_nights.id, status="completed", modified_at=evening, billing_phone=customer
    )
    await on_order_changed(snapshot, deps, clock=lambda: evening)
    morning = evening + timedelta(hours=9, minutes=30)
    twilio_api.drop_after_accepting(1)  # sent, but the release never hears so
    with pytest.raises(requests.RequestException):
        await release_due(deps, clock=lambda: morning)

    while_leased = await release_due(deps, clock=lambda: morning + timedelta(minutes=1))
    after_lease = await release_due(deps, clock=lambda: morning + timedelta(minutes=6))

    assert (while_leased, after_lease) == (0, 1)
    sent = twilio_api.sent_to(customer)
    assert [message["content_sid"] for message in sent] == [TEMPLATES[NotifiedStatus.COMPLETED]]
    stored = await db[MESSAGES].find_one({"author": "notification"})
    assert stored is not None
    assert (stored["state"], stored["twilio_sid"]) == ("sent", sent[0]["sid"])
