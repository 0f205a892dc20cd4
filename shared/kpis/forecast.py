"""Forecasts of a daily KPI series, without I/O: exponential smoothing and a rolling-origin
back-test.

The model depends on how much history there is:

- at least two full weeks (`SEASONAL_MINIMUM` days): ETS(A,A,A), i.e. additive Holt-Winters
  in state-space form: additive errors, an additive trend and a weekly (7-day) additive season;
- fewer days but at least `TREND_MINIMUM`: ETS(A,A,N), Holt's linear trend (no season);
- fewer still: the mean of the days there are, with the days' spread as the band.

statsmodels' `ETSModel` estimates the smoothing parameters and the initial states by maximum
likelihood (for additive errors, the smallest in-sample one-step squared error) and gives the
h-step forecast variance of the model: the band is the forecast +/- z * sigma_h. A constant
series (a store with no orders yet: all zeros) is forecast as itself with no band, since its
likelihood has no maximum (sigma = 0). Counts cannot be negative, so points and bands are
clipped at zero.

statsmodels (and with it scipy and pandas) is imported when a model is fitted, not with this
module: the aggregator and the console load this module but pay for statsmodels only once a
forecast is asked for.

The back-test forecasts from several origins (rolling origin) with only the data before each
origin and compares the next days with what happened, next to a seasonal-naive baseline (the
same weekday a week earlier; the last value when there is less than a week) on the same days.
"""

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

SEASON = 7
SEASONAL_MINIMUM = 2 * SEASON
TREND_MINIMUM = 4
Z_80, Z_95 = 1.2816, 1.9600

Method = Literal["holt_winters", "holt", "mean"]


@dataclass(frozen=True)
class Fit:
    method: Method
    alpha: float  # smoothing parameters in error-correction (ETS) form, as statsmodels gives them
    beta: float
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
    return _fit(series)[0]


def forecast(series: Sequence[float], days: int = 7) -> Forecast:
    """`days` points after the last value of `series` (one value per day), with 80/95% bands."""
    model, results = _fit(series)
    if results is None or days < 1:  # nothing fitted, or nothing to ask statsmodels for
        means, sigmas = [model.level] * days, [model.sigma] * days
    else:
        prediction = results.get_prediction(start=results.nobs, end=results.nobs + days - 1)
        means = [float(mean) for mean in prediction.predicted_mean]
        sigmas = [math.sqrt(variance) for variance in prediction.forecast_variance]
    points = tuple(
        ForecastPoint(
            step=step,
            value=max(0.0, value),
            lower_80=max(0.0, value - Z_80 * sigma),
            upper_80=max(0.0, value + Z_80 * sigma),
            lower_95=max(0.0, value - Z_95 * sigma),
            upper_95=max(0.0, value + Z_95 * sigma),
        )
        for step, (value, sigma) in enumerate(zip(means, sigmas, strict=True), start=1)
    )
    return Forecast(model.method, model.alpha, model.beta, model.gamma, model.sigma, points)


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


def _fit(series: Sequence[float]) -> tuple[Fit, Any]:
    """The model and statsmodels' results (None when statsmodels had nothing to fit)."""
    values = [float(value) for value in series]
    if not values:
        raise ValueError("no history to forecast from")
    if len(values) < TREND_MINIMUM:
        mean = sum(values) / len(values)
        spread = _std([value - mean for value in values]) if len(values) > 1 else abs(mean) * 0.5
        return Fit("mean", 0.0, 0.0, 0.0, mean, 0.0, (0.0,) * SEASON, spread, spread**2), None
    method: Method = "holt_winters" if len(values) >= SEASONAL_MINIMUM else "holt"
    if min(values) == max(values):
        return Fit(method, 0.0, 0.0, 0.0, values[0], 0.0, (0.0,) * SEASON, 0.0, 0.0), None
    results = _ets(values, seasonal=method == "holt_winters")
    season = results.season.iloc[-SEASON:] if method == "holt_winters" else [0.0] * SEASON
    fitted = Fit(
        method,
        float(results.alpha),
        float(results.beta),
        float(results.gamma) if method == "holt_winters" else 0.0,
        float(results.level.iloc[-1]),
        float(results.slope.iloc[-1]),
        tuple(float(term) for term in season),
        math.sqrt(results.mse),
        float(results.sse),
    )
    return fitted, results


def _ets(values: list[float], seasonal: bool) -> Any:
    # Imported here: statsmodels brings scipy and pandas, which only a forecast needs.
    import pandas as pd  # type: ignore[import-untyped]
    from statsmodels.tools.sm_exceptions import (  # type: ignore[import-untyped]
        ConvergenceWarning,
    )
    from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped]
        ETSModel,
    )

    model = ETSModel(
        pd.Series(values),  # not a list: get_prediction needs the index a Series has
        error="add",
        trend="add",
        seasonal="add" if seasonal else None,
        seasonal_periods=SEASON if seasonal else None,
    )
    with warnings.catch_warnings():
        # A perfect fit (a straight line, say) leaves the optimiser nothing to converge on.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(disp=False)


def _std(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((value - mean) ** 2 for value in values) / max(1, len(values) - 1))
