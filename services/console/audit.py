"""The audit log: who changed a store's set-up or team, when, and what. One entry per change,
written by the use case that made it; entries expire with the messages (RETENTION_DAYS)
since they name people."""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pymongo import DESCENDING

from services.console.collections import CONSOLE_AUDIT
from shared.mongo import Database


class Action(StrEnum):
    MEMBER_ADDED = "member_added"
    MEMBER_INVITED = "member_invited"
    INVITE_ACCEPTED = "invite_accepted"
    INVITE_REVOKED = "invite_revoked"
    ROLE_CHANGED = "role_changed"
    MEMBER_REMOVED = "member_removed"
    PROFILE_CHANGED = "profile_changed"
    CHANNEL_CONNECTED = "channel_connected"  # Cloud API, Messenger, Instagram or a mailbox
    WHATSAPP_CHECKED = "whatsapp_checked"
    WOOCOMMERCE_CONNECTED = "woocommerce_connected"
    PRIVACY_CHANGED = "privacy_changed"  # retention days, keeping customers' media
    NOTIFICATIONS_CHANGED = "notifications_changed"  # order notifications' templates, quiet hours


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a console user, or None with a label (the admin token, the CLI)."""

    user_id: str | None
    label: str


class AuditEntry(BaseModel):
    store_id: str
    at: datetime
    actor_id: str | None
    actor: str
    action: Action
    subject: str  # what was changed: an e-mail, the store
    details: dict[str, Any]


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._entries = db[CONSOLE_AUDIT]

    async def record(
        self, store_id: str, actor: Actor, action: Action, subject: str, **details: Any
    ) -> None:
        entry = AuditEntry(
            store_id=store_id,
            at=datetime.now(UTC),
            actor_id=actor.user_id,
            actor=actor.label,
            action=action,
            subject=subject,
            details=details,
        )
        await self._entries.insert_one(entry.model_dump(mode="python"))

    async def newest(self, store_id: str, limit: int = 20) -> list[AuditEntry]:
        cursor = self._entries.find({"store_id": store_id}).sort("at", DESCENDING).limit(limit)
        return [AuditEntry.model_validate(document) async for document in cursor]
