"""`python -m bench.service_memory`: resident memory of each service alone, and how long
`balas --help` takes.

Each service is measured in a fresh Python process (no servers, no pipeline):

- **idle**: what `balas run SERVICE` imports before the service connects (the command line and
  the service's app module with everything it imports: FastStream, aiokafka, pymongo,
  pydantic, the shared platform), against issue 16's targets;
- **loaded** (the responder and the enricher): after it built what it keeps for its whole life
  on a store with knowledge: the enricher its offline classifier (one message classified), the
  responder the knowledge index of one store of 10,000 chunks (two questions searched, one of
  them with words that read WordNet's synonym table), as
  `bench.retrieval` builds it.

It is the quick check of issue 16's idle targets and issue 18's budget (a service stays within
50 MiB of its memory on main) for whatever a change loads: lexicons, a stemmer, a model. The
full pipeline bench (`python -m bench`) reports the services' memory after real traffic.
`balas --help` is timed as a user starts it (the median of a few runs, wall clock).
"""

import argparse
import asyncio
import gc
import importlib
import json
import statistics
import subprocess
import sys
import time

import psutil

from balas.processes import SERVICES

MIB = 2**20
# Issue 16's idle targets, MiB.
IDLE_TARGETS = {
    "ingest": 90,
    "responder": 150,
    "enricher": 200,
    "kpi_aggregator": 150,
    "console": 150,
}
HELP_TARGET_SECONDS = 0.5
HELP_RUNS = 5
CHUNKS = 10_000


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _load_enricher() -> object:
    from services.enricher.classification import build_classifier
    from shared.settings import Settings

    classifier = asyncio.run(build_classifier(Settings(), "offline"))
    asyncio.run(classifier.classify(["kak sepatunya bs tuker size ga?"]))
    return classifier


def _load_responder() -> object:
    from bench.retrieval import STORE, synthetic_chunks
    from shared.knowledge.retrieval import KnowledgeIndex

    chunks, _ = synthetic_chunks(CHUNKS, dimensions=1)
    index = KnowledgeIndex(STORE, 1, chunks)  # lexical: no embeddings configured
    del chunks
    gc.collect()  # the loaded chunks are dropped once the index is built, as the retriever does
    index.search("berapa ongkir ke Bandung kak?")
    index.search("Do you sell leather bags?")  # plain words: the synonym table is read too
    return index


LOADERS = {"enricher": _load_enricher, "responder": _load_responder}


def measure(service: str) -> dict[str, int]:
    """In this process: RSS once `balas run SERVICE` imported it, then after loading what it
    keeps (for the services that keep something)."""
    importlib.import_module("balas.cli")
    importlib.import_module(f"services.{service}.app")
    figures = {"idle": _rss()}
    if service in LOADERS:
        kept = LOADERS[service]()
        figures["loaded"] = _rss()
        del kept
    return figures


def _in_fresh_process(service: str) -> dict[str, int]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.service_memory", "--child", service],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, int] = json.loads(output.strip().splitlines()[-1])
    return figures


def help_seconds(runs: int = HELP_RUNS) -> float:
    """The median wall time of `balas --help` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "balas", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "over"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.service_memory", description=__doc__)
    parser.add_argument("--child", choices=SERVICES, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child)))
        return
    print("resident memory (RSS), each service in a fresh process:")
    for service in SERVICES:
        figures = _in_fresh_process(service)
        idle, target = figures["idle"] / MIB, IDLE_TARGETS[service]
        line = (
            f"  {service:14} idle {idle:5.0f} MiB (target {target} MiB: {_verdict(idle, target)})"
        )
        if "loaded" in figures:
            line += f" · loaded {figures['loaded'] / MIB:5.0f} MiB"
        print(line)
    seconds = help_seconds()
    print(
        f"balas --help: {seconds:.2f} s, median of {HELP_RUNS} runs "
        f"(target {HELP_TARGET_SECONDS} s: {_verdict(seconds, HELP_TARGET_SECONDS)})"
    )


if __name__ == "__main__":
    main()
