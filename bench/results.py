"""Everything one bench run found out, for the report and the JSON file."""

from dataclasses import dataclass, field

from bench.config import Sizes
from bench.enricher_burst import EnricherBurst
from bench.idle import IdleCpu
from bench.ingest import IngestResult
from bench.machine import Machine
from bench.mongo_ops import ServiceOps
from bench.pipeline import PipelineResult
from bench.probe import CpuUse
from bench.responder import ResponderResult
from bench.stats import Latency

# the measured runs, in the order a whole bench takes them (`--only` picks some)
RUNS = ("ingest", "pipeline", "responder", "idle")


@dataclass
class Results:
    machine: Machine
    sizes: Sizes
    mongodb: str = "embedded"  # or "given": a server reached by MONGODB_URI
    runs: tuple[str, ...] = RUNS  # the runs taken; the others' figures are absent, not missing
    ingest: IngestResult | None = None
    # fetch_max_wait_ms -> one Kafka hop's latency
    kafka_hops: dict[int, Latency] = field(default_factory=dict)
    pipeline: PipelineResult | None = None
    responder: ResponderResult | None = None
    # during run 3's burst: event published -> the message on its conversation card
    enricher_burst: EnricherBurst | None = None
    # webhook 200 -> the message counted in the KPI buckets, during the pipeline run
    kpi_visibility: Latency | None = None
    kpi_counted: int = 0
    # run -> step -> mean seconds, from the services' own Prometheus histograms
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    # run -> operation kind -> MongoDB operations per customer message (all services)
    mongo_ops: dict[str, dict[str, float]] = field(default_factory=dict)
    # service -> its MongoDB commands per customer message in the pipeline run
    service_ops: dict[str, ServiceOps] = field(default_factory=dict)
    # service -> its MongoDB commands per reply in the responder run (background included)
    responder_ops: dict[str, ServiceOps] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)  # process -> bytes
    cpu: dict[str, CpuUse] = field(default_factory=dict)  # run -> CPU per process
    idle: IdleCpu | None = None  # the whole of `balas run` at rest
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """What makes this run incomplete: a smoke test fails on any of these."""
        found = []
        if "pipeline" in self.runs and (self.pipeline is None or self.pipeline.missing):
            found.append("pipeline run: not every message got a reply")
        if "responder" in self.runs and (
            self.responder is None or self.responder.replied < self.responder.conversations
        ):
            found.append("responder run: not every conversation got a reply")
        if self.pipeline and self.kpi_counted < self.pipeline.messages:
            found.append("pipeline run: not every message was counted in the KPI buckets")
        burst = self.enricher_burst
        if self.responder and (burst is None or burst.carded < self.responder.conversations):
            found.append("responder run: not every message reached its conversation card")
        if "ingest" in self.runs and self.ingest is None:
            found.append("ingest run: no result")
        return found

    def figures(self) -> dict[str, float]:
        """The headline figures (rates per second, latencies in seconds, ratios)."""
        found: dict[str, float] = {}
        if self.ingest:
            found["ingest_webhooks_per_second"] = self.ingest.webhooks.per_second
            found["raw_publish_per_second"] = self.ingest.raw_publish.per_second
            found["ingest_to_raw_ratio"] = self.ingest.ratio
        if self.pipeline and self.pipeline.overhead:
            found["pipeline_overhead_p50_seconds"] = self.pipeline.overhead.p50
            found["pipeline_overhead_p95_seconds"] = self.pipeline.overhead.p95
        if self.kpi_visibility:
            found["kpi_visible_p50_seconds"] = self.kpi_visibility.p50
            found["kpi_visible_p95_seconds"] = self.kpi_visibility.p95
        if self.responder:
            found["responder_replies_per_second"] = self.responder.per_second
            found["responder_to_sequential_ratio"] = self.responder.ratio
        if self.service_ops:
            found["mongodb_commands_per_message"] = sum(
                ops.per_message for ops in self.service_ops.values()
            )
            found["mongodb_background_per_message"] = sum(
                ops.background for ops in self.service_ops.values()
            )
        if self.enricher_burst and self.enricher_burst.lag:
            found["enricher_burst_lag_p50_seconds"] = self.enricher_burst.lag.p50
            found["enricher_burst_lag_p95_seconds"] = self.enricher_burst.lag.p95
            found["enricher_burst_lag_p99_seconds"] = self.enricher_burst.lag.p99
            found["enricher_burst_cards_per_second"] = self.enricher_burst.per_second
        if self.idle:
            found["idle_cpu_share_of_a_core"] = self.idle.share_of_a_core
        return found
