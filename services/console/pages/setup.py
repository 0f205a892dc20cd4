"""The store's set-up, for its owners: the profile (name, timezone, currency, country), the
WhatsApp connection with a check, the WooCommerce connection (the other channels' forms post to
channel_setup.py). Each form runs the same onboarding as the API and `balas store onboard`
(shared/stores/onboarding.py), shows each step it took and, when one fails, which and why;
every change goes to the audit log. At the foot, deleting the store, as `balas store delete`
does (shared/privacy/store_deletion.py), once the owner types the store's id or name again."""

from typing import Any
from zoneinfo import available_timezones

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from services.console.audit import Action, Actor, AuditLog
from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.deps import Context
from services.console.i18n import request_lang, t
from services.console.pages.forms import text_fields
from services.console.pages.inbox_views import date_time
from services.console.pages.templating import render_page
from services.console.validation_text import localized
from shared.leases import LeaseHeld
from shared.privacy.store_deletion import DeletionRequest, DeletionStopped, delete_store
from shared.routes import public_url
from shared.stores.bot_settings import BotSettingsRepository
from shared.stores.channel_connect import WEBHOOK_PATHS, Connected
from shared.stores.directory import Store
from shared.stores.fields import StoreChange
from shared.stores.onboarding import OnboardingFailed, Step, StoreOnboarding

router = APIRouter(prefix="/stores/{store_id}/setup", dependencies=[OwnerOnly])

TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})
CURRENCIES = sorted((currency.alpha_3, currency.name) for currency in pycountry.currencies)


class Outcome(BaseModel):
    """What one form's submission did, shown in its section."""

    section: str  # profile, whatsapp, woocommerce, delete, or a channel (channel_setup.py)
    ok: bool
    steps: list[Step] = []
    errors: dict[str, str] = {}  # field -> the problem, in the UI language
    connected: Connected | None = None  # a channel's connection: its account, Meta's webhooks


async def render_setup(
    request: Request,
    context: Context,
    user: CurrentUser,
    store: Store,
    outcome: Outcome | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    bot = await BotSettingsRepository(context.db).current(store)
    return await render_page(
        request,
        context.db,
        "setup.html",
        user=user,
        store_id=store.id,
        active="setup",
        values={
            "store": store,
            "given": given or {},
            "outcome": outcome,
            "timezones": TIMEZONES,
            "currencies": CURRENCIES,
            "bot_language": bot.settings.default_language.value,
            "local": lambda moment: date_time(moment, store.timezone),
            "webhook_urls": {
                channel.value: public_url(context.settings.ingest.public_base_url, path)
                for channel, path in WEBHOOK_PATHS.items()
            },
        },
        status_code=200 if outcome is None or outcome.ok else 422,
    )


@router.get("", response_class=HTMLResponse)
async def setup_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    return await render_setup(request, context, user, store)


async def _apply(
    request: Request,
    context: Context,
    user: CurrentUser,
    store: Store,
    section: str,
    change: dict[str, Any],
    given: dict[str, str],
) -> HTMLResponse:
    """Validate and run the change; the page again with what it did."""
    lang = request_lang(request)
    try:
        parsed = StoreChange.model_validate(change)
    except ValidationError as invalid:
        problems = invalid.errors(include_input=False, include_url=False)
        errors = {
            ".".join(str(part) for part in problem["loc"]) or section: localized(problem, lang)
            for problem in problems
        }
        outcome = Outcome(section=section, ok=False, errors=errors)
        return await render_setup(request, context, user, store, outcome, given)
    onboarding = StoreOnboarding(context.settings, context.db, context.secrets)
    try:
        done = await onboarding.update(store.id, parsed)
    except OnboardingFailed as failure:
        outcome = Outcome(section=section, ok=False, steps=failure.steps)
        return await render_setup(request, context, user, store, outcome, given)
    await AuditLog(context.db).record(
        store.id, Actor(user.id, user.email), _ACTIONS[section], store.id, fields=sorted(change)
    )
    outcome = Outcome(section=section, ok=True, steps=done.steps)
    return await render_setup(request, context, user, done.store, outcome)


_ACTIONS = {
    "profile": Action.PROFILE_CHANGED,
    "whatsapp": Action.WHATSAPP_CHECKED,
    "woocommerce": Action.WOOCOMMERCE_CONNECTED,
}


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    given = await text_fields(request, max_fields=10)
    fields = ("name", "timezone", "currency", "default_country")
    change = {field: given.get(field, "") for field in fields}
    return await _apply(request, context, user, store, "profile", change, given)


@router.post("/whatsapp", response_class=HTMLResponse)
async def check_whatsapp(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    """Check the number is in the Twilio account and send its messages to Balas (the same
    number again is the check; a new one moves the store to it)."""
    given = await text_fields(request, max_fields=10)
    change = {"whatsapp_number": given.get("whatsapp_number") or store.whatsapp_number}
    return await _apply(request, context, user, store, "whatsapp", change, given)


@router.post("/woocommerce", response_class=HTMLResponse)
async def connect_woocommerce(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    """Check the REST API key and register the webhooks; blank keys keep the ones held."""
    given = await text_fields(request, max_fields=10)
    woocommerce: dict[str, str] = {"url": given.get("url", "")}
    for key in ("consumer_key", "consumer_secret"):
        if given.get(key):
            woocommerce[key] = given[key]
    shown = {key: value for key, value in given.items() if key == "url"}  # never echo secrets
    return await _apply(
        request, context, user, store, "woocommerce", {"woocommerce": woocommerce}, shown
    )


@router.post("/delete", response_class=HTMLResponse, response_model=None)
async def delete_this_store(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse | RedirectResponse:
    """Delete the store everywhere once its id or name is typed again; when WooCommerce or
    Twilio fail, nothing is deleted unless "in Balas only" is ticked."""
    given = await text_fields(request, max_fields=10)
    typed = given.get("confirm", "")
    if typed not in (store.id, store.name.strip()):
        problem = {"delete": t("setup.delete.mismatch", request_lang(request))}
        outcome = Outcome(section="delete", ok=False, errors=problem)
        return await render_setup(request, context, user, store, outcome)
    deletion = DeletionRequest(
        store.id,
        f"console:{user.id}",
        release_number=given.get("release_number") == "on",
        skip_remote=given.get("skip_remote") == "on",
    )
    try:
        await delete_store(context.settings, context.db, context.secrets, context.broker, deletion)
    except DeletionStopped as stopped:
        outcome = Outcome(section="delete", ok=False, steps=[stopped.step])
        return await render_setup(request, context, user, store, outcome)
    except LeaseHeld:
        problem = {"delete": t("setup.delete.running", request_lang(request))}
        return await render_setup(
            request, context, user, store, Outcome(section="delete", ok=False, errors=problem)
        )
    return RedirectResponse("/", status_code=303)
