"""Twilio webhooks in, Kafka events out; answered only after the broker or the outbox took
the event (services/ingest/delivery.py)."""

from fastapi import APIRouter, Response
from pydantic import ValidationError

from services.ingest import twilio_forms
from services.ingest.claimed_delivery import Taken, claim_and_deliver
from services.ingest.deps import (
    Context,
    SignedInboundForm,
    SignedStatusForm,
    reject,
    try_again_later,
)
from services.ingest.metrics import WEBHOOKS
from shared import routes
from shared.http_limits import RouteLimit
from shared.stores.directory import Store

router = APIRouter(prefix=routes.TWILIO_PREFIX, tags=["webhooks"])

MESSAGE_ENDPOINT = routes.TWILIO_MESSAGE_PATH
STATUS_ENDPOINT = routes.TWILIO_STATUS_PATH
BODY_LIMITS = [
    RouteLimit("POST", endpoint, twilio_forms.MAX_FORM_BYTES)
    for endpoint in (MESSAGE_ENDPOINT, STATUS_ENDPOINT)
]


def _twiml() -> Response:
    return Response(twilio_forms.EMPTY_TWIML, media_type="text/xml")


async def _store_for(context: Context, endpoint: str, number: str) -> Store:
    store = await context.stores.by_number(number)
    if store is None:
        raise reject(endpoint, 404, "unknown_number", "no store uses this WhatsApp number")
    return store


@router.post("/whatsapp")
async def on_whatsapp_message(form: SignedInboundForm, context: Context) -> Response:
    try:
        inbound = twilio_forms.parse_inbound(form)
    except ValidationError as error:
        raise reject(MESSAGE_ENDPOINT, 400, "malformed", twilio_forms.explain(error)) from error
    store = await _store_for(context, MESSAGE_ENDPOINT, inbound.to_number)
    event = twilio_forms.message_received(inbound, store)
    taken = await claim_and_deliver(context, inbound.message_sid, event)
    WEBHOOKS.labels(MESSAGE_ENDPOINT, taken.value).inc()
    if taken is Taken.IN_PROGRESS:
        return try_again_later("another copy of this message is being accepted")
    return _twiml()


@router.post("/status")
async def on_status_callback(form: SignedStatusForm, context: Context) -> Response:
    try:
        status = twilio_forms.parse_status(form)
    except ValidationError as error:
        raise reject(STATUS_ENDPOINT, 400, "malformed", twilio_forms.explain(error)) from error
    store = await _store_for(context, STATUS_ENDPOINT, status.from_number)
    await context.deliverer.deliver(twilio_forms.delivery_status_changed(status, store))
    WEBHOOKS.labels(STATUS_ENDPOINT, "accepted").inc()
    return Response(status_code=204)
