"""`python -m bench.classify`: offline classification on one core, one process.

How long the shipped model takes to load (numpy only: nothing is trained at run time; target
< 2 s), then throughput (target ≥ 1,000/s) over held-out messages, cycled: once one message per
call (as the enricher calls it, per customer message) and once in batches. Two kinds: customer
requests (the sets that label intent: the project's held-out set, Bitext, Banking77, CLINC150)
and reviews (the sentiment sets: SmSA, NusaX, UCI, PRDECT-ID), about four times as long.
"""

import argparse
import os
import time

from threadpoolctl import threadpool_limits

from services.enricher.classification.datasets import scoring_sets
from services.enricher.classification.offline import MODEL_FILE, OfflineClassifier, OfflineModel


def _per_second(classifier: OfflineClassifier, texts: list[str], batch: int) -> tuple[float, float]:
    """Messages per second of elapsed time, and per second of this process's CPU time (what
    the elapsed rate would be on a core of its own, on a machine shared with other work)."""
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        classifier.classify_now(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000, help="messages per run")
    parser.add_argument("--batch", type=int, default=256, help="messages per call, batch run")
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with threadpool_limits(1):
        started = time.perf_counter()
        classifier = OfflineClassifier(OfflineModel.load())
        loaded = time.perf_counter() - started
        rows = [row for rows in scoring_sets().values() for row in rows]
        kinds = {
            "customer requests": [row.text for row in rows if row.intent],
            "reviews": [row.text for row in rows if not row.intent],
        }
        print(
            f"offline classifier, one core: {MODEL_FILE.name} "
            f"({MODEL_FILE.stat().st_size:,} bytes) loaded in {loaded:.2f} s"
        )
        for kind, held_out in kinds.items():
            texts = (held_out * (arguments.messages // len(held_out) + 1))[: arguments.messages]
            _per_second(classifier, texts[:500], 1)  # warm-up
            single, single_cpu = _per_second(classifier, texts, 1)
            batched, batched_cpu = _per_second(classifier, texts, arguments.batch)
            length = sum(map(len, held_out)) / len(held_out)
            print(f"  {kind} ({length:.0f} characters on average, {len(texts):,} messages):")
            print(
                f"    one message per call:   {single:,.0f} messages/s "
                f"({single_cpu:,.0f} per CPU second)"
            )
            print(
                f"    {arguments.batch} messages per call: {batched:,.0f} messages/s "
                f"({batched_cpu:,.0f} per CPU second)"
            )


if __name__ == "__main__":
    main()
