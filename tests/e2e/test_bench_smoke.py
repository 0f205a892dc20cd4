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


def quick_bench(*arguments: str) -> str:
    """`python -m bench --quick` at the sizes above; its output, once it exited with 0."""
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *arguments, *SMALLER_THAN_QUICK],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout


def test_the_quick_benchmark_runs_and_every_message_gets_a_reply() -> None:
    output = quick_bench()

    assert "webhooks/s" in output
    assert "replies/s" in output
    assert "Per reply, responder run" in output


def test_a_run_alone_takes_only_that_run_and_misses_none_of_the_others() -> None:
    # `--only responder` is how run 3 is measured alone; the ingest run is the quickest to
    # check the choice with.
    output = quick_bench("--only", "ingest")

    assert "webhooks/s" in output
    replies = next(line for line in output.splitlines() if "run 3: replies/s" in line)
    assert "not measured" in replies  # the responder run was not taken, and not counted missed
