"""A reply goes out exactly once when a send is interrupted, against a Twilio stand-in that
misbehaves like the real one: it accepts a message and then fails or drops the connection, lists
a message late or still queued (no `date_sent`), and pages its listings (one message a page
here). The bot's replies all have one text (a canned answer), as fallbacks and canned replies
do in real life, so an earlier reply to the same customer always has the text of the next one.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from faststream.kafka import KafkaBroker
from pydantic import SecretStr
from twilio.base.exceptions import TwilioRestException

from services.responder.agent_commands import on_agent_command
from services.responder.agent_desk import AgentDesk
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from services.responder.repository import Reply, ReplyState
from services.responder.send_recovery import owned_sids
from shared.answering.draft import Draft
from shared.conversations.collections import CSAT_SURVEYS, MESSAGES
from shared.events import AgentCommandIssued, MessageReceived, agent_command_event_id
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.inbound import customer_says
from tests.support.responder import close, responder_deps, through_twilio

pytestmark = pytest.mark.slow

TOKEN = "send-recovery-twilio-token"
TEMPLATE = "HX" + "cd" * 16
CANNED = "Baik, pesanan Anda kami cek dulu ya."
LISTING_DELAY_SECONDS = 2.0  # how late the stand-in lists a message, when asked to
LOOKS, PAUSE_SECONDS = 11, 0.5  # the responder looks for 5 s at least: longer than that delay


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(script=lambda _: CANNED).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def twilio_api() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn(auth_token=TOKEN, status_callbacks=(), max_page_size=1).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def deps(
    db: Database,
    broker: KafkaBroker,
    settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> AsyncIterator[ResponderDeps]:
    llm = {"api_key": SecretStr("sk-test"), "base_url": openai_api.base_url}
    configured = through_twilio(
        settings.updated(llm=llm),
        twilio_api,
        recovery_listings=LOOKS,
        recovery_pause_seconds=PAUSE_SECONDS,
    )
    deps = responder_deps(db, broker, configured, twilio=True)
    yield deps
    await close(deps)


async def sent_reply(deps: ResponderDeps, event: MessageReceived) -> Reply:
    reply = await deps.conversations.find_reply(event.message_sid)
    assert reply is not None
    assert reply.state is ReplyState.SENT
    return reply


async def answered(deps: ResponderDeps, store: Store, customer: str) -> Reply:
    """The customer asks and gets the canned answer, sent normally."""
    question = customer_says(store, customer, "Pesanan saya sudah dikirim?")
    await respond(question, deps)
    return await sent_reply(deps, question)


async def test_a_crash_after_twilio_accepted_a_reply_with_an_earlier_replys_text_sends_it_once(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    earlier = await answered(deps, store, customer)
    # Twilio takes the next reply, but the connection drops before its answer: the responder
    # cannot record the send. Twilio lists the message as queued, without date_sent, for now.
    twilio_api.queued_seconds = 60
    twilio_api.drop_after_accepting(1)
    follow_up = customer_says(store, customer, "Halo? Ada kabar?")
    with pytest.raises(requests.RequestException):
        await respond(follow_up, deps)

    await respond(follow_up, deps)  # the event redelivered

    reply = await sent_reply(deps, follow_up)
    sent = twilio_api.sent_to(customer)
    assert [message["body"] for message in sent] == [CANNED, CANNED]
    assert reply.text == CANNED
    assert reply.twilio_sid == sent[1]["sid"]
    assert earlier.twilio_sid == sent[0]["sid"]


async def test_a_reply_twilio_lists_late_is_found_by_looking_again_and_not_sent_twice(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    twilio_api.listing_delay_seconds = LISTING_DELAY_SECONDS
    twilio_api.fail_after_accepting(1, status=500)
    question = customer_says(store, customer, "Bisa kirim ke Bandung?")
    with pytest.raises(TwilioRestException):
        await respond(question, deps)

    await respond(question, deps)  # the event redelivered at once, before Twilio lists it

    reply = await sent_reply(deps, question)
    sent = twilio_api.sent_to(customer)
    assert len(sent) == 1
    assert reply.twilio_sid == sent[0]["sid"]
    assert reply.send_attempts == 1


async def test_a_crash_between_the_intent_and_its_send_looks_at_twilio_then_sends_once(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await answered(deps, store, customer)  # an earlier reply with the same text
    follow_up = customer_says(store, customer, "Halo? Ada kabar?")
    intent = await deps.conversations.reserve_reply(follow_up, Draft(text=CANNED), first=False)
    assert intent.send_attempts == 1  # the intent counts the attempt it stands for; then a crash

    await respond(follow_up, deps)  # the event redelivered: the attempt is doubted

    reply = await sent_reply(deps, follow_up)
    assert [message["body"] for message in twilio_api.sent_to(customer)] == [CANNED, CANNED]
    assert reply.send_attempts == 2


async def test_a_send_that_never_reached_twilio_goes_out_once_after_the_looks(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    earlier = await answered(deps, store, customer)
    twilio_api.fail_next(1, status=500)  # refused before accepting: nothing went out
    follow_up = customer_says(store, customer, "Halo? Ada kabar?")
    with pytest.raises(TwilioRestException):
        await respond(follow_up, deps)

    await respond(follow_up, deps)  # the event redelivered

    reply = await sent_reply(deps, follow_up)
    sent = twilio_api.sent_to(customer)
    assert [message["body"] for message in sent] == [CANNED, CANNED]
    assert reply.twilio_sid == sent[1]["sid"] != earlier.twilio_sid
    assert reply.send_attempts == 2


async def test_an_interrupted_template_reply_never_takes_the_sid_of_a_survey_sent_before(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    assert deps.twilio is not None
    twilio = await deps.twilio.for_store(store.id)
    assert twilio is not None
    customer = new_customer()
    survey_sid = await twilio.send(
        to=customer,
        sender=store.whatsapp_number,
        body="Bagaimana pelayanan kami?",
        status_callback="",
    )
    await db[CSAT_SURVEYS].insert_one({"_id": f"csat:{uuid.uuid4().hex}", "twilio_sid": survey_sid})
    # An agent's template (any text: Twilio renders it) goes out, but the connection drops, and
    # Twilio lists the message only seconds later.
    twilio_api.listing_delay_seconds = LISTING_DELAY_SECONDS
    twilio_api.drop_after_accepting(1)
    command_id = uuid.uuid4().hex
    command = AgentCommandIssued(
        event_id=agent_command_event_id(command_id),
        occurred_at=datetime.now(UTC),
        store_id=store.id,
        conversation_id=f"{store.id}:{customer}",
        command_id=command_id,
        agent_id="agent-ayu",
        command="reply",
        template_sid=TEMPLATE,
    )
    desk = AgentDesk(db)
    with pytest.raises(requests.RequestException):
        await on_agent_command(command, deps, desk)

    await on_agent_command(command, deps, desk)  # the command redelivered

    reply = await desk.find_reply(command_id)
    assert reply is not None
    sent = twilio_api.sent_to(customer)
    assert [message["content_sid"] for message in sent] == [None, TEMPLATE]
    assert reply.twilio_sid == sent[1]["sid"] != survey_sid


async def test_the_sids_of_replies_surveys_and_thanks_are_all_owned(db: Database) -> None:
    reply, survey, thanks, stranger = (f"SM{uuid.uuid4().hex}" for _ in range(4))
    await db[MESSAGES].insert_one({"_id": f"reply:{uuid.uuid4().hex}", "twilio_sid": reply})
    await db[CSAT_SURVEYS].insert_one(
        {"_id": f"csat:{uuid.uuid4().hex}", "twilio_sid": survey, "thanks_sid": thanks}
    )

    owned = await owned_sids(db, [reply, survey, thanks, stranger])

    assert owned == {reply, survey, thanks}


async def test_twilios_listing_is_read_page_by_page_down_to_the_messages_before_the_intent(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    assert deps.twilio is not None
    twilio = await deps.twilio.for_store(store.id)
    assert twilio is not None
    customer = new_customer()
    recipient = {"to": customer, "sender": store.whatsapp_number, "status_callback": ""}
    past = await twilio.send(**recipient, body="Kemarin")
    twilio_api.backdate(past, timedelta(hours=1))
    recent = [await twilio.send(**recipient, body=f"Pesan {n}") for n in range(3)]
    twilio_api.queued_seconds = 60
    queued = await twilio.send(**recipient, body="Pesan 3")

    listed = await twilio.listed_since(
        to=customer, sender=store.whatsapp_number, since=datetime.now(UTC) - timedelta(minutes=1)
    )

    assert [message.sid for message in listed] == [queued, *reversed(recent)]
