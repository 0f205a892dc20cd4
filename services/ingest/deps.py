"""What ingest's routes depend on, created once in the lifespan and injected per request."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from faststream.kafka import KafkaBroker

from services.ingest import twilio_forms, twilio_signature
from services.ingest.delivery import Deliverer
from services.ingest.metrics import WEBHOOK_REJECTIONS, WEBHOOKS
from services.ingest.receipts import WebhookReceipts
from services.ingest.snapshots import WooCommerceSnapshots
from shared.routes import public_url
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import StoreDirectory
from shared.stores.twilio_accounts import webhook_token


@dataclass(frozen=True)
class IngestContext:
    settings: Settings
    broker: KafkaBroker
    stores: StoreDirectory
    receipts: WebhookReceipts
    deliverer: Deliverer  # to Kafka within the publish timeout, else to the outbox
    secrets: SecretBox
    snapshots: WooCommerceSnapshots


async def _context(request: Request) -> IngestContext:  # async: no thread for a lookup
    context: IngestContext = request.app.state.ingest
    return context


Context = Annotated[IngestContext, Depends(_context)]


RETRY_AFTER_SECONDS = 5


def try_again_later(reason: str) -> Response:
    """Nothing was accepted; the sender may retry (Twilio retries once, on the fallback URL)."""
    return Response(reason, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def reject(endpoint: str, status_code: int, reason: str, detail: str) -> HTTPException:
    WEBHOOKS.labels(endpoint, "rejected").inc()
    WEBHOOK_REJECTIONS.labels(endpoint, reason).inc()
    return HTTPException(status_code=status_code, detail=detail)


def signed_twilio_form(store_number_field: str) -> Callable[..., Awaitable[dict[str, str]]]:
    """A dependency: the webhook's form, once its X-Twilio-Signature matches our public URL and
    the params, checked with the token of the account that owns the store's number
    (`store_number_field`: `To` for inbound messages, `From` for status callbacks).

    The URL is rebuilt from PUBLIC_BASE_URL (or FALLBACK_PUBLIC_BASE_URL, which Twilio calls when
    the first failed), not from the request, because proxies in front of ingest rewrite scheme
    and host while Twilio signs the URL it called. Nothing is published before the signature
    matched.
    """

    async def signed(request: Request, context: Context) -> dict[str, str]:
        endpoint = request.url.path
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            raise reject(endpoint, 403, "missing_signature", "X-Twilio-Signature header is missing")
        form = await request.form(**twilio_forms.FORM_LIMITS)
        ingest = context.settings.ingest
        urls = {
            public_url(base, endpoint) + (f"?{request.url.query}" if request.url.query else "")
            for base in (ingest.public_base_url, ingest.twilio_fallback_base_url)
        }
        fields = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        token = await _token_for(context, form.get(store_number_field))
        if not twilio_signature.matches(token, urls, fields, signature):
            raise reject(endpoint, 403, "bad_signature", "X-Twilio-Signature does not match")
        return dict(fields)

    return signed


async def _token_for(context: IngestContext, address: object) -> str:
    """A store with its own Twilio account is signed with that account's token; any other
    number (unknown ones too, which the route then answers 404) with TWILIO_AUTH_TOKEN."""
    number = address.removeprefix("whatsapp:") if isinstance(address, str) else None
    store = await context.stores.by_number(number) if number else None
    return webhook_token(store, context.settings, context.secrets)


SignedInboundForm = Annotated[dict[str, str], Depends(signed_twilio_form("To"))]
SignedStatusForm = Annotated[dict[str, str], Depends(signed_twilio_form("From"))]
