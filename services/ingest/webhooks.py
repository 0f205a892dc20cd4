"""Twilio webhooks in, Kafka events out; answered only after the broker or the outbox took
the event (services/ingest/delivery.py).

These two routes take every customer message and status callback, so they are plain Starlette
routes: the form is read with `parse_qsl` and checked by hand, in the order FastAPI's
dependencies did it (signature header, form, signature, fields, store), without their cost.
"""

from fastapi import Request, Response
from pydantic import ValidationError
from starlette.routing import Route

from services.ingest import twilio_forms, twilio_signature
from services.ingest.claimed_delivery import Taken, claim_and_deliver
from services.ingest.deps import IngestContext, reject, try_again_later
from services.ingest.metrics import WEBHOOKS
from shared import routes
from shared.http_limits import RouteLimit
from shared.routes import public_url
from shared.stores.directory import Store
from shared.stores.twilio_accounts import webhook_token

MESSAGE_ENDPOINT = routes.TWILIO_MESSAGE_PATH
STATUS_ENDPOINT = routes.TWILIO_STATUS_PATH
BODY_LIMITS = [
    RouteLimit("POST", endpoint, twilio_forms.MAX_FORM_BYTES)
    for endpoint in (MESSAGE_ENDPOINT, STATUS_ENDPOINT)
]
TWIML = twilio_forms.EMPTY_TWIML.encode()


async def signed_form(
    request: Request, context: IngestContext, endpoint: str, store_number_field: str
) -> dict[str, str]:
    """The webhook's form, once its X-Twilio-Signature matches our public URL and the params,
    checked with the token of the account that owns the store's number (`store_number_field`:
    `To` for inbound messages, `From` for status callbacks).

    The URL is rebuilt from PUBLIC_BASE_URL (or FALLBACK_PUBLIC_BASE_URL, which Twilio calls when
    the first failed), not from the request, because proxies in front of ingest rewrite scheme
    and host while Twilio signs the URL it called. Nothing is published before the signature
    matched. A body that is not a urlencoded form has no fields (Twilio sends no other kind).
    """
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        raise reject(endpoint, 403, "missing_signature", "X-Twilio-Signature header is missing")
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    body = await request.body() if content_type == twilio_forms.FORM_CONTENT_TYPE else b""
    try:
        fields = twilio_forms.form_fields(body)
    except ValueError as error:
        raise reject(endpoint, 400, "too_many_fields", str(error)) from error
    query = request.scope["query_string"].decode("latin-1")
    ingest = context.settings.ingest
    urls = {
        public_url(base, endpoint) + (f"?{query}" if query else "")
        for base in (ingest.public_base_url, ingest.twilio_fallback_base_url)
    }
    form = dict(fields)
    token = await _token_for(context, form.get(store_number_field))
    if not twilio_signature.matches(token, urls, fields, signature):
        raise reject(endpoint, 403, "bad_signature", "X-Twilio-Signature does not match")
    return form


async def _token_for(context: IngestContext, address: str | None) -> str:
    """A store with its own Twilio account is signed with that account's token; any other
    number (unknown ones too, which the route then answers 404) with TWILIO_AUTH_TOKEN."""
    number = address.removeprefix("whatsapp:") if address else None
    store = await context.stores.by_number(number) if number else None
    return webhook_token(store, context.settings, context.secrets)


async def _store_for(context: IngestContext, endpoint: str, number: str) -> Store:
    store = await context.stores.by_number(number)
    if store is None:
        raise reject(endpoint, 404, "unknown_number", "no store uses this WhatsApp number")
    return store


async def on_whatsapp_message(request: Request) -> Response:
    context: IngestContext = request.app.state.ingest
    form = await signed_form(request, context, MESSAGE_ENDPOINT, "To")
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
    return Response(TWIML, media_type="text/xml")


async def on_status_callback(request: Request) -> Response:
    context: IngestContext = request.app.state.ingest
    form = await signed_form(request, context, STATUS_ENDPOINT, "From")
    try:
        status = twilio_forms.parse_status(form)
    except ValidationError as error:
        raise reject(STATUS_ENDPOINT, 400, "malformed", twilio_forms.explain(error)) from error
    store = await _store_for(context, STATUS_ENDPOINT, status.from_number)
    # a reply's callback URL names the reply (signed with the URL, so it is the responder's)
    message_id = request.query_params.get(routes.STATUS_MESSAGE_PARAM)
    event = twilio_forms.delivery_status_changed(status, store, message_id)
    await context.deliverer.deliver(event)
    WEBHOOKS.labels(STATUS_ENDPOINT, "accepted").inc()
    return Response(status_code=204)


ROUTES = [
    Route(MESSAGE_ENDPOINT, on_whatsapp_message, methods=["POST"]),
    Route(STATUS_ENDPOINT, on_status_callback, methods=["POST"]),
]
