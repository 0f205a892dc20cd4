"""Kafka and MongoDB for the tests, chosen as the architecture brief says: servers named by
environment variables first, then testcontainers where a Docker engine answers, else the
embedded servers."""

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.infra import EmbeddedServers, free_port
from shared.settings import Settings

# Short enough that joining a group is quick and a killed member is noticed soon, long enough
# that a busy loop on CI's two cores does not miss its heartbeats (0.3 of it apart).
TEST_GROUP_SESSION_SECONDS = 6.0


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap_servers: str
    mongodb_uri: str
    embedded_kafka: bool  # the embedded broker refuses idempotent producers

    def settings(self, **sections: Mapping[str, object]) -> Settings:
        """`sections` change fields of sections, as `Settings.updated` does."""
        on_these_servers = Settings(
            allow_private_urls=True
        ).updated(  # stand-ins on loopback
            kafka={
                "bootstrap_servers": self.kafka_bootstrap_servers,
                "enable_idempotence": not self.embedded_kafka,
                "paced_fetches": self.embedded_kafka,  # as `balas run` sets it
                "partitions": 4,
            },
            mongodb={"uri": self.mongodb_uri, "database": f"balas_test_{uuid.uuid4().hex[:8]}"},
            consumers={
                "retry_backoff_seconds": 0.05,
                "retry_backoff_max_seconds": 0.5,
                "handler_max_attempts": 3,
                # the embedded broker holds each group join for half of it: 2 s, not 5 s
                "group_session_timeout_seconds": TEST_GROUP_SESSION_SECONDS,
                # tests change settings and knowledge and write at once: read them every time
                # (test_responder_commands.py and tests/unit/test_recent.py test the cache)
                "settings_cache_seconds": 0,
            },
        )
        return on_these_servers.updated(**sections)


def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    """The session's servers, stopped when the generator closes."""
    kafka, mongodb = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    if kafka and mongodb:
        yield Infra(kafka, mongodb, embedded_kafka=False)
    elif _docker_engine_answers():
        yield from _containers()
    else:
        yield from _embedded(tmp_path_factory.mktemp("infra"))


def _docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
    return probe.returncode == 0


def _embedded(data_dir: Path) -> Iterator[Infra]:
    servers = EmbeddedServers(data_dir, kafka_port=free_port(), mongodb_port=free_port())
    servers.start()
    try:
        asyncio.run(servers.wait_until_ready())
        yield Infra(servers.kafka_bootstrap_servers, servers.mongodb_uri, embedded_kafka=True)
    finally:
        servers.stop()


def _containers() -> Iterator[Infra]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.kafka import KafkaContainer

    mongodb = DockerContainer("mongo:7").with_command("--replSet rs0 --bind_ip_all")
    mongodb.with_exposed_ports(27017)
    with KafkaContainer().with_kraft() as kafka, mongodb:
        wait_for_logs(mongodb, "Waiting for connections")
        mongodb.exec(["mongosh", "--quiet", "--eval", "rs.initiate()"])
        host, port = mongodb.get_container_host_ip(), mongodb.get_exposed_port(27017)
        uri = f"mongodb://{host}:{port}/?directConnection=true"
        yield Infra(kafka.get_bootstrap_server(), uri, embedded_kafka=False)
