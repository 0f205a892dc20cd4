"""`balas customer`: one customer's personal data, erased or exported (docs/privacy.md)."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.progress import Progress

from balas.cli_support import StoreOption, cli_settings, command_group, console, unknown_store
from balas.consent_command import (
    GrantOption,
    PurposeOption,
    SourceOption,
    WordingOption,
    change_from_options,
    consent_work,
)
from balas.wording import counted
from shared import kafka, mongo
from shared.consent.records import Source
from shared.identity import customer_hash, masked
from shared.phones import normalise
from shared.privacy import export as exports
from shared.privacy.customer import Customer, UnknownStore, find_customer
from shared.privacy.data_map import COLLECTIONS, Erasure
from shared.privacy.erasure import erase

customer_app = command_group(
    "One customer's data: erase it, export it, find it in the logs, their consent."
)

T = TypeVar("T")
PhoneOption = Annotated[str, typer.Option("--phone", help="The customer's WhatsApp number.")]
IdsOption = Annotated[
    list[int] | None,
    typer.Option("--woocommerce-id", help="A WooCommerce customer id of theirs (repeatable)."),
]
EmailsOption = Annotated[
    list[str] | None, typer.Option("--email", help="An e-mail address of theirs (repeatable).")
]


def _with_customer(
    store_id: str,
    phone: str,
    ids: list[int] | None,
    emails: list[str] | None,
    work: Callable[[mongo.Database, Customer], Awaitable[T]],
) -> T:
    settings = cli_settings()

    async def go() -> T:
        client = mongo.connect(settings.mongodb.uri or "")
        try:
            db = client[settings.mongodb.database]
            try:
                customer = await find_customer(db, store_id, phone, ids or (), emails or ())
            except UnknownStore:
                raise unknown_store(store_id) from None
            except ValueError as error:
                console.print(f"[red]{escape(str(error))}[/]")
                raise typer.Exit(1) from None
            return await work(db, customer)
        finally:
            await client.close()

    return asyncio.run(go())


@customer_app.command("erase")
def customer_erase(
    store: StoreOption,
    phone: PhoneOption,
    woocommerce_id: IdsOption = None,
    email: EmailsOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase everything Balas holds about one customer; KPI totals stay as they are."""
    if not yes:
        typer.confirm(
            f"Erase every trace of {phone} in store {store}? This cannot be undone", abort=True
        )
    settings = cli_settings()
    steps = [h for h in COLLECTIONS if h.erasure in (Erasure.DELETE, Erasure.PSEUDONYMISE)]

    async def work(db: mongo.Database, customer: Customer) -> dict[str, int]:
        broker = kafka.make_broker(settings, "balas-customer")
        await broker.start()
        try:
            with Progress(console=console) as progress:
                task = progress.add_task("erasing", total=len(steps))
                record = await erase(
                    db, broker, customer, "cli", lambda _, __: progress.advance(task)
                )
        finally:
            await broker.stop()
        return record.removed

    removed = _with_customer(store, phone, woocommerce_id, email, work)
    for collection, count in removed.items():
        if count:
            console.print(f"{collection}: {count}")
    console.print(
        f"[green]erased[/] {counted(sum(removed.values()), 'document')}; "
        "the ledger keeps the counts"
    )


@customer_app.command("export")
def customer_export(
    store: StoreOption,
    phone: PhoneOption,
    out: Annotated[Path, typer.Option("--out", help="The directory to write into.")] = Path("."),
    woocommerce_id: IdsOption = None,
    email: EmailsOption = None,
) -> None:
    """Write everything Balas holds about one customer: a JSON and a readable HTML page."""

    async def work(db: mongo.Database, customer: Customer) -> exports.Export:
        return await exports.export(db, customer)

    exported = _with_customer(store, phone, woocommerce_id, email, work)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"customer-{masked(exported['phone']).removeprefix('h:')}"
    stem.with_suffix(".json").write_text(exports.as_json(exported))
    stem.with_suffix(".html").write_text(exports.as_html(exported))
    held = sum(len(documents) for documents in exported["collections"].values())
    console.print(f"{counted(held, 'document')} in {stem}.json and {stem}.html")


@customer_app.command("consent")
def customer_consent(
    store: StoreOption,
    phone: PhoneOption,
    purpose: PurposeOption = None,
    grant: GrantOption = None,
    source: SourceOption = Source.CLI,
    wording: WordingOption = None,
) -> None:
    """Record a customer's consent to be written to first, or its withdrawal, with the words
    they agreed to; without --grant or --withdraw, show their consent history."""
    change = change_from_options(purpose, grant, source, wording)

    async def work(db: mongo.Database, customer: Customer) -> None:
        await consent_work(db, customer, change)

    _with_customer(store, phone, None, None, work)


@customer_app.command("mask")
def customer_mask(
    phone: Annotated[str | None, typer.Option("--phone", help="The customer's number.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="An e-mail address.")] = None,
    country: Annotated[
        str, typer.Option("--country", help="The country of a number typed without its code.")
    ] = "ID",
) -> None:
    """What the logs show for a number or an e-mail (`h:` and ten hex digits), so that one
    customer's log lines can be found; with this installation's SECRETS_KEY only."""
    if (phone is None) == (email is None):
        console.print("[red]give --phone or --email[/]")
        raise typer.Exit(2)
    if email is not None:
        console.print(masked(email.strip().lower()))
        return
    number = normalise(phone, country)
    if number is None:
        console.print(f"[red]{escape(str(phone))} is not a phone number[/]")
        raise typer.Exit(1)
    console.print(masked(number))
    console.print(f"customer_hash (KPI documents, erasure ledger): {customer_hash(number)}")
