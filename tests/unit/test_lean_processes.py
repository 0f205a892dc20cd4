"""Processes load what they use: ingest and `balas --help` leave the LLM, document, classifier,
password and WooCommerce libraries unloaded. Each check runs in a fresh interpreter, so what
another test imported cannot hide or fake a load."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The libraries a thin process has no use for, by top-level module name.
HEAVY = (
    "langchain",
    "langchain_core",
    "langchain_openai",
    "openai",
    "pypdf",
    "docx",
    "openpyxl",
    "PIL",
    "numpy",
    "sklearn",
    "argon2",
    "woocommerce",
)

# Runs in the child: `setup` first, then the names of the heavy libraries now in sys.modules.
_PROBE = """
import json, sys
{setup}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))))
"""


def _heavy_loaded_after(setup: str) -> list[str]:
    probe = _PROBE.format(setup=setup, heavy=HEAVY)
    output = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    loaded: list[str] = json.loads(output.strip().splitlines()[-1])
    return loaded


def test_the_probe_sees_a_heavy_import() -> None:
    assert _heavy_loaded_after("import numpy") == ["numpy"]


def test_starting_ingest_loads_no_heavy_library() -> None:
    setup = "from services.ingest.app import create_app, main"
    assert _heavy_loaded_after(setup) == []


def test_the_command_line_loads_ingest_without_heavy_libraries() -> None:
    # What `python -m balas run ingest` imports before the service's own main runs.
    setup = "import balas.cli, services.ingest.app"
    assert _heavy_loaded_after(setup) == []


@pytest.mark.parametrize("arguments", [["--help"], ["kb", "--help"], ["console", "--help"]])
def test_help_loads_no_heavy_library(arguments: list[str]) -> None:
    setup = (
        f"sys.argv = ['balas', *{arguments!r}]\n"
        "from balas.cli import app\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert _heavy_loaded_after(setup) == []
