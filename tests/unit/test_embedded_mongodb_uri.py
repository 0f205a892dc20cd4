"""Retryable writes are off for the embedded MongoDB only: SecantusDB's record of them costs
every write a prune (docs/benchmarks.md), while a MongoDB the user names keeps their choice."""

from pathlib import Path

import pytest

from shared import mongo
from shared.infra import EmbeddedServers
from shared.settings import Settings


async def retry_writes(settings: Settings) -> bool:
    """Whether the services' client for `settings` sends retryable writes (it does not connect
    until its first command)."""
    client = mongo.connect(settings.mongodb.uri or "")
    try:
        return bool(client.options.retry_writes)
    finally:
        await client.close()


def ready(settings: Settings) -> Settings:
    """`settings` as `balas run` hands them to the services."""
    return EmbeddedServers.for_settings(settings).applied_to(settings)


async def test_the_embedded_servers_client_sends_no_retryable_writes(tmp_path: Path) -> None:
    settings = ready(Settings(data_dir=tmp_path))

    assert "127.0.0.1" in (settings.mongodb.uri or "")
    assert not await retry_writes(settings)


@pytest.mark.parametrize(
    ("uri", "retrying"),
    [
        ("mongodb://db.example:27017/?replicaSet=rs0", True),  # the driver's default
        ("mongodb://db.example:27017/?replicaSet=rs0&retryWrites=true", True),
        ("mongodb://db.example:27017/?replicaSet=rs0&retryWrites=false", False),
    ],
)
async def test_a_given_mongodb_keeps_the_users_choice(
    tmp_path: Path, uri: str, retrying: bool
) -> None:
    settings = ready(Settings(data_dir=tmp_path).updated(mongodb={"uri": uri}))

    assert settings.mongodb.uri == uri
    assert await retry_writes(settings) is retrying
