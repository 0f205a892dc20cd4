"""One bench run: MongoDB and the stand-ins up, the measured runs, everything down."""

import time
from contextlib import AsyncExitStack
from pathlib import Path

from rich.progress import Progress

from bench.config import Sizes
from bench.idle import measure_idle
from bench.machine import this_machine
from bench.results import RUNS, Results
from bench.run_ingest import ingest_run
from bench.run_pipeline import pipeline_runs
from bench.servers import mongodb_for_bench
from bench.standins import running_standins
from bench.steps import Steps


async def run(
    sizes: Sizes,
    workdir: Path,
    progress: Progress,
    mongodb_uri: str | None = None,
    runs: tuple[str, ...] = RUNS,
) -> Results:
    """The chosen runs on an embedded MongoDB, or on the server at `mongodb_uri` (its bench
    databases emptied first); the idle run is always `balas run`'s own embedded servers."""
    steps = Steps(progress)
    mongodb_kind = "given" if mongodb_uri else "embedded"
    results = Results(this_machine(), sizes, mongodb=mongodb_kind, runs=runs)
    started = time.perf_counter()
    async with AsyncExitStack() as stack:
        where = "the given MongoDB" if mongodb_uri else "embedded MongoDB (SecantusDB)"
        steps.note(f"starting {where} and the OpenAI and Twilio stand-ins")
        mongodb = await stack.enter_async_context(
            mongodb_for_bench(workdir / "mongodb", mongodb_uri)
        )
        standins = stack.enter_context(running_standins())
        if "ingest" in runs:
            await ingest_run(sizes, workdir, mongodb, standins, steps, results)
        if "pipeline" in runs or "responder" in runs:
            await pipeline_runs(sizes, workdir, mongodb, standins, steps, results)
        steps.note("stopping the embedded servers and the stand-ins")
    if "idle" in runs:
        steps.note(f"idle run: balas run at rest, {sizes.idle_seconds:.0f} s after a warm-up")
        results.idle = await measure_idle(workdir / "idle", sizes.idle_seconds, sizes.idle_warmup)
    results.seconds = time.perf_counter() - started
    return results
