"""A customer's data export: every document the personal-data map finds of them, as one JSON
and a readable HTML page.

Balas keeps no copy of a customer's media: a message holds the attachment's Twilio link and the
text read from it (`media[].url`, `media[].media_text`), and the export carries both. Stored
events (the journal, the ingest outbox) are exported decoded, as the JSON they were published.
"""

import base64
import html
import json
from datetime import date, datetime
from typing import Any

from shared.events import utcnow
from shared.mongo import Database, Document
from shared.privacy.customer import Customer
from shared.privacy.data_map import COLLECTIONS, Finder
from shared.privacy.erasure import STORE_KEYED_TOPICS

Export = dict[str, Any]


async def export(db: Database, customer: Customer) -> Export:
    """{"store_id", "phone", "exported_at", "collections": {collection: [documents]}}."""
    found: dict[str, list[Document]] = {}
    for holding in COLLECTIONS:
        query = customer.filter(holding)
        if query is None or holding.finder is Finder.STAFF:
            continue
        documents = [document async for document in db[holding.collection].find(query)]
        if holding.payload is not None:
            documents += [
                document
                async for document in db[holding.collection].find(
                    customer.store_events_filter(STORE_KEYED_TOPICS)
                )
                if customer.owns_record(document["topic"], document[holding.payload])
            ]
        found[holding.collection] = [_plain(document) for document in documents]
    return {
        "store_id": customer.store_id,
        "phone": customer.phone,
        "woocommerce_customer_ids": sorted(customer.woocommerce_ids),
        "exported_at": utcnow().isoformat(),
        "collections": found,
    }


def as_json(exported: Export) -> str:
    return json.dumps(exported, ensure_ascii=False, indent=2)


def as_html(exported: Export) -> str:
    """One page: a section per collection that holds something, each document as JSON."""
    sections = []
    for collection, documents in exported["collections"].items():
        if not documents:
            continue
        items = "".join(
            f"<pre>{html.escape(json.dumps(document, ensure_ascii=False, indent=2))}</pre>"
            for document in documents
        )
        sections.append(f"<h2>{html.escape(collection)} ({len(documents)})</h2>{items}")
    title = f"Data held about {html.escape(exported['phone'])}"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>Store {html.escape(exported['store_id'])}, exported "
        f"{html.escape(exported['exported_at'])}.</p>{''.join(sections)}</body></html>"
    )


def _plain(value: Any) -> Any:
    """MongoDB values as JSON ones: times in ISO 8601, stored events decoded."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return _decoded(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # ObjectId, Decimal128


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode()}
