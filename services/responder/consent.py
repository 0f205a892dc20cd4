"""A customer's stop (or restart) request in chat: recorded once, confirmed through the normal
reply path, never sent to the model as a question (docs/notifications.md)."""

from services.responder.deps import ResponderDeps
from shared.answering.draft import Draft
from shared.answering.wording import Phrase, detect_language, phrase
from shared.consent import records
from shared.consent.chat import Intent, consent_intent
from shared.consent.records import Change, Purpose, Source, State
from shared.consumer import PermanentError
from shared.events import MessageReceived

_CHANGES = {
    Intent.WITHDRAW: (State.WITHDRAWN, list(Purpose), Phrase.CONSENT_WITHDRAWN),
    Intent.GRANT: (State.GRANTED, [Purpose.ORDER_UPDATES], Phrase.CONSENT_GRANTED),
}


async def consent_reply(event: MessageReceived, deps: ResponderDeps) -> Draft | None:
    """The confirmation of a consent request, once it is recorded; None for any other message.
    The record is keyed by the message, so a redelivered event records nothing new."""
    intent = consent_intent(event.text) if event.text and not event.media else None
    if intent is None:
        return None
    store = await deps.stores.by_id(event.store_id)
    if store is None:
        raise PermanentError(f"store {event.store_id!r} does not exist")
    state, purposes, confirmation = _CHANGES[intent]
    change = Change(purposes=purposes, state=state, source=Source.CHAT, wording=event.text)
    await records.apply(
        deps.conversations.db,
        event.store_id,
        event.customer_number,
        change,
        key=f"message:{event.message_sid}",
        at=event.occurred_at,
    )
    language = (await deps.bot_settings.current(store)).settings.default_language
    return Draft(text=phrase(detect_language(event.text, language), confirmation))
