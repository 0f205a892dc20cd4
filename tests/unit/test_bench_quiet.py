"""bench/quiet.py: a run waits until the services' /metrics show no work left."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bench import quiet
from shared.infra import free_port
from tests.standins.twilio_api import TwilioStandIn


class Metrics:
    """A /metrics page whose in-flight gauge the test sets."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.scrapes = 0
        self.scraped_ten_times = asyncio.Event()

    async def page(self, _: web.Request) -> web.Response:
        self.scrapes += 1
        if self.scrapes >= 10:
            self.scraped_ten_times.set()
        text = (
            f'balas_events_in_flight{{group="enricher"}} {self.in_flight}\n'
            'balas_consumer_lag{group="enricher",topic="t",partition="0"} 0\n'
            'balas_events_consumed_total{group="enricher"} 7\n'  # not work left
        )
        return web.Response(text=text)


@pytest.fixture
async def served() -> AsyncIterator[tuple[Metrics, str]]:
    metrics = Metrics()
    app = web.Application()
    app.router.add_get("/metrics", metrics.page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield metrics, f"http://127.0.0.1:{port}/metrics"
    finally:
        await runner.cleanup()


async def test_the_wait_ends_only_after_the_work_in_flight_is_done(
    served: tuple[Metrics, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics, url = served
    monkeypatch.setattr(quiet, "CHECK_SECONDS", 0.01)
    monkeypatch.setattr(quiet, "QUIET_SECONDS", 0.05)
    metrics.in_flight = 3
    waiting = asyncio.create_task(quiet.wait_until_quiet([url], TwilioStandIn("token"), 30.0))
    await asyncio.wait_for(metrics.scraped_ten_times.wait(), 10)
    assert not waiting.done()  # ten looks at 3 events in flight

    metrics.in_flight = 0
    await asyncio.wait_for(waiting, 10)


async def test_work_that_never_ends_fails_the_wait(
    served: tuple[Metrics, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics, url = served
    monkeypatch.setattr(quiet, "CHECK_SECONDS", 0.01)
    metrics.in_flight = 1

    with pytest.raises(TimeoutError):
        await quiet.wait_until_quiet([url], TwilioStandIn("token"), 0.2)
