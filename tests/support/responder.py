"""The responder's dependencies as a test wires them: real MongoDB and Kafka, and only the
senders and readers the test asks for (each pointed at a stand-in through its settings)."""

from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from services.responder.adapters.graph_sender import GraphSenders
from services.responder.adapters.transcription import transcriber
from services.responder.adapters.twilio_sender import TwilioSenders
from services.responder.deps import ResponderDeps
from services.responder.media import MediaReader
from services.responder.repository import ConversationLog
from shared.actions.desk import ActionDesk, action_api
from shared.answering.answerer import Answerer, build_answerer
from shared.conversations.media_download import MediaFetcher
from shared.mongo import Database
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.bot_settings import BotSettingsRepository
from shared.stores.directory import StoreDirectory
from tests.standins.twilio_api import TwilioStandIn

STATUS_CALLBACK_URL = "http://127.0.0.1/webhooks/twilio/status"
HISTORY_MESSAGES = 20
MEDIA_MAX_BYTES = 10 * 1024 * 1024


GRAPH_API_TIMEOUT_SECONDS = 0.5  # a stalled Graph API stand-in fails a send quickly


def through_twilio(settings: Settings, twilio: TwilioStandIn, **fields: object) -> Settings:
    """The settings sending with the stand-in's account (and any other Twilio `fields`)."""
    account = {
        "account_sid": twilio.account_sid,
        "auth_token": SecretStr(twilio.auth_token),
        "api_base_url": twilio.url,
    }
    return settings.updated(twilio={**account, **fields})


def responder_deps(
    db: Database,
    broker: KafkaBroker,
    settings: Settings,
    *,
    answerer: Answerer | None = None,
    twilio: bool = False,
    cloud: bool = False,
    media_max_bytes: int | None = None,
    actions: bool = False,
) -> ResponderDeps:
    """Without `twilio` or `cloud` nothing is sent; without `media_max_bytes` attachments are
    not read. The answerer is the process's for `settings` unless one is given. The stores are
    read afresh each time, so a test's change to a store is seen at once."""
    stores = StoreDirectory(db, ttl_seconds=0)
    box = secret_box(settings)
    media = None
    if media_max_bytes is not None:
        heard = settings.transcription
        fetcher = MediaFetcher(settings, stores, box)
        media = MediaReader(fetcher, media_max_bytes, transcriber(heard), heard.max_seconds)
    return ResponderDeps(
        broker=broker,
        stores=stores,
        conversations=ConversationLog(db),
        answerer=build_answerer(db, settings) if answerer is None else answerer,
        bot_settings=BotSettingsRepository(db),
        twilio=TwilioSenders(settings, stores, box) if twilio else None,
        status_callback_url=STATUS_CALLBACK_URL,
        history_messages=HISTORY_MESSAGES,
        media=media,
        cloud=GraphSenders(settings, stores, box) if cloud else None,
        actions=ActionDesk(db, action_api(settings)) if actions else None,
    )


async def close(deps: ResponderDeps) -> None:
    """Frees what the senders hold: Twilio's thread pool, the Graph API's HTTP client."""
    if deps.twilio is not None:
        deps.twilio.close()
    if deps.cloud is not None:
        await deps.cloud.close()
