"""Forecasts of a daily KPI series, without I/O: Holt-Winters and a rolling-origin back-test.

The method depends on how much history there is:

- at least two full weeks (`SEASONAL_MINIMUM` days): additive Holt-Winters, additive trend and
  a weekly (7-day) additive season;
- fewer days but at least `TREND_MINIMUM`: Holt's linear trend (exponential smoothing with a
  trend, no season);
- fewer still: the mean of the days there are, with the days' spread as the band.

Smoothing parameters are chosen by a grid search minimising the in-sample one-step squared
error. The uncertainty band is the forecast +/- z * sigma_h, where sigma is the root mean
square of the one-step residuals and sigma_h^2 = sigma^2 * (1 + sum over j < h of c_j^2) is
the h-step variance of the matching state-space model (Hyndman et al., *Forecasting with
Exponential Smoothing*, class 1: c_j = alpha * (1 + j * beta) + gamma * [j mod 7 = 0], with
beta = alpha * beta* in error-correction form). Counts cannot be negative, so points and
bands are clipped at zero.

The back-test forecasts from several origins (rolling origin) with only the data before each
origin and compares the next days with what happened, next to a seasonal-naive baseline (the
same weekday a week earlier; the last value when there is less than a week) on the same days.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Literal

SEASON = 7
SEASONAL_MINIMUM = 2 * SEASON
TREND_MINIMUM = 4
Z_80, Z_95 = 1.2816, 1.9600
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BETAS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3)
GAMMAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)

Method = Literal["holt_winters", "holt", "mean"]


@dataclass(frozen=True)
class Fit:
    method: Method
    alpha: float
    beta: float  # component form β*
    gamma: float
    level: float
    trend: float
    season: tuple[float, ...]  # the next SEASON seasonal terms, starting at the first forecast
    sigma: float  # root mean square of the one-step residuals
    sse: float


@dataclass(frozen=True)
class ForecastPoint:
    step: int  # 1 = the day after the last observed day
    value: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


@dataclass(frozen=True)
class Forecast:
    method: Method
    alpha: float
    beta: float
    gamma: float
    sigma: float
    points: tuple[ForecastPoint, ...]


@dataclass(frozen=True)
class BacktestScore:
    origins: int
    horizon: int
    points: int
    mae: float
    smape: float  # symmetric MAPE in percent; days where actual and forecast are both 0 count 0
    baseline_mae: float
    baseline_smape: float
    coverage_80: float  # share of actual values inside the 80% band
    coverage_95: float

    @property
    def skill(self) -> float | None:
        """1 - MAE / baseline MAE: above 0, the forecast beats the seasonal-naive baseline."""
        return None if self.baseline_mae == 0 else 1 - self.mae / self.baseline_mae


def fit(series: Sequence[float]) -> Fit:
    """The best model `series` supports (see the module's docstring)."""
    values = [float(value) for value in series]
    if not values:
        raise ValueError("no history to forecast from")
    if len(values) >= SEASONAL_MINIMUM:
        return _best(values, seasonal=True)
    if len(values) >= TREND_MINIMUM:
        return _best(values, seasonal=False)
    mean = sum(values) / len(values)
    spread = _std([value - mean for value in values]) if len(values) > 1 else abs(mean) * 0.5
    return Fit("mean", 0.0, 0.0, 0.0, mean, 0.0, (0.0,) * SEASON, spread, spread**2)


def forecast(series: Sequence[float], days: int = 7) -> Forecast:
    """`days` points after the last value of `series` (one value per day), with 80/95% bands."""
    model = fit(series)
    alpha, beta_ec = model.alpha, model.alpha * model.beta
    points = []
    weights = 0.0  # Σ c_j² for j < h
    for step in range(1, days + 1):
        value = model.level + step * model.trend + model.season[(step - 1) % SEASON]
        if model.method == "mean":
            sigma_h = model.sigma
        else:
            sigma_h = model.sigma * math.sqrt(1 + weights)
            seasonal = model.gamma if model.method == "holt_winters" and step % SEASON == 0 else 0
            weights += (alpha * (1 + step * beta_ec) + seasonal) ** 2
        points.append(
            ForecastPoint(
                step=step,
                value=max(0.0, value),
                lower_80=max(0.0, value - Z_80 * sigma_h),
                upper_80=max(0.0, value + Z_80 * sigma_h),
                lower_95=max(0.0, value - Z_95 * sigma_h),
                upper_95=max(0.0, value + Z_95 * sigma_h),
            )
        )
    return Forecast(model.method, model.alpha, model.beta, model.gamma, model.sigma, tuple(points))


def seasonal_naive(series: Sequence[float], days: int) -> list[float]:
    """The baseline: each day as the same weekday of the last observed week."""
    if len(series) < SEASON:
        return [float(series[-1])] * days
    last_week = series[-SEASON:]
    return [float(last_week[(step - 1) % SEASON]) for step in range(1, days + 1)]


def backtest(series: Sequence[float], horizon: int = 7, origins: int = 8) -> BacktestScore | None:
    """Rolling origin: forecast `horizon` days from each of the last `origins` origins (one day
    apart, the newest leaving exactly `horizon` days to compare) with only the data before it.

    None when the series is too short for one origin with at least `SEASONAL_MINIMUM` days of
    history (a back-test of the mean model says little).
    """
    values = [float(value) for value in series]
    last_origin = len(values) - horizon
    first_origin = max(SEASONAL_MINIMUM, last_origin - origins + 1)
    if last_origin < first_origin:
        return None
    errors, baseline_errors, smapes, baseline_smapes = [], [], [], []
    inside_80 = inside_95 = 0
    for origin in range(first_origin, last_origin + 1):
        history, actual = values[:origin], values[origin : origin + horizon]
        predicted = forecast(history, horizon).points
        naive = seasonal_naive(history, horizon)
        for truth, point, guess in zip(actual, predicted, naive, strict=True):
            errors.append(abs(truth - point.value))
            baseline_errors.append(abs(truth - guess))
            smapes.append(_smape(truth, point.value))
            baseline_smapes.append(_smape(truth, guess))
            inside_80 += point.lower_80 <= truth <= point.upper_80
            inside_95 += point.lower_95 <= truth <= point.upper_95
    count = len(errors)
    return BacktestScore(
        origins=last_origin - first_origin + 1,
        horizon=horizon,
        points=count,
        mae=sum(errors) / count,
        smape=sum(smapes) / count,
        baseline_mae=sum(baseline_errors) / count,
        baseline_smape=sum(baseline_smapes) / count,
        coverage_80=inside_80 / count,
        coverage_95=inside_95 / count,
    )


def _smape(actual: float, predicted: float) -> float:
    scale = abs(actual) + abs(predicted)
    return 0.0 if scale == 0 else 200.0 * abs(actual - predicted) / scale


def _best(values: list[float], seasonal: bool) -> Fit:
    gammas = GAMMAS if seasonal else (0.0,)
    best: Fit | None = None
    for alpha, beta, gamma in product(ALPHAS, BETAS, gammas):
        candidate = _smooth(values, alpha, beta, gamma, seasonal)
        if best is None or candidate.sse < best.sse:
            best = candidate
    assert best is not None
    return best


def _smooth(values: list[float], alpha: float, beta: float, gamma: float, seasonal: bool) -> Fit:
    """Component-form additive Holt-Winters (or Holt without the season), initialised from the
    first two weeks (first week's mean; trend from week two's mean; season as deviations)."""
    if seasonal:
        first, second = values[:SEASON], values[SEASON : 2 * SEASON]
        mean = sum(first) / SEASON  # the level at the middle of the first week
        trend = (sum(second) / SEASON - mean) / SEASON
        middle = (SEASON - 1) / 2
        season = [value - (mean + (index - middle) * trend) for index, value in enumerate(first)]
        level, start = mean + middle * trend, SEASON  # the level on the first week's last day
    else:
        level, trend, season, start = values[0], values[1] - values[0], [0.0] * SEASON, 1
    residuals = []
    for index in range(start, len(values)):
        slot = index % SEASON
        predicted = level + trend + season[slot]
        residuals.append(values[index] - predicted)
        previous_level = level
        level = alpha * (values[index] - season[slot]) + (1 - alpha) * (level + trend)
        trend = beta * (level - previous_level) + (1 - beta) * trend
        if seasonal:
            season[slot] = gamma * (values[index] - level) + (1 - gamma) * season[slot]
    upcoming = tuple(season[(len(values) + step) % SEASON] for step in range(SEASON))
    sse = sum(residual**2 for residual in residuals)
    return Fit(
        "holt_winters" if seasonal else "holt",
        alpha,
        beta,
        gamma,
        level,
        trend,
        upcoming,
        math.sqrt(sse / len(residuals)) if residuals else 0.0,
        sse,
    )


def _std(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((value - mean) ** 2 for value in values) / max(1, len(values) - 1))
