"""WooCommerce webhooks in, Kafka events out; answered only after the broker or the outbox took
the event (services/ingest/delivery.py).

WooCommerce never retries a delivery, so anything that is not accepted here is lost until the
next change of the resource (or a reconciliation through the REST API): see docs/woocommerce.md.
"""

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.ingest import woocommerce_forms as forms
from services.ingest.deps import Context, reject
from services.ingest.metrics import WEBHOOKS, WOOCOMMERCE_STALE_SNAPSHOTS
from services.ingest.snapshots import Claim, Verdict
from shared import routes
from shared.http_limits import MiB, RouteLimit
from shared.stores.directory import Store
from shared.woocommerce.payloads import Deletion, Snapshot, Topic, changed_event

log = structlog.get_logger(__name__)

router = APIRouter(prefix=routes.WOOCOMMERCE_PREFIX, tags=["webhooks"])

ENDPOINT = routes.WOOCOMMERCE_PATH
# An order with hundreds of line items, its meta data and notes is a few hundred KB.
BODY_LIMITS = [RouteLimit("POST", ENDPOINT, 2 * MiB)]


def _answer(outcome: str) -> Response:
    WEBHOOKS.labels(ENDPOINT, outcome).inc()
    return JSONResponse({"outcome": outcome}, status_code=200)


async def _connected_store(context: Context, store_id: str) -> Store:
    store = await context.stores.by_id(store_id)
    if store is None or store.woocommerce is None:
        raise reject(ENDPOINT, 404, "unknown_store", "no store with WooCommerce has this id")
    return store


def _check_signature(context: Context, store: Store, body: bytes, given: str) -> None:
    assert store.woocommerce is not None
    secret = context.secrets.decrypt(store.woocommerce.webhook_secret)
    if not forms.signature_matches(secret, body, given):
        raise reject(ENDPOINT, 401, "bad_signature", "X-WC-Webhook-Signature does not match")


@router.post("/{store_id}")
async def on_woocommerce_webhook(store_id: str, request: Request, context: Context) -> Response:
    store = await _connected_store(context, store_id)  # before reading: a body is work
    body = await request.body()  # the signature covers these exact bytes
    signature = request.headers.get("X-WC-Webhook-Signature")
    if signature is None:
        if forms.is_ping(body):  # sent when the webhook is saved; anything but 200 fails it
            return _answer("ping")
        raise reject(ENDPOINT, 401, "missing_signature", "X-WC-Webhook-Signature is missing")
    _check_signature(context, store, body, signature)
    try:
        topic = forms.parse_topic(request.headers.get("X-WC-Webhook-Topic"))
    except forms.MalformedDelivery as error:
        raise reject(ENDPOINT, 400, "unknown_topic", str(error)) from error
    try:
        snapshot = forms.parse_body(topic, body)
    except forms.MalformedDelivery as error:
        raise reject(ENDPOINT, 400, "malformed", str(error)) from error
    claim = await _claim(context, store, topic, snapshot)
    if claim.verdict is Verdict.STALE:
        WOOCOMMERCE_STALE_SNAPSHOTS.labels(topic.resource).inc()
        log.info("older woocommerce snapshot dropped", store_id=store.id, topic=topic.resource)
        return _answer("stale")
    if claim.verdict is Verdict.DUPLICATE:
        return _answer("duplicate")
    event = changed_event(store.id, topic, snapshot, claim.held_modified_at)
    try:
        await context.deliverer.deliver(event)
    except BaseException:
        await context.snapshots.release(claim)  # WooCommerce will not retry: keep it claimable
        raise
    return _answer("accepted")


async def _claim(
    context: Context, store: Store, topic: Topic, snapshot: Snapshot | Deletion
) -> Claim:
    if isinstance(snapshot, Deletion):
        return await context.snapshots.claim_deletion(store.id, topic.resource, snapshot.id)
    return await context.snapshots.claim(
        store.id, topic.resource, snapshot.id, snapshot.modified_at
    )
