"""CSAT end to end on the session's MongoDB and Kafka, with the Twilio stand-in: the enricher's
sweep asks once per session, the responder sends the survey once, a rating is recorded and
thanked (never answered by the bot), the aggregator counts it and the fact row gets it."""

import uuid
from datetime import timedelta

import pytest

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.conversation import LifecyclePolicy
from services.enricher.handlers import on_message_received as enrich_message
from services.enricher.handlers import on_reply_sent as enrich_reply
from services.enricher.lifecycle import close_idle, request_surveys
from services.kpi_aggregator.handlers import on_events
from services.responder import csat
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from services.responder.service import reply_sent
from shared.conversations.collections import (
    CONVERSATION_EVENTS,
    CONVERSATIONS,
    CSAT_SURVEYS,
    MESSAGES,
)
from shared.conversations.csat import survey_id
from shared.events import ConversationClosed, CsatSurveyDue, MessageReceived, decode_event, utcnow
from shared.kpis.collections import CONVERSATION_FACTS, KPI_HOURLY
from shared.kpis.keys import bucket_id, hour_start
from shared.mongo import Database
from shared.stores.directory import Store
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.inbound import customer_says

pytestmark = pytest.mark.slow

POLICY = LifecyclePolicy()


async def converse(db: Database, deps: ResponderDeps, event: MessageReceived) -> None:
    """The customer writes, the bot answers, the enricher sees both (as the consumers would)."""
    await enrich_message(event, db, OfflineClassifier())
    await respond(event, deps)
    reply = await deps.conversations.find_reply(event.message_sid)
    assert reply is not None
    await enrich_reply(reply_sent(reply), db)


async def surveys_due(db: Database, conversation_id: str) -> list[CsatSurveyDue]:
    found = db[CONVERSATION_EVENTS].find(
        {"conversation_id": conversation_id, "event_type": "CsatSurveyDue"}
    )
    due = [decode_event(record["topic"], record["payload"]) async for record in found]
    return [event for event in due if isinstance(event, CsatSurveyDue)]


async def test_one_survey_per_session_one_rating_thanked_counted_and_on_the_fact_row(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = f"+62812{uuid.uuid4().int % 10**7:07d}"
    question = customer_says(store, customer, "Halo, jam buka toko?")
    await converse(db, deps, question)
    assert len(twilio_api.sent_to(customer)) == 1  # the bot's answer

    later = utcnow() + POLICY.csat_ask_after + timedelta(seconds=1)
    assert await request_surveys(db, None, POLICY, later - timedelta(seconds=2), store.id) == 0
    assert await request_surveys(db, None, POLICY, later, store.id) == 1
    assert await request_surveys(db, None, POLICY, later, store.id) == 0  # once per session
    (due,) = await surveys_due(db, question.conversation_id)
    assert due.reason == "idle"

    await csat.ask(due, deps)
    await csat.ask(due, deps)  # redelivered: nothing is sent again
    sent = twilio_api.sent_to(customer)
    assert len(sent) == 2
    assert sent[1]["body"].startswith("Bagaimana pelayanan kami?")

    card_before = await db[CONVERSATIONS].find_one({"_id": question.conversation_id})
    rating = customer_says(store, customer, "⭐⭐⭐⭐")
    for _ in range(2):  # redelivery changes nothing
        await enrich_message(rating, db, OfflineClassifier())
        await respond(rating, deps)
    sent = twilio_api.sent_to(customer)
    assert len(sent) == 3
    assert sent[2]["body"].startswith("Terima kasih atas penilaian")
    assert await db[MESSAGES].find_one({"_id": f"reply:{rating.message_sid}"}) is None
    card_after = await db[CONVERSATIONS].find_one({"_id": question.conversation_id})
    assert card_after is not None
    assert card_before is not None
    assert card_after["inbound_messages"] == card_before["inbound_messages"]
    survey = await db[CSAT_SURVEYS].find_one(
        {"_id": survey_id(question.conversation_id, due.session_opened_at)}
    )
    assert survey is not None
    assert survey["rating"] == 4

    # A next message is handled normally: a turn of the card, not taken for a rating (the
    # offline bot handed the conversation over, so the people answer it).
    follow_up = customer_says(store, customer, "4")
    await enrich_message(follow_up, db, OfflineClassifier())
    await respond(follow_up, deps)
    card_now = await db[CONVERSATIONS].find_one({"_id": question.conversation_id})
    assert card_now is not None
    assert card_now["inbound_messages"] == card_before["inbound_messages"] + 1
    assert len(twilio_api.sent_to(customer)) == 3

    # The aggregator: asked, rated, and the closed session's row carries the rating.
    closing = utcnow() + POLICY.idle + timedelta(minutes=1)
    assert await close_idle(db, None, POLICY, closing, store.id) == 1
    survey = await db[CSAT_SURVEYS].find_one({"_id": survey["_id"]})
    assert survey is not None
    happened = [
        csat.survey_sent(survey),
        csat.recorded(survey, rating, 4),
        *[
            decode_event(record["topic"], record["payload"])
            async for record in db[CONVERSATION_EVENTS].find(
                {"conversation_id": question.conversation_id, "event_type": "ConversationClosed"}
            )
        ],
    ]
    assert isinstance(happened[-1], ConversationClosed)
    assert happened[-1].first_session is True
    for _ in range(2):  # redelivery counts nothing twice
        await on_events(happened, db)
    rated = await db[KPI_HOURLY].find_one(
        {"_id": bucket_id(store.id, hour_start(rating.occurred_at))}
    )
    assert rated is not None
    assert rated["csat"]["ratings"] == 1
    assert rated["csat"]["sum"] == 4
    assert rated["csat"]["histogram"] == {"4": 1}
    asked = await db[KPI_HOURLY].find_one(
        {"_id": bucket_id(store.id, hour_start(survey["sent_at"]))}
    )
    assert asked is not None
    assert asked["csat"]["asked"] == 1
    opened = await db[KPI_HOURLY].find_one(
        {"_id": bucket_id(store.id, hour_start(question.occurred_at))}
    )
    assert opened is not None
    assert opened["conversations"]["new"] == 1
    row = await db[CONVERSATION_FACTS].find_one({"conversation_id": question.conversation_id})
    assert row is not None
    assert row["csat_score"] == 4


async def test_outside_the_window_or_with_csat_off_no_survey_goes_out(
    db: Database, deps: ResponderDeps, store: Store, twilio_api: TwilioStandIn
) -> None:
    customer = f"+62813{uuid.uuid4().int % 10**7:07d}"
    question = customer_says(store, customer, "Halo, ada batik tulis?")
    await converse(db, deps, question)

    too_late = utcnow() + timedelta(hours=23, minutes=1)
    assert await request_surveys(db, None, POLICY, too_late, store.id) == 0

    # The sweep asked in time, but the survey is handled after the window closed.
    stale = events.survey_due(question, utcnow() - timedelta(hours=23, minutes=1))
    await csat.ask(stale, deps)
    # CSAT switched off in the bot settings: in the window, still nothing.
    repository = deps.bot_settings
    current = await repository.current(store)
    await repository.save(
        store.id, current.settings.model_copy(update={"csat_enabled": False}), current.version
    )
    await csat.ask(stale.model_copy(update={"last_customer_message_at": utcnow()}), deps)

    assert len(twilio_api.sent_to(customer)) == 1  # only the bot's answer
    assert await db[CSAT_SURVEYS].count_documents({"conversation_id": stale.conversation_id}) == 0
