from typing import Any

import pytest
from pydantic import ValidationError

from shared import consumer
from shared.consumer import RetryPolicy
from shared.settings import (
    DEV_ADMIN_API_TOKEN,
    DEV_SECRETS_KEY,
    DEV_TWILIO_AUTH_TOKEN,
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
        settings(twilio_auth_token="")


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
        settings(admin_api_token=token)


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

    assert configured.twilio_auth_token.get_secret_value() == DEV_TWILIO_AUTH_TOKEN


# -- producer idempotence --------------------------------------------------------------------


def test_the_embedded_broker_gets_no_idempotent_producer() -> None:
    assert settings().producer_idempotence is False


def test_a_real_kafka_gets_an_idempotent_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9092,kafka-1:9092")

    assert settings().producer_idempotence is True


def test_an_empty_kafka_address_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "")

    configured = settings()

    assert configured.kafka_bootstrap_servers is None
    assert configured.producer_idempotence is False


@pytest.mark.parametrize(
    ("servers", "chosen"),
    [("kafka-0:9092", False), (None, True)],
    ids=["turned-off-for-real-kafka", "turned-on-for-embedded"],
)
def test_an_explicit_idempotence_setting_wins(servers: str | None, chosen: bool) -> None:
    configured = settings(kafka_bootstrap_servers=servers, kafka_enable_idempotence=chosen)

    assert configured.producer_idempotence is chosen


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
