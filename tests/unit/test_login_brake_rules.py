"""The login brake's delays (services/console/auth/brake.py): none while failures are free, then
1 s doubling to the cap, however many failures come."""

from datetime import timedelta

from services.console.auth.brake import Rule


def test_delays_start_after_the_free_failures_and_double_up_to_the_cap() -> None:
    rule = Rule(free_failures=3, max_delay=timedelta(seconds=60))

    delays = [rule.delay(failures).total_seconds() for failures in range(1, 12)]

    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_a_flood_of_failures_never_waits_past_the_cap() -> None:
    rule = Rule(free_failures=5, max_delay=timedelta(minutes=15))

    assert rule.delay(10**6) == timedelta(minutes=15)
