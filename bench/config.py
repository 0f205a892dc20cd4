"""The sizes of one bench run; every one can be overridden from the command line."""

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Sizes:
    ingest_requests: int = 3000
    ingest_concurrency: int = 32
    ingest_warmup: int = 100
    raw_messages: int = 30000  # the raw publish is ~50x faster: more messages, steadier figure
    pipeline_messages: int = 200
    pipeline_rate: float = 20.0  # webhooks per second, one customer each
    conversations: int = 200
    llm_latency: float = 1.0  # seconds per answer in the responder-throughput run
    kafka_partitions: int = 8  # as KAFKA_PARTITIONS defaults to
    hop_samples: int = 50
    idle_warmup: float = 20.0  # seconds `balas run` rests before the idle run measures
    idle_seconds: float = 45.0  # the idle run's window


QUICK = Sizes(
    ingest_requests=300,
    ingest_concurrency=8,
    ingest_warmup=20,
    raw_messages=3000,
    pipeline_messages=20,
    pipeline_rate=20.0,
    conversations=20,
    hop_samples=10,
    idle_warmup=2.0,
    idle_seconds=3.0,
)


def sizes(*, quick: bool, **overrides: Any) -> Sizes:
    """The default sizes (or the quick ones), with every override that is not None applied."""
    chosen = QUICK if quick else Sizes()
    return replace(
        chosen, **{name: value for name, value in overrides.items() if value is not None}
    )
