"""`balas run`: embedded servers when none are configured, then every service as its own process.

Each service is also the unit you scale out (`balas run SERVICE` on more machines); here they run
side by side, and one that dies is restarted, embedded servers included (same port, same data
directory). The embedded broker keeps topics only in memory, so whenever it starts (with `balas
run` or after a death) the journal's unfinished events are published again
(shared/broker_recovery.py); while it runs, the supervisor keeps the journal's watermark.
"""

import asyncio
import os
import signal
import time

import structlog

from balas.demo_knowledge import seed_demo_knowledge
from balas.processes import SERVICES, ServiceProcesses, readiness_urls
from balas.startup import StartupReport
from services.console.collections import CONSOLE_USERS
from shared import broker_recovery, mongo
from shared.infra import EmbeddedServers
from shared.settings import Settings
from shared.stores.directory import ensure_demo_store

log = structlog.get_logger(__name__)

RESTART_DELAY_SECONDS = 2.0
WATERMARK_INTERVAL_SECONDS = 60.0  # a check costs ~50 ms of CPU; a later mark only republishes more


class StopFlag:
    """Set by SIGINT or SIGTERM; the supervisor checks it between naps."""

    def __init__(self) -> None:
        self.requested = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request)

    def _request(self, signum: int, frame: object) -> None:
        self.requested = True


def run_everything(settings: Settings) -> None:
    stop = StopFlag()
    embedded = EmbeddedServers.for_settings(settings)
    services: ServiceProcesses | None = None
    try:
        if embedded.with_kafka or embedded.with_mongodb:
            embedded.start()
            asyncio.run(embedded.wait_until_ready())
            settings = embedded.applied_to(settings)
            log.info("embedded servers ready", data_dir=str(settings.data_dir))
        if embedded.with_kafka:  # it starts empty; the journal has what was accepted
            asyncio.run(broker_recovery.recover(settings))
        first_run = False
        if settings.environment == "development":
            first_run = not asyncio.run(_prepare_development(settings))
        services = ServiceProcesses(env={**os.environ, **settings.as_environment()})
        for service in SERVICES:
            services.start(service)
        log.info("services started; waiting for ingest and the console to answer")
        report = StartupReport(settings, readiness_urls(settings), first_run)
        _restart_until_stopped(services, embedded, settings, stop, report)
    finally:
        if services:
            services.stop()
        embedded.stop()
        log.info("all stopped")


def _restart_until_stopped(
    services: ServiceProcesses,
    embedded: EmbeddedServers,
    settings: Settings,
    stop: StopFlag,
    report: StartupReport,
) -> None:
    next_watermark = time.monotonic() + WATERMARK_INTERVAL_SECONDS
    recovery_due = False
    while not stop.requested:
        time.sleep(0.5)
        report.check()
        if dead := embedded.exited():
            _restart_servers(embedded, dead, settings)
            recovery_due = recovery_due or "kafka" in dead
        if recovery_due:
            recovery_due = not _recovered(embedded, settings)
        for service in services.exited():
            if stop.requested:
                return
            code = services.processes[service].returncode
            log.error("service exited; restarting", service=service, code=code)
            time.sleep(RESTART_DELAY_SECONDS)
            services.start(service)
        if embedded.with_kafka and not recovery_due and time.monotonic() >= next_watermark:
            _keep_watermark(settings)
            next_watermark = time.monotonic() + WATERMARK_INTERVAL_SECONDS


def _restart_servers(embedded: EmbeddedServers, dead: list[str], settings: Settings) -> None:
    """Start dead embedded servers again; the services reconnect by themselves."""
    for server in dead:
        log.error(
            "embedded server exited; restarting it on the same port and data directory",
            server=server,
            log=str(settings.data_dir / "logs" / f"{server}.log"),
        )
        embedded.restart(server)


def _recovered(embedded: EmbeddedServers, settings: Settings) -> bool:
    """After the broker restarted empty: topics recreated, the unfinished events republished.
    A failure is logged and tried again on the next round."""
    try:
        asyncio.run(embedded.wait_until_ready())
        asyncio.run(broker_recovery.recover(settings))
    except Exception as error:
        log.warning("embedded broker not recovered yet; trying again", error=repr(error))
        time.sleep(RESTART_DELAY_SECONDS)
        return False
    log.info("embedded broker back with every unfinished event")
    return True


def _keep_watermark(settings: Settings) -> None:
    try:
        asyncio.run(broker_recovery.keep_watermark(settings))
    except Exception as error:  # the broker may be restarting; the next round tries again
        log.warning("could not update the journal watermark", error=repr(error))


async def _prepare_development(settings: Settings) -> bool:
    """Seed the demo store and its sample knowledge; whether the console has a user already."""
    client = mongo.connect(settings.mongodb.uri or "")
    try:
        db = client[settings.mongodb.database]
        if await ensure_demo_store(db, settings.demo.store_id, settings.demo.whatsapp_number):
            log.info("demo store created", store=settings.demo.store_id)
        if seeded := await seed_demo_knowledge(db, settings):
            log.info(
                "demo store given sample knowledge", store=settings.demo.store_id, documents=seeded
            )
        return await db[CONSOLE_USERS].find_one({}, {"_id": 1}) is not None
    finally:
        await client.close()
