"""Watching documents expire for real: the database's TTL monitor deletes them, not the test.

MongoDB's monitor runs once a minute; it is asked to run every second (`ttlMonitorSleepSecs`).
The embedded server does not register that parameter (it answers InvalidOptions) but runs the
same pass over every TTL index on request (`secantusAdmin.pruneTtl`).
"""

from pymongo.errors import OperationFailure

from shared.mongo import Database

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
