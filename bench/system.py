"""Balas's services as subprocesses (`python -m balas run SERVICE --port P`), as in production."""

import os
from pathlib import Path

from pydantic import SecretStr

from balas.processes import SERVICES, ServiceProcesses
from bench.standins import AUTH_TOKEN, StandIns
from shared import mongo
from shared.infra import EmbeddedServers, free_port
from shared.settings import (
    IngestSettings,
    KafkaSettings,
    LlmSettings,
    LogSettings,
    MetricsSettings,
    MongoSettings,
    Settings,
    TwilioSettings,
)
from shared.stores.directory import Store, save_store

__all__ = ["SERVICES", "BenchServices", "create_store", "run_settings"]


def run_settings(
    kafka: EmbeddedServers,
    mongodb: EmbeddedServers,
    standins: StandIns,
    database: str,
    partitions: int,
) -> Settings:
    return bench_settings(
        kafka_bootstrap_servers=kafka.kafka_bootstrap_servers,
        mongodb_uri=mongodb.mongodb_uri,
        database=database,
        ingest_port=free_port(),
        standins=standins,
        partitions=partitions,
    )


async def create_store(settings: Settings, store_id: str, whatsapp_number: str) -> Store:
    assert settings.mongodb.uri
    store = Store(id=store_id, name=f"Toko {store_id}", whatsapp_number=whatsapp_number)
    client = mongo.connect(settings.mongodb.uri)
    try:
        await save_store(client[settings.mongodb.database], store)
    finally:
        await client.close()
    return store


def bench_settings(
    *,
    kafka_bootstrap_servers: str,
    mongodb_uri: str,
    database: str,
    ingest_port: int,
    standins: StandIns,
    partitions: int,
) -> Settings:
    """Production defaults, pointed at the bench's servers and stand-ins."""
    return Settings(
        kafka=KafkaSettings(
            bootstrap_servers=kafka_bootstrap_servers,
            enable_idempotence=False,  # the embedded broker refuses InitProducerId
            paced_fetches=True,  # as `balas run` sets it for the embedded broker
            partitions=partitions,
        ),
        mongodb=MongoSettings(uri=mongodb_uri, database=database),
        ingest=IngestSettings(public_base_url=f"http://127.0.0.1:{ingest_port}", port=ingest_port),
        metrics=MetricsSettings(ingest_port=free_port()),
        llm=LlmSettings(
            api_key=SecretStr("sk-bench"),
            base_url=standins.openai.base_url,
            classification_engine="offline",  # the reply path is measured, not LLM labelling
            summary_engine="extractive",  # nor LLM summaries
        ),
        twilio=TwilioSettings(
            account_sid=standins.twilio.account_sid,
            auth_token=SecretStr(AUTH_TOKEN),
            api_base_url=standins.twilio.url,
        ),
        log=LogSettings(format="json"),
    )


class BenchServices(ServiceProcesses):
    """The services of one bench run, on free ports, logging to files."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        super().__init__(env={**os.environ, **settings.as_environment()}, log_dir=log_dir)
        self.settings = settings

    def command(self, service: str) -> list[str]:
        """With BALAS_BENCH_PROFILE naming a directory, each service runs under cProfile and
        writes SERVICE.prof there when it stops (a profile for finding costs, not for timing)."""
        command = super().command(service)
        if profiles := os.environ.get("BALAS_BENCH_PROFILE"):
            output = Path(profiles) / f"{service}.prof"
            return [command[0], "-m", "cProfile", "-o", str(output), *command[1:]]
        return command

    def launch(self, *services: str) -> None:
        for service in services:
            port = self.settings.ingest.port if service == "ingest" else free_port()
            self.start(service, port)

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.ingest.port}"

    def metrics_url(self, service: str) -> str:
        # ingest's /metrics has a port of its own (its own port is public)
        port = self.settings.metrics.ingest_port if service == "ingest" else self.ports[service]
        return f"http://127.0.0.1:{port}/metrics"

    def pids(self) -> dict[str, int]:
        return {service: process.pid for service, process in self.processes.items()}
