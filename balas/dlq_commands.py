"""`balas dlq`: list, show and re-drive the events consumers gave up on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import Progress

from balas.cli_support import (
    cli_settings,
    command_group,
    console,
    print_listing,
    with_db,
    wrapping_table,
)
from balas.wording import counted

if TYPE_CHECKING:  # with Kafka's client, loaded when a command runs
    from balas.dead_letters import StoredLetter

dlq_app = command_group("Dead letters: events consumers gave up on.")


TopicOption = Annotated[
    str | None, typer.Option(help="Only this topic's dead letters, e.g. whatsapp.inbound.")
]


def _letters(topic: str | None) -> list[StoredLetter]:
    from balas import dead_letters

    settings = cli_settings()
    return list(with_db(lambda db: dead_letters.list_letters(settings, db, topic)))


@dlq_app.command("list")
def dlq_list(topic: TopicOption = None) -> None:
    """List dead letters, oldest first."""
    table = wrapping_table(
        "id", "group", "attempts", "failed at (UTC)", "re-driven", "error", whole=("id",)
    )
    for stored in _letters(topic):
        letter = stored.letter
        table.add_row(
            stored.id,
            letter.consumer_group,
            str(letter.attempts),
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
            f"{stored.redriven_at:%Y-%m-%d %H:%M}" if stored.redriven_at else "no",
            escape(letter.error),
        )
    print_listing(table, empty=f"No dead letters{f' of {escape(topic)}' if topic else ''}.")


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(help="An id from `balas dlq list`.")],
) -> None:
    """Print one dead letter in full, original payload included."""
    found = [stored for stored in _letters(None) if stored.id == letter_id]
    if not found:
        console.print(f"[red]no dead letter {escape(letter_id)}[/]")
        raise typer.Exit(1)
    console.print_json(found[0].letter.model_dump_json())


@dlq_app.command("redrive")
def dlq_redrive(
    letter_ids: Annotated[list[str] | None, typer.Argument(help="Ids to re-drive.")] = None,
    topic: TopicOption = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every letter not re-driven.")] = False,
) -> None:
    """Publish dead letters back to their topics, once each, after the cause is fixed."""
    if not letter_ids and not all_letters:
        raise typer.BadParameter("name letter ids, or pass --all")
    chosen = [
        stored for stored in _letters(topic) if all_letters or stored.id in (letter_ids or [])
    ]
    from balas import dead_letters

    settings = cli_settings()
    with Progress(console=console) as progress:
        task = progress.add_task("re-driving", total=len(chosen))
        sent = with_db(
            lambda db: dead_letters.redrive(settings, db, chosen, lambda: progress.advance(task))
        )
    already = len(chosen) - sent
    console.print(
        f"re-drove {sent} of {counted(len(chosen), 'letter')} "
        f"({already} {'was' if already == 1 else 'were'} already)"
    )
