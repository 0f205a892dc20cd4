"""The whole system's CPU with no traffic: `balas run` as `make run` starts it (the supervisor,
the embedded Kafka and MongoDB, every service), on free ports and a data directory of its own,
left alone for a warm-up, then measured over a window: CPU seconds of every process of the
supervisor's tree (psutil), as a share of one core. Issue 16's target: under 5 % of one core.

`python -m bench.idle [--seconds N]` runs it alone; `python -m bench` runs it last.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from balas.processes import readiness_urls
from shared.infra import free_port
from shared.settings import Settings

TARGET_SHARE_OF_A_CORE = 0.05
WARMUP_SECONDS = 20.0  # startup work (indexes, seeding, first polls and leases) settles
READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class IdleCpu:
    seconds: float  # the window measured
    by_process: dict[str, float]  # process -> CPU seconds in the window

    @property
    def share_of_a_core(self) -> float:
        return sum(self.by_process.values()) / self.seconds

    def share(self, process: str) -> float:
        return self.by_process[process] / self.seconds


def idle_settings(data_dir: Path) -> Settings:
    """Production defaults with embedded servers, every port free, data in `data_dir`."""
    settings = Settings().updated(
        kafka={"bootstrap_servers": None, "embedded_port": free_port()},
        mongodb={"uri": None, "embedded_port": free_port()},
        ingest={"port": free_port()},
        console={"port": free_port()},
        metrics={
            f"{service}_port": free_port()
            for service in ("ingest", "responder", "enricher", "kpi_aggregator")
        },
    )
    return settings.model_copy(update={"data_dir": data_dir})


def process_name(process: psutil.Process) -> str:
    """A service by its `balas run SERVICE`, a server by its program, else its first word."""
    command = process.cmdline()
    if "run" in command and command.index("run") + 1 < len(command):
        return command[command.index("run") + 1]
    if "run" in command:
        return "supervisor (balas run)"
    joined = " ".join(command).lower()
    for server in ("tansu", "secantus"):
        if server in joined:
            return {"tansu": "Kafka (Tansu)", "secantus": "MongoDB (SecantusDB)"}[server]
    return Path(command[0]).name if command else str(process.pid)


def _cpu_seconds(processes: list[psutil.Process]) -> dict[str, float]:
    found: dict[str, float] = {}
    for process in processes:
        try:
            times = process.cpu_times()
            name = process_name(process)
        except psutil.Error:  # it ended meanwhile
            continue
        found[name] = found.get(name, 0.0) + times.user + times.system
    return found


async def _wait_ready(settings: Settings, supervisor: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    urls = readiness_urls(settings).values()
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if supervisor.poll() is not None:
                raise RuntimeError(f"balas run exited with {supervisor.returncode}")
            try:
                answers = [await http.get(url) for url in urls]
                if all(answer.status_code == 200 for answer in answers):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1.0)
    raise TimeoutError("balas run did not get ready")


def start_balas_run(workdir: Path) -> tuple[Settings, subprocess.Popen[bytes]]:
    """`balas run` with embedded servers (as `make run`), logging to `workdir`/balas-run.log."""
    settings = idle_settings(workdir / "data")
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.as_environment()}
    for variable in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI"):
        env.pop(variable, None)
    with (workdir / "balas-run.log").open("wb") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "balas", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return settings, supervisor


def stop(supervisor: subprocess.Popen[bytes]) -> None:
    supervisor.send_signal(signal.SIGTERM)
    try:
        supervisor.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        supervisor.kill()


async def measure_idle(workdir: Path, seconds: float, warmup: float = WARMUP_SECONDS) -> IdleCpu:
    settings, supervisor = start_balas_run(workdir)
    try:
        await _wait_ready(settings, supervisor)
        await asyncio.sleep(warmup)
        root = psutil.Process(supervisor.pid)
        processes = [root, *root.children(recursive=True)]
        before = _cpu_seconds(processes)
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        after = _cpu_seconds(processes)
        window = time.perf_counter() - started
    finally:
        stop(supervisor)
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    return IdleCpu(window, dict(sorted(used.items(), key=lambda item: -item[1])))


def describe(idle: IdleCpu) -> list[str]:
    verdict = "met" if idle.share_of_a_core < TARGET_SHARE_OF_A_CORE else "over"
    lines = [
        f"idle CPU, whole system: {idle.share_of_a_core:.1%} of one core over {idle.seconds:.0f} s "
        f"(target < {TARGET_SHARE_OF_A_CORE:.0%}: {verdict})"
    ]
    lines += [f"  {name:24} {idle.share(name):6.2%}" for name in idle.by_process]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle", description=__doc__)
    parser.add_argument("--seconds", type=float, default=45.0, help="the measured window")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="balas-idle-") as workdir:
        idle = asyncio.run(measure_idle(Path(workdir), arguments.seconds))
    print("\n".join(describe(idle)))


if __name__ == "__main__":
    main()
