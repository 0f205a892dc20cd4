"""The bot settings page: a form over the store's saved settings that static/settings.js sends
to the bot-settings API (PUT with the version it was edited from). The API's 422 errors are shown
next to their fields; a 409 says someone else saved meanwhile and offers a reload. Agents see
the form read-only (the API refuses them too)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.deps import Context
from services.console.pages.templating import render_page
from shared.actions.records import Ledger
from shared.stores.bot_settings import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    WEEKDAYS,
    BotSettingsRepository,
    Language,
    Tone,
)

router = APIRouter(prefix="/stores/{store_id}/settings", tags=["pages"])
AUDIT_ROWS = 50  # the latest order actions listed under the settings (the API lists more)


@router.get("", response_class=HTMLResponse)
async def settings_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    saved = await BotSettingsRepository(context.db).current(store)
    return await render_page(
        request,
        context.db,
        "settings.html",
        user=user,
        store_id=store.id,
        active="settings",
        values={
            "saved": saved,
            "settings": saved.settings,
            "store_timezone": store.timezone,
            "weekdays": [day.value for day in WEEKDAYS],
            "tones": [tone.value for tone in Tone],
            "languages_bot": [language.value for language in Language],
            "can_edit": user.is_owner,
            "actions_done": await Ledger(context.db).of_store(store.id, AUDIT_ROWS),
            "retention": {
                "global": context.settings.retention.days,
                "min": MIN_RETENTION_DAYS,
                "max": MAX_RETENTION_DAYS,
            },
        },
    )
