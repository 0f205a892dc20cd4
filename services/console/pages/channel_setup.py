"""The set-up page's channel forms, for owners: the WhatsApp Cloud API, Messenger, Instagram and
a mailbox, each connected by the same use case as `balas store connect-*`
(shared/stores/channel_connect.py): checked with Meta or the mail servers, then kept
encrypted, then Meta's webhooks subscribed. Secrets are never echoed back to the page."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError

from services.console.audit import Action, Actor, AuditLog
from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.deps import Context
from services.console.i18n import request_lang
from services.console.pages.forms import text_fields
from services.console.pages.setup import Outcome, render_setup
from services.console.validation_text import localized
from shared.channels import Channel
from shared.stores.channel_connect import (
    CloudApiCredentials,
    Connected,
    MailboxCredentials,
    NotConnected,
    PageCredentials,
    connect_mailbox,
    connect_page,
    connect_whatsapp_cloud,
)
from shared.stores.directory import Store, StoreDirectory
from shared.stores.onboarding import Step

router = APIRouter(prefix="/stores/{store_id}/setup", dependencies=[OwnerOnly])

Credentials = TypeVar("Credentials", bound=BaseModel)
OPTIONAL = ("business_account_id", "user")  # left blank: none given


async def _form(request: Request) -> dict[str, str]:
    """The form's fields, blanks trimmed except around passwords, optional blanks left out."""
    given = await text_fields(request, max_fields=20, strip=False)
    trimmed = {k: v if k.endswith("password") else v.strip() for k, v in given.items()}
    return {k: v for k, v in trimmed.items() if v or k not in OPTIONAL}


async def _connect(
    request: Request,
    context: Context,
    user: CurrentUser,
    store: Store,
    channel: Channel,
    model: type[Credentials],
    run: Callable[[Credentials], Awaitable[Connected]],
) -> HTMLResponse:
    given = await _form(request)
    shown = {k: v for k, v in given.items() if k in model.model_fields and not _secret(k)}
    try:
        credentials = model.model_validate(given)
    except ValidationError as invalid:
        lang = request_lang(request)
        problems = invalid.errors(include_input=False, include_url=False)
        errors = {str(problem["loc"][0]): localized(problem, lang) for problem in problems}
        outcome = Outcome(section=channel.value, ok=False, errors=errors)
        return await render_setup(request, context, user, store, outcome, shown)
    try:
        connected = await run(credentials)
    except NotConnected as failure:
        failed = Step(step=failure.step, ok=False, detail=failure.reason)
        outcome = Outcome(section=channel.value, ok=False, steps=[failed])
        return await render_setup(request, context, user, store, outcome, shown)
    await AuditLog(context.db).record(
        store.id,
        Actor(user.id, user.email),
        Action.CHANNEL_CONNECTED,
        store.id,
        channel=channel.value,
        account=connected.account,
        webhooks_subscribed=connected.subscribed,
    )
    checked = "mailbox" if channel is Channel.EMAIL else "graph_api"
    done = Step(step=checked, ok=True, detail=connected.account, changed=True)
    outcome = Outcome(section=channel.value, ok=True, steps=[done], connected=connected)
    now = await StoreDirectory(context.db, ttl_seconds=0).by_id(store.id)
    return await render_setup(request, context, user, now or store, outcome)


def _secret(field: str) -> bool:
    return field.endswith(("password", "token", "secret"))


@router.post("/whatsapp-cloud", response_class=HTMLResponse)
async def connect_cloud_api(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    async def run(given: CloudApiCredentials) -> Connected:
        box = context.secrets
        return await connect_whatsapp_cloud(context.settings, context.db, box, store.id, given)

    return await _connect(
        request, context, user, store, Channel.WHATSAPP_CLOUD, CloudApiCredentials, run
    )


@router.post("/messenger", response_class=HTMLResponse)
async def connect_messenger(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    return await _connect_page(request, context, user, store, Channel.MESSENGER)


@router.post("/instagram", response_class=HTMLResponse)
async def connect_instagram(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    return await _connect_page(request, context, user, store, Channel.INSTAGRAM)


async def _connect_page(
    request: Request, context: Context, user: CurrentUser, store: Store, channel: Channel
) -> HTMLResponse:
    async def run(given: PageCredentials) -> Connected:
        box = context.secrets
        return await connect_page(context.settings, context.db, box, store.id, channel, given)

    return await _connect(request, context, user, store, channel, PageCredentials, run)


@router.post("/email", response_class=HTMLResponse)
async def connect_email(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    async def run(given: MailboxCredentials) -> Connected:
        return await connect_mailbox(context.db, context.secrets, store.id, given)

    return await _connect(request, context, user, store, Channel.EMAIL, MailboxCredentials, run)
