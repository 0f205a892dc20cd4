"""What the figures were measured on."""

import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    logical_cores: int
    physical_cores: int | None
    ram_gib: float
    python: str
    system: str

    def rows(self) -> list[tuple[str, str]]:
        physical = f", {self.physical_cores} physical" if self.physical_cores else ""
        return [
            ("CPU", self.cpu_model),
            ("cores", f"{self.logical_cores} logical{physical}"),
            ("RAM", f"{self.ram_gib:.1f} GiB"),
            ("Python", self.python),
            ("OS", self.system),
        ]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def this_machine() -> Machine:
    return Machine(
        cpu_model=_cpu_model(),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        physical_cores=psutil.cpu_count(logical=False),
        ram_gib=psutil.virtual_memory().total / 2**30,
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        system=f"{platform.system()} {platform.release()}",
    )
