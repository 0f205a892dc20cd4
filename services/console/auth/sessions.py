"""Server-side sessions in `console_sessions`: the cookie holds a random id, MongoDB only its
SHA-256 (a copy of the database gives no live session), the user, the CSRF token and expiries.

A session ends after CONSOLE_SESSION_IDLE_MINUTES without use or CONSOLE_SESSION_MAX_HOURS after
login, whichever comes first; logout deletes it, so a copied cookie dies with it.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.console.collections import CONSOLE_SESSIONS
from shared.mongo import Database
from shared.settings import Settings

SESSION_COOKIE = "balas_session"
TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often, not per request


@dataclass(frozen=True)
class Session:
    user_id: str
    csrf_token: str


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def secure_cookies(settings: Settings) -> bool:
    return settings.console.public_url.lower().startswith("https://")


class SessionStore:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._sessions = db[CONSOLE_SESSIONS]
        self._idle = timedelta(minutes=settings.console.session_idle_minutes)
        self._max = timedelta(hours=settings.console.session_max_hours)

    @property
    def max_age_seconds(self) -> int:
        return int(self._max.total_seconds())

    async def start(self, user_id: str) -> str:
        """A new session (never a reused id: no fixation); its id goes into the cookie."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        await self._sessions.insert_one(
            {
                "_id": _key(session_id),
                "user_id": user_id,
                "csrf_token": secrets.token_urlsafe(32),
                "created_at": now,
                "last_used_at": now,
                "ends_at": now + self._max,
                "expires_at": min(now + self._idle, now + self._max),
            }
        )
        return session_id

    async def find(self, session_id: str, *, touch: bool = True) -> Session | None:
        """The live session with this id, its idle expiry moved on (unless `touch` is False:
        an open live stream is no use of the console); None if ended or unknown."""
        now = datetime.now(UTC)
        document = await self._sessions.find_one({"_id": _key(session_id)})
        if document is None or document["expires_at"] <= now:
            return None  # expired ones are also removed by the TTL index, within a minute or so
        if touch and now - document["last_used_at"] >= TOUCH_EVERY:
            await self._sessions.update_one(
                {"_id": document["_id"]},
                {
                    "$set": {
                        "last_used_at": now,
                        "expires_at": min(now + self._idle, document["ends_at"]),
                    }
                },
            )
        return Session(user_id=document["user_id"], csrf_token=document["csrf_token"])

    async def end(self, session_id: str) -> None:
        await self._sessions.delete_one({"_id": _key(session_id)})

    async def end_all_of(self, user_id: str) -> None:
        """Sign the user out everywhere (access removed, account disabled)."""
        await self._sessions.delete_many({"user_id": user_id})
