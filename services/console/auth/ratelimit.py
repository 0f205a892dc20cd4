"""The login rate limit, kept in MongoDB so every console replica counts the same failures.

Failed logins are counted per e-mail and per client address in fixed windows of
CONSOLE_LOGIN_WINDOW_MINUTES: CONSOLE_LOGIN_ATTEMPTS per e-mail (guessing one account's password)
and four times as many per address (trying many accounts). Once a count is reached, every login
for that e-mail or from that address is refused with 429 until the window ends, even with the
right password. Keys hold SHA-256 digests, never the e-mail or the address itself. Concurrent
attempts may overshoot a limit by the few already in flight; that is fine for a brake.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from services.console.collections import CONSOLE_LOGIN_FAILURES
from shared.mongo import Database
from shared.settings import Settings

ADDRESS_FACTOR = 4


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginLimiter:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._failures = db[CONSOLE_LOGIN_FAILURES]
        self._window = timedelta(minutes=settings.console.login_window_minutes)
        self._limits = {
            "email": settings.console.login_attempts,
            "address": settings.console.login_attempts * ADDRESS_FACTOR,
        }

    def _window_of(self, now: datetime) -> tuple[int, datetime]:
        index = int(now.timestamp() // self._window.total_seconds())
        ends = datetime.fromtimestamp((index + 1) * self._window.total_seconds(), UTC)
        return index, ends

    def _keys(self, email: str, address: str, index: int) -> dict[str, str]:
        return {
            "email": f"email:{_digest(email)}:{index}",
            "address": f"address:{_digest(address)}:{index}",
        }

    async def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until a login may be tried again, or None when it may be tried now."""
        now = datetime.now(UTC)
        index, ends = self._window_of(now)
        keys = self._keys(email, address, index)
        counts = {
            document["_id"]: document["count"]
            async for document in self._failures.find({"_id": {"$in": list(keys.values())}})
        }
        if any(counts.get(key, 0) >= self._limits[kind] for kind, key in keys.items()):
            return max(1, int((ends - now).total_seconds()) + 1)
        return None

    async def failed(self, email: str, address: str) -> None:
        index, ends = self._window_of(datetime.now(UTC))
        for key in self._keys(email, address, index).values():
            await self._failures.update_one(
                {"_id": key},
                {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": ends}},
                upsert=True,
            )
