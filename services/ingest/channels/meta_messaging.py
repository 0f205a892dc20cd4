"""Messenger and Instagram webhooks in, Kafka events out (docs/channels.md): one route per
channel, the same code for both.

`GET` is Meta's subscription handshake, as on the Cloud API (meta_webhook.py). `POST` carries
`entry[].messaging[]`, signed with the app's secret: the stores it names (by the page or
Instagram account id of each entry) are looked up first, and nothing is published unless the
signature matches the app secret of every one of them. A customer's message or postback is
claimed and delivered like a Twilio one (claimed_delivery.py); so is an echo of a message
written in Meta's own inbox app, as an agent's reply already sent; echoes of Balas's own sends
are dropped; receipts become statuses. The 200 comes after all are in Kafka or the outbox.
"""

from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from services.ingest.channels import meta_messaging_payloads as payloads
from services.ingest.channels import meta_signature, meta_webhook
from services.ingest.channels.whatsapp_cloud_payloads import explain
from services.ingest.claimed_delivery import Taken, claim_and_deliver
from services.ingest.deps import Context, IngestContext, reject, try_again_later
from services.ingest.metrics import WEBHOOKS
from shared import routes
from shared.channels import Channel
from shared.http_limits import RouteLimit
from shared.stores.directory import Store

log = structlog.get_logger(__name__)

ENDPOINTS = {Channel.MESSENGER: routes.MESSENGER_PATH, Channel.INSTAGRAM: routes.INSTAGRAM_PATH}
BODY_LIMITS = [RouteLimit("POST", path, payloads.MAX_BODY_BYTES) for path in ENDPOINTS.values()]
# A body is read before its signature can be checked (the signer is the store it names), so
# what an unsigned body can make ingest look up is bounded.
MAX_ACCOUNTS_PER_BODY = 10

router = APIRouter(tags=["webhooks"])


def _verification(channel: Channel) -> Callable[..., Awaitable[Response]]:
    async def on_verification(
        context: Context,
        mode: meta_webhook.Mode = "",
        verify_token: meta_webhook.VerifyToken = "",
        challenge: meta_webhook.Challenge = "",
    ) -> Response:
        held = [
            context.secrets.decrypt(account.verify_token)
            for store in await context.stores.on_messaging(channel)
            if (account := store.messaging_account(channel)) is not None
        ]
        return meta_webhook.handshake(ENDPOINTS[channel], mode, verify_token, challenge, held)

    return on_verification


def _webhook(channel: Channel) -> Callable[..., Awaitable[Response]]:
    async def on_webhook(request: Request, context: Context) -> Response:
        return await _take(channel, request, context)

    return on_webhook


for _channel, _path in ENDPOINTS.items():
    router.add_api_route(_path, _verification(_channel), methods=["GET"])
    router.add_api_route(_path, _webhook(_channel), methods=["POST"])


async def _take(channel: Channel, request: Request, context: IngestContext) -> Response:
    endpoint = ENDPOINTS[channel]
    signature = meta_webhook.signature_of(endpoint, request)
    body = await request.body()
    try:
        payload = payloads.parse(body)
    except ValidationError as error:
        raise reject(endpoint, 400, "malformed", explain(error)) from error
    if payload.channel is not channel:
        raise reject(endpoint, 400, "malformed", f"object: {payload.object!r} is not {channel}")
    stores = await _stores_of(context, channel, payload.entry)
    if stores:
        signed = all(_signed_for(context, channel, s, body, signature) for s in stores.values())
    else:  # nothing to publish, but answered 200 only when one of the stores' apps signed it
        connected = await context.stores.on_messaging(channel)
        signed = any(_signed_for(context, channel, s, body, signature) for s in connected)
    meta_webhook.require_signed(endpoint, signed)
    outcomes = []
    for entry in payload.entry:
        store = stores[entry.id]
        for messaging in entry.messaging:
            outcomes.append(await _take_one(context, channel, entry, messaging, store))
    if Taken.IN_PROGRESS in outcomes:  # the others are accepted: a retry finds them duplicates
        return try_again_later("another copy of a message is being accepted")
    return Response(status_code=200)


async def _stores_of(
    context: IngestContext, channel: Channel, entries: list[payloads.Entry]
) -> dict[str, Store]:
    endpoint = ENDPOINTS[channel]
    accounts = {entry.id for entry in entries}
    if len(accounts) > MAX_ACCOUNTS_PER_BODY:
        raise reject(endpoint, 400, "malformed", f"more than {MAX_ACCOUNTS_PER_BODY} accounts")
    stores = {}
    for account_id in accounts:
        store = await context.stores.by_messaging_account(channel, account_id)
        if store is None or store.messaging_account(channel) is None:
            raise reject(endpoint, 404, "unknown_account", f"no store uses this {channel} account")
        stores[account_id] = store
    return stores


def _signed_for(
    context: IngestContext, channel: Channel, store: Store, body: bytes, signature: str
) -> bool:
    account = store.messaging_account(channel)
    assert account is not None  # only connected stores are asked
    app_secret = context.secrets.decrypt(account.app_secret)
    return meta_signature.matches(app_secret, body, signature)


async def _take_one(
    context: IngestContext,
    channel: Channel,
    entry: payloads.Entry,
    messaging: payloads.Messaging,
    store: Store,
) -> Taken | None:
    endpoint = ENDPOINTS[channel]
    if payloads.is_own_echo(messaging):
        WEBHOOKS.labels(endpoint, "own_echo").inc()
        return None
    for status in payloads.delivery_statuses(channel, entry, messaging, store):
        await context.deliverer.deliver(status)
    event = payloads.message_received(channel, entry, messaging, store) or payloads.agent_reply(
        channel, entry, messaging, store
    )
    receipt = payloads.receipt_id(channel, entry, messaging)
    if event is None or receipt is None:
        if messaging.delivery is None and messaging.read is None:
            WEBHOOKS.labels(endpoint, "unsupported").inc()
            log.info("meta messaging event balas does not read", channel=channel.value)
        return None
    taken = await claim_and_deliver(context, receipt, event)
    WEBHOOKS.labels(endpoint, taken.value).inc()
    return taken
