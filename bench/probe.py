"""CPU time and resident memory of the processes taking part: services, servers, the bench."""

import time
from dataclasses import dataclass, field

import psutil

from shared.infra import EmbeddedServers


def server_pids(servers: EmbeddedServers) -> dict[str, int]:
    """The embedded servers' processes, found among the bench's children by their ports."""
    markers = {}
    if servers.with_kafka:
        markers["Kafka (Tansu)"] = f"tcp://127.0.0.1:{servers.kafka_port}"
    if servers.with_mongodb:
        markers["MongoDB (SecantusDB)"] = str(servers.mongodb_port)
    found: dict[str, int] = {}
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        for name, marker in markers.items():
            if marker in command:
                found[name] = child.pid
    return found


def rss_bytes(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@dataclass
class CpuUse:
    """CPU seconds each process used while a run was measured, and that run's wall time."""

    pids: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0
    _started_at: float = 0.0

    def start(self) -> None:
        self._started_at = time.perf_counter()
        self.seconds = {name: -_cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> None:
        self.wall = time.perf_counter() - self._started_at
        for name, pid in self.pids.items():
            self.seconds[name] += _cpu_seconds(pid)
