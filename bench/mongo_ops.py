"""MongoDB operations the services issued during a run: all of them from the server's own
opcounters (heartbeats included), and per service from each process's command counter."""

from dataclasses import dataclass

from bench.scrape import Scrape, scrape
from shared import mongo

COUNTED = ("insert", "query", "update", "delete", "getmore", "command")


async def opcounters(uri: str) -> dict[str, int]:
    client = mongo.connect(uri)
    try:
        status = await client.admin.command("serverStatus")
    finally:
        await client.close()
    counters = status.get("opcounters", {})
    return {name: int(counters.get(name, 0)) for name in COUNTED}


def per_message(before: dict[str, int], after: dict[str, int], messages: int) -> dict[str, float]:
    """Operations per customer message, by kind, and in total (heartbeats included)."""
    per_kind = {name: (after[name] - before[name]) / messages for name in COUNTED}
    per_kind = {name: count for name, count in per_kind.items() if count}
    return {**per_kind, "total": sum(per_kind.values())}


# Each process counts the commands it sends (shared/mongo.py): the per-service split.
COMMANDS_METRIC = "balas_mongodb_commands_total"
IDLE_SECONDS = 10.0  # the window before traffic that measures each service's background work
BUDGET_PER_MESSAGE = 12  # issue 16's target, all services together


@dataclass(frozen=True)
class ServiceOps:
    """One service's MongoDB commands per customer message over a run."""

    per_message: float  # everything it sent during the run, divided by the messages
    background: float  # of which its idle rate accounts for (polls, leases, relays)
    by_command: dict[str, float]  # "command collection" -> per message, background included


def commands_sent(scraped: Scrape) -> dict[str, float]:
    """A service's counters: "command collection" -> commands sent since it started."""
    found: dict[str, float] = {}
    for (name, labels), value in scraped.samples.items():
        if name == COMMANDS_METRIC:
            label = dict(labels)
            found[f"{label['command']} {label['collection']}".strip()] = value
    return found


def _between(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {
        key: after[key] - before.get(key, 0.0) for key in after if after[key] > before.get(key, 0.0)
    }


def service_ops(
    before: dict[str, float],
    after: dict[str, float],
    messages: int,
    idle: dict[str, float],
    idle_ratio: float,
) -> ServiceOps:
    """Per customer message from two scrapes around the run; `idle` is what the service sent
    in the idle window, which `idle_ratio` (run seconds / idle seconds) scales to the run."""
    sent = _between(before, after)
    by_command = {key: count / messages for key, count in sorted(sent.items())}
    background = sum(idle.values()) * idle_ratio / messages
    return ServiceOps(sum(by_command.values()), background, by_command)


async def scrape_commands(urls: dict[str, str]) -> dict[str, dict[str, float]]:
    """Every service's command counters, by service."""
    return {service: commands_sent(await scrape(url)) for service, url in urls.items()}


def idle_between(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    return {service: _between(before[service], after[service]) for service in after}
