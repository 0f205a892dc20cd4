"""The `balas` command: run the system or one service, simulate a customer, look at the results."""

import asyncio
import importlib
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from balas import dead_letters
from balas import replay as replays
from balas import simulate as simulation
from balas.processes import SERVICES
from balas.supervisor import StopFlag, run_everything
from shared import mongo
from shared.identity import conversation_id
from shared.infra import EmbeddedServers
from shared.logging import configure_logging
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores import Store, WooCommerceConnection, connect_woocommerce, save_store

app = typer.Typer(
    help="Balas: WhatsApp customer communication for WooCommerce stores.", no_args_is_help=True
)
store_app = typer.Typer(help="Stores and their WhatsApp numbers.", no_args_is_help=True)
kpi_app = typer.Typer(help="KPI figures as the dashboard reads them.", no_args_is_help=True)
app.add_typer(store_app, name="store")
dlq_app = typer.Typer(help="Dead letters: events consumers gave up on.", no_args_is_help=True)
app.add_typer(kpi_app, name="kpi")
app.add_typer(dlq_app, name="dlq")
console = Console()


@app.command()
def run(
    service: Annotated[str | None, typer.Argument(help=f"One of {', '.join(SERVICES)}.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (webhooks or /metrics).")] = None,
) -> None:
    """Run everything (embedded servers unless configured), or one service."""
    settings = Settings()
    if service is None:
        configure_logging(settings, "balas")
        run_everything(settings)
        return
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    module = importlib.import_module(f"services.{service}.app")
    asyncio.run(module.main(port))


@app.command()
def infra() -> None:
    """Start only the embedded Kafka and MongoDB servers, until Ctrl-C."""
    settings = Settings(kafka_bootstrap_servers=None, mongodb_uri=None)
    configure_logging(settings, "infra")
    stop = StopFlag()
    servers = EmbeddedServers.for_settings(settings)
    servers.start()
    try:
        asyncio.run(servers.wait_until_ready())
        ready = servers.applied_to(settings)
        console.print("Point services at them with:")
        console.print(f"  export KAFKA_BOOTSTRAP_SERVERS={ready.kafka_bootstrap_servers}")
        console.print("  export KAFKA_ENABLE_IDEMPOTENCE=false")
        console.print(f"  export MONGODB_URI='{ready.mongodb_uri}'")
        console.print("Ctrl-C stops them.")
        while not stop.requested:
            time.sleep(0.2)
    finally:
        servers.stop()


def _settings() -> Settings:
    """Settings for a command talking to a running system: the embedded servers by default."""
    settings = Settings()
    return EmbeddedServers.for_settings(settings).applied_to(settings)


def _with_db(work: Callable[[mongo.Database], Awaitable[Any]]) -> Any:
    settings = _settings()

    async def go() -> Any:
        client = mongo.connect(settings.mongodb_uri or "")
        try:
            return await work(client[settings.mongodb_database])
        finally:
            await client.close()

    return asyncio.run(go())


@store_app.command("add")
def store_add(
    store_id: Annotated[str, typer.Option("--id", help="Short id, e.g. toko-budi.")],
    name: Annotated[str, typer.Option(help="Name customers know the store by.")],
    whatsapp_number: Annotated[str, typer.Option("--number", help="E.164, e.g. +6281234567890.")],
    system_prompt: Annotated[str | None, typer.Option(help="The bot's instructions.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone.")] = "Asia/Jakarta",
) -> None:
    """Create or update a store."""
    store = Store(id=store_id, name=name, whatsapp_number=whatsapp_number, timezone=timezone)
    if system_prompt:
        store = store.model_copy(update={"system_prompt": system_prompt})
    _with_db(lambda db: _save_keeping_woocommerce(db, store))
    console.print(f"store [bold]{store_id}[/] answers WhatsApp messages to {whatsapp_number}")


async def _save_keeping_woocommerce(db: mongo.Database, store: Store) -> None:
    existing = await db[mongo.STORES].find_one({"_id": store.id}, {"woocommerce": 1})
    if existing and existing.get("woocommerce"):
        store = store.model_copy(
            update={"woocommerce": WooCommerceConnection.model_validate(existing["woocommerce"])}
        )
    await save_store(db, store)


def _secret_option(flag: str, help_text: str) -> Any:
    # Prompted without echo when left out, so secrets need not sit in the shell's history.
    return typer.Option(flag, help=help_text, prompt=True, hide_input=True)


@store_app.command("woocommerce")
def store_woocommerce(
    store_id: Annotated[str, typer.Option("--id", help="The store's id.")],
    url: Annotated[str, typer.Option(help="The shop's base URL, e.g. https://toko.example.")],
    consumer_key: Annotated[str, _secret_option("--consumer-key", "REST API key (ck_...).")],
    consumer_secret: Annotated[
        str, _secret_option("--consumer-secret", "REST API secret (cs_...).")
    ],
    webhook_secret: Annotated[
        str, _secret_option("--webhook-secret", "The secret set on the store's webhooks.")
    ],
) -> None:
    """Connect a store to its WooCommerce: credentials and webhook secret, stored encrypted."""
    box = secret_box(_settings())
    connection = WooCommerceConnection(
        url=url.rstrip("/"),
        consumer_key=box.encrypt(consumer_key),
        consumer_secret=box.encrypt(consumer_secret),
        webhook_secret=box.encrypt(webhook_secret),
    )
    if not _with_db(lambda db: connect_woocommerce(db, store_id, connection)):
        console.print(f"[red]no store {escape(store_id)}[/]: create it with `balas store add`")
        raise typer.Exit(1)
    console.print(
        f"store [bold]{escape(store_id)}[/] takes WooCommerce webhooks at "
        f"/webhooks/woocommerce/{escape(store_id)} (secrets stored encrypted)"
    )


@store_app.command("list")
def store_list() -> None:
    """List stores."""
    stores = _with_db(lambda db: db[mongo.STORES].find().to_list())
    table = Table("id", "name", "WhatsApp number", "timezone")
    for document in stores:
        store = Store.model_validate(document)
        table.add_row(store.id, store.name, store.whatsapp_number, store.timezone)
    console.print(table)


@app.command("simulate")
def simulate(
    text: Annotated[str, typer.Argument(help="What the customer writes.")],
    customer: Annotated[
        str | None, typer.Option(help="The customer's number (default: a new one each time).")
    ] = None,
    to: Annotated[str | None, typer.Option(help="The store's number (default: demo).")] = None,
    ingest_url: Annotated[str | None, typer.Option(help="Where ingest listens.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the reply.")] = 60.0,
) -> None:
    """Send a correctly signed Twilio webhook, then show the stored reply and the KPI bucket."""
    settings = _settings()
    customer = customer or simulation.new_customer_number()
    store_number = to or settings.demo_whatsapp_number
    if _with_db(lambda db: _human_owns(db, store_number, customer)):
        console.print(
            f"a human owns the conversation with {customer}, so the bot stays silent; "
            "try another --customer"
        )
        raise typer.Exit(1)
    form = simulation.inbound_message_form(customer=customer, store_number=store_number, text=text)
    path = simulation.WHATSAPP_WEBHOOK_PATH
    signature = simulation.twilio_signature(
        settings.twilio_auth_token.get_secret_value(),
        settings.public_base_url.rstrip("/") + path,
        form,
    )
    target = (ingest_url or f"http://{settings.ingest_host}:{settings.ingest_port}") + path
    response = httpx.post(target, data=form, headers={"X-Twilio-Signature": signature})
    console.print(f"webhook → HTTP {response.status_code} {response.text[:200]}")
    if response.status_code != 200:
        raise typer.Exit(1)
    reply = _with_db(lambda db: _wait_for_reply(db, form["MessageSid"], wait))
    if reply is None:
        console.print(f"[red]no reply within {wait:.0f} s[/]; check the responder's log")
        raise typer.Exit(1)
    state = reply["state"] + (
        f" ({reply['not_sent_reason']})" if reply.get("not_sent_reason") else ""
    )
    console.print(f"reply, {escape(state)}: [bold]{escape(reply['text'])}[/]")
    kpi_show(store=reply["store_id"], hours=1)


async def _human_owns(db: mongo.Database, store_number: str, customer: str) -> bool:
    store = await db[mongo.STORES].find_one({"whatsapp_number": store_number}, {"_id": 1})
    if store is None:
        return False
    conversation = {"_id": conversation_id(store["_id"], customer), "owner": "human"}
    return await db[mongo.CONVERSATIONS].count_documents(conversation, limit=1) > 0


async def _wait_for_reply(db: mongo.Database, message_sid: str, wait: float) -> Any:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        reply = await db[mongo.MESSAGES].find_one(
            {"_id": f"reply:{message_sid}", "state": {"$ne": "sending"}}
        )
        if reply:
            return reply
        await asyncio.sleep(0.25)
    return None


@kpi_app.command("show")
def kpi_show(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    hours: Annotated[int, typer.Option(help="How many recent hours.")] = 24,
    daily: Annotated[
        bool, typer.Option("--daily", help="Day buckets (the store's local dates) instead.")
    ] = False,
    days: Annotated[int, typer.Option(help="With --daily: how many recent days.")] = 14,
) -> None:
    """Print a store's hourly KPI buckets (UTC hours), or with --daily its day buckets."""
    if daily:
        since_day = f"{datetime.now(UTC).date() - timedelta(days=days):%Y-%m-%d}"
        rows = _with_db(
            lambda db: (
                db[mongo.KPI_DAILY]
                .find({"store_id": store, "date": {"$gte": since_day}})
                .sort("date", 1)
                .to_list()
            )
        )
        zone = rows[0]["timezone"] if rows else "local"
        console.print(_kpi_table(f"day ({zone})", rows, lambda row: row["date"], store))
        return
    since = datetime.now(UTC) - timedelta(hours=hours)
    rows = _with_db(
        lambda db: (
            db[mongo.KPI_HOURLY]
            .find({"store_id": store, "hour": {"$gte": since.replace(minute=0, second=0)}})
            .sort("hour", 1)
            .to_list()
        )
    )
    console.print(
        _kpi_table("hour (UTC)", rows, lambda row: f"{row['hour']:%Y-%m-%d %H:00}", store)
    )


def _kpi_table(
    period: str, rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str], store: str
) -> Table:
    from services.kpi_aggregator.buckets import percentile

    table = Table(
        period,
        "inbound",
        "bot replies",
        "agent replies",
        "not sent",
        "customers",
        "first responses",
        "p50 first response",
        "delivery failures",
        title=f"KPIs of store {store}",
    )
    for bucket in rows:
        outbound = bucket.get("outbound_messages", {})
        first = bucket.get("first_response", {})
        p50 = percentile(first.get("histogram", {}), 0.5)
        table.add_row(
            label(bucket),
            str(bucket.get("inbound_messages", 0)),
            str(outbound.get("bot", 0)),
            str(outbound.get("agent", 0)),
            str(bucket.get("replies_not_sent", 0)),
            str(bucket.get("unique_customers", 0)),
            str(first.get("count", 0)),
            "-" if p50 is None else f"{p50:.1f} s",
            str(bucket.get("delivery", {}).get("failed", 0)),
        )
    return table


@kpi_app.command("insights")
def kpi_insights(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    day: Annotated[
        str | None, typer.Option("--date", help="Local date (YYYY-MM-DD); default yesterday.")
    ] = None,
) -> None:
    """Explain what changed day over day and week over week (LLM-written when configured)."""
    from services.kpi_aggregator.reports import store_insights
    from services.kpi_aggregator.writer import build_writer

    chosen = _date(day, "--date") if day else None
    writer = build_writer(_settings())
    found = _with_db(lambda db: store_insights(db, store, chosen, writer))
    table = Table("metric", "day over day", "week over week", title=f"KPIs of {escape(store)}")
    day_over_day, week_over_week = found.comparisons
    for now, week in zip(day_over_day.deltas, week_over_week.deltas, strict=True):
        table.add_row(now.label, _delta_cell(now), _delta_cell(week))
    console.print(table)
    console.print(f"[bold]written by {found.written_by}[/]")
    console.print(escape(found.summary))


def _delta_cell(delta: Any) -> str:
    if delta.current is None or delta.previous is None:
        return "-"
    unit = "%" if delta.kind == "share" else " s" if delta.kind == "seconds" else ""
    text = f"{delta.previous:.0f}{unit} → {delta.current:.0f}{unit}"
    if delta.change_percent is not None:
        text += f" ({delta.change_percent:+.0f}%)"
    return f"[bold yellow]{text}[/]" if delta.notable else text


SPARKS = "▁▂▃▄▅▆▇█"


def _sparkline(values: list[float]) -> str:
    top = max(values, default=0.0) or 1.0
    return "".join(SPARKS[min(len(SPARKS) - 1, int(value / top * len(SPARKS)))] for value in values)


@kpi_app.command("forecast")
def kpi_forecast(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    metric: Annotated[str, typer.Option(help="Daily metric to forecast.")] = "inbound_messages",
    days: Annotated[int, typer.Option(min=1, max=28, help="Days ahead.")] = 7,
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Also measure the error by back-testing.")
    ] = False,
) -> None:
    """Forecast a daily KPI with an 80% and 95% band (Holt-Winters with weekly seasonality)."""
    from services.kpi_aggregator.reports import UnknownMetric, store_forecast

    try:
        report = _with_db(lambda db: store_forecast(db, store, metric, days, backtest))
    except UnknownMetric as error:
        raise typer.BadParameter(str(error)) from None
    if not report.history:
        console.print(f"no day buckets for store {escape(store)} yet")
        return
    recent = [value for _, value in report.history[-28:]]
    console.print(
        f"{metric}, last {len(recent)} days: {_sparkline(recent)}  "
        f"({len(report.history)} days of history, method {report.method})"
    )
    table = Table(
        "date", "forecast", "80% band", "95% band", title=f"{metric} forecast, {escape(store)}"
    )
    for point in report.forecast:
        table.add_row(
            f"{point.date:%a %Y-%m-%d}",
            f"{point.value:,.1f}",
            f"{point.lower_80:,.1f} .. {point.upper_80:,.1f}",
            f"{point.lower_95:,.1f} .. {point.upper_95:,.1f}",
        )
    console.print(table)
    if backtest:
        score = report.backtest
        if score is None:
            console.print("back-test: needs at least 2 weeks of history plus the horizon")
            return
        console.print(
            f"back-test ({score.origins} origins x {score.horizon} days): MAE {score.mae:.2f}, "
            f"sMAPE {score.smape_percent:.1f}%; seasonal-naive baseline MAE "
            f"{score.baseline_mae:.2f}, sMAPE {score.baseline_smape_percent:.1f}%; "
            f"band coverage 80%: {score.coverage_80:.0%}, 95%: {score.coverage_95:.0%}"
        )


@kpi_app.command("rebuild")
def kpi_rebuild(
    store: Annotated[str, typer.Option(help="Store id.")],
    first: Annotated[
        str, typer.Option("--from", help="First local date (YYYY-MM-DD) in the store's timezone.")
    ],
    last: Annotated[str, typer.Option("--to", help="Last local date (YYYY-MM-DD), included.")],
) -> None:
    """Recompute a store's hour and day buckets of a date range from the Kafka event log."""
    from services.kpi_aggregator.rebuild import rebuild

    first_day, last_day = _date(first, "--from"), _date(last, "--to")
    if last_day < first_day:
        raise typer.BadParameter("--to is before --from")
    bootstrap = _settings().kafka_bootstrap_servers or ""
    with Progress(console=console) as progress:
        task = progress.add_task("reading the event log", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = _with_db(
            lambda db: rebuild(db, bootstrap, store, first_day, last_day, progress=advance)
        )
    console.print(
        f"rebuilt store {escape(store)} {first_day}..{last_day}: {result.hours} hour and "
        f"{result.days} day buckets from {result.events_counted} events "
        f"({result.events_read} records read)"
    )


@kpi_app.command("facts")
def kpi_facts(
    store: Annotated[str, typer.Option(help="Store id.")],
    first: Annotated[
        str, typer.Option("--from", help="First local date (YYYY-MM-DD) of the closes.")
    ],
    last: Annotated[str, typer.Option("--to", help="Last local date (YYYY-MM-DD), included.")],
    to_file: Annotated[
        str | None, typer.Option("--csv", help="Write the CSV to this file (default stdout).")
    ] = None,
) -> None:
    """Export the per-conversation fact table (one row per closed session) as CSV."""
    first_day, last_day = _date(first, "--from"), _date(last, "--to")
    if last_day < first_day:
        raise typer.BadParameter("--to is before --from")
    text = _with_db(lambda db: facts_csv(db, store, first_day, last_day))
    if to_file is None:
        sys.stdout.write(text)
        return
    with open(to_file, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    console.print(f"wrote {text.count(chr(10)) - 1} rows to {escape(to_file)}")


async def facts_csv(db: mongo.Database, store: str, first: date, last: date) -> str:
    """The CSV of a store's conversation facts closed on local dates first..last."""
    from services.kpi_aggregator.fact_table import facts_between
    from services.kpi_aggregator.facts import csv_text

    return csv_text(await facts_between(db, store, first, last))


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} wants a date like 2024-05-06, not {text!r}") from None


def _moment(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 time; without an offset it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{option} wants a time like 2024-05-06T10:00 or 2024-05-06T17:00+07:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("replay")
def replay(
    topic: Annotated[str, typer.Option(help="The topic to re-drive, e.g. whatsapp.inbound.")],
    group: Annotated[str, typer.Option(help="The consumer group, e.g. kpi_aggregator.")],
    since: Annotated[
        str | None, typer.Option("--from", help="Records stamped at or after (ISO 8601, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Records stamped at or before (ISO 8601, UTC).")
    ] = None,
) -> None:
    """Re-drive a topic's records (or a time range of them) into one consumer group.

    Copies them to the group's replay topic `replay.<group>`, which its members read next to
    their own topics: the group keeps running and no other group sees them.
    """
    settings = _settings()
    low, high = _moment(since, "--from"), _moment(until, "--to")
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
        f"copied {result.copied} of {result.scanned} records of {topic} to "
        f"{result.replay_topic}; group {escape(group)} handles them as it reads"
    )


@app.command("messages")
def messages(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
) -> None:
    """Print a store's most recent messages."""
    recent = _with_db(
        lambda db: (
            db[mongo.MESSAGES]
            .find({"store_id": store})
            .sort("created_at", -1)
            .limit(limit)
            .to_list()
        )
    )
    table = Table("time (UTC)", "conversation", "from", "state", "text")
    for message in reversed(recent):
        table.add_row(
            f"{message['created_at']:%H:%M:%S}",
            message["conversation_id"].split(":", 1)[-1],
            message.get("author", ""),
            message.get("state", message.get("delivery_status", "")) or "",
            (message.get("text") or "")[:80],
        )
    console.print(table)


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
        bool, typer.Option("--evaluate", help="Score the engine on the held-out set instead.")
    ] = False,
) -> None:
    """Label customer messages (intent, sentiment, language, entities): one JSON line each."""
    from balas.classify import evaluation_tables, json_lines
    from services.enricher.classification import LlmNotConfiguredError, build_classifier
    from services.enricher.classification.evaluation import evaluate as score

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


TopicOption = Annotated[
    str | None, typer.Option(help="Only this topic's dead letters, e.g. whatsapp.inbound.")
]


def _letters(topic: str | None) -> list[dead_letters.StoredLetter]:
    settings = _settings()
    return list(_with_db(lambda db: dead_letters.list_letters(settings, db, topic)))


@dlq_app.command("list")
def dlq_list(topic: TopicOption = None) -> None:
    """List dead letters, oldest first."""
    table = Table("id", "group", "attempts", "failed at (UTC)", "re-driven", "error")
    for stored in _letters(topic):
        letter = stored.letter
        table.add_row(
            stored.id,
            letter.consumer_group,
            str(letter.attempts),
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
            f"{stored.redriven_at:%Y-%m-%d %H:%M}" if stored.redriven_at else "no",
            escape(letter.error[:80]),
        )
    console.print(table)


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(help="An id from `balas dlq list`.")],
) -> None:
    """Print one dead letter in full, original payload included."""
    found = [stored for stored in _letters(None) if stored.id == letter_id]
    if not found:
        console.print(f"[red]no dead letter {escape(letter_id)}[/]")
        raise typer.Exit(1)
    console.print_json(found[0].letter.model_dump_json())


@dlq_app.command("redrive")
def dlq_redrive(
    letter_ids: Annotated[list[str] | None, typer.Argument(help="Ids to re-drive.")] = None,
    topic: TopicOption = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every letter not re-driven.")] = False,
) -> None:
    """Publish dead letters back to their topics, once each, after the cause is fixed."""
    if not letter_ids and not all_letters:
        raise typer.BadParameter("name letter ids, or pass --all")
    chosen = [
        stored for stored in _letters(topic) if all_letters or stored.id in (letter_ids or [])
    ]
    settings = _settings()
    with Progress(console=console) as progress:
        task = progress.add_task("re-driving", total=len(chosen))
        sent = _with_db(
            lambda db: dead_letters.redrive(settings, db, chosen, lambda: progress.advance(task))
        )
    console.print(f"re-drove {sent} of {len(chosen)} letters ({len(chosen) - sent} were already)")
