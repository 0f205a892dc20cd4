"""The per-process memory of slow-changing documents: a value is trusted for its seconds, then
read again; a forgotten store's value is gone at once."""

from shared.recent import Recent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_answered_from_memory_until_its_seconds_pass() -> None:
    clock = Clock()
    recent: Recent[int] = Recent(2.0, clock)
    assert recent.put("s-1", 7) == 7
    clock.now += 1.9
    assert recent.get("s-1") == 7
    clock.now += 0.1
    assert recent.get("s-1") is None  # expired: the next message reads the document again


def test_forget_drops_a_store_at_once_and_leaves_the_others() -> None:
    recent: Recent[int] = Recent(2.0, Clock())
    recent.put("s-1", 1)
    recent.put("s-2", 2)
    recent.forget("s-1")
    assert recent.get("s-1") is None
    assert recent.get("s-2") == 2


def test_no_seconds_keeps_nothing() -> None:
    recent: Recent[int] = Recent(0.0, Clock())
    assert recent.put("s-1", 1) == 1
    assert recent.get("s-1") is None


def test_expired_values_leave_memory_as_new_ones_come() -> None:
    clock = Clock()
    recent: Recent[int] = Recent(1.0, clock)
    recent.put("s-1", 1)
    clock.now += 5
    recent.put("s-2", 2)
    clock.now -= 5  # even read back in time, the expired value is no longer held
    assert recent.get("s-1") is None
