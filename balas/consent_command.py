"""`balas customer consent`: record a customer's consent (or its withdrawal) on their word, or
show its history (docs/notifications.md)."""

import uuid
from typing import Annotated

import typer
from rich.markup import escape

from balas.cli_support import console, wrapping_table
from shared import mongo
from shared.consent import records
from shared.consent.records import Change, ConsentRecord, Purpose, Source, State
from shared.events import utcnow
from shared.privacy.customer import Customer

PurposeOption = Annotated[
    list[Purpose] | None,
    typer.Option("--purpose", help="What the customer agreed to (repeatable)."),
]
GrantOption = Annotated[
    bool | None,
    typer.Option("--grant/--withdraw", help="Record a grant or a withdrawal; neither: show."),
]
SourceOption = Annotated[Source, typer.Option("--source", help="Where the customer said it.")]
WordingOption = Annotated[
    str | None,
    typer.Option("--wording", help="The exact words the customer agreed to, or their request."),
]


def change_from_options(
    purposes: list[Purpose] | None, grant: bool | None, source: Source, wording: str | None
) -> Change | None:
    """The change the options ask for; None to show the history. Exits on a half-given one."""
    if grant is None:
        if purposes or wording:
            console.print("[red]give --grant or --withdraw to record a change[/]")
            raise typer.Exit(2)
        return None
    if not purposes or not wording or not wording.strip():
        console.print("[red]a change needs --purpose and the customer's --wording[/]")
        raise typer.Exit(2)
    state = State.GRANTED if grant else State.WITHDRAWN
    return Change(purposes=purposes, state=state, source=source, wording=wording)


async def consent_work(db: mongo.Database, customer: Customer, change: Change | None) -> None:
    """Record `change` (one act, its own key), then print the customer's history."""
    if change is not None:
        key = f"{change.source.value}:{uuid.uuid4()}"
        await records.apply(db, customer.store_id, customer.phone, change, key, utcnow())
    _print_history(await records.history(db, customer.store_id, customer.phone))


def _print_history(history: list[ConsentRecord]) -> None:
    if not history:
        console.print("no consent recorded: nobody may write to this customer first")
        return
    current = records.current(history)
    for purpose in Purpose:
        newest = current.get(purpose)
        state = newest.state.value if newest else "never asked"
        console.print(f"{purpose.value}: {state}")
    table = wrapping_table(
        "time (UTC)", "purpose", "state", "source", "wording", whole=("time (UTC)",)
    )
    for consent in history:
        table.add_row(
            f"{consent.at:%Y-%m-%d %H:%M}",
            consent.purpose.value,
            consent.state.value,
            consent.source.value,
            escape(consent.wording),
        )
    console.print(table)
