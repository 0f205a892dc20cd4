"""`balas run` as a subprocess on its own embedded servers, ports and data directory, with the
Twilio and OpenAI stand-ins: the supervisor, the embedded broker and database, and the services
exactly as an operator runs them, for the fault tests that kill and freeze parts of it."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from balas.processes import ServiceProcesses
from shared.infra import free_port
from shared.settings import Settings
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.servers import TEST_GROUP_SESSION_SECONDS
from tests.support.system import AUTH_TOKEN, RunningSystem
from tests.support.waiting import eventually

WORKERS = ("responder", "enricher", "kpi_aggregator")


@dataclass
class BalasRun:
    data_dir: Path
    settings: Settings
    process: subprocess.Popen[bytes] | None = None
    _log: Path = field(init=False)

    @classmethod
    def configured(
        cls, data_dir: Path, twilio_api: TwilioStandIn, openai_api: OpenAIStandIn
    ) -> "BalasRun":
        ingest_port = free_port()
        settings = Settings(allow_private_urls=True, data_dir=data_dir).updated(
            kafka={"embedded_port": free_port(), "partitions": 4},
            mongodb={"embedded_port": free_port()},
            ingest={"port": ingest_port, "public_base_url": f"http://127.0.0.1:{ingest_port}"},
            console={"port": free_port()},
            metrics={
                "responder_port": free_port(),
                "enricher_port": free_port(),
                "kpi_aggregator_port": free_port(),
            },
            llm={
                "api_key": "sk-test",
                "base_url": openai_api.base_url,
                "classification_engine": "offline",
                "summary_engine": "extractive",
            },
            twilio={
                "account_sid": twilio_api.account_sid,
                "auth_token": AUTH_TOKEN,
                "api_base_url": twilio_api.url,
            },
            consumers={
                "retry_backoff_seconds": 0.05,
                "retry_backoff_max_seconds": 0.5,
                "group_session_timeout_seconds": TEST_GROUP_SESSION_SECONDS,
            },
            log={"format": "json"},
        )
        return cls(data_dir, settings)

    def __post_init__(self) -> None:
        self._log = self.data_dir / "balas-run.log"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.settings.mongodb.embedded_port}/?directConnection=true"

    @property
    def ports(self) -> dict[str, int]:
        return {
            "ingest": self.settings.ingest.port,
            "console": self.settings.console.port,
            "responder": self.settings.metrics.responder_port,
            "enricher": self.settings.metrics.enricher_port,
            "kpi_aggregator": self.settings.metrics.kpi_aggregator_port,
        }

    def as_running_system(self) -> RunningSystem:
        """For tests/support/system.py's Webhooks, which post to ingest's port."""
        services = ServiceProcesses(env={}, ports=self.ports)
        return RunningSystem(self.settings, services)

    def start(self) -> None:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")  # embedded, not the tests'
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "balas", "run"],
                env={**env, **self.settings.as_environment()},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self) -> None:
        async def every_service_ready() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, f"balas run exited; see {self._log}"
            async with httpx.AsyncClient(timeout=2) as client:
                for port in self.ports.values():
                    try:
                        answer = await client.get(f"http://127.0.0.1:{port}/readyz")
                    except httpx.HTTPError:
                        return False
                    if answer.status_code != 200:
                        return False
            return True

        await eventually(every_service_ready, timeout=180)

    def child(self, needle: str) -> psutil.Process:
        """The descendant of `balas run` whose command line contains `needle`."""
        assert self.process is not None
        for process in psutil.Process(self.process.pid).children(recursive=True):
            if needle in " ".join(process.cmdline()):
                return process
        raise LookupError(f"no process of balas run runs {needle!r}")

    def service(self, name: str) -> psutil.Process:
        return self.child(f"balas run {name}")

    def broker(self) -> psutil.Process:
        return self.child("--advertised-listener-url")

    def crash(self) -> None:
        """SIGKILL to the supervisor and everything it started: a power cut, in effect."""
        assert self.process is not None
        children = psutil.Process(self.process.pid).children(recursive=True)
        for process in [psutil.Process(self.process.pid), *children]:
            process.send_signal(signal.SIGKILL)
        psutil.wait_procs(children, timeout=30)
        self.process.wait()

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, as Ctrl-C or systemd; the exit code, or None if still running after
        `timeout` (then it is killed)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.crash()
            return None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
