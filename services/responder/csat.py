"""CSAT surveys on WhatsApp: the question when a session is done, the rating when it comes back.
The rules (window, wording, what a rating is, which survey it answers) are
`shared.conversations.csat`'s; this module sends and records.

Each survey is one document in `csat_surveys` whose `_id` names the session (`csat.survey_id`);
inserting it is the send intent, like a reply's, so a survey goes out at most once per session
(a retry after a crash asks Twilio what happened instead of sending again). The thanks after a
rating is sent once the same way, from fields of the same document. A rating never reaches the
LLM: `answer` takes the message before anything else does.
"""

from typing import Any

import structlog
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.responder import sending
from services.responder.adapters.graph_sender import NothingSent
from services.responder.deps import ResponderDeps
from services.responder.metrics import CSAT_SURVEYS
from services.responder.send_recovery import SendIntent
from shared.conversations import csat
from shared.conversations.collections import CSAT_SURVEYS as SURVEYS
from shared.events import (
    CsatRecorded,
    CsatSurveyDue,
    CsatSurveySent,
    Event,
    MessageReceived,
    event_id_for,
    utcnow,
)
from shared.identity import channel_of, masked
from shared.kafka import publish
from shared.mongo import Database

log = structlog.get_logger(__name__)

Survey = dict[str, Any]


async def on_csat_event(event: Event, deps: ResponderDeps) -> None:
    """The responder acts on surveys due; the other facts of the topic are the aggregator's."""
    if isinstance(event, CsatSurveyDue):
        await ask(event, deps)


async def ask(event: CsatSurveyDue, deps: ResponderDeps) -> None:
    """Send the session's survey once, if the store wants CSAT and the window is open."""
    surveys = _surveys(deps)
    survey_id = csat.survey_id(event.conversation_id, event.session_opened_at)
    survey = await surveys.find_one({"_id": survey_id})
    if survey is None:
        survey = await _reserve(event, survey_id, deps)
        if survey is None:
            return
    if survey["state"] == "sending":
        survey = await _send_survey(survey, deps)
    await publish(deps.broker, survey_sent(survey))


async def _reserve(event: CsatSurveyDue, survey_id: str, deps: ResponderDeps) -> Survey | None:
    store = await deps.stores.by_id(event.store_id)
    if store is None:
        return None
    settings = (await deps.bot_settings.current(store)).settings
    if not settings.csat_enabled:
        CSAT_SURVEYS.labels("disabled").inc()
        return None
    if not csat.in_window(event.last_customer_message_at, utcnow()):
        CSAT_SURVEYS.labels("outside_window").inc()
        log.info("survey skipped: window closed", conversation=masked(event.conversation_id))
        return None
    language = settings.default_language.value
    survey: Survey = {
        "_id": survey_id,
        "store_id": event.store_id,
        "conversation_id": event.conversation_id,
        "session_opened_at": event.session_opened_at,
        "customer_number": event.customer_number,
        "store_number": store.whatsapp_number,
        "channel_account": sending.store_account(store, channel_of(event.conversation_id)),
        "language": language,
        "text": csat.question(language),
        "state": "sending",
        "send_attempts": 0,
        "created_at": utcnow(),
        "sent_at": None,
        "settled_by": None,
        "rating": None,
    }
    try:
        await _surveys(deps).insert_one(survey)
    except DuplicateKeyError:  # a concurrent attempt reserved it first
        existing: Survey | None = await _surveys(deps).find_one({"_id": survey_id})
        return existing
    return survey


async def _send_survey(survey: Survey, deps: ResponderDeps) -> Survey:
    sid, reason = await _send_once(survey, "", survey["text"], deps)
    done: dict[str, Any] = {"state": "sent", "sent_at": utcnow(), "twilio_sid": sid}
    if not sid:
        done = {"state": "not_sent", "finished_at": utcnow(), "not_sent_reason": reason}
    CSAT_SURVEYS.labels(done["state"]).inc()
    return await _update(deps, survey["_id"], {"$set": done})


def surveyed(card: dict[str, Any] | None) -> bool:
    """Whether the conversation was ever asked a survey: the enricher marks its card
    (`csat_session`) before it asks for one, so without the mark no survey awaits a rating
    and `answer` need not look."""
    return card is not None and card.get("csat_session") is not None


async def answer(event: MessageReceived, deps: ResponderDeps) -> bool:
    """True when `event` is the rating of a survey: recorded, thanked, published; the message
    then needs no reply. Redelivery records and sends nothing new."""
    rated = await csat.settle(_db(deps), event)
    if rated is None:
        return False
    rating = rated.rating
    survey = await _update(
        deps,
        rated.survey["_id"],
        {"$set": {"rating": rating, "rated_at": event.occurred_at}},
    )
    if survey.get("thanks_state") is None:  # the thanks' send intent
        intent = {"thanks_state": "sending", "thanks_created_at": utcnow()}
        survey = await _update(deps, survey["_id"], {"$set": intent})
    if survey["thanks_state"] == "sending":
        sid, reason = await _send_once(survey, "thanks_", csat.thanks(survey["language"]), deps)
        state: dict[str, Any] = {"thanks_state": "sent", "thanks_sid": sid}
        if not sid:
            state = {"thanks_state": "not_sent", "thanks_not_sent_reason": reason}
        survey = await _update(deps, survey["_id"], {"$set": state})
    await publish(deps.broker, recorded(survey, event, rating))
    return True


async def _send_once(
    survey: Survey, prefix: str, body: str, deps: ResponderDeps
) -> tuple[str | None, str | None]:
    """The channel's id of the sent message, or None and the reason it could not go out. A
    second attempt first asks the channel whether the first one went out (sending.py)."""
    channel = channel_of(survey["conversation_id"])
    sender = await sending.sender_for(deps, survey["store_id"], channel)
    if sender is None:
        return None, sending.not_configured(channel)
    # surveys stored before channels have no account: the store's Twilio number
    account = survey.get("channel_account") or survey["store_number"]
    recipient = {
        "to": survey["customer_number"],
        "sender": account,
        "body": body,
        "status_callback": deps.status_callback_url,
        # the survey's and the thanks' statuses name the survey: the responder finds no
        # message of that `_id` and keeps nothing (early_statuses.py); nothing reads their tick
        **sending.naming(sender, survey["_id"]),
    }
    attempts = f"{prefix}send_attempts"
    if survey.get(attempts):
        intent = SendIntent(
            customer_number=survey["customer_number"],
            store_number=survey["store_number"],
            text=body,
            # a thanks intent from before `thanks_created_at` was recorded: its survey's time
            recorded_at=survey.get(f"{prefix}created_at", survey["created_at"]),
        )
        try:
            found = await sending.earlier_send_of(sender, intent, _db(deps))
        except sending.OutcomeUnknown:
            return None, sending.OUTCOME_UNKNOWN
        if found:
            return found, None
    await _update(deps, survey["_id"], {"$inc": {attempts: 1}})
    try:
        return await sender.send(**recipient), None
    except sending.REFUSALS as refusal:
        return None, str(refusal)
    except NothingSent:  # certainly not sent: the retry sends without doubt
        await _update(deps, survey["_id"], {"$inc": {attempts: -1}})
        raise


def survey_sent(survey: Survey) -> CsatSurveySent:
    """The same survey always gives the same event."""
    sent = survey["state"] == "sent"
    finished = survey["sent_at"] if sent else survey.get("finished_at")
    return CsatSurveySent(
        event_id=event_id_for("csat.survey_sent", survey["_id"]),
        occurred_at=finished or survey["created_at"],
        store_id=survey["store_id"],
        conversation_id=survey["conversation_id"],
        survey_id=survey["_id"],
        session_opened_at=survey["session_opened_at"],
        sent=sent,
        not_sent_reason=survey.get("not_sent_reason"),
    )


def recorded(survey: Survey, event: MessageReceived, rating: int) -> CsatRecorded:
    return CsatRecorded(
        event_id=event_id_for("csat.recorded", survey["_id"]),
        occurred_at=event.occurred_at,
        store_id=survey["store_id"],
        conversation_id=survey["conversation_id"],
        survey_id=survey["_id"],
        session_opened_at=survey["session_opened_at"],
        rating=rating,
        message_sid=event.message_sid,
    )


def _db(deps: ResponderDeps) -> Database:
    return deps.conversations.db


def _surveys(deps: ResponderDeps) -> Any:
    return _db(deps)[SURVEYS]


async def _update(deps: ResponderDeps, survey_id: str, update: dict[str, Any]) -> Survey:
    document: Survey | None = await _surveys(deps).find_one_and_update(
        {"_id": survey_id}, update, return_document=ReturnDocument.AFTER
    )
    if document is None:
        raise RuntimeError(f"survey {survey_id} vanished")
    return document
