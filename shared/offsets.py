"""Which offset of a partition may be committed while records finish out of order, and how
far behind the log that is."""


class PartitionProgress:
    """Offsets of one partition that were handed out and not yet finished.

    Records of different keys finish in any order, but Kafka stores one offset per partition:
    everything below it counts as done. So the committable offset is the lowest unfinished one,
    or one past the highest seen when nothing is in flight.
    """

    def __init__(self) -> None:
        self._unfinished: set[int] = set()
        self._next_offset: int | None = None
        self.fetched_end = 0  # one past the highest offset fetched: the log holds at least this
        self.revoked = False

    def fetched(self, offset: int) -> None:
        self.fetched_end = max(self.fetched_end, offset + 1)

    def started(self, offset: int) -> None:
        self._unfinished.add(offset)
        if self._next_offset is None or offset >= self._next_offset:
            self._next_offset = offset + 1

    def finished(self, offset: int) -> None:
        self._unfinished.discard(offset)

    @property
    def in_flight(self) -> int:
        return len(self._unfinished)

    def committable(self) -> int | None:
        if self._unfinished:
            return min(self._unfinished)
        return self._next_offset


def lag(committed: int, reported_end: int | None, fetched_end: int) -> int:
    """Records of a partition not committed yet. A broker's reported end offset is only a lower
    bound (the embedded broker hides the rest of a partition's last batch), so the highest
    offset fetched counts when it lies beyond."""
    return max(0, max(reported_end or 0, fetched_end) - committed)
