"""What `balas run` tells the terminal while the services come up (balas/startup.py), against
loopback servers standing in for the services' /readyz: "running" only once ingest and the
console answer, with their URLs, then one line once every service does."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Response
from structlog.testing import capture_logs

from balas.processes import readiness_urls
from balas.startup import StartupReport
from shared.settings import Settings
from tests.standins.server import LoopbackServer

SERVICES = ("ingest", "responder", "enricher", "kpi_aggregator", "console")


class Service:
    """A service's /readyz: refused until started, 503 until ready, then 200."""

    def __init__(self) -> None:
        self.ready = False
        app = FastAPI()

        @app.get("/readyz")
        def readyz() -> Response:
            return Response(status_code=200 if self.ready else 503)

        self.server = LoopbackServer(app)  # its port is chosen now, served once started
        self.started = False

    def start(self) -> None:
        self.server.start()
        self.started = True


@pytest.fixture
def services() -> Iterator[dict[str, Service]]:
    made = {name: Service() for name in SERVICES}
    yield made
    for service in made.values():
        if service.started:
            service.server.stop()


@pytest.fixture
def settings(services: dict[str, Service]) -> Settings:
    port = {name: service.server.port for name, service in services.items()}
    return Settings().updated(
        ingest={"port": port["ingest"], "public_base_url": "https://toko.example"},
        console={"port": port["console"]},
        metrics={f"{name}_port": port[name] for name in SERVICES[1:4]},
    )


def told(logs: list[dict[str, object]]) -> list[object]:
    return [entry["event"] for entry in logs]


def test_running_is_said_once_ingest_and_the_console_answer_then_ready_once_all_do(
    settings: Settings, services: dict[str, Service]
) -> None:
    report = StartupReport(settings, readiness_urls(settings), first_run=False)

    with capture_logs() as nothing_up:
        report.check()
    for service in services.values():
        service.start()
    services["ingest"].ready = True
    with capture_logs() as ingest_only:
        report.check()
    services["console"].ready = True
    with capture_logs() as front_doors:
        report.check()
        report.check()
    for service in services.values():
        service.ready = True
    with capture_logs() as everything:
        report.check()
        report.check()

    assert told(nothing_up) == told(ingest_only) == []
    assert told(front_doors) == ["Balas is running; Ctrl-C stops everything"]
    (running,) = front_doors
    assert running["webhooks"] == "https://toko.example/webhooks/twilio/whatsapp"
    assert running["console"] == f"http://127.0.0.1:{settings.console.port}"
    assert told(everything) == [
        "every service is ready: messages are answered, classified and counted"
    ]


def test_a_first_run_says_how_to_make_the_owner_once_balas_is_running(
    settings: Settings, services: dict[str, Service]
) -> None:
    report = StartupReport(settings, readiness_urls(settings), first_run=True)
    for service in services.values():
        service.start()
        service.ready = True

    with capture_logs() as logs:
        report.check()

    assert [entry["log_level"] for entry in logs] == ["info", "warning", "info"]
    assert "balas console create-owner" in str(logs[1]["event"])
