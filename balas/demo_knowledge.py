"""Sample knowledge for the demo store, so that the first `balas simulate` questions are answered.

`balas run` (development only) uploads the documents of `balas/data/demo_knowledge/` to the demo
store (`DEMO_STORE_ID`) when it exists and has never had knowledge: a fresh demo, not a store
someone filled or emptied on purpose, and never any other store. They go through the
knowledge library like any upload, so the enricher indexes them as it would an admin's files.

The documents are the project's own, condensed from the tests' sample store
(`tests/fixtures/sample_store`), a made-up batik shop whose figures, accounts and addresses are
invented: Indonesian (shipping, payment and opening hours, a product catalogue) and English
(returns, sizes and care).
"""

from importlib import resources

from shared import kafka
from shared.knowledge.library import Incoming, InMemory, KnowledgeLibrary
from shared.knowledge.models import KNOWLEDGE_DOCUMENTS, KnowledgeDocument, current_revision
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES

SAMPLE = resources.files("balas").joinpath("data", "demo_knowledge")


def sample_files() -> list[Incoming]:
    """The sample documents, in name order."""
    found = sorted((entry for entry in SAMPLE.iterdir() if entry.is_file()), key=lambda e: e.name)
    return [Incoming(entry.name, InMemory(entry.read_bytes())) for entry in found]


async def wants_sample(db: Database, store_id: str) -> bool:
    """Whether the store exists and never had knowledge: no document now, and its knowledge
    revision never moved (it does when a document becomes ready or is deleted), so a store
    emptied on purpose stays empty."""
    if await db[STORES].count_documents({"_id": store_id}, limit=1) == 0:
        return False
    if await db[KNOWLEDGE_DOCUMENTS].count_documents({"store_id": store_id}, limit=1):
        return False
    return await current_revision(db, store_id) == 0


async def add_sample(library: KnowledgeLibrary, store_id: str) -> list[KnowledgeDocument]:
    return await library.add(store_id, sample_files())


async def seed_demo_knowledge(db: Database, settings: Settings) -> int:
    """The sample documents added to the demo store if it wants them; how many."""
    store_id = settings.demo.store_id
    if not await wants_sample(db, store_id):
        return 0
    await kafka.ensure_topics(settings)
    broker = kafka.make_broker(settings, "balas-demo-knowledge")
    await broker.start()
    try:
        library = KnowledgeLibrary(db, broker, settings.limits.knowledge_max_upload_bytes)
        return len(await add_sample(library, store_id))
    finally:
        await broker.stop()
