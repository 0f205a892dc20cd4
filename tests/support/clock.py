"""A clock that tests move by hand, so waits are asserted without sleeping."""

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Starts at the real time (TTL indexes never see it in the past) and moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
