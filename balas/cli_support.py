"""What every `balas` command shares: the console, settings, the database, argument parsing."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:  # imported where used, so that `balas --help` loads neither
    from shared import mongo
    from shared.settings import Settings

console = Console()


def cli_settings() -> "Settings":
    """Settings for a command talking to a running system: the embedded servers by default."""
    from shared.infra import EmbeddedServers
    from shared.settings import Settings

    settings = Settings()
    return EmbeddedServers.for_settings(settings).applied_to(settings)


def with_db(work: Callable[["mongo.Database"], Awaitable[Any]]) -> Any:
    from shared import mongo

    settings = cli_settings()

    async def go() -> Any:
        client = mongo.connect(settings.mongodb.uri or "")
        try:
            return await work(client[settings.mongodb.database])
        finally:
            await client.close()

    return asyncio.run(go())


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} wants a date like 2024-05-06, not {text!r}") from None


def parse_moment(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 time; without an offset it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{option} wants a time like 2024-05-06T10:00 or 2024-05-06T17:00+07:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
