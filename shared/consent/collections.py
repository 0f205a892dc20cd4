"""The consent collection and its indexes.

An append-only history: one document per grant or withdrawal, never updated, so the proof of
what the customer agreed to (or asked to stop) stays as it was said. The current state of a
purpose is its newest document. It does not expire with the message retention: it is the proof
a notification or broadcast was allowed, and a withdrawal must outlive the conversation that
carried it; erasing the customer removes it (docs/privacy.md)."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

CONSENT_EVENTS = "consent_events"


def indexes(retention: Retention) -> Indexes:
    return {
        CONSENT_EVENTS: [
            IndexModel(
                [("conversation_id", ASCENDING), ("purpose", ASCENDING), ("at", DESCENDING)]
            ),
        ]
    }
