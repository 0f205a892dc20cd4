"""MongoDB operations the services issued during a run, from the server's own opcounters."""

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
