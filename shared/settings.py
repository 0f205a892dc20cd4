"""One typed configuration for every service, read from the environment and `.env`."""

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_TWILIO_AUTH_TOKEN = "dev-twilio-auth-token"  # signs `balas simulate` webhooks on a dev box
DEV_ADMIN_API_TOKEN = "dev-admin-token"  # the console API's bearer token on a dev box
# DEVELOPMENT PLACEHOLDER, derived from a published phrase: anyone can decrypt with it.
DEV_SECRETS_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"balas development secrets key: NOT SECRET, never use in production").digest()
).decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses development placeholder secrets."
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["console", "json"] = Field(
        "console", description="`json` for log shippers, `console` for people."
    )
    data_dir: Path = Field(Path("var"), description="Where the embedded servers keep their data.")

    kafka_bootstrap_servers: str | None = Field(
        None, description="Real Kafka (`host:port,...`). Unset: start the embedded broker."
    )
    kafka_partitions: int = Field(8, ge=1, description="Partitions per topic created at start.")
    kafka_replication_factor: int = Field(1, ge=1, description="Replication of created topics.")
    kafka_enable_idempotence: bool | None = Field(
        None, description="Idempotent producer; default on for real Kafka, off for embedded."
    )
    embedded_kafka_port: int = Field(9092, description="Port of the embedded Kafka broker.")

    mongodb_uri: str | None = Field(
        None, description="Real MongoDB (a replica set). Unset: start the embedded server."
    )
    mongodb_database: str = Field("balas", description="Database name.")
    embedded_mongodb_port: int = Field(27017, description="Port of the embedded MongoDB server.")

    public_base_url: str = Field(
        "http://localhost:8080",
        description="URL Twilio reaches ingest at; signatures are checked against it.",
    )
    ingest_host: str = Field("127.0.0.1", description="Interface ingest listens on.")
    ingest_port: int = Field(8080, description="Port of ingest (webhooks, /metrics).")
    metrics_host: str = Field("127.0.0.1", description="Interface of workers' /metrics.")
    console_host: str = Field("127.0.0.1", description="Interface the console API listens on.")
    console_port: int = Field(8090, description="Port of the console API (admin, /metrics).")
    admin_api_token: SecretStr = Field(
        SecretStr(DEV_ADMIN_API_TOKEN),
        description="Bearer token of the console's admin API (development placeholder).",
    )
    console_public_url: str = Field(
        "http://localhost:8090",
        description="URL admins open the console at; https makes cookies Secure and sends HSTS.",
    )
    console_session_idle_minutes: int = Field(
        480, ge=1, description="A console session unused this long ends."
    )
    console_session_max_hours: int = Field(
        24, ge=1, description="A console session ends this long after login, used or not."
    )
    console_login_attempts: int = Field(
        5, ge=1, description="Failed logins per e-mail per window (per address: 4 times as many)."
    )
    console_login_window_minutes: int = Field(
        15,
        ge=1,
        description="The window of CONSOLE_LOGIN_ATTEMPTS; refused logins wait for its end.",
    )

    openai_api_key: SecretStr | None = Field(
        None,
        description="Key of an OpenAI-compatible API. Unset: offline answers from the knowledge.",
    )
    openai_base_url: str | None = Field(None, description="OpenAI-compatible base URL.")
    llm_model: str = Field("gpt-4o-mini", description="Chat model name.")
    llm_temperature: float = Field(0.3, description="Sampling temperature.")
    llm_timeout_seconds: float = Field(30.0, description="Timeout of one LLM call.")
    classification_engine: Literal["auto", "offline", "llm"] = Field(
        "auto", description="Labels customer messages: auto (the LLM if configured), offline, llm."
    )
    summary_engine: Literal["auto", "extractive"] = Field(
        "auto", description="Conversation summaries: auto (the LLM if configured), extractive."
    )
    embeddings_model: str = Field(
        "text-embedding-3-small",
        description="Embeddings model of knowledge passages (with OPENAI_API_KEY).",
    )
    knowledge_max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Largest knowledge document accepted, in bytes."
    )
    customer_media_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1,
        description="Largest photo or document from a customer that the bot reads, in bytes.",
    )

    twilio_account_sid: str | None = Field(
        None, description="Twilio account. Unset: replies are stored as not sent."
    )
    twilio_auth_token: SecretStr = Field(
        SecretStr(DEV_TWILIO_AUTH_TOKEN), description="Signs webhooks and authenticates sends."
    )
    twilio_api_base_url: str | None = Field(
        None, description="Override of Twilio's REST API URL (stand-ins, proxies)."
    )
    twilio_timeout_seconds: float = Field(10.0, description="Timeout of one Twilio call.")

    secrets_key: SecretStr = Field(
        SecretStr(DEV_SECRETS_KEY),
        description="Fernet key encrypting store secrets at rest (development placeholder).",
    )

    handler_max_attempts: int = Field(
        5, ge=1, description="Tries before an event is dead-lettered."
    )
    retry_backoff_seconds: float = Field(0.5, gt=0, description="First retry delay; doubles.")
    retry_backoff_max_seconds: float = Field(30.0, gt=0, description="Longest retry delay.")
    responder_max_in_flight: int = Field(
        500, ge=1, description="Customer messages a responder works on at once."
    )
    history_messages: int = Field(20, ge=0, description="Past messages given to the LLM.")
    message_retention_days: int = Field(183, ge=1, description="Messages are deleted after this.")
    conversation_idle_hours: float = Field(
        24.0, gt=0, description="A conversation idle this long is closed with an outcome."
    )
    conversation_reopen_hours: float = Field(
        24.0, ge=0, description="A customer writing this soon after a bot resolution reopens it."
    )
    conversation_sweep_seconds: float = Field(
        60.0, gt=0, description="How often the enricher looks for idle conversations to close."
    )
    csat_ask_after_idle_minutes: float = Field(
        60.0,
        gt=0,
        description="An answered conversation idle this many minutes (or closed by an agent) "
        "gets one CSAT survey, if its customer wrote less than 23 hours ago.",
    )
    attribution_window_days: float = Field(
        7.0,
        ge=0,
        description="An order counts as a conversation's when the customer wrote this soon before.",
    )
    woocommerce_reconcile_minutes: float = Field(
        15.0,
        ge=0,
        description="How often the enricher re-reads each store's WooCommerce changes (0: never).",
    )
    woocommerce_timeout_seconds: float = Field(
        20.0, gt=0, description="Timeout of one WooCommerce REST API call."
    )
    allow_private_urls: bool = Field(
        False,
        description="Store URLs may point at private, loopback and link-local addresses "
        "(development against a shop on this machine or network only).",
    )

    demo_store_id: str = Field("demo", description="Store created on a fresh development run.")
    demo_whatsapp_number: str = Field(
        "+14155238886", description="WhatsApp number of the demo store (Twilio's sandbox)."
    )

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> "Settings":
        token = self.twilio_auth_token.get_secret_value()
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
        admin_token = self.admin_api_token.get_secret_value()
        if self.environment == "production" and admin_token in ("", DEV_ADMIN_API_TOKEN):
            raise ValueError("ADMIN_API_TOKEN must be set to a generated token in production")
        return self

    def as_environment(self) -> dict[str, str]:
        """These settings as environment variables, secrets included, for child processes."""
        env = {}
        for name, value in self.model_dump(mode="json").items():
            if value is not None:
                env[name.upper()] = str(value)
        env["TWILIO_AUTH_TOKEN"] = self.twilio_auth_token.get_secret_value()
        env["SECRETS_KEY"] = self.secrets_key.get_secret_value()
        env["ADMIN_API_TOKEN"] = self.admin_api_token.get_secret_value()
        if self.openai_api_key:
            env["OPENAI_API_KEY"] = self.openai_api_key.get_secret_value()
        return env

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None

    @property
    def embeddings_configured(self) -> bool:
        return self.openai_api_key is not None and bool(self.embeddings_model)

    @property
    def producer_idempotence(self) -> bool:
        if self.kafka_enable_idempotence is not None:
            return self.kafka_enable_idempotence
        return self.kafka_bootstrap_servers is not None
