"""`balas kpi`: the KPI figures as the dashboard reads them, insights, forecast, rebuild, rehash,
facts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from balas.cli_support import (
    cli_settings,
    command_group,
    console,
    parse_date,
    print_listing,
    require_store,
    with_db,
    wrapping_table,
)
from balas.wording import counted

if TYPE_CHECKING:
    from shared import mongo

kpi_app = command_group("KPI figures as the dashboard reads them.")


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
    from shared.kpis.collections import KPI_DAILY, KPI_HOURLY

    def buckets(collection: str, query: dict[str, Any], order: str) -> list[dict[str, Any]]:
        async def read(db: mongo.Database) -> list[dict[str, Any]]:
            await require_store(db, store)
            return await db[collection].find({"store_id": store, **query}).sort(order).to_list()

        rows: list[dict[str, Any]] = with_db(read)
        return rows

    if daily:
        since_day = f"{datetime.now(UTC).date() - timedelta(days=days):%Y-%m-%d}"
        rows = buckets(KPI_DAILY, {"date": {"$gte": since_day}}, "date")
        zone = rows[0]["timezone"] if rows else "local"
        tables = _kpi_tables(f"day ({zone})", rows, lambda row: row["date"], store)
        empty = f"No KPIs of store {escape(store)} in the last {counted(days, 'day')}."
        print_listing(*tables, empty=empty)
        return
    since = datetime.now(UTC) - timedelta(hours=hours)
    rows = buckets(KPI_HOURLY, {"hour": {"$gte": since.replace(minute=0, second=0)}}, "hour")
    tables = _kpi_tables("hour (UTC)", rows, lambda row: f"{row['hour']:%Y-%m-%d %H:00}", store)
    empty = f"No KPIs of store {escape(store)} in the last {counted(hours, 'hour')}."
    print_listing(*tables, empty=empty)


def _kpi_tables(
    period: str, rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str], store: str
) -> list[Table]:
    """The buckets as two tables of six columns, so that each fits an 80-column terminal: the
    messages, then the responses, deliveries and orders."""
    from shared.kpis.keys import percentile

    messages = wrapping_table(
        period,
        "inbound",
        "bot replies",
        "agent replies",
        "not sent",
        "customers",
        title=f"KPIs of store {escape(store)}: messages",
        whole=(period,),
    )
    results = wrapping_table(
        period,
        "first responses",
        "p50 first response",
        "delivery failures",
        "orders",
        "paid",
        title=f"KPIs of store {escape(store)}: responses and orders",
        whole=(period,),
    )
    for bucket in rows:
        outbound = bucket.get("outbound_messages", {})
        first = bucket.get("first_response", {})
        p50 = percentile(first.get("histogram", {}), 0.5)
        messages.add_row(
            label(bucket),
            str(bucket.get("inbound_messages", 0)),
            str(outbound.get("bot", 0)),
            str(outbound.get("agent", 0)),
            str(bucket.get("replies_not_sent", 0)),
            str(bucket.get("unique_customers", 0)),
        )
        results.add_row(
            label(bucket),
            str(first.get("count", 0)),
            "-" if p50 is None else f"{p50:.1f} s",
            str(bucket.get("delivery", {}).get("failed", 0)),
            str(bucket.get("orders", {}).get("created", 0)),
            str(bucket.get("orders", {}).get("paid", 0)),
        )
    return [messages, results, *_notification_table(period, rows, label, store)]


def _notification_table(
    period: str, rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str], store: str
) -> list[Table]:
    """What followed the notifications, all sources together, when the buckets have any
    (docs/kpis.md#notifications)."""
    figures = ("sent", "delivered", "read", "replied", "opted_out")
    table = wrapping_table(
        period,
        *(figure.replace("_", " ") for figure in figures),
        title=f"KPIs of store {escape(store)}: notifications",
        whole=(period,),
    )
    for bucket in rows:
        sources = bucket.get("notifications", {}).values()
        if sources:
            counts = [sum(source.get(figure, 0) for source in sources) for figure in figures]
            table.add_row(label(bucket), *(str(count) for count in counts))
    return [table] if table.row_count else []


@kpi_app.command("insights")
def kpi_insights(
    store: Annotated[str, typer.Option(help="Store id.")] = "demo",
    day: Annotated[
        str | None, typer.Option("--date", help="Local date (YYYY-MM-DD); default yesterday.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="id or en; default: the bot's language for the store.")
    ] = None,
) -> None:
    """Explain what changed day over day and week over week (LLM-written when configured)."""
    from shared.kpis.insight_wording import Language
    from shared.kpis.reports import store_insights
    from shared.kpis.writer import build_writer

    chosen = parse_date(day, "--date") if day else None
    writer = build_writer(cli_settings())
    if lang not in (None, "id", "en"):
        raise typer.BadParameter("--lang is id or en")
    language: Language | None = "en" if lang == "en" else "id" if lang == "id" else None
    found = with_db(lambda db: store_insights(db, store, chosen, writer, language))
    table = wrapping_table(
        "metric", "day over day", "week over week", title=f"KPIs of {escape(store)}"
    )
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
    from shared.kpis.reports import UnknownMetric, store_forecast

    try:
        report = with_db(lambda db: store_forecast(db, store, metric, days, backtest))
    except UnknownMetric as error:
        raise typer.BadParameter(str(error)) from None
    if not report.history:
        console.print(f"no day buckets for store {escape(store)} yet")
        return
    recent = [value for _, value in report.history[-28:]]
    console.print(
        f"{metric}, last {counted(len(recent), 'day')}: {_sparkline(recent)}  "
        f"({counted(len(report.history), 'day')} of history, method {report.method})"
    )
    table = wrapping_table(
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
            f"back-test ({counted(score.origins, 'origin')} x {counted(score.horizon, 'day')}): "
            f"MAE {score.mae:.2f}, "
            f"sMAPE {score.smape_percent:.1f}%; seasonal-naive baseline MAE "
            f"{score.baseline_mae:.2f}, sMAPE {score.baseline_smape_percent:.1f}%; "
            f"band coverage 80%: {score.coverage_80:.0%}, 95%: {score.coverage_95:.0%}"
        )


@kpi_app.command("rebuild")
def kpi_rebuild(
    store: Annotated[str, typer.Option(help="Store id.")],
    first: Annotated[
        str,
        typer.Option(
            "--from", metavar="DATE", help="First local date (YYYY-MM-DD) in the store's timezone."
        ),
    ],
    last: Annotated[
        str, typer.Option("--to", metavar="DATE", help="Last local date (YYYY-MM-DD), included.")
    ],
) -> None:
    """Recompute a store's hour and day buckets of a date range from the Kafka event log."""
    from services.kpi_aggregator.rebuild import rebuild

    first_day, last_day = parse_date(first, "--from"), parse_date(last, "--to")
    if last_day < first_day:
        raise typer.BadParameter("--to is before --from")
    settings = cli_settings()
    bootstrap = settings.kafka.bootstrap_servers or ""
    window = timedelta(days=settings.conversations.attribution_window_days)
    with Progress(console=console) as progress:
        task = progress.add_task("reading the event log", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = with_db(
            lambda db: rebuild(
                db,
                bootstrap,
                store,
                first_day,
                last_day,
                progress=advance,
                attribution_window=window,
                from_journal=settings.kafka.journal,
                retention=settings.retention.window,
                notification_window=timedelta(
                    days=settings.conversations.notification_attribution_days
                ),
            )
        )
    console.print(
        f"rebuilt store {escape(store)} {first_day}..{last_day}: "
        f"{counted(result.hours, 'hour bucket')} and {counted(result.days, 'day bucket')} from "
        f"{counted(result.events_counted, 'event')} ({counted(result.events_read, 'record')} read)"
    )


@kpi_app.command("rehash")
def kpi_rehash() -> None:
    """Replace unkeyed customer hashes stored by older versions with keyed ones (idempotent;
    the aggregator also does it once when it starts)."""
    from services.kpi_aggregator.rehash import rehash

    with Progress(console=console) as progress:
        task = progress.add_task("rehashing customers", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = with_db(lambda db: rehash(db, progress=advance))
    console.print(
        f"rewrote {counted(result.documents, 'document')}: "
        f"{counted(result.by_number, 'customer')} rehashed from "
        f"their numbers, {result.unmapped} whose number is no longer held rekeyed as they were"
    )


@kpi_app.command("facts")
def kpi_facts(
    store: Annotated[str, typer.Option(help="Store id.")],
    first: Annotated[
        str,
        typer.Option("--from", metavar="DATE", help="First local date (YYYY-MM-DD) of the closes."),
    ],
    last: Annotated[
        str, typer.Option("--to", metavar="DATE", help="Last local date (YYYY-MM-DD), included.")
    ],
    to_file: Annotated[
        str | None,
        typer.Option("--csv", metavar="FILE", help="Write the CSV to this file (default stdout)."),
    ] = None,
) -> None:
    """Export the per-conversation fact table (one row per closed session) as CSV."""
    first_day, last_day = parse_date(first, "--from"), parse_date(last, "--to")
    if last_day < first_day:
        raise typer.BadParameter("--to is before --from")

    async def export(db: mongo.Database) -> str:
        await require_store(db, store)
        return await facts_csv(db, store, first_day, last_day)

    text: str = with_db(export)
    if to_file is None:
        sys.stdout.write(text)
        return
    with open(to_file, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    console.print(f"wrote {counted(text.count(chr(10)) - 1, 'row')} to {escape(to_file)}")


async def facts_csv(db: mongo.Database, store: str, first: date, last: date) -> str:
    """The CSV of a store's conversation facts closed on local dates first..last."""
    from shared.kpis.facts import csv_text
    from shared.kpis.repository import facts_between

    return csv_text(await facts_between(db, store, first, last))
