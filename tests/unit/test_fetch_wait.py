"""FetchWait: the wait a consumer's fetches ask for, and the pause of paced fetches."""

import asyncio
from typing import Any

import pytest
from aiokafka import TopicPartition

from shared import fetch_wait
from shared.fetch_wait import FetchWait

FETCHED = TopicPartition("whatsapp.inbound", 0)


class Request:
    """A fetch of `FETCHED` from offset 5."""

    def __init__(self) -> None:
        self.topics = [(FETCHED.topic, [(FETCHED.partition, 5, 1_048_576)])]


class Assignment:
    """aiokafka's assignment as a fetch answer leaves it: each partition's high watermark."""

    def __init__(self) -> None:
        self.active = True
        self.highwater: int | None = None

    def state_value(self, tp: TopicPartition) -> Any:
        assert tp == FETCHED
        return self


class Fetcher:
    """aiokafka's fetcher as FetchWait sees it: the wait of the next fetch, and the method that
    sends one fetch, records the high watermark the broker answered and says whether it
    brought records."""

    def __init__(self, answers: list[bool], highwater: int = 5) -> None:
        self._fetch_max_wait_ms = fetch_wait.BUSY_WAIT_MS
        self._answers = answers
        self._highwater = highwater

    async def _proc_fetch_request(self, assignment: Any, node_id: int, request: Any) -> bool:
        assignment.highwater = self._highwater
        return self._answers.pop(0)

    async def fetch(self) -> bool:
        return await self._proc_fetch_request(Assignment(), 0, Request())


class Consumer:
    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses paced fetches take (recorded, not slept). Only the module's own name is
    patched: a no-op `asyncio.sleep` would spin every other task of the session's loop."""
    taken: list[float] = []

    async def pause(seconds: float) -> None:
        taken.append(seconds)

    monkeypatch.setattr(fetch_wait, "sleep", pause)
    return taken


def waiting(
    paced: bool, answers: list[bool], quiet: bool, highwater: int = 5
) -> tuple[FetchWait, Fetcher]:
    fetcher = Fetcher(answers, highwater)
    wait = FetchWait(Consumer(fetcher), paced=paced)  # type: ignore[arg-type]
    wait._records_seen_at -= fetch_wait.IDLE_AFTER_SECONDS if quiet else 0.0
    wait.polled(busy=False)
    return wait, fetcher


@pytest.mark.parametrize(
    ("paced", "quiet", "wanted"),
    [
        (False, False, fetch_wait.BUSY_WAIT_MS),
        (False, True, fetch_wait.IDLE_WAIT_MS),
        (True, False, fetch_wait.PACED_WAIT_MS),
        (True, True, fetch_wait.PACED_WAIT_MS),
    ],
)
def test_long_polls_wait_briefly_while_records_come_and_longer_once_quiet_paced_ones_not(
    paced: bool, quiet: bool, wanted: int
) -> None:
    _, fetcher = waiting(paced, [], quiet)

    assert fetcher._fetch_max_wait_ms == wanted


def test_records_make_a_quiet_consumer_busy_again() -> None:
    wait, fetcher = waiting(False, [], quiet=True)

    wait.polled(busy=True)

    assert fetcher._fetch_max_wait_ms == fetch_wait.BUSY_WAIT_MS


@pytest.mark.parametrize(
    ("quiet", "pace"), [(False, fetch_wait.BUSY_PACE_SECONDS), (True, fetch_wait.IDLE_PACE_SECONDS)]
)
async def test_a_paced_fetch_that_found_nothing_holds_the_next_one_and_records_never_wait(
    pauses: list[float], quiet: bool, pace: float
) -> None:
    _, fetcher = waiting(True, [False, True], quiet)

    assert await fetcher.fetch() is False
    assert await fetcher.fetch() is True

    assert len(pauses) == 1
    assert 0 < pauses[0] <= pace


@pytest.mark.parametrize("quiet", [False, True])
async def test_an_answer_that_left_records_behind_makes_the_next_fetch_wait_for_them(
    pauses: list[float], quiet: bool
) -> None:
    wait, fetcher = waiting(True, [False], quiet, highwater=7)  # records 5 and 6 not sent

    assert await fetcher.fetch() is False

    assert pauses == []
    assert fetcher._fetch_max_wait_ms == fetch_wait.BUSY_WAIT_MS
    wait.polled(busy=True)  # they came
    assert fetcher._fetch_max_wait_ms == fetch_wait.PACED_WAIT_MS


async def test_long_polls_are_not_held(pauses: list[float]) -> None:
    _, fetcher = waiting(False, [False], quiet=True)

    assert await fetcher.fetch() is False

    assert pauses == []


async def test_a_pause_cancelled_by_a_stop_ends_quietly() -> None:
    _, fetcher = waiting(True, [False], quiet=True)
    fetch = asyncio.ensure_future(fetcher.fetch())
    await asyncio.sleep(0.01)  # into the pause

    fetch.cancel()

    assert await fetch is False  # as aiokafka's own fetch answers a cancellation
