"""Repeated Kafka-client warnings are held back to one line per window, with a count."""

import logging

from shared.logging import RepeatLimiter


def record(name: str, level: int, msg: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_repeated_client_error_passes_once_per_window_and_then_says_how_many_were_held() -> None:
    now = [0.0]
    limiter = RepeatLimiter(window_seconds=10.0, clock=lambda: now[0])
    passed = [
        limiter.filter(record("aiokafka.conn", logging.ERROR, "Unable connect to %s", node))
        for node in range(280)
    ]
    assert passed.count(True) == 1

    now[0] = 10.0  # the window is over
    next_one = record("aiokafka.conn", logging.ERROR, "Unable connect to %s", "b")
    assert limiter.filter(next_one)
    assert "279 more like it held back" in next_one.getMessage()


def test_consumer_warnings_are_limited_but_its_errors_and_other_loggers_pass() -> None:
    limiter = RepeatLimiter(window_seconds=3600.0)
    warnings = [
        limiter.filter(record("shared.consumer", logging.WARNING, {"event": "commit failed"}))
        for _ in range(5)
    ]
    assert warnings == [True, False, False, False, False]
    assert all(
        limiter.filter(record("shared.consumer", logging.ERROR, {"event": "event dead-lettered"}))
        for _ in range(5)
    )
    assert all(
        limiter.filter(record("services.responder", logging.WARNING, "slow")) for _ in range(5)
    )
    assert all(limiter.filter(record("aiokafka", logging.INFO, "joined")) for _ in range(5))
