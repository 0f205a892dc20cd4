"""Run 3b without the responder: `python -m bench.enricher_alone [--conversations 200]
[--bursts 3] [--concurrency 32]`.

ingest and the enricher only, on a fresh broker and an embedded MongoDB: run 3's burst (one
message from each of `--conversations` new customers, posted through ingest by `--concurrency`
clients in a closed loop), timed as run 3b times it (bench/enricher_burst.py), once per burst,
each burst from new customers. Per burst: cards/s, the event → card lag, the peak backlog, the
enricher's MongoDB commands per card (its own counter) and each process's CPU milliseconds per
card, which on a shared machine is steadier than the rates. Nothing else writes to MongoDB
meanwhile, so a change to the enricher shows here before it shows in the whole run 3.
"""

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.enricher_burst import EnricherBurst, enricher_burst, published_at
from bench.load import closed_loop
from bench.mongo_ops import scrape_commands
from bench.probe import CpuUse, server_pids
from bench.realtime import LedgerWatcher
from bench.servers import embedded_kafka, mongodb_for_bench
from bench.standins import running_standins
from bench.system import BenchServices, create_store, run_settings
from bench.webhooks import Webhook, WebhookPoster, signed_webhooks

SERVICES = ("ingest", "enricher")
WARMUP_SERIES, WARMUP_MESSAGES = 9, 5
FIRST_SERIES = 4  # customers' numbers differ per burst (bench/webhooks.py's series digit)


async def _burst(
    services: BenchServices, webhooks: list[Webhook], concurrency: int, pids: dict[str, int]
) -> tuple[EnricherBurst, CpuUse, float]:
    settings = services.settings
    assert settings.mongodb.uri
    metrics = {"enricher": services.metrics_url("enricher")}
    before = await scrape_commands(metrics)
    cards = LedgerWatcher(settings.mongodb.uri, settings.mongodb.database, "enricher")
    watching = asyncio.create_task(cards.watch(webhooks, timeout=60.0 + len(webhooks)))
    cpu = CpuUse(pids)
    cpu.start()
    async with WebhookPoster(services.ingest_url, concurrency) as poster:
        await closed_loop(webhooks, concurrency, poster.post, tick=lambda: None)
    await watching
    cpu.stop()
    after = await scrape_commands(metrics)
    published = await published_at(settings.mongodb.uri, settings.mongodb.database, webhooks)
    burst = enricher_burst(published, cards.visible)
    sent = sum(after["enricher"].values()) - sum(before["enricher"].values())
    return burst, cpu, sent / max(burst.carded, 1)


def _table(rows: list[tuple[EnricherBurst, CpuUse, float]]) -> Table:
    table = Table(title="Run 3b alone: the enricher under a burst (ingest, no responder)")
    table.add_column("figure", style="bold")
    for number in range(1, len(rows) + 1):
        table.add_column(f"burst {number}", justify="right")
    table.add_row("cards/s (target ≥ 150)", *(f"{b.per_second:.1f}" for b, _, _ in rows))
    for name in ("p50", "p95", "maximum"):
        table.add_row(
            f"event → card {name}, ms",
            *(f"{getattr(b.lag, name) * 1000:,.0f}" if b.lag else "-" for b, _, _ in rows),
        )
    table.add_row("peak backlog", *(str(b.peak_backlog) for b, _, _ in rows))
    table.add_row("first → last event published, s", *(f"{b.publishing:.2f}" for b, _, _ in rows))
    table.add_row("first event → last card, s", *(f"{b.seconds:.2f}" for b, _, _ in rows))
    table.add_row("enricher commands per card", *(f"{c:.2f}" for _, _, c in rows))
    for name in rows[0][1].seconds:
        table.add_row(
            f"CPU ms per card: {name}",
            *(f"{cpu.seconds[name] * 1000 / max(b.carded, 1):.2f}" for b, cpu, _ in rows),
        )
    table.add_row("wall time, s", *(f"{cpu.wall:.2f}" for _, cpu, _ in rows))
    return table


async def _measure(conversations: int, bursts: int, concurrency: int, workdir: Path) -> Table:
    async with (
        mongodb_for_bench(workdir / "mongodb", None) as mongodb,
        embedded_kafka(workdir / "kafka") as kafka,
    ):
        with running_standins() as standins:
            settings = run_settings(kafka, mongodb, standins, "bench_pipeline", 8)
            store = await create_store(settings, "bench-enricher", "+14155550103")
            services = BenchServices(settings, workdir / "logs")
            services.launch(*SERVICES)
            try:
                await services.wait_ready()
                pids = {**services.pids(), **server_pids(kafka), **server_pids(mongodb)}
                pids["bench (client)"] = os.getpid()
                print("pids:", pids, flush=True)
                warm = signed_webhooks(
                    settings, store.whatsapp_number, WARMUP_SERIES, WARMUP_MESSAGES
                )
                await _burst(services, warm, 1, pids)  # group joins, first connections
                rows = [
                    await _burst(
                        services,
                        signed_webhooks(
                            settings, store.whatsapp_number, FIRST_SERIES + n, conversations
                        ),
                        concurrency,
                        pids,
                    )
                    for n in range(bursts)
                ]
            finally:
                services.stop()
    return _table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    options = parser.parse_args()
    if not 0 < options.bursts <= WARMUP_SERIES - FIRST_SERIES:
        parser.error(f"1 to {WARMUP_SERIES - FIRST_SERIES} bursts (each its own customers)")
    with tempfile.TemporaryDirectory(prefix="balas-bench-enricher-") as workdir:
        table = asyncio.run(
            _measure(options.conversations, options.bursts, options.concurrency, Path(workdir))
        )
    Console().print(table)


if __name__ == "__main__":
    main()
