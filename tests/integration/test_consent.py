"""Consent in chat, on the session's MongoDB and the Twilio stand-in: a stop request withdraws
every purpose once, even when its event is delivered twice, and is confirmed with one reply that
no model wrote; "MULAI" grants order updates again; a question using the word is answered."""

import uuid
from datetime import timedelta

import pytest

from balas.simulate import inbound_message_form
from services.ingest.twilio_forms import message_received, parse_inbound
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from shared.answering.wording import PHRASES, Phrase
from shared.consent import records
from shared.consent.collections import CONSENT_EVENTS
from shared.consent.records import Change, Purpose, Source, State, may_contact
from shared.events import HandOverReason, MessageReceived, utcnow
from shared.mongo import Database
from shared.privacy.customer import find_customer
from shared.privacy.data_map import COLLECTIONS
from shared.privacy.erasure import erase_documents
from shared.stores.bot_settings import Language
from shared.stores.directory import Store
from tests.standins.twilio_api import TwilioStandIn

pytestmark = pytest.mark.slow


def customer_says(store: Store, customer: str, text: str) -> MessageReceived:
    form = inbound_message_form(customer=customer, store_number=store.whatsapp_number, text=text)
    return message_received(parse_inbound(form), store)


def new_customer() -> str:
    return f"+62812{uuid.uuid4().int % 10**7:07d}"


async def test_a_stop_request_delivered_twice_withdraws_everything_once_with_one_confirmation(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    opted_in = Change(
        purposes=list(Purpose),
        state=State.GRANTED,
        source=Source.CHECKOUT,
        wording="Kirimi saya kabar pesanan dan promo lewat WhatsApp",
    )
    earlier = utcnow() - timedelta(days=3)
    await records.apply(db, store.id, customer, opted_in, key="order:1201", at=earlier)
    assert await may_contact(db, store.id, customer, Purpose.PROMOTIONS)

    stop = customer_says(store, customer, "BERHENTI kak!!")
    for _ in range(2):  # at least once: the same event again
        await respond(stop, deps)

    for purpose in Purpose:
        assert not await may_contact(db, store.id, customer, purpose)
    withdrawals = await db[CONSENT_EVENTS].count_documents(
        {"conversation_id": stop.conversation_id, "state": State.WITHDRAWN.value}
    )
    assert withdrawals == len(Purpose)
    (newest, *_) = await records.history(db, store.id, customer)
    assert newest.source is Source.CHAT
    assert newest.wording == "BERHENTI kak!!"
    sent = twilio_api.sent_to(customer)
    assert [message["body"] for message in sent] == [PHRASES[Language.ID][Phrase.CONSENT_WITHDRAWN]]
    reply = await deps.conversations.find_reply(stop.message_sid)
    assert reply is not None
    assert reply.llm is None  # the bot's wording, not the model's


async def test_mulai_grants_order_updates_again_but_not_promotions(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await respond(customer_says(store, customer, "stop"), deps)
    await respond(customer_says(store, customer, "Mulai lagi"), deps)

    assert await may_contact(db, store.id, customer, Purpose.ORDER_UPDATES)
    assert not await may_contact(db, store.id, customer, Purpose.PROMOTIONS)
    bodies = [message["body"] for message in twilio_api.sent_to(customer)]
    assert bodies[-1] == PHRASES[Language.ID][Phrase.CONSENT_GRANTED]


async def test_a_question_using_the_word_is_answered_and_changes_no_consent(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    question = customer_says(store, customer, "kapan berhentinya diskon?")

    await respond(question, deps)

    assert (
        await db[CONSENT_EVENTS].count_documents({"conversation_id": question.conversation_id}) == 0
    )
    bodies = [message["body"] for message in twilio_api.sent_to(customer)]
    assert len(bodies) == 1
    assert bodies[0] not in {PHRASES[language][Phrase.CONSENT_WITHDRAWN] for language in Language}


async def test_a_stop_request_is_honoured_and_confirmed_while_a_person_owns_the_conversation(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    question = customer_says(store, customer, "Kak, paket saya belum sampai")
    await deps.conversations.hand_over(
        question.conversation_id, store.id, HandOverReason.CUSTOMER_REQUEST, utcnow()
    )
    await respond(question, deps)  # a person owns it: the bot stays silent
    assert twilio_api.sent_to(customer) == []

    await respond(customer_says(store, customer, "stop promo"), deps)

    assert not await may_contact(db, store.id, customer, Purpose.PROMOTIONS)
    bodies = [message["body"] for message in twilio_api.sent_to(customer)]
    assert bodies == [PHRASES[Language.ID][Phrase.CONSENT_WITHDRAWN]]


async def test_erasing_the_customer_removes_their_consent_records(
    db: Database, store: Store
) -> None:
    customer, other = new_customer(), new_customer()
    granted = Change(
        purposes=list(Purpose), state=State.GRANTED, source=Source.CLI, wording="boleh"
    )
    for number in (customer, other):
        await records.apply(db, store.id, number, granted, key="cli:1", at=utcnow())

    removed = await erase_documents(db, await find_customer(db, store.id, customer), COLLECTIONS)

    assert removed[CONSENT_EVENTS] == len(Purpose)
    assert await records.history(db, store.id, customer) == []
    assert len(await records.history(db, store.id, other)) == len(Purpose)
