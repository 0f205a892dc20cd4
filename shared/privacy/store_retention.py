"""A store's own, shorter retention (its privacy settings): a sweep deletes the store's
customers' documents older than it.

TTL indexes apply RETENTION_DAYS to every store at once; a store that keeps its customers' data
for less is swept here, collection by collection of the personal-data map, on the date field the
map says each one expires on. The enricher runs the sweep with its conversation sweeps.
"""

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from shared.kpis.collections import KPI_CONVERSIONS, KPI_ORDERS
from shared.mongo import Database, Document
from shared.privacy.data_map import COLLECTIONS, Finder, Holding
from shared.stores.bot_settings import BotSettings
from shared.stores.collections import BOT_SETTINGS

# Their expiry keeps an order from being counted twice (kpi_aggregator's `orders.settled`),
# which counts with RETENTION_DAYS: they keep a keyed hash only, and expire with it.
COUNTED_WITH_THE_GLOBAL_RETENTION = frozenset({KPI_ORDERS, KPI_CONVERSIONS})


BY_STORE = frozenset(
    {
        Finder.CONVERSATION_ID,
        Finder.ID_IS_CONVERSATION,
        Finder.CUSTOMER_HASH,
        Finder.WOOCOMMERCE_CUSTOMER,
        Finder.CLAIM_SUFFIX,
    }
)


def of_store(holding: Holding, store_id: str) -> Document | None:
    """The query finding one store's documents in `holding` (None: not told apart by store)."""
    conversation_of_store = {"$regex": f"^{re.escape(store_id)}:"}
    match holding.finder:
        case Finder.CONVERSATION_ID:
            return {"conversation_id": conversation_of_store}
        case Finder.ID_IS_CONVERSATION:
            return {"_id": conversation_of_store}
        case Finder.CUSTOMER_HASH | Finder.WOOCOMMERCE_CUSTOMER:
            return {"store_id": store_id}
        case Finder.CLAIM_SUFFIX:  # `store|...|hash`; conversions name their store apart
            return {
                "$or": [{"store_id": store_id}, {"_id": {"$regex": f"^{re.escape(store_id)}\\|"}}]
            }
    return None  # not BY_STORE: the event journal (keyed in bytes), staff data, the ledger


SWEPT = tuple(
    holding
    for holding in COLLECTIONS
    if holding.personal
    and holding.expiry
    and holding.collection not in COUNTED_WITH_THE_GLOBAL_RETENTION
    and holding.finder in BY_STORE
)


async def shorter_retentions(db: Database, global_days: int) -> AsyncIterator[tuple[str, int]]:
    """(store, days) of the stores keeping their customers' data for less than RETENTION_DAYS."""
    found = db[BOT_SETTINGS].find({"settings.privacy.retention_days": {"$lt": global_days}})
    async for document in found:
        privacy = BotSettings.model_validate(document["settings"]).privacy
        yield document["_id"], privacy.days(global_days)


async def sweep_store_retention(db: Database, global_days: int, now: datetime) -> int:
    """Delete what each store with a shorter retention keeps past it; how many documents."""
    deleted = 0
    async for store_id, days in shorter_retentions(db, global_days):
        cutoff = now - timedelta(days=days)
        for holding in SWEPT:
            query = of_store(holding, store_id)
            assert holding.expiry is not None  # as SWEPT selects
            assert query is not None
            result = await db[holding.collection].delete_many(
                {**query, holding.expiry: {"$lt": cutoff}}
            )
            deleted += result.deleted_count
    return deleted
