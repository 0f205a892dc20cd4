"""The responder's reactions: a customer message gets exactly one reply; ticks move forward."""

from collections.abc import Sequence
from typing import Any

import structlog

from services.responder import csat, sending, service
from services.responder.consent import consent_reply
from services.responder.deps import ResponderDeps
from services.responder.media import SeenMedia, with_media_text
from services.responder.metrics import HAND_OVERS
from services.responder.order_actions import action_reply
from services.responder.repository import ConversationView, human_owns, view_window
from shared.answering.answerer import Question
from shared.answering.draft import Draft
from shared.answering.wording import detect_language
from shared.consumer import PermanentError
from shared.events import DeliveryStatusChanged, Event, MessageReceived, StoreDeleted
from shared.identity import masked
from shared.kafka import publish
from shared.stores.bot_settings import BotSettings, Language

log = structlog.get_logger(__name__)


async def on_message_received(event: MessageReceived, deps: ResponderDeps) -> None:
    conversations = deps.conversations
    if event.reaction_to is not None:
        await conversations.record_inbound(event)
        return  # a 👍 to a message is shown in the conversation, never answered
    card = await conversations.card(event.conversation_id)
    # A text message is stored with its reply, in one write (the embedded server's CPU goes by
    # the write); the enricher stores it too, with its labels, whichever comes first. One that
    # may get no reply, has no text for the enricher, or media written onto it before the
    # answer is stored first. Until it is stored, the view holds it from the event.
    with_reply = bool(event.text.strip()) and not event.media and not csat.surveyed(card)
    if not with_reply:
        await conversations.record_inbound(event)
    if csat.surveyed(card) and await csat.answer(event, deps):
        return  # a CSAT rating: recorded and thanked, never sent to the LLM
    view = await conversations.view(event, view_window(deps.history_messages))
    reply = view.reply
    if reply is None:
        # A stop request is honoured and confirmed even in a conversation a human owns.
        confirmation = await consent_reply(event, deps)
        if confirmation is None and card is not None and human_owns(card):
            log.info(
                "a human owns the conversation; bot stays silent",
                conversation=masked(event.conversation_id),
            )
            if with_reply:
                await conversations.record_inbound(event)
            await _hear_for_agent(event, deps, view)
            return
        first = await conversations.is_first_response(view)
        draft = confirmation or await _draft(event, deps, view, first)
        reply = await conversations.reserve_reply(event, draft, first, with_inbound=with_reply)
    if not reply.finished:
        if reply.unanswered:
            await conversations.record_gap(event, reply.unanswered)
        if reply.hand_over:
            await conversations.hand_over(
                reply.conversation_id, reply.store_id, reply.hand_over, reply.created_at
            )
            HAND_OVERS.labels(reply.hand_over.value).inc()
        reply = await sending.deliver(reply, deps)
    await publish(deps.broker, service.reply_sent(reply))


async def on_delivery_status_changed(event: DeliveryStatusChanged, deps: ResponderDeps) -> None:
    await on_delivery_statuses([event], deps)


async def on_delivery_statuses(events: Sequence[Event], deps: ResponderDeps) -> None:
    """A poll's status callbacks, applied in one write."""
    await deps.conversations.apply_delivery_statuses(
        [event for event in events if isinstance(event, DeliveryStatusChanged)]
    )


async def on_store_deleted(event: StoreDeleted, deps: ResponderDeps) -> None:
    """What this process keeps of a deleted store in memory goes: its cached record, its bot
    settings, its knowledge index and revision."""
    deps.stores.forget(event.store_id)
    deps.bot_settings.forget(event.store_id)
    deps.answerer.forget_store(event.store_id)


async def _draft(
    event: MessageReceived, deps: ResponderDeps, view: ConversationView, first: bool
) -> Draft:
    store = await deps.stores.by_id(event.store_id)
    if store is None:
        raise PermanentError(f"store {event.store_id!r} does not exist")
    settings = (await deps.bot_settings.current(store)).settings  # seconds old at most
    rules = settings.hand_over
    seen = await _read_media(event, deps, settings, view)  # before the answer: voice is heard
    if (alone := seen.reply_alone(event.text, settings.default_language)) is not None:
        return alone  # only media the bot cannot read: say what it reads, no model call
    said = seen.question_text(event.text)
    if (acted := await action_reply(event, said, deps, store, settings)) is not None:
        return acted  # an order action's request, confirmation or outcome (docs/actions.md)
    history = with_media_text(view.history(deps.history_messages))
    question = Question(
        store=store,
        settings=settings,
        text=said,
        asked_at=event.occurred_at,
        history=history,
        profile_name=event.profile_name,
        customer_number=event.customer_number,
        conversation_id=event.conversation_id,
        message_sid=event.message_sid,
        new_conversation=first,
        ungrounded_before=view.ungrounded_streak(rules.ungrounded_streak),
        sentiments=view.sentiments(rules.negative_sentiment_streak + 1),
    )
    return seen.noted(await deps.answerer.answer(question), event.text, settings.default_language)


async def _read_media(
    event: MessageReceived, deps: ResponderDeps, settings: BotSettings, view: ConversationView
) -> SeenMedia:
    """The message's attachments read (voice notes heard) and stored on the message."""
    if deps.media is None or not event.media:
        return SeenMedia()
    spoken = settings.default_language
    if deps.media.hears_voice(event):
        spoken = _spoken_language(view.history(deps.history_messages), spoken)
    seen = await deps.media.read(event, spoken)
    if seen.results:
        keep_media = settings.privacy.keep_media
        stored = seen.stored(keep_media)
        await deps.conversations.record_media(event.message_sid, stored)
        view.note_media(event.message_sid, stored)  # the history sees it without a re-read
        if not keep_media:  # the text is stored: the file is not needed
            await deps.media.forget(event.store_id, seen)
    return seen


async def _hear_for_agent(
    event: MessageReceived, deps: ResponderDeps, view: ConversationView
) -> None:
    """A voice note in a conversation a person holds is still transcribed, so the agent can read
    it; the bot answers nothing."""
    if deps.media is None or not deps.media.hears_voice(event):
        return
    store = await deps.stores.by_id(event.store_id)
    if store is not None:
        await _read_media(event, deps, (await deps.bot_settings.current(store)).settings, view)


def _spoken_language(history: list[dict[str, Any]], default: Language) -> Language:
    """The conversation's language so far (the store's before the customer wrote any words):
    the hint a voice note is transcribed with."""
    said = " ".join(m.get("text") or "" for m in history if m.get("direction") == "inbound")
    return detect_language(said, default)
