"""Per-person KPI rows written before they expired get the date their expiry counts from.

`kpi_customers` expire on `last_at` and `kpi_conversions` on `at` (TTL, RETENTION_DAYS); rows
written before those fields existed would never expire. The aggregator dates them at start:
a customer's last message is taken as their first (the earliest it can be, so the row goes no
later than it should), a conversion's moment is its hour or the start of its day.
"""

from datetime import date, datetime

from pymongo import UpdateOne

from services.kpi_aggregator.orders import claim_moment
from shared.kpis.collections import KPI_CONVERSIONS, KPI_CUSTOMERS
from shared.mongo import Database, Document


async def date_undated_rows(db: Database) -> int:
    """Date the rows without an expiry date; how many were dated. Runs any number of times."""
    dated = 0
    for collection, field, moment in (
        (KPI_CUSTOMERS, "last_at", _first_message),
        (KPI_CONVERSIONS, "at", _conversion_moment),
    ):
        writes = [
            UpdateOne({"_id": row["_id"]}, {"$set": {field: moment(row)}})
            async for row in db[collection].find({field: {"$exists": False}})
        ]
        if writes:
            dated += (await db[collection].bulk_write(writes)).modified_count
    return dated


def _first_message(row: Document) -> datetime:
    first: datetime = row["first_at"]
    return first


def _conversion_moment(row: Document) -> datetime:
    day = date.fromisoformat(row["day"]) if row.get("day") else None
    return claim_moment(row.get("hour"), day)
