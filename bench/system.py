"""Balas's services as subprocesses (`python -m balas run SERVICE --port P`), as in production."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.standins import AUTH_TOKEN, StandIns
from shared import mongo
from shared.infra import EmbeddedServers, free_port
from shared.settings import Settings
from shared.stores import Store, save_store

SERVICES = ("ingest", "responder", "enricher", "kpi_aggregator")


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
    assert settings.mongodb_uri
    store = Store(id=store_id, name=f"Toko {store_id}", whatsapp_number=whatsapp_number)
    client = mongo.connect(settings.mongodb_uri)
    try:
        await save_store(client[settings.mongodb_database], store)
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
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        kafka_enable_idempotence=False,  # the embedded broker refuses InitProducerId
        kafka_partitions=partitions,
        mongodb_uri=mongodb_uri,
        mongodb_database=database,
        public_base_url=f"http://127.0.0.1:{ingest_port}",
        ingest_port=ingest_port,
        openai_api_key="sk-bench",
        openai_base_url=standins.openai.base_url,
        twilio_account_sid=standins.twilio.account_sid,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=standins.twilio.url,
        log_format="json",
    )


def environment(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, secrets included, for the service subprocesses."""
    env = dict(os.environ)
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[name.upper()] = str(value)
    env["TWILIO_AUTH_TOKEN"] = settings.twilio_auth_token.get_secret_value()
    if settings.openai_api_key:
        env["OPENAI_API_KEY"] = settings.openai_api_key.get_secret_value()
    return env


@dataclass
class ServiceProcesses:
    settings: Settings
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.ingest_port}"

    def metrics_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}/metrics"

    def pids(self) -> dict[str, int]:
        return {service: process.pid for service, process in self.processes.items()}

    def start(self, *services: str) -> None:
        env = environment(self.settings)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in services:
            port = self.settings.ingest_port if service == "ingest" else free_port()
            self.ports[service] = port
            with (self.log_dir / f"{service}.log").open("ab") as log:
                self.processes[service] = subprocess.Popen(
                    [sys.executable, "-m", "balas", "run", service, "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a Ctrl-C of the bench reaches the bench only
                )

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Until every started service answers /readyz (MongoDB and Kafka reachable)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            for service, process in self.processes.items():
                url = f"http://127.0.0.1:{self.ports[service]}/readyz"
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"{service} exited; see {self.log_dir}/{service}.log")
                    try:
                        if (await client.get(url)).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{service} not ready; see {self.log_dir}/{service}.log")
                    await asyncio.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM to all, then wait for each (a graceful stop commits and leaves the group)."""
        running = [process for process in self.processes.values() if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
