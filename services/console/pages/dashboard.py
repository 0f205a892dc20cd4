"""The KPI dashboard: cards and charts of a range of the store's local dates, refreshed live.

The page renders the cards (declared in dashboard_cards.CARDS) server-side; static/dashboard.js
draws the charts from `/dashboard/data` (the same figures as JSON, cards already formatted) and
polls it every few seconds. Insights (rules, or the LLM writer when configured) and the forecast
are the aggregator's own functions (shared/kpis/reports.py), called in-process.
"""

import time
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.deps import Context
from services.console.i18n import Lang, request_lang, t
from services.console.pages.dashboard_cards import cards
from services.console.pages.formatting import duration
from services.console.pages.templating import render_page, render_partial
from shared.kpis.dashboard import (
    HISTOGRAM_SLOTS,
    BadRange,
    Dashboard,
    Period,
    load_dashboard,
    resolve_period,
)
from shared.kpis.facts import csv_text
from shared.kpis.insights import Insights
from shared.kpis.reports import FORECAST_METRICS, store_forecast, store_insights
from shared.kpis.repository import facts_between
from shared.kpis.writer import InsightsWriter, build_writer
from shared.kpis.zones import zone_named
from shared.stores.directory import Store

router = APIRouter(prefix="/stores/{store_id}/dashboard", tags=["pages"])

REFRESH_SECONDS = 5
INSIGHTS_TTL_SECONDS = 600.0  # the LLM writes a day's insights at most every ten minutes

RangeQuery = Annotated[str, Query(alias="range", pattern="^(today|7d|30d|custom)$")]
DateQuery = Annotated[date | None, Query()]


def _period(store: Store, name: str, first: date | None, last: date | None) -> Period:
    today = datetime.now(UTC).astimezone(zone_named(store.timezone)).date()
    try:
        return resolve_period(name, today, first, last)
    except BadRange as bad:
        raise HTTPException(status_code=400, detail=str(bad)) from None


@router.get("", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    context: Context,
    user: CurrentUser,
    store: StoreAccess,
    range_name: RangeQuery = "7d",
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    period = _period(store, range_name, first, last)
    data = await load_dashboard(context.db, store, period)
    lang = request_lang(request)
    query = f"range={period.name}&from={period.first}&to={period.last}"
    return await render_page(
        request,
        context.db,
        "dashboard.html",
        user=user,
        store_id=store.id,
        active="dashboard",
        values={
            "period": period,
            "query": query,
            "timezone": data.timezone,
            "cards": cards(data, lang),
            "refresh_seconds": REFRESH_SECONDS,
            "forecast_metrics": list(FORECAST_METRICS),
            "channels": len(data.by_channel),
            "notified": bool(data.notifications),
        },
    )


@router.get("/data")
async def dashboard_data(
    request: Request,
    context: Context,
    store: StoreAccess,
    range_name: RangeQuery = "7d",
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> JSONResponse:
    """The cards (formatted) and the charts' series, for the live refresh."""
    data = await load_dashboard(context.db, store, _period(store, range_name, first, last))
    lang = request_lang(request)
    return JSONResponse(
        {
            "cards": {
                card.key: {"value": card.value, "sub": card.sub} for card in cards(data, lang)
            },
            "charts": charts(data, lang),
            "updated_at": datetime.now(UTC).isoformat(),
        },
        headers={"Cache-Control": "no-store"},
    )


class _CachedInsights(BaseModel):
    expires: float
    insights: Insights


def _insights_writer(request: Request, context: Context) -> InsightsWriter:
    state = request.app.state
    if not hasattr(state, "insights_writer"):
        state.insights_writer = build_writer(context.settings)
        state.insights_cache = {}
    writer: InsightsWriter = state.insights_writer
    return writer


@router.get("/insights", response_class=HTMLResponse)
async def dashboard_insights(
    request: Request,
    context: Context,
    store: StoreAccess,
    day: DateQuery = None,
) -> HTMLResponse:
    """What changed on `day` (default yesterday) against the day and the week before, in the
    language the console is shown in."""
    writer = _insights_writer(request, context)
    lang = request_lang(request)
    cache: dict[tuple[str, date | None, Lang], _CachedInsights] = request.app.state.insights_cache
    key = (store.id, day, lang)
    cached = cache.get(key)
    if cached is None or cached.expires < time.monotonic():
        found = await store_insights(context.db, store.id, day, writer, lang)
        cached = _CachedInsights(expires=time.monotonic() + INSIGHTS_TTL_SECONDS, insights=found)
        cache[key] = cached
    return render_partial(request, "_dashboard_insights.html", {"insights": cached.insights})


@router.get("/forecast")
async def dashboard_forecast(
    request: Request,
    context: Context,
    store: StoreAccess,
    metric: Annotated[str, Query(pattern="^[a-z_]+$")] = "inbound_messages",
) -> JSONResponse:
    if metric not in FORECAST_METRICS:
        raise HTTPException(status_code=400, detail=f"unknown metric {metric!r}")
    report = await store_forecast(context.db, store.id, metric, 7, False)
    lang = request_lang(request)
    history = report.history[-28:]
    return JSONResponse(
        {
            "metric": metric,
            "label": t(f"dash.forecast.{metric}", lang),
            "method": report.method,
            "labels": [f"{day}" for day, _ in history] + [f"{p.date}" for p in report.forecast],
            "history": [value for _, value in history] + [None] * len(report.forecast),
            "forecast": [None] * max(len(history) - 1, 0)
            + ([history[-1][1]] if history else [])
            + [p.value for p in report.forecast],
            "lower": [None] * len(history) + [p.lower_80 for p in report.forecast],
            "upper": [None] * len(history) + [p.upper_80 for p in report.forecast],
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/facts.csv")
async def dashboard_facts_csv(
    context: Context,
    store: StoreAccess,
    range_name: RangeQuery = "7d",
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """The fact table's rows of the sessions closed in the range, as the aggregator exports them."""
    period = _period(store, range_name, first, last)
    rows = await facts_between(context.db, store.id, period.first, period.last)
    name = f"conversation-facts-{store.id}-{period.first}-{period.last}.csv"
    return Response(
        csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def charts(data: Dashboard, lang: Lang) -> dict[str, Any]:
    series = data.series
    return {
        "volume": {
            "labels": series.labels,
            "datasets": [
                {"key": "inbound", "label": t("dash.chart.inbound", lang), "data": series.inbound},
                {"key": "bot", "label": t("dash.chart.bot", lang), "data": series.bot},
                {"key": "agent", "label": t("dash.chart.agent", lang), "data": series.agent},
            ],
        },
        "orders": {
            "labels": series.labels,
            "datasets": [
                {
                    "key": "paid",
                    "label": t("dash.chart.orders_paid", lang),
                    "data": series.orders_paid,
                }
            ],
        },
        "first_response": {
            "labels": [_slot_label(slot, lang) for slot in HISTOGRAM_SLOTS],
            "datasets": [
                {
                    "key": "first_response",
                    "label": t("dash.chart.first_responses", lang),
                    "data": [data.histogram[slot] for slot in HISTOGRAM_SLOTS],
                }
            ],
        },
        "by_channel": _by_channel(data, lang),
        "notifications": _notifications(data, lang),
        "outcomes": _labelled(data.outcomes, "outcome", lang),
        "hand_overs": _labelled(data.hand_overs, "handover", lang),
        "intents": _labelled(dict(data.intents), "intent", lang),
        "sentiments": _labelled(
            {s: data.sentiments.get(s, 0) for s in ("positive", "neutral", "negative")},
            "sentiment",
            lang,
        ),
    }


def _by_channel(data: Dashboard, lang: Lang) -> dict[str, Any]:
    """The main counts side by side for each channel (docs/kpis.md, By channel), named as the
    other charts name them."""
    channels = data.by_channel
    counts = [
        ("inbound", "inbound", [c.inbound for c in channels]),
        ("bot", "bot", [c.outbound_bot for c in channels]),
        ("agent", "agent", [c.outbound_agent for c in channels]),
        ("hand_overs", "handover", [c.hand_overs for c in channels]),
        ("closed", "closed", [c.closed for c in channels]),
    ]
    return {
        "labels": [t(f"channel.{c.channel.value}", lang) for c in channels],
        "keys": [c.channel.value for c in channels],
        "datasets": [
            {"key": key, "label": t(f"dash.chart.{label}", lang), "data": values}
            for key, label, values in counts
        ],
    }


def _notifications(data: Dashboard, lang: Lang) -> dict[str, Any]:
    """What followed the messages Balas wrote first, one series per source (docs/kpis.md)."""
    figures = ("sent", "delivered", "read", "replied", "opted_out", "orders", "not_sent")
    return {
        "labels": [t(f"dash.notify.{figure}", lang) for figure in figures],
        "datasets": [
            {
                "key": found.source.value,
                "label": t(f"dash.notify.source.{found.source.value}", lang),
                "data": [getattr(found, figure) for figure in figures],
            }
            for found in data.notifications
        ],
    }


def _labelled(counts: dict[str, int], prefix: str, lang: Lang) -> dict[str, Any]:
    return {
        "labels": [t(f"{prefix}.{key}", lang) for key in counts],
        "keys": list(counts),
        "datasets": [
            {"key": prefix, "label": t(f"dash.chart.{prefix}", lang), "data": list(counts.values())}
        ],
    }


def _slot_label(slot: str, lang: Lang) -> str:
    if slot == "inf":
        return "> 4 h"
    return f"≤ {duration(float(slot), lang)}"
