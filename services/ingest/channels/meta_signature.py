"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw
body keyed with the app secret. The same for the WhatsApp Cloud API, Messenger and Instagram."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header's value for `body`."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def matches(app_secret: str, body: bytes, header: str) -> bool:
    """Whether `header` signs `body` with `app_secret` (constant time)."""
    return hmac.compare_digest(sign(app_secret, body).encode(), header.strip().lower().encode())
