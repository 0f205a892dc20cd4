"""The `balas` command: run the system or one service, simulate a customer, look at the results."""

import asyncio
import gc
import importlib
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress

from balas.ask_command import ask
from balas.broadcast_commands import broadcast_app
from balas.cli_help import WordedCommand
from balas.cli_support import (
    VERBOSE,
    cli_settings,
    command_group,
    console,
    parse_moment,
    print_listing,
    require_store,
    with_db,
    wrapping_table,
)
from balas.console_commands import console_app
from balas.customer_commands import customer_app
from balas.dlq_commands import dlq_app
from balas.kb_commands import kb_app
from balas.kpi_commands import kpi_app
from balas.notification_commands import store_notifications
from balas.processes import SERVICES
from balas.simulate_command import simulate
from balas.store_commands import store_app
from balas.topics_commands import topics_app
from balas.woocommerce_commands import woocommerce_app
from balas.wording import counted

if TYPE_CHECKING:
    from shared import mongo

# A command imports what it works with in its body: a service started with `balas run` and
# `balas --help` load none of the other commands' libraries.

app = command_group("Balas: WhatsApp customer communication for WooCommerce stores.")
app.add_typer(store_app, name="store")
store_app.command("notifications")(store_notifications)
store_app.add_typer(broadcast_app, name="broadcast")
app.add_typer(kpi_app, name="kpi")
app.add_typer(dlq_app, name="dlq")
app.add_typer(topics_app, name="topics")
app.command("ask")(ask)
app.add_typer(woocommerce_app, name="woocommerce")
app.add_typer(kb_app, name="kb")
app.add_typer(console_app, name="console")
app.add_typer(customer_app, name="customer")
app.command("simulate")(simulate)


@app.callback()
def balas(
    ctx: typer.Context,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show a command's log lines on stderr at LOG_LEVEL, not only its warnings "
            "and errors.",
        ),
    ] = False,
) -> None:
    ctx.meta[VERBOSE] = verbose


@app.command(cls=WordedCommand)  # logs as the services do
def run(
    service: Annotated[str | None, typer.Argument(help=f"One of {', '.join(SERVICES)}.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (webhooks or /metrics).")] = None,
) -> None:
    """Run everything (embedded servers unless configured), or one service."""
    if service is None:
        from balas.supervisor import run_everything
        from shared.logging import configure_logging
        from shared.settings import Settings

        settings = Settings()
        configure_logging(settings, "balas")
        run_everything(settings)
        return
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    import uvloop  # libuv's event loop: less CPU per request and per socket write than asyncio's

    module = importlib.import_module(f"services.{service}.app")
    # The imported modules' objects live as long as the process: frozen, a full collection no
    # longer scans them (one took ~80 ms of ingest under load, every request waiting). A request
    # leaves little cyclic garbage, so the young generation is collected every 10,000
    # allocations rather than 700: ingest spent about a tenth of its CPU in the collector.
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    uvloop.run(module.main(port))


@app.command(cls=WordedCommand)  # logs as the services do
def infra() -> None:
    """Start only the embedded Kafka and MongoDB servers, until Ctrl-C."""
    from balas.supervisor import StopFlag
    from shared.infra import EmbeddedServers
    from shared.logging import configure_logging
    from shared.settings import Settings

    settings = Settings().updated(kafka={"bootstrap_servers": None}, mongodb={"uri": None})
    configure_logging(settings, "infra")
    stop = StopFlag()
    servers = EmbeddedServers.for_settings(settings)
    servers.start()
    try:
        asyncio.run(servers.wait_until_ready())
        ready = servers.applied_to(settings)
        console.print("Point services at them with:")
        console.print(f"  export KAFKA_BOOTSTRAP_SERVERS={ready.kafka.bootstrap_servers}")
        console.print("  export KAFKA_ENABLE_IDEMPOTENCE=false")
        console.print(f"  export MONGODB_URI='{ready.mongodb.uri}'")
        console.print("Ctrl-C stops them.")
        while not stop.requested:
            time.sleep(0.2)
    finally:
        servers.stop()


@app.command("replay")
def replay(
    topic: Annotated[str, typer.Option(help="The topic to re-drive, e.g. whatsapp.inbound.")],
    group: Annotated[str, typer.Option(help="The consumer group, e.g. kpi_aggregator.")],
    since: Annotated[
        str | None,
        typer.Option("--from", metavar="TIME", help="Records stamped at or after (ISO 8601, UTC)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--to", metavar="TIME", help="Records stamped at or before (ISO 8601, UTC)."),
    ] = None,
) -> None:
    """Re-drive a topic's records (or a time range of them) into one consumer group.

    Copies them to the group's replay topic `replay.<group>`, which its members read next to
    their own topics: the group keeps running and no other group sees them.
    """
    from balas import replay as replays

    settings = cli_settings()
    low, high = parse_moment(since, "--from"), parse_moment(until, "--to")
    with Progress(console=console) as progress:
        task = progress.add_task(f"copying {topic}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = asyncio.run(replays.replay(settings, topic, group, low, high, advance))
        except replays.ReplayRefused as refused:
            progress.stop()
            console.print(f"[red]{escape(str(refused))}[/]")
            raise typer.Exit(1) from None
    console.print(
        f"copied {result.copied} of {counted(result.scanned, 'record')} of {topic} to "
        f"{result.replay_topic}; group {escape(group)} handles them as it reads"
    )


@app.command("messages")
def messages(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
) -> None:
    """Print a store's most recent messages."""
    from shared.conversations.collections import MESSAGES
    from shared.identity import customer_number

    async def latest(db: "mongo.Database") -> list[dict[str, Any]]:
        await require_store(db, store)
        found = db[MESSAGES].find({"store_id": store}).sort("created_at", -1).limit(limit)
        return await found.to_list()

    recent = with_db(latest)
    table = wrapping_table(
        "time (UTC)", "customer", "from", "state", "text", whole=("time (UTC)", "customer")
    )
    for message in reversed(recent):
        table.add_row(
            f"{message['created_at']:%H:%M:%S}",
            customer_number(message["conversation_id"]),
            message.get("author", ""),
            message.get("state", message.get("delivery_status", "")) or "",
            escape(message.get("text") or ""),
        )
    print_listing(table, empty=f"No messages in store {escape(store)} yet.")


@app.command("classify")
def classify(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Messages; none: one per line on stdin.")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(help="auto (the LLM when configured), offline or llm; default: the setting."),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate", help="Score the engine on every held-out set, per source, instead."
        ),
    ] = False,
    train: Annotated[
        bool,
        typer.Option("--train", help="Fit the offline model and write its shipped file instead."),
    ] = False,
) -> None:
    """Label customer messages (intent, sentiment, language, entities): one JSON line each."""
    from balas.classify import evaluation_tables, json_lines, train_model
    from services.enricher.classification import LlmNotConfiguredError, build_classifier
    from services.enricher.classification.evaluation import evaluate as score
    from shared.settings import Settings

    if train:
        console.print(train_model())
        return
    if engine not in (None, "auto", "offline", "llm"):
        raise typer.BadParameter(f"unknown engine {engine!r}; choose auto, offline or llm")
    try:
        classifier = asyncio.run(build_classifier(Settings(), engine))  # type: ignore[arg-type]
    except LlmNotConfiguredError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    if evaluate:
        for table in evaluation_tables(asyncio.run(score(classifier))):
            console.print(table)
        return
    lines = texts or [line.strip() for line in sys.stdin if line.strip()]
    for line in asyncio.run(json_lines(classifier, lines)):
        print(line)
