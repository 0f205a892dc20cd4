"""`balas run`: embedded servers when none are configured, then every service as its own process.

Each service is also the unit you scale out (`balas run SERVICE` on more machines); here they run
side by side, and one that dies is restarted.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import structlog

from shared import mongo
from shared.infra import EmbeddedServers
from shared.settings import Settings
from shared.stores import ensure_demo_store

log = structlog.get_logger(__name__)

SERVICES = ("ingest", "responder", "enricher", "kpi_aggregator")
RESTART_DELAY_SECONDS = 2.0


@dataclass
class Supervisor:
    settings: Settings
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    embedded: EmbeddedServers | None = None

    def start_infrastructure(self) -> None:
        settings = self.settings
        if settings.kafka_bootstrap_servers and settings.mongodb_uri:
            return
        self.embedded = EmbeddedServers.for_settings(settings)
        self.embedded.start()
        asyncio.run(self.embedded.wait_until_ready())
        self.settings = self.embedded.applied_to(settings)
        for name in ("kafka_bootstrap_servers", "kafka_enable_idempotence", "mongodb_uri"):
            value = getattr(self.settings, name)
            if value is not None:
                self.env[name.upper()] = str(value)
        log.info("embedded servers ready", data_dir=str(settings.data_dir))

    def seed_demo_store(self) -> None:
        if self.settings.environment != "development":
            return

        async def seed() -> bool:
            client = mongo.connect(self.settings.mongodb_uri or "")
            try:
                db = client[self.settings.mongodb_database]
                return await ensure_demo_store(
                    db, self.settings.demo_store_id, self.settings.demo_whatsapp_number
                )
            finally:
                await client.close()

        if asyncio.run(seed()):
            log.info("demo store created", store=self.settings.demo_store_id)

    def spawn(self, service: str) -> None:
        command = [sys.executable, "-m", "balas", "run", service]
        # Own session: Ctrl-C reaches only the supervisor, which stops services before servers.
        self.children[service] = subprocess.Popen(command, env=self.env, start_new_session=True)

    def watch(self, stop: "StopFlag") -> None:
        while not stop.requested:
            time.sleep(0.5)
            for service, child in list(self.children.items()):
                if child.poll() is not None and not stop.requested:
                    log.error("service exited; restarting", service=service, code=child.returncode)
                    time.sleep(RESTART_DELAY_SECONDS)
                    self.spawn(service)

    def shutdown(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for service, child in self.children.items():
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                log.warning("service did not stop in time; killing it", service=service)
                child.kill()
        if self.embedded:
            self.embedded.stop()
        log.info("all stopped")


class StopFlag:
    def __init__(self) -> None:
        self.requested = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request)

    def _request(self, signum: int, frame: object) -> None:
        self.requested = True


def run_everything(settings: Settings) -> None:
    stop = StopFlag()
    supervisor = Supervisor(settings)
    try:
        supervisor.start_infrastructure()
        supervisor.seed_demo_store()
        for service in SERVICES:
            supervisor.spawn(service)
        log.info(
            "Balas is running; Ctrl-C stops everything",
            webhooks=f"{settings.public_base_url.rstrip('/')}/webhooks/twilio/whatsapp",
            try_it='balas simulate "Halo, apakah sepatu ini ready?"',
        )
        supervisor.watch(stop)
    finally:
        supervisor.shutdown()
