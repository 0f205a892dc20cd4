"""`python -m bench.classify`: offline classification throughput on one core, one process.

The held-out messages, cycled, through the offline engine: once one message per call (as the
enricher calls it, per customer message) and once in batches. Training time is reported too.
"""

import argparse
import os
import time

from threadpoolctl import threadpool_limits

from services.enricher.classification.evaluation import HELD_OUT
from services.enricher.classification.offline import OfflineClassifier, read_labelled, train


def _per_second(classifier: OfflineClassifier, texts: list[str], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        classifier.classify_now(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000, help="messages per run")
    parser.add_argument("--batch", type=int, default=256, help="messages per call, batch run")
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with threadpool_limits(1):
        started = time.perf_counter()
        classifier = OfflineClassifier(train())
        trained = time.perf_counter() - started
        held_out = [row["text"] for row in read_labelled(HELD_OUT)]
        texts = (held_out * (arguments.messages // len(held_out) + 1))[: arguments.messages]
        _per_second(classifier, texts[:500], 1)  # warm-up
        single = _per_second(classifier, texts, 1)
        batched = _per_second(classifier, texts, arguments.batch)
    print(f"offline classifier, one core: trained in {trained:.1f} s")
    print(f"  one message per call:   {single:,.0f} messages/s ({len(texts):,} messages)")
    print(f"  {arguments.batch} messages per call: {batched:,.0f} messages/s")


if __name__ == "__main__":
    main()
