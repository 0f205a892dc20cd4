"""`balas store`: stores, their WhatsApp numbers, Twilio accounts and WooCommerce connections."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from balas.cli_support import (
    StoreOption,
    cli_settings,
    command_group,
    console,
    print_listing,
    unknown_store,
    with_db,
    wrapping_table,
)
from balas.wording import counted

if TYPE_CHECKING:  # the stores' modules (onboarding: WooCommerce, Twilio) load when used
    from collections.abc import Awaitable, Callable

    from pydantic import BaseModel, ValidationError

    from shared import mongo
    from shared.privacy.store_deletion import DeletionRequest
    from shared.secrets import SecretBox
    from shared.settings import Settings
    from shared.stores.channel_connect import Connected
    from shared.stores.fields import Onboarding
    from shared.stores.onboarding import Outcome, Step

M = TypeVar("M", bound="BaseModel")

store_app = command_group("Stores and their WhatsApp numbers.")


@store_app.command("add")
def store_add(
    store_id: Annotated[str, typer.Option("--id", help="Short id, e.g. toko-budi.")],
    name: Annotated[str, typer.Option(help="Name customers know the store by.")],
    whatsapp_number: Annotated[str, typer.Option("--number", help="E.164, e.g. +6281234567890.")],
    system_prompt: Annotated[str | None, typer.Option(help="The bot's instructions.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone.")] = "Asia/Jakarta",
) -> None:
    """Create or update a store, without checking or wiring anything (see `store onboard`)."""
    fields: dict[str, Any] = {"name": name, "whatsapp_number": whatsapp_number}
    fields["timezone"] = timezone
    if system_prompt:
        fields["system_prompt"] = system_prompt
    with_db(lambda db: _save_fields(db, store_id, fields))
    console.print(f"store [bold]{store_id}[/] answers WhatsApp messages to {whatsapp_number}")


async def _save_fields(db: mongo.Database, store_id: str, fields: dict[str, Any]) -> None:
    """Set `fields`; whatever else the store has (connections, currency, ...) stays."""
    from shared.stores.collections import STORES
    from shared.stores.directory import Store, save_store

    existing = await db[STORES].find_one({"_id": store_id})
    if existing:
        store = Store.model_validate(existing).model_copy(update=fields)
    else:
        store = Store(id=store_id, **fields)
    await save_store(db, store)


def _secret_option(flag: str, help_text: str) -> Any:
    # Prompted without echo when left out, so secrets need not sit in the shell's history.
    return typer.Option(flag, help=help_text, prompt=True, hide_input=True)


AppSecretOption = Annotated[str, _secret_option("--app-secret", "The Meta app's secret.")]
VerifyTokenOption = Annotated[
    str, _secret_option("--verify-token", "Any phrase; give Meta the same one.")
]


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
    from shared.routes import WOOCOMMERCE_PATH
    from shared.secrets import secret_box
    from shared.stores.directory import WooCommerceConnection, connect_woocommerce

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
        f"{escape(WOOCOMMERCE_PATH.format(store_id=store_id))} (secrets stored encrypted)"
    )


@store_app.command("connect-whatsapp-cloud")
def store_connect_whatsapp_cloud(
    store_id: StoreOption,
    phone_number_id: Annotated[
        str, typer.Option(help="The number's id in Meta's WhatsApp Manager (digits).")
    ],
    token: Annotated[str, _secret_option("--token", "A system user's access token.")],
    app_secret: AppSecretOption,
    verify_token: VerifyTokenOption,
    business_account_id: Annotated[
        str | None,
        typer.Option(help="The WhatsApp Business Account's id, to subscribe its webhooks."),
    ] = None,
) -> None:
    """Connect a store to the WhatsApp Cloud API: the token is checked against the Graph API,
    then the credentials are stored encrypted (and, given the business account's id, its
    webhooks subscribed). Meta's webhook goes to ingest's /webhooks/whatsapp-cloud with the
    verify token (docs/channels.md)."""
    from shared.stores.channel_connect import CloudApiCredentials, connect_whatsapp_cloud

    given = {"phone_number_id": phone_number_id, "business_account_id": business_account_id}
    given |= {"token": token, "app_secret": app_secret, "verify_token": verify_token}
    credentials = _validated(CloudApiCredentials, given)
    _connect_channel(
        store_id,
        lambda settings, db, box: connect_whatsapp_cloud(settings, db, box, store_id, credentials),
    )


@store_app.command("connect-messenger")
def store_connect_messenger(
    store_id: StoreOption,
    page_id: Annotated[str, typer.Option(help="The Facebook page's id (digits).")],
    token: Annotated[str, _secret_option("--token", "The page's access token.")],
    app_secret: AppSecretOption,
    verify_token: VerifyTokenOption,
) -> None:
    """Connect a store's Facebook page to Messenger: the token is checked against the Graph
    API, the credentials are stored encrypted and the page's webhooks subscribed. Meta's
    webhook goes to ingest's /webhooks/messenger with the verify token (docs/channels.md)."""
    _connect_page("messenger", store_id, page_id, token, app_secret, verify_token)


@store_app.command("connect-instagram")
def store_connect_instagram(
    store_id: StoreOption,
    account_id: Annotated[
        str, typer.Option(help="The Instagram professional account's id (digits).")
    ],
    token: Annotated[str, _secret_option("--token", "The linked page's access token.")],
    app_secret: AppSecretOption,
    verify_token: VerifyTokenOption,
) -> None:
    """Connect a store's Instagram account: the token is checked against the Graph API, the
    credentials are stored encrypted and the account's webhooks subscribed. Meta's webhook
    goes to ingest's /webhooks/instagram with the verify token (docs/channels.md)."""
    _connect_page("instagram", store_id, account_id, token, app_secret, verify_token)


def _connect_page(
    channel_name: str,
    store_id: str,
    account_id: str,
    token: str,
    app_secret: str,
    verify_token: str,
) -> None:
    from shared.channels import Channel
    from shared.stores.channel_connect import PageCredentials, connect_page

    channel = Channel.MESSENGER if channel_name == "messenger" else Channel.INSTAGRAM
    given = {"account_id": account_id, "token": token, "app_secret": app_secret}
    credentials = _validated(PageCredentials, given | {"verify_token": verify_token})
    _connect_channel(
        store_id,
        lambda settings, db, box: connect_page(settings, db, box, store_id, channel, credentials),
    )


@store_app.command("connect-email")
def store_connect_email(
    store_id: Annotated[str, typer.Option("--store", help="The store's id.")],
    address: Annotated[str, typer.Option(help="The mailbox customers write to.")],
    imap_host: Annotated[str, typer.Option(help="The IMAP server.")],
    smtp_host: Annotated[str, typer.Option(help="The SMTP server.")],
    imap_password: Annotated[str, _secret_option("--imap-password", "The IMAP password.")],
    smtp_password: Annotated[
        str, _secret_option("--smtp-password", "The SMTP password (often the IMAP one).")
    ],
    user: Annotated[str | None, typer.Option(help="The login of both servers.")] = None,
    imap_port: Annotated[int, typer.Option(help="993: TLS; 143: STARTTLS.")] = 993,
    smtp_port: Annotated[int, typer.Option(help="465: TLS; 587: STARTTLS.")] = 465,
    imap_security: Annotated[str, typer.Option(help="tls, starttls or plain.")] = "tls",
    smtp_security: Annotated[str, typer.Option(help="tls, starttls or plain.")] = "tls",
) -> None:
    """Connect a store's mailbox: both logins are checked, then the passwords stored encrypted.
    ingest reads its inbox and the responder answers through its SMTP server
    (docs/channels.md#e-mail). Plain text is only allowed to a loopback host."""
    from shared.stores.channel_connect import MailboxCredentials, connect_mailbox

    given: dict[str, Any] = {"address": address, "user": user}
    given |= {"imap_host": imap_host, "imap_port": imap_port, "imap_security": imap_security}
    given |= {"smtp_host": smtp_host, "smtp_port": smtp_port, "smtp_security": smtp_security}
    given |= {"imap_password": imap_password, "smtp_password": smtp_password}
    credentials = _validated(MailboxCredentials, given)
    _connect_channel(store_id, lambda _, db, box: connect_mailbox(db, box, store_id, credentials))


def _validated(model: type[M], given: dict[str, Any]) -> M:
    from pydantic import ValidationError

    try:
        return model.model_validate(given)
    except ValidationError as error:
        _print_invalid(error)
        raise typer.Exit(2) from None


def _print_invalid(error: ValidationError) -> None:
    for problem in error.errors(include_input=False):
        where = ".".join(str(part) for part in problem["loc"])
        console.print(f"[red]✗[/] {escape(where)}: {escape(problem['msg'])}")


def _connect_channel(
    store_id: str, connect: Callable[[Settings, mongo.Database, SecretBox], Awaitable[Connected]]
) -> None:
    """Run one channel's connection (shared/stores/channel_connect.py) and say what it did."""
    from shared.routes import public_url
    from shared.secrets import secret_box
    from shared.stores.channel_connect import NotConnected

    settings = cli_settings()
    box = secret_box(settings)
    try:
        connected: Connected = with_db(lambda db: connect(settings, db, box))
    except NotConnected as failure:
        step = failure.step.replace("_", " ")
        console.print(f"[red]✗ {step}[/]: {escape(failure.reason)}; nothing was saved")
        raise typer.Exit(1) from None
    console.print(f"[green]✓ {connected.channel}[/]: connected to {escape(connected.account)}")
    if connected.webhook_path:
        console.print(
            f"store [bold]{escape(store_id)}[/] takes {connected.channel} webhooks at "
            f"{public_url(settings.ingest.public_base_url, connected.webhook_path)} with the "
            "verify token (secrets stored encrypted)"
        )
    else:
        console.print(
            f"store [bold]{escape(store_id)}[/] answers mail to {escape(connected.account)} "
            "from now on (passwords stored encrypted)"
        )
    if connected.subscribed:
        console.print("[green]✓ webhooks[/]: subscribed at Meta")
    elif connected.subscribed is False:
        console.print(
            f"[yellow]! webhooks[/]: Meta refused the subscription "
            f"({escape(connected.subscription_refused)}); the connection stands: subscribe the "
            "app in Meta's dashboard"
        )


@store_app.command("onboard")
def store_onboard(
    store_id: Annotated[str, typer.Option("--id", help="Short id (a-z, 0-9, -): toko-budi.")],
    name: Annotated[str, typer.Option(help="Name customers know the store by.")],
    number: Annotated[
        str | None, typer.Option("--number", help="The WhatsApp sender, E.164 (+6281234567890).")
    ] = None,
    buy_number: Annotated[
        str | None,
        typer.Option(help="No number yet: buy a local one in this country (ISO code, e.g. US)."),
    ] = None,
    area_code: Annotated[str | None, typer.Option(help="Area code of the number to buy.")] = None,
    woocommerce_url: Annotated[
        str | None, typer.Option(help="The shop's base URL, e.g. https://toko-budi.example.")
    ] = None,
    consumer_key: Annotated[
        str | None,
        typer.Option(help="WooCommerce REST API key (ck_...).", envvar="STORE_WOOCOMMERCE_KEY"),
    ] = None,
    consumer_secret: Annotated[
        str | None,
        typer.Option(help="WooCommerce REST API secret.", envvar="STORE_WOOCOMMERCE_SECRET"),
    ] = None,
    twilio_account_sid: Annotated[
        str | None, typer.Option(help="The store's own Twilio account (default: the global).")
    ] = None,
    twilio_auth_token: Annotated[
        str | None,
        typer.Option(help="Its auth token.", envvar="STORE_TWILIO_AUTH_TOKEN"),
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA timezone (Asia/Jakarta).")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 currency (IDR).")] = None,
    country: Annotated[
        str | None, typer.Option(help="Default country of customers' numbers (ID).")
    ] = None,
) -> None:
    """Onboard a store, or onboard it again: check WooCommerce and register its webhooks, point
    the WhatsApp number at Balas at Twilio (or buy one), save it with its secrets encrypted.

    Secrets come from the options, the environment (STORE_WOOCOMMERCE_KEY,
    STORE_WOOCOMMERCE_SECRET, STORE_TWILIO_AUTH_TOKEN) or a prompt without echo; on a rerun the
    ones the store holds are used."""
    from pydantic import ValidationError

    from shared.stores.collections import STORES
    from shared.stores.directory import Store
    from shared.stores.fields import Onboarding

    held = with_db(lambda db: db[STORES].find_one({"_id": store_id}))
    existing = Store.model_validate(held) if held else None
    values: dict[str, Any] = {"id": store_id, "name": name}
    optional = {"whatsapp_number": number, "timezone": timezone, "currency": currency}
    optional["default_country"] = country
    values |= {key: value for key, value in optional.items() if value is not None}
    if buy_number:
        values["buy_number"] = {"country": buy_number, "area_code": area_code}
    if woocommerce_url:
        held_woo = existing is not None and existing.woocommerce is not None
        values["woocommerce"] = {
            "url": woocommerce_url,
            "consumer_key": consumer_key or _ask_unless(held_woo, "WooCommerce consumer key"),
            "consumer_secret": consumer_secret
            or _ask_unless(held_woo, "WooCommerce consumer secret"),
        }
    if twilio_account_sid:
        held_sid = existing.twilio.account_sid if existing and existing.twilio else None
        values["twilio"] = {
            "account_sid": twilio_account_sid,
            "auth_token": twilio_auth_token
            or _ask_unless(held_sid == twilio_account_sid, "Twilio auth token"),
        }
    try:
        onboarding = Onboarding.model_validate(values)
    except ValidationError as error:
        _print_invalid(error)
        raise typer.Exit(2) from None
    _run_onboarding(onboarding)


def _ask_unless(held: bool, what: str) -> str | None:
    """None (keep the store's own) when it holds one, else asked for without echo."""
    return None if held else typer.prompt(what, hide_input=True)


def _print_step(step: Step) -> None:
    mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
    console.print(f"{mark} {step.step:<12} {escape(step.detail)}")


def _run_onboarding(onboarding: Onboarding) -> None:
    from shared.secrets import secret_box
    from shared.stores.onboarding import OnboardingFailed, StoreOnboarding

    settings = cli_settings()

    async def onboard(db: mongo.Database) -> Outcome:
        service = StoreOnboarding(settings, db, secret_box(settings))
        return await service.onboard(onboarding, on_step=_print_step)

    try:
        outcome: Outcome = with_db(onboard)
    except OnboardingFailed:
        console.print(f"[red]store {escape(onboarding.id)} not onboarded[/]: nothing was saved")
        raise typer.Exit(1) from None
    store = outcome.store
    twilio = "its own Twilio account" if store.twilio else "the global Twilio account"
    woocommerce = "with WooCommerce" if store.woocommerce else "without WooCommerce"
    console.print(
        f"store [bold]{escape(store.id)}[/] {'created' if outcome.created else 'onboarded again'}:"
        f" {escape(store.whatsapp_number)} on {twilio}, {woocommerce}"
    )


@store_app.command("list")
def store_list() -> None:
    """List stores."""
    from shared.stores.collections import STORES
    from shared.stores.directory import Store

    stores = with_db(lambda db: db[STORES].find().to_list())
    table = wrapping_table("id", "name", "WhatsApp number", "timezone", whole=("id",))
    for document in stores:
        store = Store.model_validate(document)
        table.add_row(store.id, store.name, store.whatsapp_number, store.timezone)
    print_listing(table, empty="No stores yet: `balas store add` adds one.")


@store_app.command("plugin-token")
def store_plugin_token(
    store_id: Annotated[str, typer.Argument(help="The store's id.")],
) -> None:
    """Make the token the store's WordPress plugin connects with; the one before stops working.

    It is shown this once (Balas keeps only its SHA-256): paste it into the plugin's "Token"
    field under WooCommerce → Balas WhatsApp."""
    from shared.stores import plugin_tokens

    issued = with_db(lambda db: plugin_tokens.issue(db, store_id))
    if issued is None:
        raise unknown_store(store_id)
    token, _ = issued
    console.print(
        f"WordPress plugin token of store [bold]{escape(store_id)}[/] (shown once; any earlier "
        "token no longer works):"
    )
    # Unstyled and unwrapped: no markup or line break may change a character of it.
    typer.echo(token)


@store_app.command("delete")
def store_delete(
    store_id: StoreOption,
    release_number: Annotated[
        bool,
        typer.Option(help="Give the WhatsApp number back to Twilio (only one Balas bought)."),
    ] = False,
    skip_remote: Annotated[
        bool,
        typer.Option(
            help="Leave WooCommerce and Twilio as they are (gone or out of reach for good): "
            "remove the webhooks and the number's URLs there by hand."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a store: its webhooks at WooCommerce, its number's URLs at Twilio, then all its
    data, files, secrets, bot settings and its users' access to it. A record (counts only)
    stays. Run it again to finish a deletion that was cut short."""
    from shared.leases import LeaseHeld
    from shared.privacy.store_deletion import (
        DeletionRequest,
        DeletionStopped,
        NumberNotBought,
        deletable,
    )
    from shared.stores.onboarding import StoreNotFound

    # A mistyped id is said at once, not after "This cannot be undone" was answered.
    if not with_db(lambda db: deletable(db, store_id)):
        raise unknown_store(store_id)
    if not yes:
        typer.confirm(
            f"Delete store {store_id} and all its data? This cannot be undone", abort=True
        )
    request = DeletionRequest(store_id, "cli", release_number, skip_remote)
    try:
        _run_deletion(request)
    except StoreNotFound:
        console.print(f"[red]no store {escape(store_id)}[/]")
        raise typer.Exit(1) from None
    except NumberNotBought:
        raise typer.Exit(1) from None
    except LeaseHeld as held:
        console.print(f"[red]a deletion of store {escape(store_id)} is running[/]: {held}")
        raise typer.Exit(1) from None
    except DeletionStopped:
        console.print(f"nothing of store {escape(store_id)} was deleted in Balas")
        if yes or not typer.confirm(
            "Delete it in Balas anyway, leaving WooCommerce and Twilio as they are?"
        ):
            console.print("[red]not deleted[/]: try again once they answer, or --skip-remote")
            raise typer.Exit(1) from None
        _run_deletion(replace(request, skip_remote=True))


def _run_deletion(request: DeletionRequest) -> None:
    from shared import kafka
    from shared.privacy.store_deletion import DeletionRecord, delete_store
    from shared.secrets import secret_box

    settings = cli_settings()

    def removed(collection: str, count: int) -> None:
        if count:
            console.print(f"  {escape(collection)}: {count}")

    async def delete(db: mongo.Database) -> DeletionRecord:
        broker = kafka.make_broker(settings, "balas-store")
        await broker.start()
        try:
            box = secret_box(settings)
            return await delete_store(settings, db, box, broker, request, _print_step, removed)
        finally:
            await broker.stop()

    record = with_db(delete)
    total = sum(item.documents for item in record.removed)
    console.print(
        f"[green]store {escape(request.store_id)} deleted[/]: "
        f"{counted(total, 'document')} removed; the record {escape(record.id)} keeps the counts"
    )
