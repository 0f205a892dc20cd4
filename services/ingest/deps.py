"""What ingest's routes depend on, created once in the lifespan and injected per request."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from faststream.kafka import KafkaBroker
from twilio.request_validator import RequestValidator

from services.ingest.metrics import WEBHOOK_REJECTIONS, WEBHOOKS
from services.ingest.receipts import WebhookReceipts
from services.ingest.snapshots import WooCommerceSnapshots
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores import StoreDirectory


@dataclass(frozen=True)
class IngestContext:
    settings: Settings
    broker: KafkaBroker
    stores: StoreDirectory
    receipts: WebhookReceipts
    twilio_validator: RequestValidator
    secrets: SecretBox
    snapshots: WooCommerceSnapshots


def _context(request: Request) -> IngestContext:
    context: IngestContext = request.app.state.ingest
    return context


Context = Annotated[IngestContext, Depends(_context)]


def reject(endpoint: str, status_code: int, reason: str, detail: str) -> HTTPException:
    WEBHOOKS.labels(endpoint, "rejected").inc()
    WEBHOOK_REJECTIONS.labels(endpoint, reason).inc()
    return HTTPException(status_code=status_code, detail=detail)


async def signed_twilio_form(request: Request, context: Context) -> dict[str, str]:
    """The webhook's form, once its X-Twilio-Signature matches our public URL and the params.

    The URL is rebuilt from PUBLIC_BASE_URL, not from the request, because proxies in front of
    ingest rewrite scheme and host while Twilio signs the URL it called.
    """
    endpoint = request.url.path
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        raise reject(endpoint, 403, "missing_signature", "X-Twilio-Signature header is missing")
    form = await request.form()
    url = context.settings.public_base_url.rstrip("/") + endpoint
    if request.url.query:
        url += "?" + request.url.query
    if not context.twilio_validator.validate(url, form, signature):
        raise reject(endpoint, 403, "bad_signature", "X-Twilio-Signature does not match")
    return {key: value for key, value in form.items() if isinstance(value, str)}


SignedTwilioForm = Annotated[dict[str, str], Depends(signed_twilio_form)]
