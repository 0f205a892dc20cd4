"""One typed configuration for every service, read from the environment and `.env`.

Settings are grouped in sections (`settings.kafka.partitions`), while every environment
variable keeps its flat name (`KAFKA_PARTITIONS`): a section's field is read from its prefix and
its name in upper case, or from the variable its `validation_alias` names.
"""

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEV_TWILIO_AUTH_TOKEN = "dev-twilio-auth-token"  # signs `balas simulate` webhooks on a dev box
DEV_ADMIN_API_TOKEN = "dev-admin-token"  # the console API's bearer token on a dev box
# DEVELOPMENT PLACEHOLDER, derived from a published phrase: anyone can decrypt with it.
DEV_SECRETS_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"balas development secrets key: NOT SECRET, never use in production").digest()
).decode()


class Section(BaseModel):
    """A group of settings. Each field is read from the variable its `validation_alias` names,
    else from its name in upper case (after the prefix of a `prefixed` section). In code its
    fields are set by name: `KafkaSettings(partitions=4)`."""

    model_config = ConfigDict(validate_by_name=True, extra="forbid")


def prefixed(prefix: str) -> ConfigDict:
    """A section whose fields are read from `prefix` + their name, in upper case."""
    return ConfigDict(
        alias_generator=AliasGenerator(validation_alias=lambda name: f"{prefix}{name}".upper())
    )


# -- platform: logging, Kafka, MongoDB, retention, consumers ------------------------------------


class LogSettings(Section):
    model_config = prefixed("LOG_")

    level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    format: Literal["console", "json"] = Field(
        "console", description="`json` for log shippers, `console` for people."
    )


class KafkaSettings(Section):
    model_config = prefixed("KAFKA_")

    bootstrap_servers: str | None = Field(
        None, description="Real Kafka (`host:port,...`). Unset: start the embedded broker."
    )
    partitions: int = Field(8, ge=1, description="Partitions per topic created at start.")
    replication_factor: int = Field(1, ge=1, description="Replication of created topics.")
    enable_idempotence: bool | None = Field(
        None, description="Idempotent producer; default on for real Kafka, off for embedded."
    )
    embedded_port: int = Field(
        9092,
        validation_alias="EMBEDDED_KAFKA_PORT",
        description="Port of the embedded Kafka broker.",
    )
    journal: bool = Field(
        False,
        description="Copy every published event to MongoDB before it counts as accepted; "
        "`balas run` turns it on for the embedded broker, which keeps topics only in memory.",
    )
    paced_fetches: bool = Field(
        False,
        description="Consumers fetch without waiting at the broker, paced (an empty fetch is "
        "followed by the next 50 ms after it began, 0.5 s once idle), instead of long polls; "
        "`balas run` turns it on for the embedded broker, which re-reads every partition of a "
        "waiting fetch many times (shared/fetch_wait.py).",
    )

    @property
    def producer_idempotence(self) -> bool:
        if self.enable_idempotence is not None:
            return self.enable_idempotence
        return self.bootstrap_servers is not None


class MongoSettings(Section):
    model_config = prefixed("MONGODB_")

    uri: str | None = Field(
        None, description="Real MongoDB (a replica set). Unset: start the embedded server."
    )
    database: str = Field("balas", description="Database name.")
    embedded_port: int = Field(
        27017,
        validation_alias="EMBEDDED_MONGODB_PORT",
        description="Port of the embedded MongoDB server.",
    )


class RetentionSettings(Section):
    days: int = Field(
        183,
        ge=1,
        validation_alias="RETENTION_DAYS",
        description="Customers' personal data (messages, caches, KPI claims, stored events, "
        "topics) is deleted after this; `MESSAGE_RETENTION_DAYS` is read as an alias.",
    )

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.days)


class ConsumerSettings(Section):
    handler_max_attempts: int = Field(
        5,
        ge=1,
        description="Tries before an event is dead-lettered; a dependency's outage is waited "
        "out and not counted.",
    )
    retry_backoff_seconds: float = Field(
        0.5, gt=0, description="First retry delay, and first wait between outage probes; doubles."
    )
    retry_backoff_max_seconds: float = Field(
        30.0, gt=0, description="Longest retry delay, and longest wait between outage probes."
    )
    responder_max_in_flight: int = Field(
        500, ge=1, description="Customer messages a responder works on at once."
    )
    batch_wait_ms: int = Field(
        250,
        ge=0,
        le=1000,
        description="How long the enricher and the KPI aggregator keep polling for more records "
        "after a poll that brought some, so that each batch (a fixed number of MongoDB round "
        "trips) holds several records at a low rate; a card or a KPI bucket shows a message at "
        "most this much later. 0 hands each poll on at once.",
    )
    group_session_timeout_seconds: float = Field(
        10.0,
        ge=1,
        le=300,
        description="How long a consumer group waits for a silent member before giving its "
        "partitions to the others; the embedded broker also holds every join for half of it.",
    )
    settings_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=60,
        description="How long the responder trusts a store's bot settings and knowledge "
        "revision it read, so a busy store's messages do not read them each: a change applies "
        "at most this late; 0 reads them per message.",
    )


# -- where the services listen: ingest, the workers' endpoints, the console --------------------


class IngestSettings(Section):
    model_config = prefixed("INGEST_")

    host: str = Field("127.0.0.1", description="Interface ingest listens on.")
    port: int = Field(8080, description="Port of ingest (webhooks, /healthz, /readyz).")
    public_base_url: str = Field(
        "http://localhost:8080",
        validation_alias="PUBLIC_BASE_URL",
        description="URL Twilio reaches ingest at; signatures are checked against it.",
    )
    fallback_base_url: str | None = Field(
        None,
        validation_alias="FALLBACK_PUBLIC_BASE_URL",
        description="Second URL of ingest (another replica or host) that Twilio retries a "
        "failed webhook at once; unset: PUBLIC_BASE_URL.",
    )
    publish_timeout_seconds: float = Field(
        3.0,
        gt=0,
        description="How long a webhook waits for Kafka before its event goes to the outbox.",
    )
    mongodb_timeout_seconds: float = Field(
        3.0,
        gt=0,
        description="Longest MongoDB operation of ingest; past it a webhook is answered 503, "
        "unless ingest has seen the store before (its last-known copy stands in).",
    )
    store_refresh_seconds: float = Field(
        30.0,
        ge=0,
        description="How long ingest uses its copy of a store before asking MongoDB again.",
    )

    @property
    def twilio_fallback_base_url(self) -> str:
        return self.fallback_base_url or self.public_base_url


class MetricsSettings(Section):
    """Where the services serve /metrics (internal ports only): the workers with /healthz and
    /readyz (the kpi_aggregator its API too), ingest on a port of its own."""

    model_config = prefixed("METRICS_")

    host: str = Field("127.0.0.1", description="Interface of the services' /metrics.")
    ingest_port: int = Field(
        9104,
        validation_alias="INGEST_METRICS_PORT",
        description="Port of ingest's /metrics (internal; never ingest's public port).",
    )
    responder_port: int = Field(
        9101,
        validation_alias="RESPONDER_METRICS_PORT",
        description="Port of the responder's /metrics.",
    )
    enricher_port: int = Field(
        9102,
        validation_alias="ENRICHER_METRICS_PORT",
        description="Port of the enricher's /metrics.",
    )
    kpi_aggregator_port: int = Field(
        9103,
        validation_alias="KPI_AGGREGATOR_METRICS_PORT",
        description="Port of the kpi_aggregator's /metrics and KPI API.",
    )


class ConsoleSettings(Section):
    model_config = prefixed("CONSOLE_")

    host: str = Field("127.0.0.1", description="Interface the console API listens on.")
    port: int = Field(8090, description="Port of the console API (admin, /metrics).")
    admin_api_token: SecretStr = Field(
        SecretStr(DEV_ADMIN_API_TOKEN),
        validation_alias="ADMIN_API_TOKEN",
        description="Bearer token of the console's admin API and the kpi_aggregator's KPI API "
        "(development placeholder).",
    )
    public_url: str = Field(
        "http://localhost:8090",
        description="URL admins open the console at; https makes cookies Secure and sends HSTS.",
    )
    session_idle_minutes: int = Field(
        480, ge=1, description="A console session unused this long ends."
    )
    session_max_hours: int = Field(
        24, ge=1, description="A console session ends this long after login, used or not."
    )
    invite_hours: int = Field(
        72, ge=1, le=720, description="A team invite link works this long, and once."
    )
    login_free_failures: int = Field(
        5,
        ge=1,
        description="Failed logins per e-mail, and per e-mail from one address, before the login "
        "brake's delays begin (per address: 4 times as many).",
    )
    login_max_delay_minutes: int = Field(
        15,
        ge=1,
        description="Longest delay the login brake asks of one address, for its logins to one "
        "e-mail or to all.",
    )
    login_account_max_delay_seconds: int = Field(
        60,
        ge=1,
        le=300,
        description="Longest delay of one e-mail's logins from every address: short, so that "
        "nobody can keep the account's owner out by failing logins.",
    )
    trusted_proxies: tuple[IPvAnyNetwork, ...] = Field(
        (),
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose "
        "X-Forwarded-For and X-Forwarded-Proto the console believes; none by default.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value


# -- outside services: the LLM, Twilio, the Graph API, WooCommerce ---------------------------------


class LlmSettings(Section):
    """The chat model: a hosted API with a key, or a local or self-hosted server without one."""

    model_config = prefixed("LLM_")

    api_key: SecretStr | None = Field(
        None,
        validation_alias="OPENAI_API_KEY",
        description="Key of an OpenAI-compatible API. Unset with OPENAI_BASE_URL unset too: "
        "offline answers from the knowledge.",
    )
    base_url: str | None = Field(
        None,
        validation_alias="OPENAI_BASE_URL",
        description="OpenAI-compatible base URL; set alone (Ollama, vLLM, llama.cpp's server), "
        "it switches the LLM on without a key.",
    )
    model: str = Field("gpt-4o-mini", description="Chat model name.")
    temperature: float = Field(0.3, description="Sampling temperature.")
    timeout_seconds: float = Field(30.0, description="Timeout of one LLM call.")
    classification_engine: Literal["auto", "offline", "llm"] = Field(
        "auto",
        validation_alias="CLASSIFICATION_ENGINE",
        description="Labels customer messages: auto (the LLM if configured), offline, llm.",
    )
    summary_engine: Literal["auto", "extractive"] = Field(
        "auto",
        validation_alias="SUMMARY_ENGINE",
        description="Conversation summaries: auto (the LLM if configured), extractive.",
    )
    history_messages: int = Field(
        20, ge=0, validation_alias="HISTORY_MESSAGES", description="Past messages given to the LLM."
    )

    @property
    def configured(self) -> bool:
        """A key (the base URL defaults to OpenAI's) or a base URL (a server that needs none)."""
        return self.api_key is not None or self.base_url is not None


class EmbeddingsSettings(Section):
    """Vectors of knowledge passages: the chat endpoint's server unless told otherwise."""

    model_config = prefixed("EMBEDDINGS_")

    enabled: bool = Field(
        True, description="Embed knowledge passages; false keeps retrieval lexical (BM25) only."
    )
    base_url: str | None = Field(
        None,
        description="OpenAI-compatible base URL of the embeddings. Unset: OPENAI_BASE_URL.",
    )
    api_key: SecretStr | None = Field(
        None,
        description="Key of the embeddings API. Unset: OPENAI_API_KEY when EMBEDDINGS_BASE_URL "
        "is unset too (the same server), else none.",
    )
    model: str = Field("text-embedding-3-small", description="Embeddings model name.")


class TranscriptionSettings(Section):
    """Speech to text for customers' voice notes: an OpenAI-compatible `/audio/transcriptions`
    (OpenAI, or a self-hosted Whisper server). Off until a base URL is set."""

    model_config = prefixed("TRANSCRIPTION_")

    base_url: str | None = Field(
        None,
        description="OpenAI-compatible base URL of the transcription endpoint (OpenAI's own: "
        "https://api.openai.com/v1). Unset: voice notes are handed over to a person.",
    )
    api_key: SecretStr | None = Field(
        None, description="Key of the transcription endpoint; a server that needs none: unset."
    )
    model: str = Field("whisper-1", description="Speech-to-text model name.")
    timeout_seconds: float = Field(
        60.0, gt=0, description="Longest transcription; past it the voice note is handed over."
    )
    max_seconds: int = Field(
        300, ge=1, description="Longest voice note transcribed (read from an OGG/Opus header)."
    )

    @property
    def configured(self) -> bool:
        return self.base_url is not None


class TwilioSettings(Section):
    model_config = prefixed("TWILIO_")

    account_sid: str | None = Field(
        None, description="Twilio account. Unset: replies are stored as not sent."
    )
    auth_token: SecretStr = Field(
        SecretStr(DEV_TWILIO_AUTH_TOKEN), description="Signs webhooks and authenticates sends."
    )
    api_base_url: str | None = Field(
        None, description="Override of Twilio's REST API URL (stand-ins, proxies)."
    )
    timeout_seconds: float = Field(10.0, description="Timeout of one Twilio call.")
    recovery_listings: int = Field(
        4,
        ge=1,
        description="Looks at Twilio's listing for a send whose outcome is unknown (the attempt "
        "failed or was interrupted) before it is taken as never sent and sent again.",
    )
    recovery_pause_seconds: float = Field(
        5.0,
        ge=0,
        description="Pause between those looks: Twilio may list a message seconds after "
        "accepting it.",
    )
    recovery_clock_skew_seconds: float = Field(
        30.0,
        ge=0,
        description="Those looks match messages Twilio created since the send intent was "
        "recorded, less this margin for clock skew.",
    )


class WhatsAppCloudSettings(Section):
    model_config = prefixed("WHATSAPP_CLOUD_")

    graph_api_base_url: str = Field(
        "https://graph.facebook.com",
        description="Meta's Graph API, which sends Cloud API messages (override: stand-ins).",
    )
    graph_api_version: str = Field(
        "v24.0", pattern=r"^v[0-9]+\.[0-9]+$", description="Graph API version called."
    )
    timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one Graph API call.")


class EmailSettings(Section):
    model_config = prefixed("EMAIL_")

    poll_seconds: float = Field(
        60.0,
        gt=0,
        description="How often a mailbox without IMAP IDLE is read; with IDLE, how long one "
        "IDLE waits before it is renewed. Also how soon a newly connected mailbox is read.",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one IMAP or SMTP call.")


class WooCommerceSettings(Section):
    model_config = prefixed("WOOCOMMERCE_")

    reconcile_minutes: float = Field(
        15.0,
        ge=0,
        description="How often the enricher re-reads each store's WooCommerce changes (0: never).",
    )
    timeout_seconds: float = Field(
        20.0, gt=0, description="Timeout of one WooCommerce REST API call."
    )


# -- the product's behaviour: size limits, conversations, the demo store -----------------------


class LimitSettings(Section):
    knowledge_max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Largest knowledge document accepted, in bytes."
    )
    customer_media_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1,
        description="Largest photo or document from a customer that the bot reads, in bytes.",
    )


class ConversationSettings(Section):
    model_config = prefixed("CONVERSATION_")

    idle_hours: float = Field(
        24.0, gt=0, description="A conversation idle this long is closed with an outcome."
    )
    reopen_hours: float = Field(
        24.0, ge=0, description="A customer writing this soon after a bot resolution reopens it."
    )
    sweep_seconds: float = Field(
        60.0, gt=0, description="How often the enricher looks for idle conversations to close."
    )
    csat_ask_after_idle_minutes: float = Field(
        60.0,
        gt=0,
        validation_alias="CSAT_ASK_AFTER_IDLE_MINUTES",
        description="An answered conversation idle this many minutes (or closed by an agent) "
        "gets one CSAT survey, if its customer wrote less than 23 hours ago.",
    )
    attribution_window_days: float = Field(
        7.0,
        ge=0,
        validation_alias="ATTRIBUTION_WINDOW_DAYS",
        description="An order counts as a conversation's when the customer wrote this soon before.",
    )
    notification_attribution_days: float = Field(
        3.0,
        ge=0,
        validation_alias="NOTIFICATION_ATTRIBUTION_DAYS",
        description="An order counts as a notification's when it went out this soon before "
        "(the customer's last one).",
    )


class DemoSettings(Section):
    model_config = prefixed("DEMO_")

    store_id: str = Field("demo", description="Store created on a fresh development run.")
    whatsapp_number: str = Field(
        "+14155238886", description="WhatsApp number of the demo store (Twilio's sandbox)."
    )


# -- the root: top-level fields and every section ----------------------------------------------


class Settings(BaseSettings):
    """Top-level fields are read from their name in upper case, sections as their class says.

    In code, `Settings(kafka=KafkaSettings(partitions=4))` sets a whole section (its other
    fields keep their defaults, whatever the environment says); `settings.updated(kafka=
    {"partitions": 4})` changes one field of a section and keeps the others.
    """

    # Unknown names are refused in code; in the environment and `.env` only known ones are read.
    model_config = SettingsConfigDict(env_file=".env", extra="forbid", env_ignore_empty=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses development placeholder secrets."
    )
    data_dir: Path = Field(Path("var"), description="Where the embedded servers keep their data.")
    secrets_key: SecretStr = Field(
        SecretStr(DEV_SECRETS_KEY),
        description="Fernet key encrypting store secrets at rest (development placeholder).",
    )
    allow_private_urls: bool = Field(
        False,
        description="Store URLs may point at private, loopback and link-local addresses "
        "(development against a shop on this machine or network only).",
    )
    log: LogSettings = Field(default_factory=LogSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongodb: MongoSettings = Field(default_factory=MongoSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    embeddings: EmbeddingsSettings = Field(default_factory=EmbeddingsSettings)
    transcription: TranscriptionSettings = Field(default_factory=TranscriptionSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    consumers: ConsumerSettings = Field(default_factory=ConsumerSettings)
    conversations: ConversationSettings = Field(default_factory=ConversationSettings)
    woocommerce: WooCommerceSettings = Field(default_factory=WooCommerceSettings)
    whatsapp_cloud: WhatsAppCloudSettings = Field(default_factory=WhatsAppCloudSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The stock sources would look for a variable per section (`KAFKA`, as JSON); these read
        # the flat variables the stock ones found, environment first, then `.env`.
        return (
            init_settings,
            _FlatVariables(settings_cls, env_settings),
            _FlatVariables(settings_cls, dotenv_settings),
        )

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> "Settings":
        token = self.twilio.auth_token.get_secret_value()
        if self.environment == "production" and token in ("", DEV_TWILIO_AUTH_TOKEN):
            # Anyone who knows the token can sign webhooks: never run production on a known one.
            raise ValueError("TWILIO_AUTH_TOKEN must be set to the real token in production")
        key = self.secrets_key.get_secret_value()
        try:
            valid_key = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid_key = False
        if not valid_key:
            raise ValueError("SECRETS_KEY must be a Fernet key (32 url-safe base64-encoded bytes)")
        if self.environment == "production" and key == DEV_SECRETS_KEY:
            # The placeholder is public: store secrets encrypted with it are not protected.
            raise ValueError("SECRETS_KEY must be set to a generated key in production")
        admin_token = self.console.admin_api_token.get_secret_value()
        if self.environment == "production" and admin_token in ("", DEV_ADMIN_API_TOKEN):
            raise ValueError("ADMIN_API_TOKEN must be set to a generated token in production")
        return self

    def updated(self, **sections: Mapping[str, object]) -> "Settings":
        """A copy with some fields of sections changed, and checked: `updated(log={"level":
        "DEBUG"})`; each dictionary names fields of one section, its other fields stay."""
        update = {}
        for name, fields in sections.items():
            section: Section = getattr(self, name)
            update[name] = section.model_validate({**section.model_dump(), **fields})
        return self.model_copy(update=update)

    def as_environment(self) -> dict[str, str]:
        """These settings as environment variables, secrets included, for child processes."""
        env = {}
        for variable, (section, name) in environment_variables().items():
            value = getattr(getattr(self, section) if section else self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, tuple):  # lists are read back comma-separated
                value = ",".join(str(item) for item in value)
            if value is not None:
                env[variable] = str(value)
        return env


# Variables renamed since a release, still read when the new name is not set: old -> new.
FORMER_NAMES = {"MESSAGE_RETENTION_DAYS": "RETENTION_DAYS"}


def environment_variables() -> dict[str, tuple[str | None, str]]:
    """Every variable Settings reads, with the section (None: the top level) and field it sets."""
    found: dict[str, tuple[str | None, str]] = {}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if not (isinstance(section, type) and issubclass(section, Section)):
            found[name.upper()] = (None, name)
            continue
        for inner_name, inner in section.model_fields.items():
            variable = inner.validation_alias or inner_name.upper()
            assert isinstance(variable, str)  # set as a plain name above, never a path
            found[variable] = (name, inner_name)
    return found


class _FlatVariables(PydanticBaseSettingsSource):
    """The variables a stock source (the environment or `.env`) found, placed in their sections."""

    def __init__(self, settings_cls: type[BaseSettings], stock: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        assert isinstance(stock, EnvSettingsSource)  # the `.env` source is one too
        self.found: Mapping[str, str | None] = stock.env_vars  # names in lower case

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError("__call__ reads every field at once")

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        former = {new: old for old, new in FORMER_NAMES.items()}
        for variable, (section, name) in environment_variables().items():
            value = self.found.get(variable.lower())
            if value is None and variable in former:
                value = self.found.get(former[variable].lower())
            if value is not None:
                (values.setdefault(section, {}) if section else values)[name] = value
        return values
