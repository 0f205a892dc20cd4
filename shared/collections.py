"""Every collection `shared/` owns, by the module that declares it: the indexes each process
creates at start. A service adds its own (ingest's receipts, the console's accounts)."""

from shared import journal, mongo
from shared.actions import collections as actions
from shared.broadcasts import collections as broadcasts
from shared.consent import collections as consent
from shared.conversations import collections as conversations
from shared.knowledge import collections as knowledge
from shared.kpis import collections as kpis
from shared.mongo import IndexPlan
from shared.privacy import collections as privacy
from shared.stores import collections as stores
from shared.woocommerce import collections as woocommerce

SHARED_INDEXES: tuple[IndexPlan, ...] = (
    mongo.indexes,
    journal.indexes,
    stores.indexes,
    conversations.indexes,
    kpis.indexes,
    woocommerce.indexes,
    knowledge.indexes,
    privacy.indexes,
    consent.indexes,
    broadcasts.indexes,
    actions.indexes,
)
