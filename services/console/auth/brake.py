"""The login brake: growing delays after failed logins, never a refusal of the right password for
longer than a short wait. Kept in MongoDB so every console replica counts the same failures.

A failed login counts against three keys, each of which, past its free failures, asks for a delay
before the next login it covers: 1 s, then doubling, up to its cap.

- the (e-mail, address) pair, one guesser at one account: CONSOLE_LOGIN_FREE_FAILURES free,
  then up to CONSOLE_LOGIN_MAX_DELAY_MINUTES;
- the address, one guesser at many accounts: 4 times as many free, the same cap;
- the e-mail, many guessers at one account: CONSOLE_LOGIN_FREE_FAILURES free, then up to
  CONSOLE_LOGIN_ACCOUNT_MAX_DELAY_SECONDS (a minute).

Anyone can fail logins for the owner's e-mail, so the e-mail's delay is what an attacker can
impose on the owner: it stays short, and the right password after that wait signs in. While a
delay runs, its logins are answered without looking at the password (nothing to learn). A
successful login clears its pair; the e-mail's count stays, so signing in gives an attacker no
fresh free guesses. A key is forgotten a day after its last failure. Keys hold SHA-256 digests,
never the e-mail or the address itself. Concurrent failures may each set the delay of the count
they saw; that is fine for a brake.
"""

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from services.console.collections import CONSOLE_LOGIN_FAILURES
from shared.mongo import Database
from shared.settings import Settings

Clock = Callable[[], datetime]
ADDRESS_FACTOR = 4
FIRST_DELAY_SECONDS = 1.0
FORGET_AFTER = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Rule:
    free_failures: int
    max_delay: timedelta

    def delay(self, failures: int) -> timedelta:
        """The wait after `failures` failures: none while free, then 1 s doubling to the cap."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return timedelta(0)
        seconds = FIRST_DELAY_SECONDS * 2 ** min(beyond - 1, 32)
        return min(timedelta(seconds=seconds), self.max_delay)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginBrake:
    def __init__(self, db: Database, settings: Settings, clock: Clock = utc_now) -> None:
        console = settings.console
        longest = timedelta(minutes=console.login_max_delay_minutes)
        self._rules = {
            "pair": Rule(console.login_free_failures, longest),
            "address": Rule(console.login_free_failures * ADDRESS_FACTOR, longest),
            "email": Rule(
                console.login_free_failures,
                timedelta(seconds=console.login_account_max_delay_seconds),
            ),
        }
        self._failures = db[CONSOLE_LOGIN_FAILURES]
        self._clock = clock

    def _keys(self, email: str, address: str) -> dict[str, str]:
        return {
            "pair": f"pair:{_digest(f'{email} {address}')}",
            "address": f"address:{_digest(address)}",
            "email": f"email:{_digest(email)}",
        }

    async def retry_after(self, email: str, address: str) -> int | None:
        """Whole seconds until a login of `email` from `address` may be tried, or None: now."""
        now = self._clock()
        ids = list(self._keys(email, address).values())
        running = {"_id": {"$in": ids}, "blocked_until": {"$gt": now}}
        waits = [
            (document["blocked_until"] - now).total_seconds()
            async for document in self._failures.find(running)
        ]
        return math.ceil(max(waits)) if waits else None

    async def failed(self, email: str, address: str) -> None:
        now = self._clock()
        for kind, key in self._keys(email, address).items():
            counted = await self._failures.find_one_and_update(
                {"_id": key},
                {"$inc": {"failures": 1}, "$set": {"expires_at": now + FORGET_AFTER}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            assert counted is not None  # upserted
            until = now + self._rules[kind].delay(counted["failures"])
            await self._failures.update_one({"_id": key}, {"$set": {"blocked_until": until}})

    async def succeeded(self, email: str, address: str) -> None:
        await self._failures.delete_one({"_id": self._keys(email, address)["pair"]})
