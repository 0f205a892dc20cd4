"""A fresh install in the terminal, as the README's "Try it" tells it: `balas run` on its own
embedded servers and data directory, with no Twilio account and no LLM. It says it is running
only once it is, `balas simulate` prints what the README shows, writes as the customer while an
agent has taken the conversation over (the bot stays silent, the message is in the inbox), and
the whole system stops within seconds when asked, with a console tab open."""

import asyncio
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from balas import cli_support
from balas.cli import app
from services.console.auth.users import Role
from shared import mongo
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.infra import free_port
from shared.settings import Settings
from tests.support.balas_run import BalasRun
from tests.support.console import sign_in
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
STOP_DEADLINE_SECONDS = 60.0  # bounds a failure only
# Also a bound on a failure, under the services' 40 s stop grace an open stream used to exhaust.
STOP_WITH_A_TAB_OPEN_SECONDS = 30.0
# What differs from one run to the next: the new customer's number and the current hour.
VARYING = [(re.compile(r"\+62812\d{8}"), "+62812…"), (re.compile(r"\d{4}-\d\d-\d\d \d\d:00"), "…")]


def try_it() -> tuple[list[str], list[str]]:
    """The command of the README's "Try it" sample, and the output it shows."""
    section = README.read_text().split("## Try it", 1)[1]
    sample = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *output = sample.splitlines()
    return shlex.split(command.removeprefix("$ "))[1:], output


def normalised(lines: list[str]) -> list[str]:
    found = [line.rstrip() for line in lines]
    for pattern, placeholder in VARYING:
        found = [pattern.sub(placeholder, line) for line in found]
    while found and not found[-1]:
        found.pop()
    return found


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[BalasRun]:
    ingest_port = free_port()
    settings = Settings(data_dir=tmp_path / "var").updated(
        kafka={"embedded_port": free_port()},
        mongodb={"embedded_port": free_port()},
        ingest={"port": ingest_port, "public_base_url": f"http://127.0.0.1:{ingest_port}"},
        console={"port": free_port()},
        metrics={
            "ingest_port": free_port(),
            "responder_port": free_port(),
            "enricher_port": free_port(),
            "kpi_aggregator_port": free_port(),
        },
        log={"format": "json"},
    )
    run = BalasRun(tmp_path, settings)
    run.start()
    yield run
    run.stop(timeout=STOP_DEADLINE_SECONDS)


async def balas(run: BalasRun, *arguments: str) -> str:
    # The CLI finds the embedded servers itself, as in a second terminal of a fresh install.
    env = {**run.settings.as_environment(), "KAFKA_BOOTSTRAP_SERVERS": None, "MONGODB_URI": None}
    result = await asyncio.to_thread(lambda: CliRunner().invoke(app, list(arguments), env=env))
    assert result.exit_code == 0, result.output
    return result.output


def told(run: BalasRun) -> list[str]:
    lines = (run.data_dir / "balas-run.log").read_text(errors="replace").splitlines()
    return [json.loads(line).get("event", "") for line in lines if line.startswith("{")]


async def test_a_fresh_install_prints_what_the_readme_shows_and_stops_when_asked(
    fresh: BalasRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_support.console, "width", 80)
    await fresh.wait_ready()
    await eventually(lambda: "every service is ready" in " ".join(told(fresh)), timeout=30)
    arguments, shown = try_it()

    printed = await balas(fresh, *arguments)

    assert normalised(printed.splitlines()) == normalised(shown), f"prints:\n{printed}"
    events = told(fresh)
    running = events.index("Balas is running; Ctrl-C stops everything")
    assert any(event.startswith("every service is ready") for event in events[running:])
    customer = re.findall(r"\+62812\d{8}", printed)[0]

    # An agent takes the conversation over; the customer writes again.
    conversation = f"{fresh.settings.demo.store_id}:{customer}"
    token = fresh.settings.console.admin_api_token.get_secret_value()
    console_base = f"http://127.0.0.1:{fresh.settings.console.port}"
    async with httpx.AsyncClient(
        base_url=console_base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as console:
        url = f"/api/stores/{fresh.settings.demo.store_id}/conversations/{conversation}/commands"
        taken = await console.post(url, json={"command": "take_over", "agent_id": "ayu"})
    assert taken.status_code == 202
    client = mongo.connect(fresh.mongodb_uri)
    db = client[fresh.settings.mongodb.database]
    try:

        async def taken_over() -> bool:
            card = await db[CONVERSATIONS].find_one({"_id": conversation})
            return card is not None and card.get("owner") == "human"

        await eventually(taken_over)
        again = await balas(fresh, "simulate", "Halo kak, masih ada?", "--customer", customer)

        assert f"customer {customer} writes" in again
        assert "an agent owns this conversation, so the bot stays silent" in again
        assert "<Response" not in again
        inbound = {"conversation_id": conversation, "direction": "inbound"}
        message = await eventually(
            lambda: db[MESSAGES].find_one({**inbound, "text": "Halo kak, masih ada?"})
        )
        assert await db[MESSAGES].find_one({"_id": f"reply:{message['_id']}"}) is None

        # Ctrl-C with the console open in a browser tab: its live stream does not hold it.
        async with httpx.AsyncClient(base_url=console_base, timeout=30) as browser:
            await sign_in(browser, db, Role.OWNER, fresh.settings.demo.store_id)
            stream = f"/stores/{fresh.settings.demo.store_id}/stream"
            async with browser.stream("GET", stream) as live:
                lines = live.aiter_lines()
                while await anext(lines) != "event: ready":
                    pass
                code = await asyncio.to_thread(fresh.stop, STOP_WITH_A_TAB_OPEN_SECONDS)
    finally:
        await client.close()

    assert code is not None  # stopped by itself, not killed after the deadline
