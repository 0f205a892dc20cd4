"""The benchmark keeps working: a tiny run of every measurement, and every message answered."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

# Every measurement still runs, on a few samples each: most of the run is starting servers and
# services, which no size changes; the sizes only add time on top.
SMALLER_THAN_QUICK = [
    "--requests=60",
    "--warmup=5",
    "--raw-messages=300",
    "--hop-samples=3",
    "--pipeline-messages=6",
    "--conversations=6",
    "--llm-latency=0.3",
    "--idle-seconds=1",
]


def test_the_quick_benchmark_runs_and_every_message_gets_a_reply() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *SMALLER_THAN_QUICK],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "webhooks/s" in run.stdout
    assert "replies/s" in run.stdout


def test_run_3_alone_measures_only_the_responder_run_and_counts_its_commands() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "responder", *SMALLER_THAN_QUICK],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "replies/s" in run.stdout
    assert "webhooks/s" not in run.stdout  # the ingest run was not taken
    assert "Per reply, responder run" in run.stdout
