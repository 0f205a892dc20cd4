"""Holt-Winters (statsmodels' ETS) on synthetic series whose trend and weekly season are known."""

import math
import random
import subprocess
import sys

import pytest

from shared.kpis.forecast import backtest, fit, forecast, seasonal_naive

WEEK = (10.0, 12.0, 15.0, 14.0, 20.0, 30.0, 25.0)


def synthetic(days: int, trend: float = 0.5, noise: float = 2.0, seed: int = 7) -> list[float]:
    draw = random.Random(seed)
    return [50 + trend * t + WEEK[t % 7] + draw.gauss(0, noise) for t in range(days)]


def test_two_weeks_or_more_fit_holt_winters_and_recover_the_trend() -> None:
    model = fit(synthetic(84))

    assert model.method == "holt_winters"
    assert model.trend == pytest.approx(0.5, abs=0.15)


def test_the_forecast_follows_the_weekly_season_and_the_trend() -> None:
    series = synthetic(91, noise=0.0)
    history, actual = series[:84], series[84:]

    points = forecast(history, 7).points

    for point, truth in zip(points, actual, strict=True):
        assert point.value == pytest.approx(truth, abs=1.5)
    # The weekly shape: the pattern's busiest weekday is the highest forecast.
    busiest = max(points, key=lambda p: p.value)
    assert (84 + busiest.step - 1) % 7 == WEEK.index(max(WEEK))


def test_the_bands_cover_most_held_out_points() -> None:
    inside_95 = inside_80 = total = 0
    for seed in range(10):
        series = synthetic(91, seed=seed)
        for point, truth in zip(forecast(series[:84], 7).points, series[84:], strict=True):
            inside_80 += point.lower_80 <= truth <= point.upper_80
            inside_95 += point.lower_95 <= truth <= point.upper_95
            total += 1

    assert inside_95 / total >= 0.85
    assert inside_80 / total >= 0.65
    assert inside_80 <= inside_95


def test_the_band_widens_with_the_horizon_and_holds_the_point() -> None:
    points = forecast(synthetic(70), 7).points

    widths = [p.upper_95 - p.lower_95 for p in points]
    assert widths == sorted(widths)
    for point in points:
        assert point.lower_95 <= point.lower_80 <= point.value <= point.upper_80 <= point.upper_95


def test_a_short_history_falls_back_to_holt_then_to_the_mean() -> None:
    rising = [10.0, 12.0, 14.0, 16.0, 18.0, 20.0]
    assert fit(rising).method == "holt"
    assert forecast(rising, 2).points[0].value == pytest.approx(22.0, abs=1.0)

    model = fit([4.0, 6.0])
    assert model.method == "mean"
    assert forecast([4.0, 6.0], 3).points[2].value == pytest.approx(5.0)


def test_counts_are_never_forecast_below_zero() -> None:
    falling = [float(max(0, 30 - 3 * t)) for t in range(21)]

    assert all(point.lower_95 >= 0 and point.value >= 0 for point in forecast(falling).points)


def test_no_history_is_refused() -> None:
    with pytest.raises(ValueError, match="no history"):
        fit([])


def test_seasonal_naive_repeats_last_week() -> None:
    series = [float(t) for t in range(14)]

    assert seasonal_naive(series, 8) == [7, 8, 9, 10, 11, 12, 13, 7]
    assert seasonal_naive([3.0, 4.0], 2) == [4.0, 4.0]


def test_the_backtest_beats_the_seasonal_naive_baseline_on_a_trending_series() -> None:
    score = backtest(synthetic(120), horizon=7, origins=10)

    assert score is not None
    assert score.origins == 10
    assert score.points == 70
    assert score.mae < score.baseline_mae
    assert score.skill is not None
    assert score.skill > 0
    assert 0 <= score.smape < 10
    assert score.coverage_95 >= score.coverage_80 >= 0.5


def test_the_backtest_needs_two_weeks_before_its_first_origin() -> None:
    assert backtest(synthetic(20), horizon=7) is None
    score = backtest(synthetic(21), horizon=7)
    assert score is not None
    assert score.origins == 1


def test_a_constant_series_is_forecast_exactly() -> None:
    points = forecast([12.0] * 28, 7).points

    assert all(math.isclose(point.value, 12.0, abs_tol=1e-9) for point in points)


def test_an_all_zero_series_is_forecast_as_zero_without_a_band() -> None:
    forecasted = forecast([0.0] * 30, 7)

    assert forecasted.method == "holt_winters"
    assert all(point.value == point.upper_95 == 0 for point in forecasted.points)


def test_a_level_series_gets_a_flat_forecast_within_its_noise() -> None:
    draw = random.Random(3)
    series = [20 + draw.gauss(0, 0.2) for _ in range(56)]

    values = [point.value for point in forecast(series, 7).points]

    assert all(abs(value - 20) < 0.6 for value in values)


def test_statsmodels_is_imported_by_a_forecast_not_by_the_module() -> None:
    script = (
        "import sys\n"
        "import shared.kpis.reports\n"
        "from shared.kpis.forecast import forecast\n"
        "heavy = {'statsmodels', 'scipy', 'pandas'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "forecast([float(day % 7) for day in range(21)])\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert ran.stdout.splitlines() == ["[]", "['pandas', 'scipy', 'statsmodels']"]
