"""Run 1 on a fresh broker with ingest alone: webhooks, raw publishes, one Kafka hop."""

import os
from pathlib import Path

from bench.config import Sizes
from bench.ingest import IngestResult, measure_raw_publish, measure_webhooks, records_of
from bench.kafka_hop import measure_kafka_hop
from bench.mongo_ops import opcounters, per_message
from bench.probe import CpuUse, rss_bytes, server_pids
from bench.results import Results
from bench.scrape import Histograms, means_between, scrape
from bench.servers import embedded_kafka
from bench.standins import StandIns
from bench.steps import Steps
from bench.system import BenchServices, create_store, run_settings
from bench.webhooks import signed_webhooks
from shared.infra import EmbeddedServers

CUSTOMER_SERIES = 1
BENCH_PROCESS = "bench (client, stand-ins)"
HOP_FETCH_WAITS_MS = (500, 100)  # the services' (aiokafka's default), and a shorter one
HISTOGRAMS: Histograms = {
    "ingest: Kafka publish (FastStream, acks=all)": (
        "faststream_published_messages_duration_seconds",
        {"app_name": "ingest", "broker": "kafka", "destination": "whatsapp.inbound"},
    ),
}


async def ingest_run(
    sizes: Sizes,
    workdir: Path,
    mongodb: EmbeddedServers,
    standins: StandIns,
    steps: Steps,
    results: Results,
) -> None:
    steps.note("ingest run: a fresh embedded Kafka (Tansu) and ingest alone")
    async with embedded_kafka(workdir / "kafka-ingest") as kafka:
        settings = run_settings(kafka, mongodb, standins, "bench_ingest", sizes.kafka_partitions)
        store = await create_store(settings, "bench-ingest", "+14155550101")
        services = BenchServices(settings, workdir / "logs" / "ingest-run")
        services.launch("ingest")  # ingest creates the topics as it starts
        try:
            await services.wait_ready()
            count = sizes.ingest_warmup + sizes.ingest_requests
            webhooks = signed_webhooks(settings, store.whatsapp_number, CUSTOMER_SERIES, count)
            records = records_of(webhooks, store)
            pids = {**services.pids(), **server_pids(kafka), **server_pids(mongodb)}
            pids[BENCH_PROCESS] = os.getpid()
            concurrency = sizes.ingest_concurrency

            tick = steps.bar(
                f"ingest: {sizes.ingest_requests} signed webhooks, {concurrency} concurrent",
                sizes.ingest_requests,
            )
            before = await scrape(services.metrics_url("ingest"))
            ops_before = await opcounters(mongodb.mongodb_uri)
            webhook_cpu = CpuUse(pids)
            webhook_cpu.start()
            webhook_throughput = await measure_webhooks(
                services.ingest_url, webhooks, concurrency, sizes.ingest_warmup, tick
            )
            webhook_cpu.stop()
            after = await scrape(services.metrics_url("ingest"))
            ops_after = await opcounters(mongodb.mongodb_uri)
            results.mongo_ops["ingest"] = per_message(ops_before, ops_after, count)

            tick = steps.bar(
                f"raw aiokafka: {sizes.raw_messages} sends, acks=all, {concurrency} concurrent",
                sizes.raw_messages,
            )
            raw_cpu = CpuUse(pids)
            raw_cpu.start()
            raw_throughput = await measure_raw_publish(
                settings, records, sizes.raw_messages, concurrency, sizes.ingest_warmup, tick
            )
            raw_cpu.stop()

            for wait_ms in HOP_FETCH_WAITS_MS:
                tick = steps.bar(
                    f"one Kafka hop: send → consumer poll, fetch_max_wait_ms={wait_ms}",
                    sizes.hop_samples,
                )
                results.kafka_hops[wait_ms] = await measure_kafka_hop(
                    settings, sizes.hop_samples, tick, fetch_max_wait_ms=wait_ms
                )

            results.ingest = IngestResult(webhook_throughput, raw_throughput, len(records[0].value))
            results.breakdown["ingest"] = means_between(before, after, HISTOGRAMS)
            results.cpu["ingest"] = webhook_cpu
            results.cpu["raw publish"] = raw_cpu
            results.rss["ingest, after the ingest run"] = rss_bytes(services.pids()["ingest"])
        finally:
            services.stop()
