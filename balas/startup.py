"""What `balas run` tells the terminal while the services come up: that Balas is running only
once ingest and the console answer /readyz (a message can be taken, a page opened), with their
URLs, then one line when every service answers. Started is not ready: a service loads its
models, connects and subscribes before it answers."""

import httpx
import structlog

from shared.routes import TWILIO_MESSAGE_PATH, public_url
from shared.settings import Settings

log = structlog.get_logger(__name__)

FRONT_DOORS = ("ingest", "console")  # what a customer's message and an agent reach first
PROBE_TIMEOUT_SECONDS = 1.0
TRY_IT = 'balas simulate "Halo, apakah sepatu ini ready?"'


class StartupReport:
    """Probe the services not ready yet (`check`, called every supervisor round) and say so
    once: "running" when the front doors answer, "every service is ready" when all do."""

    def __init__(self, settings: Settings, urls: dict[str, str], first_run: bool) -> None:
        self._settings = settings
        self._waiting = dict(urls)
        self._first_run = first_run
        self.running = False
        self.ready = False

    def check(self) -> None:
        if self.ready:
            return
        for service, url in list(self._waiting.items()):
            if _answers(url):
                del self._waiting[service]
        if not self.running and not any(door in self._waiting for door in FRONT_DOORS):
            self.running = True
            self._announce_running()
        if not self._waiting:
            self.ready = True
            log.info("every service is ready: messages are answered, classified and counted")

    def _announce_running(self) -> None:
        settings = self._settings
        log.info(
            "Balas is running; Ctrl-C stops everything",
            webhooks=public_url(settings.ingest.public_base_url, TWILIO_MESSAGE_PATH),
            console=console_url(settings),
            try_it=TRY_IT,
        )
        if self._first_run:
            log.warning(create_owner_hint(settings))


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


def console_url(settings: Settings) -> str:
    return f"http://{settings.console.host}:{settings.console.port}"


def create_owner_hint(settings: Settings) -> str:
    """The line a first run logs while the console has no user: nobody could sign in yet. Its
    placeholders are words: an example address would reach the terminal masked (`h:…`), since
    every log line goes through shared.logging's mask."""
    return (
        "No console user yet: create the owner with "
        "`balas console create-owner --email EMAIL --name NAME` "
        f"(it asks for the password), then sign in at {console_url(settings)}"
    )
