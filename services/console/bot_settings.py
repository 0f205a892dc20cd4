"""A store's bot settings: read them, save a new version, list earlier versions. A save that
changes the privacy settings (retention, customers' media) is written to the audit log.

A save names the version it edits (`version`, 0 if none was saved yet); if someone saved in the
meantime the answer is 409 with the current version, so nobody overwrites a change unseen.
Invalid settings get FastAPI's 422 with one error per field (`loc` names the field).
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from services.console.audit import Action, AuditLog
from services.console.deps import Authorized, Context, ExistingStore, OwnerOnly
from shared.stores.bot_settings import (
    BotSettings,
    BotSettingsRepository,
    SavedBotSettings,
    StaleVersion,
)

router = APIRouter(prefix="/stores/{store_id}/bot-settings", tags=["bot settings"])


class BotSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="The version these settings were edited from.")
    settings: BotSettings


@router.get("")
async def current_settings(store: ExistingStore, context: Context) -> SavedBotSettings:
    """The settings in force; version 0 means the defaults (nothing saved yet)."""
    return await BotSettingsRepository(context.db).current(store)


@router.put("", dependencies=[OwnerOnly])
async def save_settings(
    update: BotSettingsUpdate, store: ExistingStore, context: Context, caller: Authorized
) -> SavedBotSettings:
    """Save a new version; the responder uses it from the next customer message on."""
    repository = BotSettingsRepository(context.db)
    before = (await repository.current(store)).settings.privacy
    try:
        saved = await repository.save(store.id, update.settings, update.version)
    except StaleVersion as stale:
        raise HTTPException(
            status_code=409,
            detail={"message": str(stale), "current_version": stale.current},
        ) from None
    privacy = saved.settings.privacy
    if privacy != before:
        await AuditLog(context.db).record(
            store.id, caller.actor, Action.PRIVACY_CHANGED, store.id, **privacy.model_dump()
        )
    return saved


@router.get("/history")
async def settings_history(
    store: ExistingStore,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SavedBotSettings]:
    """Saved versions, newest first."""
    return await BotSettingsRepository(context.db).history(store.id, limit)
