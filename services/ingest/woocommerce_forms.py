"""WooCommerce's webhook deliveries: signature, ping, topic and body. No I/O here.

A delivery's body is the resource as the REST API (`wc/v3`) returns it, read with the models of
`shared/woocommerce/payloads.py` (the REST sync uses the same ones); a deletion carries only
`{"id": N}`.
"""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

from pydantic import ValidationError

from shared.woocommerce.payloads import (
    CHANGES,
    RESOURCES,
    SNAPSHOT_MODELS,
    Deletion,
    Snapshot,
    Topic,
    explain,
)


class MalformedDelivery(ValueError):
    """The delivery cannot be read; the message is the reason given with the 400."""


# -- signature and ping ----------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """WooCommerce's `X-WC-Webhook-Signature`: base64 of HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(secret: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


def is_ping(body: bytes) -> bool:
    """The unsigned, form-encoded `webhook_id=N` WooCommerce posts when a webhook is saved."""
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    ids = fields.get("webhook_id", [])
    return set(fields) == {"webhook_id"} and len(ids) == 1 and ids[0].isdigit()


# -- topics ----------------------------------------------------------------------------------


def parse_topic(header: str | None) -> Topic:
    """`order.updated` -> Topic("order", "updated"); anything Balas does not map is malformed."""
    if not header:
        raise MalformedDelivery("X-WC-Webhook-Topic header is missing")
    resource, _, change = header.strip().partition(".")
    for known_resource in RESOURCES:
        for known_change in CHANGES:
            if (resource, change) == (known_resource, known_change):
                return Topic(known_resource, known_change)
    raise MalformedDelivery(
        f"unknown topic {header!r}: Balas takes order.*, customer.* and product.* "
        "(created, updated, deleted, restored)"
    )


def parse_body(topic: Topic, body: bytes) -> Snapshot | Deletion:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedDelivery(f"body is not JSON: {error}") from error
    except RecursionError as error:  # no WooCommerce resource nests that deep
        raise MalformedDelivery("body is JSON nested too deeply") from error
    if not isinstance(document, dict):
        raise MalformedDelivery("body is not a JSON object")
    try:
        if topic.deleted:
            return Deletion.model_validate(document)
        return SNAPSHOT_MODELS[topic.resource].model_validate(document)
    except ValidationError as error:
        raise MalformedDelivery(explain(error)) from error
