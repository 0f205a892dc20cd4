"""The bench's target table: each figure against its bound, beside the run it is compared with."""

import json
from pathlib import Path

from rich.console import Console

from bench.targets import TARGETS, Recorded, previous_run, targets_table


def rendered(
    figures: dict[str, float], previous: tuple[str, Recorded] | None, mongodb: str = "embedded"
) -> str:
    console = Console(width=200, record=True)
    console.print(targets_table(figures, mongodb, previous))
    return console.export_text()


def cells(text: str, label: str) -> list[str]:
    """The row whose figure names `label`: this run, previous, target, met."""
    line = next(line for line in text.splitlines() if label in line)
    return [cell.strip() for cell in line.split("│")[2:-1]]


def test_a_bound_is_met_from_the_right_side_only() -> None:
    ratio = next(t for t in TARGETS if t.figure == "ingest_to_raw_ratio")
    p95 = next(t for t in TARGETS if t.figure == "pipeline_overhead_p95_seconds")

    assert [ratio.met(v) for v in (0.049, 0.05, 0.2)] == [False, True, True]
    assert [p95.met(v) for v in (0.07, 0.2, 0.21)] == [True, True, False]


def test_every_target_names_a_figure_the_bench_reports() -> None:
    reported = {
        "ingest_to_raw_ratio",
        "pipeline_overhead_p95_seconds",
        "kpi_visible_p95_seconds",
        "responder_replies_per_second",
        "enricher_burst_cards_per_second",
        "enricher_burst_lag_p95_seconds",
        "mongodb_commands_per_message",
        "idle_cpu_share_of_a_core",
    }
    assert {target.figure for target in TARGETS} == reported


def test_the_table_shows_this_run_the_previous_one_and_the_verdict() -> None:
    previous = Recorded(
        figures={"responder_replies_per_second": 20.6, "pipeline_overhead_p95_seconds": 0.1719},
        commit="2fe7e6e0123456789",
        finished_at="2026-12-01T10:00:00+00:00",
    )
    text = rendered(
        {"responder_replies_per_second": 61.2, "pipeline_overhead_p95_seconds": 0.35},
        ("previous run", previous),
        mongodb="given",
    )

    assert "previous run: 2fe7e6e, 2026-12-01T10:00" in text
    assert "(given MongoDB)" in text  # a run on a real server, beside an embedded one
    assert "(embedded MongoDB)" in text
    assert cells(text, "replies/s") == ["61.2", "20.6", "≥ 60.0", "yes"]
    assert cells(text, "Twilio send") == ["350 ms", "172 ms", "≤ 200 ms", "no"]
    assert cells(text, "KPI bucket") == ["not measured", "", "≤ 2.00 s", ""]


def test_the_last_local_run_comes_first_then_the_docs_headline(tmp_path: Path) -> None:
    latest, headline = tmp_path / "latest.json", tmp_path / "headline.json"
    headline.write_text(json.dumps({"figures": {"ingest_to_raw_ratio": 0.016}, "commit": "abc"}))

    assert previous_run(latest, headline) == (
        "docs' headline",
        Recorded(figures={"ingest_to_raw_ratio": 0.016}, commit="abc"),
    )
    latest.write_text(json.dumps({"figures": {"ingest_to_raw_ratio": 0.04}, "sizes": {}}))
    assert previous_run(latest, headline) == (
        "previous run",
        Recorded(figures={"ingest_to_raw_ratio": 0.04}),
    )

    latest.write_text("{ cut short")  # a run killed while writing: fall back, do not fail
    assert previous_run(latest, headline)[0] == "docs' headline"  # type: ignore[index]
    assert previous_run(tmp_path / "none.json", tmp_path / "none2.json") is None
