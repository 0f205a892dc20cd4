"""`python -m bench.forecast_backtest`: is the statsmodels forecast as accurate as the one it
replaced?

The same rolling-origin back-test (`backtest(series, horizon, origins)`: from each of the last
28 origins, a 7-day forecast from the days before it) runs on a fixed set of daily series for
two implementations of `shared/kpis/forecast.py`: the working tree's (statsmodels' ETS) and
the hand-written Holt-Winters with its grid search, read from git at `HAND_WRITTEN`, the commit
before the change, into a temporary module. The series are KPI-like synthetic ones (fixed
seeds) and one real series shipped with statsmodels: Victoria's (Australia) daily electricity
demand. Per series and overall: MAE, sMAPE, MAE relative to the seasonal-naive baseline on the
same days, the bands' coverage, and the new implementation's figures as a ratio of the old's.
"""

import argparse
import csv
import importlib.util
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import numpy as np
from rich.console import Console
from rich.table import Table

from shared.kpis import forecast as statsmodels_forecast
from shared.kpis.forecast import BacktestScore

HAND_WRITTEN = "97efd594e8f0757eef73c9915e902fee0435a237"
REPOSITORY = Path(__file__).resolve().parents[1]
WEEK = (10.0, 12.0, 15.0, 14.0, 20.0, 30.0, 25.0)  # a shop's week: busiest on day 5


@dataclass(frozen=True)
class Row:
    series: str
    days: int
    old: BacktestScore
    new: BacktestScore
    old_seconds: float
    new_seconds: float


def synthetic_series() -> dict[str, list[float]]:
    """KPI-like daily series: weekly pattern, trend, noise, promotions, zeros (fixed seeds)."""
    draw = np.random.default_rng(11)
    t = np.arange(120)
    week = np.array(WEEK)[t % 7]
    weekday_means = np.array([30, 35, 40, 45, 50, 40, 30])[t % 7]
    promotion = np.where(np.isin(t % 30, (10, 11)), 3.0, 1.0)  # two-day sale every 30 days
    weekend = np.isin(t % 7, (5, 6))
    launch = np.maximum(0, t - 40)  # a store that opens on day 40 and grows
    series = {
        "messages: trend + weekly + noise": 50 + 0.5 * t + week + draw.normal(0, 4, 120),
        "orders: Poisson by weekday, no trend": draw.poisson(weekday_means[:90]),
        "messages: promotions x3": draw.poisson((20 + 8 * weekend + 0.1 * t) * promotion),
        "paid orders: sparse, mostly 0": draw.poisson(0.3 + 1.2 * weekend[:90]),
        "new store: 40 days of 0, then growth": draw.poisson(
            np.where(t < 40, 0, 5 + 0.4 * launch + 5 * weekend)
        ),
        "level shift: traffic x2 from day 70": draw.poisson(
            np.where(t < 70, 1, 2) * (25 + 10 * weekend)
        ),
        "quiet store: all 0": np.zeros(60),
    }
    return {name: values.astype(float).tolist() for name, values in series.items()}


def victoria_electricity() -> list[float]:
    """Daily electricity demand of Victoria, GWh, 1 Jan - 29 May 2012 (150 days): the hourly
    series statsmodels ships for its MSTL tests, summed by day (see docs/kpis.md)."""
    path = files("statsmodels") / "tsa/stl/tests/results/mstl_elec_vic.csv"
    by_day: dict[str, float] = defaultdict(float)
    for row in csv.DictReader(path.read_text().splitlines()):
        by_day[row["ds"][:10]] += float(row["y"]) / 1000
    return [by_day[day] for day in sorted(by_day)]


def hand_written(revision: str) -> ModuleType:
    """forecast.py as of `revision`, imported from a temporary file."""
    source = subprocess.run(
        ["git", "show", f"{revision}:shared/kpis/forecast.py"],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hand_written_forecast.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("hand_written_forecast", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return module


def timed_backtest(
    implementation: ModuleType, values: list[float], horizon: int, origins: int
) -> tuple[BacktestScore, float]:
    started = time.perf_counter()
    score = implementation.backtest(values, horizon, origins)
    assert score is not None, "series too short for the back-test"
    return score, time.perf_counter() - started


def compare(
    series: dict[str, list[float]], old: ModuleType, horizon: int, origins: int
) -> list[Row]:
    rows = []
    for name, values in series.items():
        old_score, old_seconds = timed_backtest(old, values, horizon, origins)
        new_score, new_seconds = timed_backtest(statsmodels_forecast, values, horizon, origins)
        rows.append(Row(name, len(values), old_score, new_score, old_seconds, new_seconds))
    return rows


def _relative(score: BacktestScore) -> float | None:
    """MAE over the seasonal-naive MAE on the same days: scale-free, so series can be averaged."""
    return None if score.baseline_mae == 0 else score.mae / score.baseline_mae


def _ratio(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return "-"
    if old == 0:
        return "=" if new == 0 else "worse"
    return f"{new / old:.3f}"


def overall(rows: list[Row]) -> dict[str, float]:
    """Means over the series (relative MAE: those with a non-zero baseline) and the geometric
    mean of the per-series MAE ratios (those with a non-zero old MAE)."""
    scored = [(_relative(r.old), _relative(r.new)) for r in rows if r.old.baseline_mae]
    ratios = [r.new.mae / r.old.mae for r in rows if r.old.mae]
    return {
        "old_smape": sum(r.old.smape for r in rows) / len(rows),
        "new_smape": sum(r.new.smape for r in rows) / len(rows),
        "old_relative_mae": sum(old for old, _ in scored if old is not None) / len(scored),
        "new_relative_mae": sum(new for _, new in scored if new is not None) / len(scored),
        "mae_ratio_geometric_mean": math.exp(sum(map(math.log, ratios)) / len(ratios)),
        "old_coverage_80": sum(r.old.coverage_80 for r in rows) / len(rows),
        "new_coverage_80": sum(r.new.coverage_80 for r in rows) / len(rows),
        "old_coverage_95": sum(r.old.coverage_95 for r in rows) / len(rows),
        "new_coverage_95": sum(r.new.coverage_95 for r in rows) / len(rows),
        "old_seconds": sum(r.old_seconds for r in rows),
        "new_seconds": sum(r.new_seconds for r in rows),
    }


def table(rows: list[Row], summary: dict[str, float], horizon: int, origins: int) -> Table:
    result = Table(
        title=f"Rolling-origin back-test, {origins} origins x {horizon} days: "
        "hand-written (old) against statsmodels ETS (new)"
    )
    columns = (
        "series",
        "days",
        "MAE old",
        "MAE new",
        "new/old",
        "sMAPE old",
        "sMAPE new",
        "new/old",
        "MAE/naive old",
        "MAE/naive new",
        "80% band old/new",
        "95% band old/new",
        "seconds old/new",
    )
    for column in columns:
        result.add_column(column, justify="left" if column == "series" else "right")
    for row in rows:
        old_relative, new_relative = _relative(row.old), _relative(row.new)
        result.add_row(
            row.series,
            str(row.days),
            f"{row.old.mae:.3f}",
            f"{row.new.mae:.3f}",
            _ratio(row.new.mae, row.old.mae),
            f"{row.old.smape:.1f} %",
            f"{row.new.smape:.1f} %",
            _ratio(row.new.smape, row.old.smape),
            "-" if old_relative is None else f"{old_relative:.3f}",
            "-" if new_relative is None else f"{new_relative:.3f}",
            f"{row.old.coverage_80:.0%} / {row.new.coverage_80:.0%}",
            f"{row.old.coverage_95:.0%} / {row.new.coverage_95:.0%}",
            f"{row.old_seconds:.1f} / {row.new_seconds:.1f}",
        )
    result.add_section()
    result.add_row(
        "all series (means; MAE new/old: geometric mean)",
        "",
        "",
        "",
        f"{summary['mae_ratio_geometric_mean']:.3f}",
        f"{summary['old_smape']:.1f} %",
        f"{summary['new_smape']:.1f} %",
        _ratio(summary["new_smape"], summary["old_smape"]),
        f"{summary['old_relative_mae']:.3f}",
        f"{summary['new_relative_mae']:.3f}",
        f"{summary['old_coverage_80']:.0%} / {summary['new_coverage_80']:.0%}",
        f"{summary['old_coverage_95']:.0%} / {summary['new_coverage_95']:.0%}",
        f"{summary['old_seconds']:.1f} / {summary['new_seconds']:.1f}",
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast_backtest", description=__doc__)
    parser.add_argument("--horizon", type=int, default=7, help="days forecast from each origin")
    parser.add_argument("--origins", type=int, default=28, help="origins, one day apart")
    parser.add_argument("--old", default=HAND_WRITTEN, help="git revision of the old forecast.py")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    series = {
        **synthetic_series(),
        "real: Victoria electricity demand, GWh/day": victoria_electricity(),
    }
    rows = compare(series, hand_written(arguments.old), arguments.horizon, arguments.origins)
    summary = overall(rows)
    Console(width=200).print(table(rows, summary, arguments.horizon, arguments.origins))
    if arguments.json:
        figures = {"series": [asdict(row) for row in rows], "overall": summary}
        arguments.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
