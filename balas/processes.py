"""Balas services as child processes (`python -m balas run SERVICE`), the unit that scales out.

Used by `balas run` to run everything on one machine, and by the end-to-end tests and the
benchmarks to run the real services exactly as production does.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded when waiting for services: `balas --help` needs only SERVICES
    import httpx

from shared.settings import Settings

SERVICES = ("ingest", "responder", "enricher", "kpi_aggregator", "console")
STOP_GRACE_SECONDS = 40.0
_ANY_INTERFACE = ("0.0.0.0", "::", "")


def readiness_urls(settings: Settings) -> dict[str, str]:
    """Each service's /readyz on the ports the settings give it, as `balas run` starts them."""
    metrics = settings.metrics
    return {
        "ingest": _readyz(settings.ingest.host, settings.ingest.port),
        "responder": _readyz(metrics.host, metrics.responder_port),
        "enricher": _readyz(metrics.host, metrics.enricher_port),
        "kpi_aggregator": _readyz(metrics.host, metrics.kpi_aggregator_port),
        "console": _readyz(settings.console.host, settings.console.port),
    }


def _readyz(host: str, port: int) -> str:
    host = "127.0.0.1" if host in _ANY_INTERFACE else host
    return f"http://{host}:{port}/readyz"


@dataclass
class ServiceProcesses:
    env: dict[str, str]
    log_dir: Path | None = None  # None: the children write to this process's terminal
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, service: str, port: int | None = None) -> None:
        """Start `service`; with a port, on that port (ingest's webhooks, workers' /metrics)."""
        command = self.command(service)
        port = port or self.ports.get(service)
        if port:
            self.ports[service] = port
            command += ["--port", str(port)]
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{service}.log").open("ab")
        # Own session: a Ctrl-C reaches only the parent, which stops services in order.
        self.processes[service] = subprocess.Popen(
            command, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        if output:
            output.close()  # the child has its own descriptor

    def command(self, service: str) -> list[str]:
        return [sys.executable, "-m", "balas", "run", service]

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Until every started service with a known port answers /readyz."""
        import httpx

        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            for service, port in self.ports.items():
                while not await self._ready(client, service, port):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{service} is not ready{self._see_log(service)}")
                    await asyncio.sleep(0.2)

    async def _ready(self, client: httpx.AsyncClient, service: str, port: int) -> bool:
        import httpx

        if self.processes[service].poll() is not None:
            raise RuntimeError(f"{service} exited{self._see_log(service)}")
        try:
            return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    def _see_log(self, service: str) -> str:
        return f"; see {self.log_dir / f'{service}.log'}" if self.log_dir else ""

    def kill(self, service: str) -> None:
        """SIGKILL: no graceful stop, no last commit — what a crash looks like."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self, *services: str) -> None:
        """SIGTERM to all at once, then wait: a graceful stop finishes work in flight and commits.
        They share one grace period; whoever is still running after it is killed."""
        chosen = [self.processes[name] for name in services or tuple(self.processes)]
        running = [process for process in chosen if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
