"""Each store's timezone for its day buckets, looked up through the store directory."""

import time
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from shared.mongo import Database
from shared.stores.directory import StoreDirectory

log = structlog.get_logger(__name__)

UTC_ZONE = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone `name`; UTC for a store without one or with a name that is not a zone."""
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone, counting days in UTC", timezone=name)
        return UTC_ZONE


class StoreZones:
    """Cached: a store found is asked again after `ttl_seconds` (StoreDirectory's cache), an
    unknown store too (this cache), so a batch costs no query once its stores are known."""

    def __init__(self, db: Database, ttl_seconds: float = 30.0) -> None:
        self._directory = StoreDirectory(db, ttl_seconds)
        self._ttl = ttl_seconds
        self._unknown: dict[str, float] = {}

    async def lookup(self, store_ids: Iterable[str]) -> dict[str, ZoneInfo]:
        return {store_id: await self.zone(store_id) for store_id in set(store_ids)}

    async def zone(self, store_id: str) -> ZoneInfo:
        if self._unknown.get(store_id, 0.0) > time.monotonic():
            return UTC_ZONE
        store = await self._directory.by_id(store_id)
        if store is None:
            self._unknown[store_id] = time.monotonic() + self._ttl
            return UTC_ZONE
        return zone_named(store.timezone)
