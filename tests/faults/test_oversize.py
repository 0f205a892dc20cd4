"""Oversize requests against ingest running as its own process: its memory stays flat.

Twenty 50 MB bodies, made by a generator as they are sent (the client holds none of them), go to
the two unauthenticated webhooks, with and without Content-Length: a WooCommerce delivery to an
unknown store and a Twilio form with a bogus signature. Before the body limits, one 300 MB
delivery took ingest from 186 MB to 747 MB. The peak resident memory (VmHWM) before and after is
printed (`pytest -s`) and must not grow by more than a fraction of one body.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from balas.processes import ServiceProcesses
from shared import routes
from shared.http_limits import KiB, MiB
from shared.infra import free_port
from shared.settings import Settings

pytestmark = pytest.mark.slow

REQUESTS = 20
BODY_BYTES = 50 * MiB
# Form fields of 64 KiB: under the parser's default field size, so without a limit on the whole
# body the form is parsed to its end (the measured attack), 800 fields in 50 MB.
CHUNK = (b"f=" + b"x" * (64 * KiB - 3) + b"&") * 4
MAX_PEAK_GROWTH = 16 * MiB


@pytest.fixture
def ingest(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """ingest as `balas run ingest` starts it; its URL and process id."""
    port = free_port()
    services = ServiceProcesses(
        env={**os.environ, **settings.as_environment()}, log_dir=tmp_path / "logs"
    )
    services.start("ingest", port)
    try:
        asyncio.run(services.wait_ready())
        yield f"http://127.0.0.1:{port}", services.processes["ingest"].pid
    finally:
        services.stop()


def peak_rss(pid: int) -> int:
    """The process's high-water mark of resident memory (Linux's VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


async def body() -> AsyncIterator[bytes]:
    for _ in range(BODY_BYTES // len(CHUNK)):
        yield CHUNK


async def send_oversize(http: httpx.AsyncClient, number: int) -> int:
    declared = {"Content-Length": str(BODY_BYTES)} if number % 2 else {}
    if number % 4 < 2:
        path = routes.WOOCOMMERCE_PATH.format(store_id="no-such-store")
        headers = {"Content-Type": "application/json", **declared}
    else:
        path = routes.TWILIO_MESSAGE_PATH
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl",
            **declared,
        }
    return (await http.post(path, content=body(), headers=headers)).status_code


async def test_oversize_bodies_leave_ingest_memory_flat(ingest: tuple[str, int]) -> None:
    url, pid = ingest
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        assert (await http.get("/healthz")).status_code == 200
        rss_before, peak_before = psutil.Process(pid).memory_info().rss, peak_rss(pid)
        statuses = [await send_oversize(http, number) for number in range(REQUESTS)]
    rss_after, peak_after = psutil.Process(pid).memory_info().rss, peak_rss(pid)

    print(
        f"\ningest, {REQUESTS} requests of {BODY_BYTES // MiB} MiB: "
        f"RSS {rss_before / MiB:.0f} -> {rss_after / MiB:.0f} MiB, "
        f"peak RSS {peak_before / MiB:.0f} -> {peak_after / MiB:.0f} MiB"
    )
    assert set(statuses) <= {404, 413}, statuses
    assert peak_after - peak_before < MAX_PEAK_GROWTH
