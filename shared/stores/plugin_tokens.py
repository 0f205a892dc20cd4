"""Per-store tokens for the WordPress plugin (deploy/woocommerce-plugin/).

A WordPress site holds its token in its database, so it must never be the console's admin token:
a plugin token opens exactly one route, its own store's connect call. Only a SHA-256 digest is
stored (the token has 256 random bits, so a plain hash cannot be reversed or guessed); making a
new one replaces the old, which stops working at once.
"""

import hashlib
import hmac
import secrets

from shared.events import utcnow
from shared.mongo import Database
from shared.stores.collections import STORES
from shared.stores.directory import PluginToken, Store

PREFIX = "balas_wp_"  # recognisable in a leaked config file or a secret scanner
# Compared against when a store has no token, so that case takes the same time as a wrong one.
_NO_TOKEN = hashlib.sha256(b"no plugin token").hexdigest()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(db: Database, store_id: str) -> tuple[str, PluginToken] | None:
    """A new token for the store, replacing any old one; None when there is no such store.
    The token is returned only here."""
    token = PREFIX + secrets.token_urlsafe(32)
    held = PluginToken(sha256=digest(token), created_at=utcnow())
    result = await db[STORES].update_one(
        {"_id": store_id}, {"$set": {"plugin_token": held.model_dump()}}
    )
    return (token, held) if result.matched_count == 1 else None


def accepts(store: Store, token: str) -> bool:
    """Whether `token` is the store's current plugin token (constant time over the digests)."""
    expected = store.plugin_token.sha256 if store.plugin_token else _NO_TOKEN
    return hmac.compare_digest(digest(token), expected) and store.plugin_token is not None
