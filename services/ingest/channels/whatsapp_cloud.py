"""WhatsApp Cloud API webhooks in, Kafka events out (docs/channels.md).

`GET` is Meta's subscription handshake: echo `hub.challenge` when `hub.verify_token` is a
connected store's verify token. `POST` carries messages and statuses, signed with the app's
secret: the stores it names (by `metadata.phone_number_id`) are looked up first, and nothing is
published unless the signature matches the app secret of every one of them. Each message is
claimed and delivered like a Twilio one (claimed_delivery.py); the 200 comes after all are in
Kafka or the outbox, so Meta retries whatever was not.
"""

import structlog
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from services.ingest.channels import meta_signature, meta_webhook
from services.ingest.channels import whatsapp_cloud_payloads as payloads
from services.ingest.claimed_delivery import Taken, claim_and_deliver
from services.ingest.deps import Context, reject, try_again_later
from services.ingest.metrics import WEBHOOKS
from shared import routes
from shared.http_limits import RouteLimit
from shared.stores.directory import Store

log = structlog.get_logger(__name__)

ENDPOINT = routes.WHATSAPP_CLOUD_PATH
BODY_LIMITS = [RouteLimit("POST", ENDPOINT, payloads.MAX_BODY_BYTES)]

router = APIRouter(tags=["webhooks"])


@router.get(ENDPOINT)
async def on_verification(
    context: Context,
    mode: meta_webhook.Mode = "",
    verify_token: meta_webhook.VerifyToken = "",
    challenge: meta_webhook.Challenge = "",
) -> Response:
    stores = await context.stores.on_cloud_api()
    held = [
        context.secrets.decrypt(s.whatsapp_cloud.verify_token) for s in stores if s.whatsapp_cloud
    ]
    return meta_webhook.handshake(ENDPOINT, mode, verify_token, challenge, held)


@router.post(ENDPOINT)
async def on_webhook(request: Request, context: Context) -> Response:
    signature = meta_webhook.signature_of(ENDPOINT, request)
    body = await request.body()
    try:
        values = payloads.parse(body)
    except ValidationError as error:
        raise reject(ENDPOINT, 400, "malformed", payloads.explain(error)) from error
    stores = await _stores_of(context, values)
    # A body naming no store (a template review, an account update) is checked against every
    # connected store's app secret: it carries nothing to publish, but is answered 200 only
    # when it comes from one of their apps.
    if stores:
        signed = all(_signed_for(context, s, body, signature) for s in stores.values())
    else:
        connected = await context.stores.on_cloud_api()
        signed = any(_signed_for(context, s, body, signature) for s in connected)
    meta_webhook.require_signed(ENDPOINT, signed)
    outcomes = []
    for value in values:
        store = stores[value.metadata.phone_number_id]
        outcomes += [await _take_message(context, value, m, store) for m in value.messages]
        for status in value.statuses:
            if (event := payloads.delivery_status_changed(value, status, store)) is not None:
                await context.deliverer.deliver(event)
    if Taken.IN_PROGRESS in outcomes:  # the others are accepted: a retry finds them duplicates
        return try_again_later("another copy of a message is being accepted")
    return Response(status_code=200)


# A body is read before its signature can be checked (the signer is the store it names), so
# what an unsigned body can make ingest look up is bounded: Meta names one number per change.
MAX_NUMBERS_PER_BODY = 10


async def _stores_of(context: Context, values: list[payloads.MessagesValue]) -> dict[str, Store]:
    numbers = {value.metadata.phone_number_id for value in values}
    if len(numbers) > MAX_NUMBERS_PER_BODY:
        raise reject(ENDPOINT, 400, "malformed", f"more than {MAX_NUMBERS_PER_BODY} numbers")
    stores = {}
    for number_id in numbers:
        store = await context.stores.by_phone_number_id(number_id)
        if store is None or store.whatsapp_cloud is None:
            raise reject(ENDPOINT, 404, "unknown_number", "no store uses this phone number id")
        stores[number_id] = store
    return stores


def _signed_for(context: Context, store: Store, body: bytes, signature: str) -> bool:
    assert store.whatsapp_cloud is not None  # only connected stores are asked
    app_secret = context.secrets.decrypt(store.whatsapp_cloud.app_secret)
    return meta_signature.matches(app_secret, body, signature)


async def _take_message(
    context: Context, value: payloads.MessagesValue, message: payloads.CloudMessage, store: Store
) -> Taken | None:
    event = payloads.message_received(value, message, store)
    if event is None:
        WEBHOOKS.labels(ENDPOINT, "unsupported").inc()
        log.info("cloud api message of a type balas does not read", type=message.type)
        return None
    taken = await claim_and_deliver(context, message.id, event)
    WEBHOOKS.labels(ENDPOINT, taken.value).inc()
    return taken
