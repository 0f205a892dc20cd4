"""Runs 2 and 3 (or the one chosen) on a fresh broker with all four services, then their
memory."""

import asyncio
import os
import time
from collections.abc import Iterable
from pathlib import Path

from bench.config import Sizes
from bench.enricher_burst import enricher_burst, published_at
from bench.mongo_ops import (
    IDLE_SECONDS,
    idle_between,
    opcounters,
    per_message,
    scrape_commands,
    service_ops,
)
from bench.pipeline import measure_pipeline
from bench.probe import CpuUse, rss_bytes, server_pids
from bench.quiet import wait_until_quiet
from bench.realtime import LedgerWatcher, visibility
from bench.replies import wait_for_sends
from bench.responder import measure_responder
from bench.results import Results
from bench.sampler import sampled
from bench.scrape import Histograms, means_between, scrape
from bench.servers import embedded_kafka
from bench.standins import StandIns
from bench.steps import Steps
from bench.system import SERVICES, BenchServices, create_store, run_settings
from bench.webhooks import WebhookPoster, signed_webhooks
from shared.infra import EmbeddedServers
from shared.stores.directory import Store

PIPELINE_SERIES, RESPONDER_SERIES, WARMUP_SERIES = 2, 3, 9
WARMUP_MESSAGES = 5
SETTLE_SECONDS = 2.0  # before the memory is read
QUIET_TIMEOUT_SECONDS = 120.0  # a run's tail still worked off after this is a failure
BENCH_PROCESS = "bench (client, stand-ins)"
HISTOGRAMS: Histograms = {
    "responder: whole handler of a message": (
        "balas_event_handler_seconds",
        {"group": "responder", "topic": "whatsapp.inbound"},
    ),
    "responder: LLM call (stand-in answers at once)": (
        "balas_llm_request_seconds",
        {"outcome": "ok"},
    ),
    "responder: event time → Twilio returned": ("balas_reply_pipeline_seconds", {}),
}


async def pipeline_runs(
    sizes: Sizes,
    workdir: Path,
    mongodb: EmbeddedServers,
    standins: StandIns,
    steps: Steps,
    results: Results,
) -> None:
    steps.note("pipeline runs: a fresh embedded Kafka and all four services")
    async with embedded_kafka(workdir / "kafka-pipeline") as kafka:
        settings = run_settings(kafka, mongodb, standins, "bench_pipeline", sizes.kafka_partitions)
        store = await create_store(settings, "bench-pipeline", "+14155550102")
        services = BenchServices(settings, workdir / "logs" / "pipeline-runs")
        services.launch(*SERVICES)
        try:
            await services.wait_ready()
            pids = {**services.pids(), **server_pids(kafka), **server_pids(mongodb)}
            pids[BENCH_PROCESS] = os.getpid()
            steps.note("warming up until the consumers own their partitions")
            standins.openai.latency_seconds = 0.0
            await _warm_up(services, store, standins)
            if "pipeline" in results.runs:
                with sampled("pipeline", pids, workdir):
                    await _pipeline(sizes, services, store, standins, pids, steps, results)
            if "responder" in results.runs:
                standins.openai.latency_seconds = sizes.llm_latency
                with sampled("responder", pids, workdir):
                    await _responder(sizes, services, store, standins, pids, steps, results)
            await asyncio.sleep(SETTLE_SECONDS)
            for name, pid in pids.items():
                if name != BENCH_PROCESS:
                    results.rss[name] = rss_bytes(pid)
        finally:
            steps.note("stopping the services")
            services.stop()


async def _warm_up(services: BenchServices, store: Store, standins: StandIns) -> None:
    """A few replies end to end, so group joins and first connections are not measured."""
    webhooks = signed_webhooks(
        services.settings, store.whatsapp_number, WARMUP_SERIES, WARMUP_MESSAGES
    )
    async with WebhookPoster(services.ingest_url, concurrency=1) as poster:
        await poster.post_all(webhooks)
    customers = [webhook.customer for webhook in webhooks]
    sent = await wait_for_sends(standins.twilio, customers, timeout=90.0, tick=lambda: None)
    if len(sent) < len(customers):
        raise RuntimeError(f"warm-up: {len(sent)} of {len(customers)} replies; see the logs")


async def _quiet(metrics_urls: Iterable[str], standins: StandIns, steps: Steps) -> None:
    waited = await wait_until_quiet(metrics_urls, standins.twilio, QUIET_TIMEOUT_SECONDS)
    steps.note(f"the services at rest after {waited:.1f} s")


async def _pipeline(
    sizes: Sizes,
    services: BenchServices,
    store: Store,
    standins: StandIns,
    pids: dict[str, int],
    steps: Steps,
    results: Results,
) -> None:
    count, rate = sizes.pipeline_messages, sizes.pipeline_rate
    webhooks = signed_webhooks(services.settings, store.whatsapp_number, PIPELINE_SERIES, count)
    metrics = {service: services.metrics_url(service) for service in SERVICES}
    await _quiet(metrics.values(), standins, steps)
    tick = steps.bar(f"pipeline: {count} messages at {rate:g}/s, LLM answers at once", count)
    idle_before = await scrape_commands(metrics)
    await asyncio.sleep(IDLE_SECONDS)  # each service's background work, before any traffic
    commands_before = await scrape_commands(metrics)
    idle = idle_between(idle_before, commands_before)
    started = time.monotonic()
    before = await scrape(services.metrics_url("responder"))
    assert services.settings.mongodb.uri
    ops_before = await opcounters(services.settings.mongodb.uri)
    cpu = CpuUse(pids)
    cpu.start()
    kpis = LedgerWatcher(
        services.settings.mongodb.uri, services.settings.mongodb.database, "kpi_aggregator"
    )
    watching = asyncio.create_task(kpis.watch(webhooks, timeout=60.0 + count / rate))
    results.pipeline = await measure_pipeline(
        services.ingest_url, standins.twilio, webhooks, rate, timeout=60.0, tick=tick
    )
    cpu.stop()
    await watching
    results.kpi_visibility = visibility(results.pipeline._accepted, kpis.visible)
    results.kpi_counted = len(kpis.visible)
    after = await scrape(services.metrics_url("responder"))
    results.cpu["pipeline"] = cpu
    results.breakdown["pipeline"] = means_between(before, after, HISTOGRAMS)
    await _quiet(metrics.values(), standins, steps)  # the run's work includes its tail
    ops_after = await opcounters(services.settings.mongodb.uri)
    results.mongo_ops["pipeline"] = per_message(ops_before, ops_after, count)
    commands_after = await scrape_commands(metrics)
    idle_ratio = (time.monotonic() - started) / IDLE_SECONDS
    results.service_ops = {
        service: service_ops(
            commands_before[service], commands_after[service], count, idle[service], idle_ratio
        )
        for service in metrics
    }


async def _responder(
    sizes: Sizes,
    services: BenchServices,
    store: Store,
    standins: StandIns,
    pids: dict[str, int],
    steps: Steps,
    results: Results,
) -> None:
    count, latency = sizes.conversations, sizes.llm_latency
    webhooks = signed_webhooks(services.settings, store.whatsapp_number, RESPONDER_SERIES, count)
    metrics = {service: services.metrics_url(service) for service in SERVICES}
    await _quiet(metrics.values(), standins, steps)  # run 2's replies carded, counted, settled
    tick = steps.bar(f"responder: {count} conversations, LLM {latency:g} s per answer", count)
    assert services.settings.mongodb.uri
    cards = LedgerWatcher(
        services.settings.mongodb.uri, services.settings.mongodb.database, "enricher"
    )
    watching = asyncio.create_task(cards.watch(webhooks, timeout=60.0 + count * latency))
    commands_before = await scrape_commands(metrics)
    ops_before = await opcounters(services.settings.mongodb.uri)
    cpu = CpuUse(pids)
    cpu.start()
    results.responder = await measure_responder(
        services.ingest_url,
        standins.twilio,
        webhooks,
        sizes.ingest_concurrency,
        latency,
        timeout=60.0 + count * latency,  # even a one-at-a-time responder would finish
        tick=tick,
    )
    await watching  # the cards are usually all there before the last reply
    cpu.stop()  # after the cards too: their CPU is the run's
    published = await published_at(
        services.settings.mongodb.uri, services.settings.mongodb.database, webhooks
    )
    results.enricher_burst = enricher_burst(published, cards.visible)
    results.cpu["responder"] = cpu
    commands_after = await scrape_commands(metrics)
    ops_after = await opcounters(services.settings.mongodb.uri)
    results.mongo_ops["responder"] = per_message(ops_before, ops_after, count)
    results.responder_ops = {
        service: service_ops(commands_before[service], commands_after[service], count, {}, 0.0)
        for service in metrics
    }
