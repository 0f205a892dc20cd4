"""`python -m bench [--quick] [sizes]`: see bench/__init__.py and docs/benchmarks.md."""

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.config import sizes
from bench.report import print_report
from bench.results import RUNS, Results
from bench.runner import run
from bench.steps import progress_display
from bench.targets import previous_run, targets_table

# flag -> (field of Sizes, type, help)
SIZE_FLAGS: dict[str, tuple[str, type, str]] = {
    "--requests": ("ingest_requests", int, "signed webhooks of the ingest run"),
    "--concurrency": ("ingest_concurrency", int, "concurrent clients (ingest, raw, responder)"),
    "--warmup": ("ingest_warmup", int, "unmeasured requests before the ingest and raw runs"),
    "--raw-messages": ("raw_messages", int, "sends of the raw aiokafka publish"),
    "--hop-samples": ("hop_samples", int, "samples of the one-Kafka-hop latency"),
    "--pipeline-messages": ("pipeline_messages", int, "messages of the pipeline run"),
    "--pipeline-rate": ("pipeline_rate", float, "webhooks/s of the pipeline run"),
    "--conversations": ("conversations", int, "conversations of the responder run"),
    "--llm-latency": ("llm_latency", float, "seconds per LLM answer in the responder run"),
    "--partitions": ("kafka_partitions", int, "partitions per topic"),
    "--idle-seconds": ("idle_seconds", float, "window of the idle run (the system at rest)"),
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure Balas on this machine (see docs/benchmarks.md).",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run (< 1 min)")
    for flag, (field, kind, text) in SIZE_FLAGS.items():
        parser.add_argument(flag, dest=field, type=kind, metavar="N", help=text)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep servers' data and services' logs here (default: a temporary "
        "directory, removed after a successful run)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=RUNS,
        metavar="RUN",
        help=f"take only these runs ({', '.join(RUNS)}); run 3 alone is `--only responder`",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--mongodb-uri",
        metavar="URI",
        help="run against this MongoDB server instead of an embedded one (its databases "
        "bench_ingest and bench_pipeline are dropped first); `make bench` passes MONGODB_URI",
    )
    return parser.parse_args()


def _as_json(results: Results) -> dict[str, Any]:
    def tidy(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): tidy(v) for k, v in value.items() if not str(k).startswith("_")}
        if isinstance(value, list):
            return [tidy(v) for v in value]
        return value

    data: dict[str, Any] = tidy(asdict(results))
    return {
        "figures": results.figures(),
        "commit": _commit(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **data,
    }


def _commit() -> str:
    """The checked-out commit, marked when the tree has changes (empty outside git)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    return (
        f"{commit}+changes"
        if commit and git("status", "--porcelain", "--untracked-files=no")
        else commit
    )


def main() -> None:
    arguments = _arguments()
    overrides = {field: getattr(arguments, field) for field, _, _ in SIZE_FLAGS.values()}
    chosen = sizes(quick=arguments.quick, **overrides)
    workdir = arguments.workdir or Path(tempfile.mkdtemp(prefix="balas-bench-"))
    console = Console(width=None if sys.stdout.isatty() else 120)
    previous = previous_run()  # read before --json may overwrite it
    try:
        with progress_display(console) as progress:
            runs = tuple(name for name in RUNS if name in (arguments.only or RUNS))
            results = asyncio.run(run(chosen, workdir, progress, arguments.mongodb_uri, runs))
    except BaseException:
        console.print(f"[red]bench failed[/]; servers' data and services' logs are in {workdir}")
        raise
    print_report(results, console)
    console.print(targets_table(results.figures(), results.mongodb, previous))
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(_as_json(results), indent=2))
        console.print(f"results written to {arguments.json}")
    if problems := results.problems():
        for problem in problems:
            console.print(f"[red]{problem}[/]")
        console.print(f"servers' data and services' logs are in {workdir}")
        sys.exit(1)
    if not arguments.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
