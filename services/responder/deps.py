"""The responder's collaborators, wired once per process (and by tests the same way)."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from services.responder.adapters.llm import ChatModel
from services.responder.adapters.twilio_sender import TwilioSender
from services.responder.repository import ConversationLog
from shared.runtime import Runtime
from shared.stores import StoreDirectory


@dataclass(frozen=True)
class ResponderDeps:
    broker: KafkaBroker
    stores: StoreDirectory
    conversations: ConversationLog
    chat: ChatModel | None  # None: no LLM configured
    twilio: TwilioSender | None  # None: no Twilio account configured
    status_callback_url: str
    history_messages: int


def build_deps(runtime: Runtime) -> ResponderDeps:
    settings = runtime.settings
    return ResponderDeps(
        broker=runtime.broker,
        stores=StoreDirectory(runtime.db),
        conversations=ConversationLog(runtime.db),
        chat=ChatModel(settings) if settings.llm_configured else None,
        twilio=(
            TwilioSender(settings, settings.twilio_account_sid)
            if settings.twilio_account_sid
            else None
        ),
        status_callback_url=settings.public_base_url.rstrip("/") + "/webhooks/twilio/status",
        history_messages=settings.history_messages,
    )
