"""Password hashing (argon2id) and the strength rule applied when a password is set."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

# The most used passwords of public breach lists (and local favourites) that pass the length rule.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "0987654321",
        "1111111111",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwerty12345",
        "qwerty123456",
        "asdfghjkl1",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "administrator",
        "admin12345",
        "admin123456",
        "adminadmin",
        "welcome123",
        "letmein123",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "starwars123",
        "changeme123",
        "abcdefghij",
        "abcd123456",
        "abc1234567",
        "aaaaaaaaaa",
        "indonesia1",
        "indonesia123",
        "jakarta123",
        "bismillah1",
        "bismillah123",
        "sayangku123",
        "rahasia123",
        "katasandi123",
        "woocommerce",
        "balas12345",
        "balasbalas",
    }
)

# Tuned by argon2-cffi to RFC 9106's second recommended profile (64 MiB, 3 passes).
_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so both answers take as long (no enumeration by timing).
_DUMMY_HASH = _hasher.hash("no account has this password, it only spends the same time")


def weakness(password: str, email: str = "") -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "this password is too common or too simple"
    local_part = email.lower().split("@")[0]
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "the password must not contain the e-mail address"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Off the event loop: one verification takes tens of milliseconds of CPU on purpose."""
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
