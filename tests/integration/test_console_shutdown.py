"""The console as `balas run` runs it, a process of its own: stopping it with a console tab's
live stream open ends the stream and the process, instead of waiting on the tab."""

import asyncio
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from balas.processes import ServiceProcesses
from shared.infra import free_port
from shared.settings import Settings
from tests.support.console import ConsoleApi, SignedIn

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[SignedIn]]  # the `sign_in` fixture of conftest.py

# Bounds a failure only (the supervisor's grace is 40 s; a stream used to hold it all).
EXIT_DEADLINE_SECONDS = 30.0


@pytest.fixture
def console(settings: Settings, tmp_path: Path) -> Iterator[ServiceProcesses]:
    started = ServiceProcesses(env={**os.environ, **settings.as_environment()}, log_dir=tmp_path)
    started.start("console", free_port())
    try:
        asyncio.run(started.wait_ready())
        yield started
    finally:
        started.stop()


@pytest.fixture
def console_api(console: ServiceProcesses, settings: Settings) -> ConsoleApi:
    """The `sign_in` fixture signs in on the console process rather than an in-process app."""
    return ConsoleApi(
        url=f"http://127.0.0.1:{console.ports['console']}",
        token=settings.console.admin_api_token.get_secret_value(),
    )


async def test_a_stop_ends_open_live_streams_and_the_console_exits(
    console: ServiceProcesses, sign_in: SignIn
) -> None:
    client, store_id, _ = await sign_in()
    process = console.processes["console"]

    async with client.stream("GET", f"/stores/{store_id}/stream") as response:
        assert response.status_code == 200
        lines = response.aiter_lines()
        while await anext(lines) != "event: ready":
            pass
        process.send_signal(signal.SIGTERM)  # what `balas run` sends its services on Ctrl-C
        try:
            code = await asyncio.to_thread(process.wait, EXIT_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail("the console did not exit while a live stream was open")
        rest = [line async for line in lines]

    assert code == 0
    assert "event: signed_out" not in rest  # still signed in: the page reconnects later
