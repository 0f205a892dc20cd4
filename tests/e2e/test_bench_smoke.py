"""The benchmark keeps working: a tiny run of every measurement, and every message answered."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_the_quick_benchmark_runs_and_every_message_gets_a_reply() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "webhooks/s" in run.stdout
    assert "replies/s" in run.stdout
