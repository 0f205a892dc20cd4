"""Order actions in chat (docs/actions.md): a request, the customer's confirmation and what
came of it are answered here, before the answerer; any other message goes on to it."""

from services.responder.deps import ResponderDeps
from shared.actions.desk import Request
from shared.answering.draft import Draft
from shared.answering.wording import detect_language
from shared.events import MessageReceived
from shared.stores.bot_settings import BotSettings
from shared.stores.directory import Store


async def action_reply(
    event: MessageReceived, text: str, deps: ResponderDeps, store: Store, settings: BotSettings
) -> Draft | None:
    """`text` is what the customer said: the message's text, or a voice note's transcript."""
    if deps.actions is None or store.woocommerce is None or not text.strip():
        return None
    request = Request(
        store=store,
        rules=settings.order_actions,
        conversation_id=event.conversation_id,
        customer_number=event.customer_number,
        message_sid=event.message_sid,
        text=text,
        at=event.occurred_at,
        language=detect_language(text, settings.default_language),
    )
    return await deps.actions.reply(request)
