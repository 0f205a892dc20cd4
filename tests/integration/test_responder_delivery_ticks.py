"""A reply's tick against the channel's timing: a status may come before the responder recorded
the message id the send returned (Twilio posts "sent" within milliseconds of accepting it), out
of order, or twice; the tick ends at the furthest status and never moves back. A reply's status
callbacks name it (its `_id` in the callback URL, as ingest passes it on); those of a message
sent without it (by an older responder) name only Twilio's SID and are kept until it is
recorded."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.responder import csat
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_delivery_statuses, on_message_received
from shared.answering.draft import Draft
from shared.conversations.collections import CSAT_SURVEYS, EARLY_DELIVERY_STATUSES, MESSAGES
from shared.conversations.csat import survey_id
from shared.events import DeliveryStatus
from shared.mongo import Database
from shared.routes import STATUS_MESSAGE_PARAM
from shared.stores.directory import Store
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.inbound import customer_says
from tests.support.waiting import eventually

TOKEN = "responder-ticks-twilio-token"


@pytest.fixture
def twilio_api() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn(auth_token=TOKEN, status_callbacks=()).start()
    yield stand_in
    stand_in.stop()


async def _callbacks(
    deps: ResponderDeps, store: Store, sid: str, *statuses: DeliveryStatus, **fields: Any
) -> None:
    """The statuses as the responder handles them, one poll each."""
    for status in statuses:
        callback = events.status_changed(status, sid=sid, **{"store_id": store.id, **fields})
        await on_delivery_statuses([callback], deps)


async def _named_callbacks(
    deps: ResponderDeps, store: Store, sent: dict[str, Any], *statuses: DeliveryStatus
) -> None:
    """The statuses of the message `sent` as ingest passes them on: naming the message the
    status callback URL names."""
    query = parse_qs(urlsplit(sent["_status_callback"]).query)
    [message_id] = query[STATUS_MESSAGE_PARAM]
    await _callbacks(deps, store, sent["sid"], *statuses, message_id=message_id)


async def _tick(db: Database, sid: str) -> str:
    reply = await db[MESSAGES].find_one({"twilio_sid": sid})
    assert reply is not None
    return str(reply["delivery_status"])


async def test_statuses_handled_before_the_send_answered_tick_the_reply_once_its_id_is_recorded(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    twilio_api.hold_answers()  # Twilio has the message; the responder awaits its answer
    replying = asyncio.create_task(
        on_message_received(customer_says(store, "+6281100000091", "Halo kak"), deps)
    )
    [sent] = await eventually(lambda: twilio_api.sent_to("+6281100000091"))

    # out of order and one twice, all before the responder knows the id
    await _named_callbacks(
        deps, store, sent, DeliveryStatus.DELIVERED, DeliveryStatus.SENT, DeliveryStatus.SENT
    )
    twilio_api.release_answers()
    await replying

    assert await _tick(db, sent["sid"]) == "delivered"  # the sent mark did not set it back
    assert len(twilio_api.sent_to("+6281100000091")) == 1
    # found by the reply's id: nothing kept aside for the sent mark to read
    assert await db[EARLY_DELIVERY_STATUSES].find_one({"_id": sent["sid"]}) is None


async def test_statuses_after_the_id_is_recorded_still_move_the_tick_forward_only(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    twilio_api.hold_answers()
    replying = asyncio.create_task(
        on_message_received(customer_says(store, "+6281100000092", "Halo kak"), deps)
    )
    [sent] = await eventually(lambda: twilio_api.sent_to("+6281100000092"))
    await _named_callbacks(deps, store, sent, DeliveryStatus.SENT)  # early
    twilio_api.release_answers()
    await replying
    assert await _tick(db, sent["sid"]) == "sent"

    await _named_callbacks(deps, store, sent, DeliveryStatus.READ, DeliveryStatus.DELIVERED)
    assert await _tick(db, sent["sid"]) == "read"
    await _named_callbacks(deps, store, sent, DeliveryStatus.SENT)  # the early one again
    assert await _tick(db, sent["sid"]) == "read"


async def test_a_status_naming_a_reply_of_another_store_moves_no_tick(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    """Each store signs its callbacks with its own account: a callback of another store that
    names our reply's id is no status of it."""
    await on_message_received(customer_says(store, "+6281100000094", "Halo kak"), deps)
    [sent] = twilio_api.sent_to("+6281100000094")
    reply_id = parse_qs(urlsplit(sent["_status_callback"]).query)[STATUS_MESSAGE_PARAM][0]

    await _callbacks(
        deps, store, sent["sid"], DeliveryStatus.FAILED, message_id=reply_id, store_id="other"
    )
    untouched = await db[MESSAGES].find_one({"twilio_sid": sent["sid"]})
    assert untouched is not None
    assert "delivery_status" not in untouched  # shown as queued
    await _named_callbacks(deps, store, sent, DeliveryStatus.DELIVERED)
    assert await _tick(db, sent["sid"]) == "delivered"


async def test_early_statuses_naming_only_the_sid_tick_a_reply_an_older_responder_sent(
    db: Database, deps: ResponderDeps, store: Store
) -> None:
    """A reply sent before the upgrade, without its id in the callback URL: its early
    statuses are kept by SID and applied when recovery records the SID."""
    event = customer_says(store, "+6281100000093", "Halo kak")
    conversations = deps.conversations
    in_flight = await conversations.reserve_reply(event, Draft(text="Halo!", grounded=True), True)
    sid = f"SM{uuid.uuid4().hex}"  # Twilio has it; the responder died before recording it
    await _callbacks(
        deps, store, sid, DeliveryStatus.DELIVERED, DeliveryStatus.SENT, DeliveryStatus.SENT
    )
    assert await db[EARLY_DELIVERY_STATUSES].find_one({"_id": sid}) is not None

    await conversations.mark_sent(in_flight, sid)  # as recovery does, the send found

    assert await _tick(db, sid) == "delivered"


async def test_a_status_of_no_message_of_ours_is_kept_without_touching_any_reply(
    db: Database, deps: ResponderDeps, store: Store
) -> None:
    sid = f"SM{uuid.uuid4().hex}"  # no message carries it
    await _callbacks(deps, store, sid, DeliveryStatus.SENT, DeliveryStatus.DELIVERED)

    kept = await db[EARLY_DELIVERY_STATUSES].find_one({"_id": sid})
    assert kept is not None
    assert set(kept["statuses"]) == {"sent", "delivered"}
    assert await db[MESSAGES].count_documents({"twilio_sid": sid}) == 0


async def test_a_csat_surveys_statuses_are_not_kept_as_early_ones(
    db: Database, deps: ResponderDeps, store: Store
) -> None:
    sid = f"SM{uuid.uuid4().hex}"
    await db[CSAT_SURVEYS].insert_one({"_id": f"survey:{sid}", "twilio_sid": sid})

    await _callbacks(deps, store, sid, DeliveryStatus.SENT)

    assert await db[EARLY_DELIVERY_STATUSES].find_one({"_id": sid}) is None


async def _sent_while_held(
    deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn, customer: str, sending: Any
) -> dict[str, Any]:
    """The message `sending` sends, its "sent" status handled before the send answered."""
    before = len(twilio_api.sent_to(customer))
    twilio_api.hold_answers()
    task = asyncio.create_task(sending)
    [message] = await eventually(lambda: twilio_api.sent_to(customer)[before:])
    await _named_callbacks(deps, store, message, DeliveryStatus.SENT)
    twilio_api.release_answers()
    await task
    return message


async def test_a_csat_surveys_and_its_thanks_statuses_name_the_survey_and_are_never_kept(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    """Statuses handled before the survey's (or the thanks') send answered: they name the
    survey, so the responder keeps nothing aside for them (nothing reads a survey's tick)."""
    customer = "+6281100000094"
    due = events.survey_due(customer_says(store, customer, "Halo kak"))
    survey_sent = await _sent_while_held(deps, store, twilio_api, customer, csat.ask(due, deps))
    rating = customer_says(store, customer, "5")
    thanks = await _sent_while_held(deps, store, twilio_api, customer, csat.answer(rating, deps))

    survey = await db[CSAT_SURVEYS].find_one(
        {"_id": survey_id(due.conversation_id, due.session_opened_at)}
    )
    assert survey is not None
    assert [survey["twilio_sid"], survey["thanks_sid"]] == [survey_sent["sid"], thanks["sid"]]
    for message in (survey_sent, thanks):
        query = parse_qs(urlsplit(message["_status_callback"]).query)
        assert query[STATUS_MESSAGE_PARAM] == [survey["_id"]]
        assert await db[EARLY_DELIVERY_STATUSES].find_one({"_id": message["sid"]}) is None
