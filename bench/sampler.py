"""py-spy on every process of a measured run, when BENCH_PYSPY names its binary.

Not a dependency of the project: point BENCH_PYSPY at a py-spy you have, and each process's
samples during the run land in `<workdir>/profiles/<run>-<process>.txt` (py-spy's raw,
collapsed-stack format: one stack and its sample count a line).
"""

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "BENCH_PYSPY"
RATE = 100  # samples per second


@contextmanager
def sampled(run: str, pids: dict[str, int], workdir: Path) -> Iterator[None]:
    binary = os.environ.get(ENV)
    if not binary:
        yield
        return
    folder = workdir / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    options = ["--rate", str(RATE), "--format", "raw", "--nonblocking"]
    samplers = [
        subprocess.Popen(
            [binary, "record", "--pid", str(pid), *options, "--output", _output(folder, run, name)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    try:
        yield
    finally:
        for sampler in samplers:
            sampler.send_signal(signal.SIGINT)  # py-spy writes its output as it stops
        for sampler in samplers:
            sampler.wait(timeout=30)


def _output(folder: Path, run: str, process: str) -> str:
    return str(folder / f"{run}-{re.sub(r'[^a-z0-9]+', '-', process.lower()).strip('-')}.txt")
