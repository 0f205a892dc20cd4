"""Insights and forecasts of a store, read from MongoDB: what the API and the CLI serve."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from shared.kpis import forecast as forecasting
from shared.kpis import repository
from shared.kpis.insight_wording import Language
from shared.kpis.insights import Insights, day_figures, insights
from shared.kpis.writer import InsightsWriter
from shared.kpis.zones import StoreZones
from shared.mongo import Database
from shared.stores.bot_settings import BotSettingsRepository
from shared.stores.directory import StoreDirectory

# Forecastable metrics: name -> dotted field of the `kpi_daily` documents ({currency}: the
# store's, since revenue is kept per currency and a sum across currencies means nothing).
FORECAST_METRICS: dict[str, str] = {
    "inbound_messages": "inbound_messages",
    "unique_customers": "unique_customers",
    "bot_replies": "outbound_messages.bot",
    "orders_created": "orders.created",
    "orders_paid": "orders.paid",
    "revenue": "revenue.{currency}.paid",
}


class UnknownMetric(ValueError):
    pass


class ForecastDay(BaseModel):
    date: date
    value: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


class Backtest(BaseModel):
    origins: int
    horizon: int
    points: int
    mae: float
    smape_percent: float
    baseline: Literal["seasonal_naive"] = "seasonal_naive"
    baseline_mae: float
    baseline_smape_percent: float
    skill: float | None
    coverage_80: float
    coverage_95: float


class ForecastReport(BaseModel):
    store_id: str
    metric: str
    method: forecasting.Method | None  # None: no history
    history: list[tuple[date, float]]
    forecast: list[ForecastDay]
    backtest: Backtest | None


async def store_today(db: Database, store_id: str, now: datetime | None = None) -> date:
    zone = await StoreZones(db).zone(store_id)
    return (now or datetime.now(UTC)).astimezone(zone).date()


async def store_insights(
    db: Database,
    store_id: str,
    day: date | None,
    writer: InsightsWriter,
    language: Language | None = None,
) -> Insights:
    """Insights of `day` (default: yesterday, the last complete day in the store's timezone),
    in `language` (default: the bot's default language for the store)."""
    language = language or await store_language(db, store_id)
    zone = await StoreZones(db).zone(store_id)
    day = day or datetime.now(UTC).astimezone(zone).date() - timedelta(days=1)
    before, week = day - timedelta(days=1), day - timedelta(days=7)
    found = await repository.day_buckets(db, store_id, [day, before, week])
    labels = {d: await repository.label_counts(db, store_id, d, zone) for d in (day, before, week)}
    computed = insights(
        store_id,
        day,
        day_figures(found.get(day), labels[day]),
        day_figures(found.get(before), labels[before]),
        day_figures(found.get(week), labels[week]),
        language,
    )
    return await writer.write(computed)


async def store_language(db: Database, store_id: str) -> Language:
    store = await StoreDirectory(db).by_id(store_id)
    if store is None:
        return "id"
    saved = await BotSettingsRepository(db).current(store)
    return "en" if saved.settings.default_language == "en" else "id"


async def store_forecast(
    db: Database, store_id: str, metric: str, days: int, with_backtest: bool
) -> ForecastReport:
    """A `days`-day forecast of `metric` after the last complete local day."""
    if metric not in FORECAST_METRICS:
        raise UnknownMetric(f"unknown metric {metric!r}; choose from {', '.join(FORECAST_METRICS)}")
    until = await store_today(db, store_id) - timedelta(days=1)
    store = await StoreDirectory(db).by_id(store_id)
    field = FORECAST_METRICS[metric].format(currency=store.currency if store else "IDR")
    history = await repository.daily_series(db, store_id, field, until)
    if not history:
        return ForecastReport(
            store_id=store_id, metric=metric, method=None, history=[], forecast=[], backtest=None
        )
    values = [value for _, value in history]
    # A fit takes up to a second (a back-test, several) and the first one imports statsmodels:
    # in a thread, so that the event loop (the aggregator's consumers, the console) runs on.
    predicted = await asyncio.to_thread(forecasting.forecast, values, days)
    score = await asyncio.to_thread(forecasting.backtest, values, days) if with_backtest else None
    return ForecastReport(
        store_id=store_id,
        metric=metric,
        method=predicted.method,
        history=history,
        forecast=[
            ForecastDay(
                date=until + timedelta(days=point.step),
                value=point.value,
                lower_80=point.lower_80,
                upper_80=point.upper_80,
                lower_95=point.lower_95,
                upper_95=point.upper_95,
            )
            for point in predicted.points
        ],
        backtest=None if score is None else _backtest(score),
    )


def _backtest(score: forecasting.BacktestScore) -> Backtest:
    return Backtest(
        origins=score.origins,
        horizon=score.horizon,
        points=score.points,
        mae=score.mae,
        smape_percent=score.smape,
        baseline_mae=score.baseline_mae,
        baseline_smape_percent=score.baseline_smape,
        skill=score.skill,
        coverage_80=score.coverage_80,
        coverage_95=score.coverage_95,
    )
