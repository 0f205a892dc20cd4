import re
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from shared import consumer
from shared.consumer import RetryPolicy
from shared.settings import (
    DEV_ADMIN_API_TOKEN,
    DEV_SECRETS_KEY,
    DEV_TWILIO_AUTH_TOKEN,
    IngestSettings,
    MetricsSettings,
    Settings,
)

ENVIRONMENT_VARIABLES = (
    "ENVIRONMENT",
    "TWILIO_AUTH_TOKEN",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_ENABLE_IDEMPOTENCE",
    "SECRETS_KEY",
    "ADMIN_API_TOKEN",
)
REAL_SECRETS_KEY = "8nQm3qkq0cB3m1kq3yKj2l4Zt0v9xQm4c0l2v1B7f3E="


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the process environment; start every test from none of it."""
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# -- placeholders ----------------------------------------------------------------------------


def test_production_refuses_the_development_twilio_token() -> None:
    with pytest.raises(ValidationError, match="TWILIO_AUTH_TOKEN"):
        settings(environment="production")


def test_production_refuses_the_development_token_given_explicitly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", DEV_TWILIO_AUTH_TOKEN)

    with pytest.raises(ValidationError, match="TWILIO_AUTH_TOKEN"):
        settings()


def test_production_refuses_an_empty_twilio_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")

    with pytest.raises(ValidationError, match="TWILIO_AUTH_TOKEN"):
        settings()
    with pytest.raises(ValidationError, match="TWILIO_AUTH_TOKEN"):
        settings(twilio={"auth_token": ""})


def test_production_accepts_a_real_twilio_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "3f1c0b6a9e8d7c6b5a4f3e2d1c0b9a8f")
    monkeypatch.setenv("SECRETS_KEY", REAL_SECRETS_KEY)
    monkeypatch.setenv("ADMIN_API_TOKEN", "b7f0c2e4a9d1")

    configured = settings()

    assert configured.environment == "production"


@pytest.mark.parametrize("token", ["", DEV_ADMIN_API_TOKEN])
def test_production_refuses_a_placeholder_admin_token(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "3f1c0b6a9e8d7c6b5a4f3e2d1c0b9a8f")
    monkeypatch.setenv("SECRETS_KEY", REAL_SECRETS_KEY)

    with pytest.raises(ValidationError, match="ADMIN_API_TOKEN"):
        settings(console={"admin_api_token": token})


def test_production_refuses_the_development_secrets_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "3f1c0b6a9e8d7c6b5a4f3e2d1c0b9a8f")

    with pytest.raises(ValidationError, match="SECRETS_KEY"):
        settings()
    with pytest.raises(ValidationError, match="SECRETS_KEY"):
        settings(secrets_key=DEV_SECRETS_KEY)


def test_a_secrets_key_that_is_no_fernet_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="Fernet key"):
        settings(secrets_key="not-a-key")


def test_development_runs_with_the_placeholder_token() -> None:
    configured = settings()

    assert configured.twilio.auth_token.get_secret_value() == DEV_TWILIO_AUTH_TOKEN


# -- producer idempotence --------------------------------------------------------------------


def test_the_embedded_broker_gets_no_idempotent_producer() -> None:
    assert settings().kafka.producer_idempotence is False


def test_a_real_kafka_gets_an_idempotent_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9092,kafka-1:9092")

    assert settings().kafka.producer_idempotence is True


def test_an_empty_kafka_address_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "")

    configured = settings()

    assert configured.kafka.bootstrap_servers is None
    assert configured.kafka.producer_idempotence is False


@pytest.mark.parametrize(
    ("servers", "chosen"),
    [("kafka-0:9092", False), (None, True)],
    ids=["turned-off-for-real-kafka", "turned-on-for-embedded"],
)
def test_an_explicit_idempotence_setting_wins(servers: str | None, chosen: bool) -> None:
    configured = settings(kafka={"bootstrap_servers": servers, "enable_idempotence": chosen})

    assert configured.kafka.producer_idempotence is chosen


# -- every variable, where it lands ----------------------------------------------------------

README = Path(__file__).parents[2] / "README.md"
# Each variable of the README's table: a value unlike its default, the setting it lands in and
# what that setting then holds.
EVERY_VARIABLE: dict[str, tuple[str, str, object]] = {
    "ENVIRONMENT": ("production", "environment", "production"),
    "DATA_DIR": ("/srv/balas", "data_dir", Path("/srv/balas")),
    "SECRETS_KEY": (REAL_SECRETS_KEY, "secrets_key", SecretStr(REAL_SECRETS_KEY)),
    "ALLOW_PRIVATE_URLS": ("true", "allow_private_urls", True),
    "LOG_LEVEL": ("DEBUG", "log.level", "DEBUG"),
    "LOG_FORMAT": ("json", "log.format", "json"),
    "KAFKA_BOOTSTRAP_SERVERS": ("kafka-1:9092", "kafka.bootstrap_servers", "kafka-1:9092"),
    "KAFKA_PARTITIONS": ("12", "kafka.partitions", 12),
    "KAFKA_REPLICATION_FACTOR": ("3", "kafka.replication_factor", 3),
    "KAFKA_ENABLE_IDEMPOTENCE": ("false", "kafka.enable_idempotence", False),
    "EMBEDDED_KAFKA_PORT": ("19092", "kafka.embedded_port", 19092),
    "KAFKA_JOURNAL": ("true", "kafka.journal", True),
    "KAFKA_PACED_FETCHES": ("true", "kafka.paced_fetches", True),
    "MONGODB_URI": (
        "mongodb://mongo-1/?replicaSet=rs0",
        "mongodb.uri",
        "mongodb://mongo-1/?replicaSet=rs0",
    ),
    "MONGODB_DATABASE": ("balas_live", "mongodb.database", "balas_live"),
    "EMBEDDED_MONGODB_PORT": ("37017", "mongodb.embedded_port", 37017),
    "RETENTION_DAYS": ("30", "retention.days", 30),
    "INGEST_HOST": ("0.0.0.0", "ingest.host", "0.0.0.0"),
    "INGEST_PORT": ("18080", "ingest.port", 18080),
    "PUBLIC_BASE_URL": ("https://balas.example", "ingest.public_base_url", "https://balas.example"),
    "FALLBACK_PUBLIC_BASE_URL": (
        "https://ingest-2.balas.example",
        "ingest.fallback_base_url",
        "https://ingest-2.balas.example",
    ),
    "INGEST_PUBLISH_TIMEOUT_SECONDS": ("2.5", "ingest.publish_timeout_seconds", 2.5),
    "INGEST_MONGODB_TIMEOUT_SECONDS": ("4", "ingest.mongodb_timeout_seconds", 4.0),
    "INGEST_STORE_REFRESH_SECONDS": ("45", "ingest.store_refresh_seconds", 45.0),
    "METRICS_HOST": ("0.0.0.0", "metrics.host", "0.0.0.0"),
    "INGEST_METRICS_PORT": ("19104", "metrics.ingest_port", 19104),
    "RESPONDER_METRICS_PORT": ("19101", "metrics.responder_port", 19101),
    "ENRICHER_METRICS_PORT": ("19102", "metrics.enricher_port", 19102),
    "KPI_AGGREGATOR_METRICS_PORT": ("19103", "metrics.kpi_aggregator_port", 19103),
    "CONSOLE_HOST": ("0.0.0.0", "console.host", "0.0.0.0"),
    "CONSOLE_PORT": ("18090", "console.port", 18090),
    "ADMIN_API_TOKEN": ("b7f0c2e4a9d1", "console.admin_api_token", SecretStr("b7f0c2e4a9d1")),
    "CONSOLE_PUBLIC_URL": (
        "https://console.example",
        "console.public_url",
        "https://console.example",
    ),
    "CONSOLE_SESSION_IDLE_MINUTES": ("60", "console.session_idle_minutes", 60),
    "CONSOLE_SESSION_MAX_HOURS": ("8", "console.session_max_hours", 8),
    "CONSOLE_INVITE_HOURS": ("24", "console.invite_hours", 24),
    "CONSOLE_LOGIN_FREE_FAILURES": ("3", "console.login_free_failures", 3),
    "CONSOLE_LOGIN_MAX_DELAY_MINUTES": ("30", "console.login_max_delay_minutes", 30),
    "CONSOLE_LOGIN_ACCOUNT_MAX_DELAY_SECONDS": (
        "30",
        "console.login_account_max_delay_seconds",
        30,
    ),
    "CONSOLE_TRUSTED_PROXIES": (
        "10.0.0.0/8, 192.168.1.7",
        "console.trusted_proxies",
        (IPv4Network("10.0.0.0/8"), IPv4Network("192.168.1.7/32")),
    ),
    "OPENAI_API_KEY": ("sk-live", "llm.api_key", SecretStr("sk-live")),
    "OPENAI_BASE_URL": ("https://llm.example/v1", "llm.base_url", "https://llm.example/v1"),
    "LLM_MODEL": ("gpt-4o", "llm.model", "gpt-4o"),
    "LLM_TEMPERATURE": ("0.1", "llm.temperature", 0.1),
    "LLM_TIMEOUT_SECONDS": ("12.5", "llm.timeout_seconds", 12.5),
    "CLASSIFICATION_ENGINE": ("offline", "llm.classification_engine", "offline"),
    "SUMMARY_ENGINE": ("extractive", "llm.summary_engine", "extractive"),
    "HISTORY_MESSAGES": ("8", "llm.history_messages", 8),
    "EMBEDDINGS_ENABLED": ("false", "embeddings.enabled", False),
    "EMBEDDINGS_BASE_URL": (
        "http://127.0.0.1:11434/v1",
        "embeddings.base_url",
        "http://127.0.0.1:11434/v1",
    ),
    "EMBEDDINGS_API_KEY": ("sk-embed", "embeddings.api_key", SecretStr("sk-embed")),
    "EMBEDDINGS_MODEL": (
        "text-embedding-3-large",
        "embeddings.model",
        "text-embedding-3-large",
    ),
    "TRANSCRIPTION_BASE_URL": (
        "http://127.0.0.1:8000/v1",
        "transcription.base_url",
        "http://127.0.0.1:8000/v1",
    ),
    "TRANSCRIPTION_API_KEY": ("sk-hear", "transcription.api_key", SecretStr("sk-hear")),
    "TRANSCRIPTION_MODEL": ("whisper-large-v3", "transcription.model", "whisper-large-v3"),
    "TRANSCRIPTION_TIMEOUT_SECONDS": ("20", "transcription.timeout_seconds", 20.0),
    "TRANSCRIPTION_MAX_SECONDS": ("120", "transcription.max_seconds", 120),
    "KNOWLEDGE_MAX_UPLOAD_BYTES": ("1048576", "limits.knowledge_max_upload_bytes", 1048576),
    "CUSTOMER_MEDIA_MAX_BYTES": ("2097152", "limits.customer_media_max_bytes", 2097152),
    "TWILIO_ACCOUNT_SID": ("AC0123", "twilio.account_sid", "AC0123"),
    "TWILIO_AUTH_TOKEN": ("3f1c0b6a9e8d", "twilio.auth_token", SecretStr("3f1c0b6a9e8d")),
    "TWILIO_API_BASE_URL": (
        "http://127.0.0.1:8099",
        "twilio.api_base_url",
        "http://127.0.0.1:8099",
    ),
    "TWILIO_TIMEOUT_SECONDS": ("4.5", "twilio.timeout_seconds", 4.5),
    "TWILIO_RECOVERY_LISTINGS": ("6", "twilio.recovery_listings", 6),
    "TWILIO_RECOVERY_PAUSE_SECONDS": ("2.5", "twilio.recovery_pause_seconds", 2.5),
    "TWILIO_RECOVERY_CLOCK_SKEW_SECONDS": ("10", "twilio.recovery_clock_skew_seconds", 10.0),
    "HANDLER_MAX_ATTEMPTS": ("7", "consumers.handler_max_attempts", 7),
    "RETRY_BACKOFF_SECONDS": ("0.25", "consumers.retry_backoff_seconds", 0.25),
    "RETRY_BACKOFF_MAX_SECONDS": ("10", "consumers.retry_backoff_max_seconds", 10.0),
    "RESPONDER_MAX_IN_FLIGHT": ("64", "consumers.responder_max_in_flight", 64),
    "GROUP_SESSION_TIMEOUT_SECONDS": ("6", "consumers.group_session_timeout_seconds", 6.0),
    "SETTINGS_CACHE_SECONDS": ("0.5", "consumers.settings_cache_seconds", 0.5),
    "BATCH_WAIT_MS": ("100", "consumers.batch_wait_ms", 100),
    "CONVERSATION_IDLE_HOURS": ("12", "conversations.idle_hours", 12.0),
    "CONVERSATION_REOPEN_HOURS": ("6", "conversations.reopen_hours", 6.0),
    "CONVERSATION_SWEEP_SECONDS": ("15", "conversations.sweep_seconds", 15.0),
    "CSAT_ASK_AFTER_IDLE_MINUTES": ("45", "conversations.csat_ask_after_idle_minutes", 45.0),
    "ATTRIBUTION_WINDOW_DAYS": ("3", "conversations.attribution_window_days", 3.0),
    "NOTIFICATION_ATTRIBUTION_DAYS": ("2", "conversations.notification_attribution_days", 2.0),
    "WOOCOMMERCE_RECONCILE_MINUTES": ("5", "woocommerce.reconcile_minutes", 5.0),
    "WOOCOMMERCE_TIMEOUT_SECONDS": ("8", "woocommerce.timeout_seconds", 8.0),
    "WHATSAPP_CLOUD_GRAPH_API_BASE_URL": (
        "http://127.0.0.1:8098",
        "whatsapp_cloud.graph_api_base_url",
        "http://127.0.0.1:8098",
    ),
    "WHATSAPP_CLOUD_GRAPH_API_VERSION": ("v23.0", "whatsapp_cloud.graph_api_version", "v23.0"),
    "WHATSAPP_CLOUD_TIMEOUT_SECONDS": ("7.5", "whatsapp_cloud.timeout_seconds", 7.5),
    "EMAIL_POLL_SECONDS": ("15", "email.poll_seconds", 15.0),
    "EMAIL_TIMEOUT_SECONDS": ("12.5", "email.timeout_seconds", 12.5),
    "DEMO_STORE_ID": ("toko-demo", "demo.store_id", "toko-demo"),
    "DEMO_WHATSAPP_NUMBER": ("+6281100000000", "demo.whatsapp_number", "+6281100000000"),
}


def read(settings: Settings, path: str) -> object:
    value: object = settings
    for name in path.split("."):
        value = getattr(value, name)
    return value


@pytest.fixture
def every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, (value, _, _) in EVERY_VARIABLE.items():
        monkeypatch.setenv(name, value)


def test_the_readme_table_is_every_variable_here() -> None:
    row = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|")
    names = {
        match.group(1) for line in README.read_text().splitlines() if (match := row.match(line))
    }

    assert names == set(EVERY_VARIABLE)


@pytest.mark.usefixtures("every_variable")
@pytest.mark.parametrize("variable", EVERY_VARIABLE)
def test_each_variable_sets_its_setting(variable: str) -> None:
    _, path, expected = EVERY_VARIABLE[variable]

    assert read(settings(), path) == expected
    assert read(Settings.model_construct(), path) != expected  # not the default by chance


def test_a_dotenv_file_sets_every_variable_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in EVERY_VARIABLE:
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "".join(f"{name}={value}\n" for name, (value, _, _) in EVERY_VARIABLE.items())
    )
    monkeypatch.setenv("KAFKA_PARTITIONS", "5")

    configured = Settings(_env_file=dotenv)  # type: ignore[call-arg]

    for name, (_, path, expected) in EVERY_VARIABLE.items():
        if name != "KAFKA_PARTITIONS":
            assert read(configured, path) == expected, name
    assert configured.kafka.partitions == 5


@pytest.mark.usefixtures("every_variable")
def test_as_environment_gives_every_variable_back_secrets_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = settings()

    environment = parent.as_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert set(environment) == set(EVERY_VARIABLE)
    assert environment["OPENAI_API_KEY"] == "sk-live"
    assert environment["TWILIO_AUTH_TOKEN"] == "3f1c0b6a9e8d"
    assert environment["ADMIN_API_TOKEN"] == "b7f0c2e4a9d1"
    assert environment["SECRETS_KEY"] == REAL_SECRETS_KEY
    assert settings() == parent


def test_a_worker_port_reaches_the_service_through_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = MetricsSettings(responder_port=9201, enricher_port=9202, kpi_aggregator_port=9203)
    parent = settings(metrics=ports)  # what `balas run` hands its children

    for name, value in parent.as_environment().items():
        monkeypatch.setenv(name, value)
    child = settings()  # what `balas run responder` reads

    assert child.metrics == ports


def test_a_flat_name_in_code_is_refused() -> None:
    with pytest.raises(ValidationError, match="openai_api_key"):
        settings(openai_api_key="sk-test")


def test_updated_changes_one_field_of_a_section_and_checks_it() -> None:
    configured = settings(kafka={"partitions": 4, "replication_factor": 3})

    changed = configured.updated(kafka={"partitions": 6})

    assert (changed.kafka.partitions, changed.kafka.replication_factor) == (6, 3)
    assert configured.kafka.partitions == 4
    with pytest.raises(ValidationError, match="partitionz"):
        configured.updated(kafka={"partitionz": 6})
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        configured.updated(kafka={"partitions": 0})


# -- retry backoff ---------------------------------------------------------------------------


def test_retry_delays_double_until_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumer.random, "uniform", lambda low, high: high)  # no jitter
    policy = RetryPolicy(max_attempts=10, backoff_seconds=0.5, backoff_max_seconds=5.0)

    delays = [policy.delay(attempt) for attempt in range(1, 8)]

    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_retry_delays_are_jittered_between_half_and_all_of_the_ceiling() -> None:
    policy = RetryPolicy(backoff_seconds=1.0, backoff_max_seconds=30.0)

    delays = [policy.delay(3) for _ in range(200)]

    assert all(2.0 <= delay <= 4.0 for delay in delays)
    assert len(set(delays)) > 1


def test_a_late_retry_never_waits_longer_than_the_cap() -> None:
    policy = RetryPolicy(backoff_seconds=0.5, backoff_max_seconds=30.0)

    assert policy.delay(60) <= 30.0


def test_twilio_falls_back_to_the_public_url_unless_a_fallback_url_is_set() -> None:
    primary = IngestSettings(public_base_url="https://balas.example")
    fallback = primary.model_copy(update={"fallback_base_url": "https://ingest-2.balas.example"})

    assert primary.twilio_fallback_base_url == "https://balas.example"
    assert fallback.twilio_fallback_base_url == "https://ingest-2.balas.example"


def test_the_former_retention_variable_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESSAGE_RETENTION_DAYS", "90")

    assert settings().retention.days == 90


def test_the_current_retention_variable_wins_over_the_former(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MESSAGE_RETENTION_DAYS", "90")
    monkeypatch.setenv("RETENTION_DAYS", "60")

    assert settings().retention.days == 60
