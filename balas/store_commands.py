"""`balas store`: stores, their WhatsApp numbers and WooCommerce connections."""

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from balas.cli_support import cli_settings, console, with_db
from shared import mongo
from shared.secrets import secret_box
from shared.stores import Store, WooCommerceConnection, connect_woocommerce, save_store

store_app = typer.Typer(help="Stores and their WhatsApp numbers.", no_args_is_help=True)


@store_app.command("add")
def store_add(
    store_id: Annotated[str, typer.Option("--id", help="Short id, e.g. toko-budi.")],
    name: Annotated[str, typer.Option(help="Name customers know the store by.")],
    whatsapp_number: Annotated[str, typer.Option("--number", help="E.164, e.g. +6281234567890.")],
    system_prompt: Annotated[str | None, typer.Option(help="The bot's instructions.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone.")] = "Asia/Jakarta",
) -> None:
    """Create or update a store."""
    store = Store(id=store_id, name=name, whatsapp_number=whatsapp_number, timezone=timezone)
    if system_prompt:
        store = store.model_copy(update={"system_prompt": system_prompt})
    with_db(lambda db: _save_keeping_woocommerce(db, store))
    console.print(f"store [bold]{store_id}[/] answers WhatsApp messages to {whatsapp_number}")


async def _save_keeping_woocommerce(db: mongo.Database, store: Store) -> None:
    existing = await db[mongo.STORES].find_one({"_id": store.id}, {"woocommerce": 1})
    if existing and existing.get("woocommerce"):
        store = store.model_copy(
            update={"woocommerce": WooCommerceConnection.model_validate(existing["woocommerce"])}
        )
    await save_store(db, store)


def _secret_option(flag: str, help_text: str) -> Any:
    # Prompted without echo when left out, so secrets need not sit in the shell's history.
    return typer.Option(flag, help=help_text, prompt=True, hide_input=True)


@store_app.command("woocommerce")
def store_woocommerce(
    store_id: Annotated[str, typer.Option("--id", help="The store's id.")],
    url: Annotated[str, typer.Option(help="The shop's base URL, e.g. https://toko.example.")],
    consumer_key: Annotated[str, _secret_option("--consumer-key", "REST API key (ck_...).")],
    consumer_secret: Annotated[
        str, _secret_option("--consumer-secret", "REST API secret (cs_...).")
    ],
    webhook_secret: Annotated[
        str, _secret_option("--webhook-secret", "The secret set on the store's webhooks.")
    ],
) -> None:
    """Connect a store to its WooCommerce: credentials and webhook secret, stored encrypted."""
    box = secret_box(cli_settings())
    connection = WooCommerceConnection(
        url=url.rstrip("/"),
        consumer_key=box.encrypt(consumer_key),
        consumer_secret=box.encrypt(consumer_secret),
        webhook_secret=box.encrypt(webhook_secret),
    )
    if not with_db(lambda db: connect_woocommerce(db, store_id, connection)):
        console.print(f"[red]no store {escape(store_id)}[/]: create it with `balas store add`")
        raise typer.Exit(1)
    console.print(
        f"store [bold]{escape(store_id)}[/] takes WooCommerce webhooks at "
        f"/webhooks/woocommerce/{escape(store_id)} (secrets stored encrypted)"
    )


@store_app.command("list")
def store_list() -> None:
    """List stores."""
    stores = with_db(lambda db: db[mongo.STORES].find().to_list())
    table = Table("id", "name", "WhatsApp number", "timezone")
    for document in stores:
        store = Store.model_validate(document)
        table.add_row(store.id, store.name, store.whatsapp_number, store.timezone)
    console.print(table)
