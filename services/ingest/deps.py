"""What ingest's routes depend on, created once in the lifespan and injected per request."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from faststream.kafka import KafkaBroker

from services.ingest.delivery import Deliverer
from services.ingest.metrics import WEBHOOK_REJECTIONS, WEBHOOKS
from services.ingest.receipts import WebhookReceipts
from services.ingest.snapshots import WooCommerceSnapshots
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import StoreDirectory


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
