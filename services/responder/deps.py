"""The responder's collaborators, wired once per process (and by tests the same way)."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from services.responder.adapters.graph_sender import GraphSenders
from services.responder.adapters.smtp_sender import EmailSenders
from services.responder.adapters.transcription import transcriber
from services.responder.adapters.twilio_sender import TwilioSenders
from services.responder.media import MediaReader
from services.responder.repository import ConversationLog
from shared.actions.desk import ActionDesk, action_api
from shared.answering.answerer import Answerer, build_answerer
from shared.conversations.media_download import MediaFetcher
from shared.routes import TWILIO_STATUS_PATH, public_url
from shared.runtime import Runtime
from shared.secrets import secret_box
from shared.stores.bot_settings import BotSettingsRepository
from shared.stores.directory import StoreDirectory


@dataclass(frozen=True)
class ResponderDeps:
    broker: KafkaBroker
    stores: StoreDirectory
    conversations: ConversationLog
    answerer: Answerer
    bot_settings: BotSettingsRepository
    twilio: TwilioSenders | None  # None: never send (tests); else per store, maybe unconfigured
    status_callback_url: str
    history_messages: int
    media: MediaReader | None = None  # None: attachments are not read (tests)
    cloud: GraphSenders | None = None  # None: never send on the Cloud API (tests)
    actions: ActionDesk | None = None  # None: no order actions (tests)
    email: EmailSenders | None = None  # None: never send e-mail (tests)


def build_deps(runtime: Runtime) -> ResponderDeps:
    settings = runtime.settings
    stores = StoreDirectory(runtime.db)
    media = MediaFetcher(settings, stores, secret_box(settings))
    return ResponderDeps(
        broker=runtime.broker,
        stores=stores,
        conversations=ConversationLog(runtime.db),
        answerer=build_answerer(runtime.db, settings),
        bot_settings=BotSettingsRepository(runtime.db, settings.consumers.settings_cache_seconds),
        twilio=TwilioSenders(settings, stores, secret_box(settings)),
        status_callback_url=public_url(settings.ingest.public_base_url, TWILIO_STATUS_PATH),
        history_messages=settings.llm.history_messages,
        media=MediaReader(
            media,
            settings.limits.customer_media_max_bytes,
            transcriber(settings.transcription),
            settings.transcription.max_seconds,
        ),
        cloud=GraphSenders(settings, stores, secret_box(settings)),
        actions=ActionDesk(runtime.db, action_api(settings)),
        email=EmailSenders(settings, stores, secret_box(settings), runtime.db),
    )
