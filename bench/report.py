"""The final tables: machine, results, where the time went, memory, CPU per run."""

from rich.console import Console
from rich.table import Table

from bench.enricher_burst import EnricherBurst
from bench.idle import TARGET_SHARE_OF_A_CORE, IdleCpu
from bench.ingest import IngestResult
from bench.kafka_hop import DEFAULT_FETCH_MAX_WAIT_MS
from bench.mongo_ops import BUDGET_PER_MESSAGE, ServiceOps
from bench.pipeline import PipelineResult
from bench.probe import CpuUse
from bench.responder import ResponderResult
from bench.results import Results
from bench.stats import Latency

MIB = 2**20


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _spread(latency: Latency) -> str:
    return (
        f"p50 {_ms(latency.p50)} · p95 {_ms(latency.p95)} · p99 {_ms(latency.p99)} · "
        f"min {_ms(latency.minimum)} · max {_ms(latency.maximum)}"
    )


def machine_table(results: Results) -> Table:
    table = Table(title="Machine", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for name, value in results.machine.rows():
        table.add_row(name, value)
    return table


def _ingest_rows(table: Table, ingest: IngestResult, results: Results) -> None:
    sizes = results.sizes
    webhooks, raw = ingest.webhooks, ingest.raw_publish
    table.add_row(
        "1. ingest: signed webhook → 200",
        f"{webhooks.per_second:,.0f} webhooks/s",
        f"{_spread(webhooks.latency)}\n{webhooks.count} requests, "
        f"{sizes.ingest_concurrency} concurrent, ingest alone",
    )
    table.add_row(
        "   raw aiokafka send_and_wait, acks=all",
        f"{raw.per_second:,.0f} msgs/s",
        f"{_spread(raw.latency)}\n{raw.count} sends, {sizes.ingest_concurrency} concurrent, "
        f"same broker, same {ingest.payload_bytes} B payload",
    )
    table.add_row(
        "   ingest ÷ raw publish",
        f"{ingest.ratio:.3f}",
        f"raw publishing is {1 / ingest.ratio:,.0f}x faster; per webhook ingest also parses "
        "and checks the signed form\nand reads and writes MongoDB (receipt)",
    )
    for wait_ms, hop in results.kafka_hops.items():
        setting = (
            "the services' setting (aiokafka's default)"
            if wait_ms == DEFAULT_FETCH_MAX_WAIT_MS
            else "shorter than the services' setting"
        )
        table.add_row(
            f"   one Kafka hop: send → consumer poll\n   fetch_max_wait_ms={wait_ms}",
            f"{_ms(hop.p50)} p50",
            f"{_spread(hop)}\n{hop.count} samples, bare aiokafka consumer, {setting}",
        )


def _pipeline_rows(table: Table, pipeline: PipelineResult, results: Results) -> None:
    shape = (
        f"{pipeline.replied} of {pipeline.messages} replied; "
        f"{results.sizes.pipeline_rate:g} webhooks/s, one customer each, LLM answers at once"
    )
    if pipeline.overhead is None:
        table.add_row("2. pipeline: webhook 200 → Twilio send", "no replies", shape)
        return
    table.add_row(
        "2. pipeline: webhook 200 → Twilio send",
        f"{_ms(pipeline.overhead.p50)} p50\n{_ms(pipeline.overhead.p95)} p95",
        f"{_spread(pipeline.overhead)}\n{shape}",
    )


def _responder_rows(table: Table, responder: ResponderResult) -> None:
    table.add_row(
        f"3. responder, LLM {responder.llm_latency:g} s per answer",
        f"{responder.per_second:,.1f} replies/s",
        f"{responder.replied} of {responder.conversations} conversations (all posted up front, "
        f"in {responder.posting_seconds:.2f} s):\nfirst reply after "
        f"{responder.first_reply_seconds:.2f} s, last after {responder.seconds:.2f} s",
    )
    table.add_row(
        "   ÷ a sequential consumer",
        f"{responder.ratio:,.1f}x",
        f"one message at a time: at most {responder.sequential_per_second:g} reply/s "
        "(the LLM's time alone)",
    )
    if latency := responder.reply_latency:
        table.add_row(
            "   each webhook 200 → its Twilio send",
            f"{_ms(latency.p50)} p50",
            _spread(latency),
        )


def _enricher_rows(table: Table, burst: EnricherBurst) -> None:
    shape = (
        f"{burst.carded} of {burst.messages} messages on their card, during run 3 (all posted "
        "at once), MongoDB polled every 20 ms"
    )
    if burst.lag is None:
        table.add_row("3b. enricher under a burst: event → card", "no cards", shape)
        return
    table.add_row(
        "3b. enricher under a burst:\n    event published → conversation card",
        f"{_ms(burst.lag.p50)} p50\n{_ms(burst.lag.p95)} p95\n{_ms(burst.lag.p99)} p99",
        f"{_spread(burst.lag)}\n{shape}",
    )
    table.add_row(
        "    cards/s, peak backlog",
        f"{burst.per_second:,.1f} cards/s",
        f"first event published → last card in {burst.seconds:.2f} s, of which ingest "
        f"published for {burst.publishing:.2f} s; at most {burst.peak_backlog} messages "
        "published and not yet on their card",
    )


def results_table(results: Results) -> Table:
    table = Table(title="Results", show_lines=True)
    table.add_column("measure", style="bold")
    table.add_column("figure", justify="right")
    table.add_column("detail")
    if results.ingest:
        _ingest_rows(table, results.ingest, results)
    if results.pipeline:
        _pipeline_rows(table, results.pipeline, results)
    if results.kpi_visibility:
        latency = results.kpi_visibility
        table.add_row(
            "   real time: webhook 200 → counted in the KPI buckets",
            f"{_ms(latency.p50)} p50\n{_ms(latency.p95)} p95",
            f"{_spread(latency)}\n{results.kpi_counted} messages, during the pipeline run, "
            "MongoDB polled every 20 ms",
        )
    if results.responder:
        _responder_rows(table, results.responder)
    if results.enricher_burst:
        _enricher_rows(table, results.enricher_burst)
    if results.idle:
        _idle_row(table, results.idle)
    return table


def _idle_row(table: Table, idle: IdleCpu) -> None:
    busiest = ", ".join(f"{name} {idle.share(name):.1%}" for name in list(idle.by_process)[:4])
    table.add_row(
        "5. idle: the whole of balas run at rest",
        f"{idle.share_of_a_core:.1%} of a core",
        f"target < {TARGET_SHARE_OF_A_CORE:.0%}; over {idle.seconds:.0f} s, every process of "
        f"the supervisor's tree; busiest: {busiest}",
    )


def breakdown_table(results: Results) -> Table:
    table = Table(title="Where the time went: the services' histograms, MongoDB's opcounters")
    table.add_column("run", style="bold")
    table.add_column("step")
    table.add_column("mean / count", justify="right")
    for run_name in dict.fromkeys([*results.breakdown, *results.mongo_ops]):
        for step, seconds in results.breakdown.get(run_name, {}).items():
            table.add_row(run_name, f"{step} (mean)", _ms(seconds))
        if ops := results.mongo_ops.get(run_name):
            kinds = ", ".join(f"{kind} {n:.1f}" for kind, n in ops.items() if kind != "total")
            table.add_row(
                run_name,
                f"MongoDB operations per message, all services: {kinds}",
                f"{ops['total']:.1f}",
            )
    return table


def budget_table(results: Results) -> Table:
    """The per-message budget of the pipeline run: each service's MongoDB commands (its own
    counter; background: its idle rate over the run) and CPU."""
    title = (
        f"Per customer message, pipeline run (target: at most {BUDGET_PER_MESSAGE} "
        "MongoDB operations, all services)"
    )
    messages = results.pipeline.messages if results.pipeline else 0
    return _ops_table(title, results.service_ops, results.cpu.get("pipeline"), messages)


def responder_ops_table(results: Results) -> Table:
    """Run 3's cost per reply: each service's MongoDB commands (background included) and CPU."""
    replies = results.responder.replied if results.responder else 0
    cpu = results.cpu.get("responder")
    return _ops_table("Per reply, responder run", results.responder_ops, cpu, replies)


def _ops_table(
    title: str, by_service: dict[str, ServiceOps], cpu: CpuUse | None, count: int
) -> Table:
    table = Table(title=title)
    table.add_column("service", style="bold")
    table.add_column("MongoDB commands", justify="right")
    table.add_column("of which background", justify="right")
    table.add_column("CPU ms", justify="right")
    table.add_column("commands (per message, background included)")
    for service, ops in by_service.items():
        used = cpu.seconds.get(service) if cpu else None
        cpu_ms = f"{used * 1000 / count:.1f}" if used is not None and count else ""
        commands = ", ".join(f"{key} {n:.2f}" for key, n in ops.by_command.items() if n >= 0.05)
        table.add_row(service, f"{ops.per_message:.1f}", f"{ops.background:.1f}", cpu_ms, commands)
    if by_service:
        total = sum(ops.per_message for ops in by_service.values())
        background = sum(ops.background for ops in by_service.values())
        table.add_row("all services", f"{total:.1f}", f"{background:.1f}", "", "", style="italic")
    return table


def memory_table(results: Results) -> Table:
    table = Table(title="4. Resident memory (RSS) after the runs")
    table.add_column("process", style="bold")
    table.add_column("RSS", justify="right")
    for name, rss in results.rss.items():
        table.add_row(name, f"{rss / MIB:,.0f} MiB")
    return table


def cpu_table(results: Results) -> Table:
    """CPU seconds per process during each measured run, and cores busy on average."""
    table = Table(title="CPU used during each measured run: seconds (average cores busy)")
    table.add_column("process", style="bold")
    names: list[str] = []
    for run in results.cpu.values():
        names += [name for name in run.seconds if name not in names]
    for run_name, run in results.cpu.items():
        table.add_column(f"{run_name}\n({run.wall:.1f} s)", justify="right")
    for name in names:
        cells = []
        for run in results.cpu.values():
            used = run.seconds.get(name)
            cells.append("" if used is None else f"{used:.1f} ({used / run.wall:.2f})")
        table.add_row(name, *cells)
    totals = [f"{sum(run.seconds.values()) / run.wall:.2f} cores" for run in results.cpu.values()]
    table.add_row("all of these", *totals, style="italic")
    return table


def print_report(results: Results, console: Console) -> None:
    console.print(machine_table(results))
    console.print(results_table(results))
    console.print(breakdown_table(results))
    console.print(budget_table(results))
    console.print(responder_ops_table(results))
    console.print(memory_table(results))
    console.print(cpu_table(results))
    console.print(f"whole bench: {results.seconds:.0f} s")
