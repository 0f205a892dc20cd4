"""Issue 16's targets beside this run's figures and the previous run's.

The previous run is the last `make bench` on this machine (`bench/results/latest.json`), or,
on a fresh checkout, the run `docs/benchmarks.md`'s headline table shows (`bench/headline.json`,
committed with the commit it measured).
"""

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError
from rich.table import Table

LATEST = Path("bench/results/latest.json")
HEADLINE = Path("bench/headline.json")


@dataclass(frozen=True)
class Target:
    figure: str  # a key of Results.figures()
    label: str
    limit: float
    higher_is_better: bool
    unit: str = ""  # "s" shows seconds as milliseconds; "%" a share as a percentage

    def met(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def show(self, value: float) -> str:
        if self.unit == "s":
            return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"
        if self.unit == "%":
            return f"{value:.1%}"
        return f"{value:,.3f}" if value < 1 else f"{value:,.1f}"

    def bound(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.show(self.limit)}"


TARGETS = (
    Target("ingest_to_raw_ratio", "ingest ÷ raw publish (§4)", 0.05, higher_is_better=True),
    Target(
        "pipeline_overhead_p95_seconds",
        "run 2: webhook → Twilio send, p95 (§7)",
        0.2,
        higher_is_better=False,
        unit="s",
    ),
    Target(
        "kpi_visible_p95_seconds",
        "run 2: webhook → KPI bucket, p95 (§7)",
        2.0,
        higher_is_better=False,
        unit="s",
    ),
    Target("responder_replies_per_second", "run 3: replies/s (§7)", 60, higher_is_better=True),
    Target(
        "enricher_burst_cards_per_second",
        "run 3: enricher cards/s under the burst (§3)",
        150,
        higher_is_better=True,
    ),
    Target(
        "enricher_burst_lag_p95_seconds",
        "run 3: enricher lag, p95 (§3)",
        2.0,
        higher_is_better=False,
        unit="s",
    ),
    Target(
        "mongodb_commands_per_message",
        "MongoDB operations per customer message, all services (§1)",
        12,
        higher_is_better=False,
    ),
    Target(
        "idle_cpu_share_of_a_core",
        "at rest: the whole system's CPU, share of one core (§6)",
        0.05,
        higher_is_better=False,
        unit="%",
    ),
)


class Recorded(BaseModel):
    """A run written by `python -m bench --json`: its figures and where they came from."""

    figures: dict[str, float]
    commit: str = ""
    finished_at: str = ""
    mongodb: str = "embedded"  # or "given": a MongoDB server reached by its URI


def previous_run(latest: Path = LATEST, headline: Path = HEADLINE) -> tuple[str, Recorded] | None:
    """The run to compare with, and what to call it; None when neither file can be read."""
    for path, name in ((latest, "previous run"), (headline, "docs' headline")):
        try:
            return name, Recorded.model_validate(json.loads(path.read_text()))
        except (OSError, ValueError, ValidationError):
            continue
    return None


def targets_table(
    figures: dict[str, float], mongodb: str, previous: tuple[str, Recorded] | None
) -> Table:
    """Each target with this run's figure, the previous run's and whether it is met now; each
    column says which MongoDB it ran on, so a run on a given server sits beside an embedded one."""
    title = "Issue 16's targets"
    if previous:
        name, recorded = previous
        title += f" (beside the {name}: {recorded.commit[:7] or 'commit unknown'}"
        title += f", {recorded.finished_at[:16]})" if recorded.finished_at else ")"
    table = Table(title=title)
    table.add_column("figure", style="bold")
    table.add_column(f"this run\n({mongodb} MongoDB)", justify="right")
    table.add_column(
        f"previous\n({previous[1].mongodb} MongoDB)" if previous else "previous", justify="right"
    )
    table.add_column("target", justify="right")
    table.add_column("met")
    for target in TARGETS:
        value = figures.get(target.figure)
        before = previous[1].figures.get(target.figure) if previous else None
        table.add_row(
            target.label,
            "not measured" if value is None else target.show(value),
            "" if before is None else target.show(before),
            target.bound(),
            "" if value is None else ("[green]yes[/]" if target.met(value) else "[red]no[/]"),
        )
    return table
