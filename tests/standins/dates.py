"""The day the stand-ins' and the tests' orders and conversations happen on: a recent Monday.

Balas keeps orders, conversations and KPI facts for the retention window only (TTL indexes on
their times; the order cache's is on the order's creation), and the embedded MongoDB sweeps
expired documents every 60 s. Data dated on a fixed day vanished once the window had moved past
that day, at a sweep that could fall between a test's write and its read. A Monday two to three
weeks ago lies well inside any window, keeps the weekday the tests were written for, and leaves
the days after it that the tests use in the past.
"""

from datetime import UTC, date, datetime, time, timedelta

_TODAY = datetime.now(UTC).date()
DAY: date = _TODAY - timedelta(days=14 + _TODAY.weekday())


def day(offset: int) -> date:
    """`DAY` moved by `offset` days."""
    return DAY + timedelta(days=offset)


def at(
    hour: int, minute: int = 0, second: int = 0, microsecond: int = 0, *, days: int = 0
) -> datetime:
    """A UTC time of `DAY` (or of `days` later)."""
    return datetime.combine(day(days), time(hour, minute, second, microsecond), UTC)
