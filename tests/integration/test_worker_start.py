"""A worker's start-up (shared/runtime.py run_worker) against the real broker and database."""

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest

from shared import runtime
from shared.runtime import Consumer, Runtime, run_worker
from shared.settings import Settings


class StartRefusedError(Exception):
    """Ends the worker at its first consumer's start, where the test has seen what it needs."""


async def test_a_worker_builds_its_tables_before_its_first_consumer_starts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "configure_logging", lambda settings, service: None)
    built: list[str] = []
    seen_at_start: list[list[str]] = []
    # The table is built only once the consumers' setup has run: a worker that did not wait
    # for its tables would start its consumer without it.
    setup_done = threading.Event()

    def build_table() -> None:
        setup_done.wait()
        built.append("table")

    class FirstConsumer:
        async def start(self) -> None:
            seen_at_start.append(list(built))
            raise StartRefusedError

        async def stop(self, grace_seconds: float = 30.0) -> None:
            pass

    @asynccontextmanager
    async def consumers(runtime: Runtime) -> AsyncIterator[Sequence[Consumer]]:
        setup_done.set()
        yield [FirstConsumer()]

    with pytest.raises(StartRefusedError):
        await run_worker(settings, "test-warm", consumers, port=0, warmers=[build_table])

    assert seen_at_start == [["table"]]
