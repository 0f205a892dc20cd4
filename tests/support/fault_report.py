"""The fault table: every scenario's row (tests/support/faults.py), printed at the end of the run
and written to bench/results/faults.md, the table docs/reliability.md quotes."""

import pytest

from tests.support.faults import ROWS, Row

TABLE_PATH = "bench/results/faults.md"  # under the repository; bench/results is not committed
SERVICES = ("ingest", "responder", "enricher", "kpi_aggregator", "console", "broker", "database")
HEADER = (
    "| scenario | accepted | refused | answered once | answered twice+ | lost | dead-lettered "
    "| peak RSS MiB (" + " / ".join(SERVICES) + ") | ok |"
)


def table(rows: list[Row]) -> str:
    lines = [HEADER, "|" + "---|" * 9]
    for row in rows:
        peaks = " / ".join(str(row.peak_rss_mib.get(name, "-")) for name in SERVICES)
        dead = "n/a" if row.dead_lettered is None else str(row.dead_lettered)
        scenario = f"{row.scenario} ({row.note})" if row.note else row.scenario
        ok = "yes" if row.ok else "NO"
        lines.append(
            f"| {scenario} | {row.accepted} | {row.refused} | {row.answered_once} "
            f"| {row.answered_twice} | {row.lost} | {dead} | {peaks} | {ok} |"
        )
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    text = table(ROWS)
    terminalreporter.section("fault suite")
    terminalreporter.write(text)
    path = terminalreporter.config.rootpath / TABLE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    terminalreporter.write_line(f"written to {path}")
