"""What Meta's webhooks share on every one of its channels (the WhatsApp Cloud API, Messenger,
Instagram): the `GET` subscription handshake, which echoes `hub.challenge` when
`hub.verify_token` is a connected store's, and the `X-Hub-Signature-256` header every `POST`
must carry (meta_signature.py checks it)."""

import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Query, Request, Response

from services.ingest.channels import meta_signature
from services.ingest.deps import reject
from services.ingest.metrics import WEBHOOKS

Mode = Annotated[str, Query(alias="hub.mode")]
VerifyToken = Annotated[str, Query(alias="hub.verify_token", max_length=256)]
Challenge = Annotated[str, Query(alias="hub.challenge", max_length=256)]


def handshake(
    endpoint: str, mode: str, verify_token: str, challenge: str, held: Iterable[str]
) -> Response:
    """The challenge, echoed when `verify_token` is one of `held` (the stores' tokens)."""
    if mode != "subscribe" or not verify_token or not _one_of(verify_token, held):
        raise reject(endpoint, 403, "bad_verify_token", "hub.verify_token is not a store's")
    WEBHOOKS.labels(endpoint, "verified").inc()
    return Response(challenge, media_type="text/plain")


def _one_of(token: str, held: Iterable[str]) -> bool:
    # every one compared, so the time says nothing about which matched
    matched = [hmac.compare_digest(token.encode(), other.encode()) for other in held]
    return any(matched)


def signature_of(endpoint: str, request: Request) -> str:
    """The POST's signature header; 401 without one."""
    signature = request.headers.get(meta_signature.SIGNATURE_HEADER)
    if not signature:
        raise reject(endpoint, 401, "missing_signature", "X-Hub-Signature-256 header is missing")
    return signature


def require_signed(endpoint: str, signed: bool) -> None:
    """403 unless the body's signature matched the app secret it had to."""
    if not signed:
        raise reject(endpoint, 403, "bad_signature", "X-Hub-Signature-256 does not match")
