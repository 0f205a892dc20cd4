"""`balas woocommerce`: a store's WooCommerce through its REST API: check, webhooks, sync."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from balas.cli_support import cli_settings, command_group, console, wrapping_table
from balas.wording import counted, inflected

if TYPE_CHECKING:  # the WooCommerce client and Kafka's load when a command runs
    from shared import mongo
    from shared.settings import Settings
    from shared.stores.directory import Store
    from shared.woocommerce.api import WooCommerceApi
    from shared.woocommerce.payloads import Resource
    from shared.woocommerce.sync import ResourceReport

woocommerce_app = command_group(
    "A store's WooCommerce through its REST API: check, webhooks, sync."
)

StoreArgument = Annotated[str, typer.Argument(help="The store's id.")]


@woocommerce_app.command("check")
def woocommerce_check(store: StoreArgument) -> None:
    """Check that Balas can read the store's orders, customers and products."""

    async def check(settings: Settings, _: mongo.Database, api: WooCommerceApi) -> None:
        await api.check()

    _run(store, check)
    console.print(f"WooCommerce of store [bold]{escape(store)}[/] answers: credentials work")


@woocommerce_app.command("webhooks")
def woocommerce_webhooks(store: StoreArgument) -> None:
    """Create or repair the store's webhooks (one per topic) pointing at ingest.

    The delivery URL is PUBLIC_BASE_URL + /webhooks/woocommerce/<store>; the secret is the
    store's webhook secret. Running it again changes nothing. Needs a Read/Write key.
    """
    from shared.routes import woocommerce_webhook_url

    async def register(settings: Settings, db: mongo.Database, api: WooCommerceApi) -> list[int]:
        secret = await _webhook_secret(settings, db, store)
        return await api.ensure_webhooks(
            woocommerce_webhook_url(settings.ingest.public_base_url, store), secret
        )

    ids = _run(store, register)
    console.print(
        f"store [bold]{escape(store)}[/] has {counted(len(ids), 'active webhook')} "
        f"({inflected(len(ids), 'id')} {', '.join(str(i) for i in ids)})"
    )


@woocommerce_app.command("sync")
def woocommerce_sync(
    store: StoreArgument,
    full: Annotated[
        bool, typer.Option("--full", help="Start over from the first page, even if resumable.")
    ] = False,
    per_page: Annotated[
        int, typer.Option(help="Resources per page (WooCommerce allows 100).")
    ] = 100,
) -> None:
    """Publish the store's customers, products and orders from its REST API.

    Resumes an interrupted sync after its last published page; once a full sync finished, reads
    only what changed since the last sync started (less a safety margin).
    """
    from shared import kafka
    from shared.woocommerce.sync import ENDPOINTS, SYNC_ORDER, sync_store

    if not 1 <= per_page <= 100:
        raise typer.BadParameter("--per-page must be 1 to 100")

    async def sync(
        settings: Settings, db: mongo.Database, api: WooCommerceApi
    ) -> list[ResourceReport]:
        await kafka.ensure_topics(settings)
        broker = kafka.make_broker(settings, "balas-woocommerce-sync")
        await broker.start()
        try:
            with Progress(
                TextColumn("{task.description:<10}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("pages · {task.fields[published]} published"),
                console=console,
            ) as bar:
                tasks = {
                    resource: bar.add_task(ENDPOINTS[resource], total=None, published=0)
                    for resource in SYNC_ORDER
                }
                return await sync_store(
                    db,
                    broker,
                    store,
                    api,
                    full=full,
                    per_page=per_page,
                    progress=_advance(bar, tasks),
                )
        finally:
            await broker.stop()

    reports = _run(store, sync, hint="run it again to resume after the last page published")
    table = wrapping_table("resource", "run", "resumed after page", "pages", "published", "skipped")
    for report in reports:
        table.add_row(
            ENDPOINTS[report.resource],
            report.mode,
            str(report.resumed_after_page or "-"),
            str(report.pages),
            str(report.published),
            str(report.skipped),
        )
    console.print(table)


def _advance(
    bar: Progress, tasks: dict[Resource, TaskID]
) -> Callable[[Resource, int, int, int], None]:
    def advance(resource: Resource, page: int, total: int, published: int) -> None:
        bar.update(tasks[resource], completed=page, total=max(total, page), published=published)

    return advance


async def _webhook_secret(settings: Settings, db: mongo.Database, store_id: str) -> str:
    from shared.secrets import secret_box

    store = await _store(db, store_id)
    assert store.woocommerce is not None
    return secret_box(settings).decrypt(store.woocommerce.webhook_secret)


async def _store(db: mongo.Database, store_id: str) -> Store:
    from shared.stores.collections import STORES
    from shared.stores.directory import Store

    document = await db[STORES].find_one({"_id": store_id})
    if document is None:
        raise _Refused(f"no store {store_id}: create it with `balas store add`")
    store = Store.model_validate(document)
    if store.woocommerce is None:
        raise _Refused(
            f"store {store_id} has no WooCommerce connection: add it with `balas store woocommerce`"
        )
    return store


class _Refused(Exception):
    pass


def _run(
    store_id: str,
    work: Callable[[Settings, mongo.Database, WooCommerceApi], Awaitable[Any]],
    hint: str = "",
) -> Any:
    """Run `work` with the store's REST API; a failure is printed as its reason, exit code 1."""
    from shared import mongo
    from shared.leases import LeaseHeld, LeaseLost
    from shared.secrets import SecretsError, secret_box
    from shared.woocommerce.api import WooCommerceUnreachable
    from shared.woocommerce.sync import store_api

    settings = cli_settings()

    async def go() -> Any:
        client = mongo.connect(settings.mongodb.uri or "")
        try:
            db = client[settings.mongodb.database]
            store = await _store(db, store_id)
            api = store_api(
                store,
                secret_box(settings),
                settings.woocommerce.timeout_seconds,
                allow_private=settings.allow_private_urls,
            )
            return await work(settings, db, api)
        finally:
            await client.close()

    try:
        return asyncio.run(go())
    except (_Refused, SecretsError) as error:
        console.print(f"[red]{escape(str(error))}[/]")
    except LeaseHeld as error:
        console.print(
            f"[red]a sync of store {escape(store_id)} is running: {escape(str(error))}[/]"
        )
    except (WooCommerceUnreachable, LeaseLost) as error:
        console.print(f"[red]WooCommerce of store {escape(store_id)}: {escape(str(error))}[/]")
        if hint:
            console.print(hint)
    raise typer.Exit(1)
