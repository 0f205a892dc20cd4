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
    from balas.dead_letters import DeadLetters, Undecodable

dlq_app = command_group("Dead letters: events consumers gave up on.")


TopicOption = Annotated[
    str | None, typer.Option(help="Only this topic's dead letters, e.g. whatsapp.inbound.")
]


def _letters(topic: str | None) -> DeadLetters:
    from balas import dead_letters

    settings = cli_settings()
    found: DeadLetters = with_db(lambda db: dead_letters.list_letters(settings, db, topic))
    return found


def _described(record: Undecodable) -> str:
    return (
        f"partition {record.partition}, offset {record.offset}, "
        f"{counted(record.size, 'byte')}, first bytes {escape(repr(record.head))}"
    )


@dlq_app.command("list")
def dlq_list(topic: TopicOption = None) -> None:
    """List dead letters, oldest first, then any record of a dead-letter topic that is none."""
    found = _letters(topic)
    table = wrapping_table(
        "id", "group", "attempts", "failed at (UTC)", "re-driven", "error", whole=("id",)
    )
    for stored in found.letters:
        letter = stored.letter
        table.add_row(
            stored.id,
            letter.consumer_group,
            str(letter.attempts),
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
            f"{stored.redriven_at:%Y-%m-%d %H:%M}" if stored.redriven_at else "no",
            escape(letter.error),
        )
    undecodable = wrapping_table(
        "id",
        "partition",
        "offset",
        "bytes",
        "first bytes",
        title="Records that are no dead letters (never re-driven)",
        whole=("id",),
    )
    for record in found.undecodable:
        undecodable.add_row(
            record.id,
            str(record.partition),
            str(record.offset),
            str(record.size),
            escape(repr(record.head)),
        )
    shown = [listed for listed in (table, undecodable) if listed.row_count] or [table]
    print_listing(*shown, empty=f"No dead letters{f' of {escape(topic)}' if topic else ''}.")


@dlq_app.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(help="An id from `balas dlq list`.")],
) -> None:
    """Print one dead letter in full, original payload included."""
    found = _letters(None)
    stored = next((stored for stored in found.letters if stored.id == letter_id), None)
    if stored is not None:
        console.print_json(stored.letter.model_dump_json())
        return
    record = next((record for record in found.undecodable if record.id == letter_id), None)
    if record is not None:
        console.print(f"[red]{escape(letter_id)} is no dead letter:[/] {_described(record)}")
    else:
        console.print(f"[red]no dead letter {escape(letter_id)}[/]")
    raise typer.Exit(1)


@dlq_app.command("redrive")
def dlq_redrive(
    letter_ids: Annotated[list[str] | None, typer.Argument(help="Ids to re-drive.")] = None,
    topic: TopicOption = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every letter not re-driven.")] = False,
) -> None:
    """Publish dead letters back to their topics, once each, after the cause is fixed."""
    if not letter_ids and not all_letters:
        raise typer.BadParameter("name letter ids, or pass --all")
    found = _letters(topic)
    known = {stored.id for stored in found.letters} | {record.id for record in found.undecodable}
    if unknown := [letter_id for letter_id in letter_ids or [] if letter_id not in known]:
        # A mistyped id re-drives nothing: the command stops before it sends any of the others.
        listed = ", ".join(escape(letter_id) for letter_id in unknown)
        console.print(f"[red]no dead letter {listed}[/]: nothing re-driven; see `balas dlq list`")
        raise typer.Exit(1)
    chosen = [stored for stored in found.letters if all_letters or stored.id in (letter_ids or [])]
    for record in found.undecodable:
        if all_letters or record.id in (letter_ids or []):
            console.print(
                f"[yellow]skipped {escape(record.id)}, no dead letter:[/] {_described(record)}"
            )
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
