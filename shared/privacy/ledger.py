"""The erasure ledger: who was erased and when, so that nothing brings an erased customer's
earlier events back (a replay, a KPI rebuild). Records hold the customer's keyed hash, never
the number, and counts only."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.events import ConversationEvent, Event, utcnow
from shared.identity import customer_number
from shared.kpis.keys import customer_hash
from shared.mongo import Database
from shared.privacy.collections import CUSTOMER_ERASURES


async def record_erasure(
    db: Database, store_id: str, hashed: str, requested_by: str, removed: Mapping[str, int]
) -> datetime:
    erased_at = utcnow()
    await db[CUSTOMER_ERASURES].insert_one(
        {
            "store_id": store_id,
            "customer_hash": hashed,
            "requested_by": requested_by,
            "erased_at": erased_at,
            "removed": dict(removed),
        }
    )
    return erased_at


@dataclass(frozen=True)
class Erased:
    """The ledger as read once: per (store, customer hash), the latest erasure."""

    at: Mapping[tuple[str, str], datetime]

    def covers(self, event: Event) -> bool:
        """Whether `event` is of an erased customer and happened before their erasure (what
        they write afterwards is theirs again). WooCommerce events name no conversation: the
        erasure deleted the journal's copies, and Kafka's expire with the topic's retention."""
        if not self.at or not isinstance(event, ConversationEvent):
            return False
        hashed = customer_hash(customer_number(event.conversation_id))
        erased_at = self.at.get((event.store_id, hashed))
        return erased_at is not None and event.occurred_at <= erased_at


async def read_erased(db: Database, store_id: str | None = None) -> Erased:
    wanted = {"store_id": store_id} if store_id else {}
    at: dict[tuple[str, str], datetime] = {}
    async for record in db[CUSTOMER_ERASURES].find(wanted):
        key = (record["store_id"], record["customer_hash"])
        at[key] = max(record["erased_at"], at.get(key, record["erased_at"]))
    return Erased(at)
