"""Watching documents expire for real: the database's TTL monitor deletes them, not the test.

MongoDB's monitor runs once a minute; it is asked to run every second (`ttlMonitorSleepSecs`).
The embedded server does not register that parameter (it answers InvalidOptions) but runs the
same pass over every TTL index on request (`secantusAdmin.pruneTtl`).
"""

from pymongo.errors import OperationFailure

from shared.mongo import Database
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS

INVALID_OPTIONS = 72  # a parameter this server does not register
ILLEGAL_OPERATION = 20  # a parameter settable at startup only


async def run_ttl_monitor(db: Database) -> None:
    """Make the TTL monitor run soon; call it while polling for documents to disappear."""
    admin = db.client.admin
    try:
        await admin.command("setParameter", 1, ttlMonitorSleepSecs=1)
    except OperationFailure as error:
        if error.code == INVALID_OPTIONS:
            await admin.command({"secantusAdmin.pruneTtl": 1})
        elif error.code != ILLEGAL_OPERATION:  # then the monitor keeps its own pace
            raise


async def assert_cached_orders_outlive_a_sweep(db: Database, store_id: str) -> None:
    """A TTL pass now deletes none of the store's cached orders: they were placed inside the
    retention window (tests/standins/dates.py), so no sweep between a test's write and its read
    can take them either. The pass is immediate on the embedded server only."""
    cached = {"store_id": store_id}
    before = await db[WOOCOMMERCE_ORDERS].distinct("_id", cached)
    assert before, f"no cached order of {store_id}"
    await run_ttl_monitor(db)
    assert await db[WOOCOMMERCE_ORDERS].distinct("_id", cached) == before
