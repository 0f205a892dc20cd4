"""bench/enricher_burst.py: lags, throughput and the peak backlog from the recorded moments."""

import pytest

from bench.enricher_burst import enricher_burst


def test_lag_throughput_and_backlog_of_a_burst() -> None:
    published = {"a": 1.0, "b": 1.1, "c": 1.2, "d": 1.3}
    carded = {"a": 1.5, "b": 1.6, "c": 2.2}  # d never reached its card

    burst = enricher_burst(published, carded)

    assert (burst.messages, burst.carded) == (4, 3)
    assert burst.lag is not None
    assert burst.lag.p50 == pytest.approx(0.5)
    assert burst.lag.maximum == pytest.approx(1.0)
    assert burst.seconds == pytest.approx(1.2)  # first event published → last card
    assert burst.publishing == pytest.approx(0.3)  # first → last event published
    assert burst.per_second == pytest.approx(3 / 1.2)
    assert burst.peak_backlog == 4  # all four published before the first card


def test_a_card_at_the_moment_of_the_next_publish_leaves_the_backlog_flat() -> None:
    burst = enricher_burst({"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 3.0})

    assert burst.peak_backlog == 1


def test_no_cards_is_no_lag_and_no_throughput() -> None:
    burst = enricher_burst({"a": 1.0}, {})

    assert burst.lag is None
    assert burst.per_second == 0.0
    assert burst.peak_backlog == 1
