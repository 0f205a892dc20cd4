"""Group commit: concurrent submissions share a write, each gets its own outcome."""

import asyncio
from collections.abc import Sequence

import pytest

from services.ingest.group_commit import GroupCommit


class Recorder:
    """A batch write that remembers its batches; odd numbers fail alone."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def write(self, batch: list[int]) -> Sequence[int | Exception]:
        self.batches.append(batch)
        await asyncio.sleep(0)  # a round trip: later submissions gather meanwhile
        return [ValueError(n) if n % 2 else n * 10 for n in batch]


async def test_concurrent_submissions_share_writes_and_each_gets_its_own_outcome() -> None:
    recorder = Recorder()
    commit = GroupCommit[int, int](recorder.write)

    outcomes = await asyncio.gather(*(commit.submit(n) for n in range(20)), return_exceptions=True)

    assert len(recorder.batches) < 20
    assert sorted(n for batch in recorder.batches for n in batch) == list(range(20))
    for n, outcome in enumerate(outcomes):
        if n % 2:
            assert isinstance(outcome, ValueError)
            assert outcome.args == (n,)
        else:
            assert outcome == n * 10


async def test_a_lone_submission_is_written_at_once_on_its_own() -> None:
    recorder = Recorder()
    commit = GroupCommit[int, int](recorder.write)

    assert await commit.submit(4) == 40
    assert await commit.submit(6) == 60
    assert recorder.batches == [[4], [6]]


async def test_a_write_that_fails_fails_every_submission_of_its_batch() -> None:
    async def broken(batch: list[int]) -> Sequence[int | Exception]:
        raise ConnectionError("mongodb is down")

    commit = GroupCommit[int, int](broken)

    outcomes = await asyncio.gather(*(commit.submit(n) for n in range(3)), return_exceptions=True)

    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    with pytest.raises(ConnectionError):
        await commit.submit(9)


async def test_a_lingering_commit_takes_in_what_arrives_while_it_waits() -> None:
    recorder = Recorder()
    commit = GroupCommit[int, int](recorder.write, linger_seconds=0.5)

    submitted = []
    for n in (2, 4, 6):  # each on a later turn of the loop, as webhooks answered one by one
        submitted.append(asyncio.ensure_future(commit.submit(n)))
        await asyncio.sleep(0)

    assert await asyncio.gather(*submitted) == [20, 40, 60]
    assert recorder.batches == [[2, 4, 6]]
