"""What every `balas` command shares: the console, command groups, tables, settings, the
database, argument parsing."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import aiokafka.errors
import httpx
import pymongo.errors
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from balas.cli_help import WordedCommand, name_values

if TYPE_CHECKING:  # imported where used, so that `balas --help` loads neither
    from shared import mongo
    from shared.settings import Settings

console = Console()

StoreOption = Annotated[str, typer.Option("--store", help="The store's id.")]
VERBOSE = "balas.verbose"  # `balas --verbose`, in click's context meta, which every context shares


UNREACHABLE = (
    httpx.ConnectError,
    pymongo.errors.ConnectionFailure,  # server selection timed out, included
    aiokafka.errors.KafkaConnectionError,
)


class _Commands(TyperGroup):
    """A command that cannot reach Balas says so in one line, not with a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_values(self.params)

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except UNREACHABLE as error:
            console.print(f"[red]{escape(unreachable(error))}[/]")
            raise typer.Exit(1) from None


def unreachable(error: Exception) -> str:
    if isinstance(error, httpx.ConnectError):
        url = error.request.url
        what = f"nothing answers at {url.scheme}://{url.netloc.decode()}"
    else:
        server = "MongoDB" if isinstance(error, pymongo.errors.PyMongoError) else "Kafka"
        what = f"{server} does not answer"
    return (
        f"{what}: is Balas running? Start it with `make run` (or `balas run`) and wait for "
        '"Balas is running", or set the addresses of yours (docs/configuration.md).'
    )


class PersonCommand(WordedCommand):
    """A command whose output a person reads: it logs as `logs_for_a_person` says, with
    `balas --verbose`. (`balas run` and `balas infra` are `WordedCommand`s: they log as the
    services do.)"""

    def invoke(self, ctx: Any) -> Any:
        with logs_for_a_person(_command_name(ctx), verbose=ctx.meta.get(VERBOSE, False)):
            return super().invoke(ctx)


def _command_name(ctx: Any) -> str:
    """`balas woocommerce sync`, whatever the program was called (`python -m balas`)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["balas", *reversed(names)])


class _Typer(typer.Typer):
    """A command group whose commands are `PersonCommand`s unless one names another class."""

    def command(self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or PersonCommand, **kwargs)


def command_group(help: str, no_args_is_help: bool = True) -> typer.Typer:
    """A `balas` command group. Its help is click's plain layout: typer's rich panels put a
    `<bool>` after every flag (`--help <bool>`), as if it took a value."""
    return _Typer(help=help, no_args_is_help=no_args_is_help, rich_markup_mode=None, cls=_Commands)


def wrapping_table(*headers: str, title: str | None = None, whole: Collection[str] = ()) -> Table:
    """A table that fits an 80-column terminal: cells wrap, never end in "…"; the columns in
    `whole` (ids another command takes) never wrap, so they can be copied. Columns are two
    spaces apart (rich's default is three): the width goes to the cells."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        title_justify="left",
    )
    for header in headers:
        if header in whole:
            table.add_column(header, no_wrap=True, overflow="ignore")
        else:
            table.add_column(header, overflow="fold")
    return table


def print_listing(*tables: Table, empty: str) -> None:
    """A listing's tables, or when they have no row the sentence `empty`: headers over nothing
    look like a failure."""
    if any(table.row_count for table in tables):
        console.print(*tables)
    else:
        console.print(empty)


def cli_settings() -> "Settings":
    """Settings for a command talking to a running system: the embedded servers by default."""
    from shared.infra import EmbeddedServers
    from shared.settings import Settings

    settings = Settings()
    return EmbeddedServers.for_settings(settings).applied_to(settings)


@contextmanager
def logs_for_a_person(command: str, verbose: bool) -> Iterator[None]:
    """Logs on stderr while a command whose output a person reads runs: only warnings and errors
    unless --verbose (then LOG_LEVEL's, as a service logs); the INFO lines are for operators.
    The logging is as it was after: tests run commands in-process."""
    from shared.logging import logging_configured
    from shared.settings import Settings

    settings = Settings()
    level = logging.getLevelName(settings.log.level.upper())
    if not verbose and isinstance(level, int) and level < logging.WARNING:
        settings = settings.updated(log={"level": "WARNING"})
    with logging_configured(settings, command):
        yield


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


async def require_store(db: "mongo.Database", store_id: str) -> None:
    """Exit 1 with "no store X" when there is none: a mistyped --store would otherwise print
    empty tables, as if the store had nothing yet."""
    from shared.stores.directory import StoreDirectory

    if await StoreDirectory(db, ttl_seconds=0).by_id(store_id) is None:
        raise unknown_store(store_id)


def unknown_store(store_id: str) -> typer.Exit:
    """Says there is no such store; the command raises what it returns (exit 1)."""
    console.print(f"[red]no store {escape(store_id)}[/]")
    return typer.Exit(1)


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
