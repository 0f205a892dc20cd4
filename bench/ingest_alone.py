"""Run 1 alone: `python -m bench.ingest_alone [--quick] [--requests N] [--concurrency N]`.

The same ingest run as `python -m bench` (embedded MongoDB, a fresh broker, ingest alone), and
its figures per webhook: the ratio to raw publishing, and each process's CPU milliseconds per
webhook, which on a shared machine is steadier than the rates.
"""

import argparse
import asyncio
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.config import sizes
from bench.machine import this_machine
from bench.results import Results
from bench.run_ingest import ingest_run
from bench.servers import mongodb_for_bench
from bench.standins import running_standins
from bench.steps import Steps, progress_display


async def _measure(results: Results, workdir: Path, console: Console) -> None:
    with progress_display(console) as progress:
        steps = Steps(progress)
        async with mongodb_for_bench(workdir / "mongodb", None) as mongodb:
            with running_standins() as standins:
                await ingest_run(results.sizes, workdir, mongodb, standins, steps, results)


def per_webhook_table(results: Results) -> Table:
    ingest, cpu = results.ingest, results.cpu["ingest"]
    assert ingest is not None
    # the CPU window takes in the warm-up requests too
    count = ingest.webhooks.count + results.sizes.ingest_warmup
    table = Table(title="Run 1: ingest alone")
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    table.add_row("ingest webhooks/s", f"{ingest.webhooks.per_second:,.0f}")
    latency = ingest.webhooks.latency
    table.add_row(
        "webhook → 200, p50 / p99 / max (ms)",
        f"{latency.p50 * 1000:.1f} / {latency.p99 * 1000:.1f} / {latency.maximum * 1000:.1f}",
    )
    table.add_row("raw aiokafka publishes/s", f"{ingest.raw_publish.per_second:,.0f}")
    table.add_row("ingest ÷ raw publish (target ≥ 0.05)", f"{ingest.ratio:.4f}")
    for name, seconds in cpu.seconds.items():
        table.add_row(f"CPU ms per webhook: {name}", f"{seconds * 1000 / count:.3f}")
    operations = sum(results.mongo_ops.get("ingest", {}).values())
    table.add_row("MongoDB operations per webhook", f"{operations:.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--requests", type=int, dest="ingest_requests")
    parser.add_argument("--concurrency", type=int, dest="ingest_concurrency")
    parser.add_argument("--raw-messages", type=int, dest="raw_messages")
    options = parser.parse_args()
    chosen = sizes(
        quick=options.quick,
        ingest_requests=options.ingest_requests,
        ingest_concurrency=options.ingest_concurrency,
        raw_messages=options.raw_messages,
        hop_samples=1,  # not this command's question
    )
    console = Console()
    results = Results(this_machine(), chosen)
    with tempfile.TemporaryDirectory(prefix="balas-bench-ingest-") as workdir:
        asyncio.run(_measure(results, Path(workdir), console))
    console.print(per_webhook_table(results))


if __name__ == "__main__":
    main()
