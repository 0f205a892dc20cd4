"""KPI bucket keys and histograms: how a bucket is named, which slot a time falls in, how a
percentile is read back, and how a customer is named without the number. The aggregator writes
with them; every reader of the buckets reads with them.
"""

import hashlib
import hmac
from datetime import UTC, date, datetime, tzinfo
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.settings import Settings

# Upper bounds (seconds) of the first-response histogram; one more slot holds the rest.
FIRST_RESPONSE_BOUNDS: tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400)
OVERFLOW = "inf"
# Response times are counted in 1/1024 s steps (under a millisecond). Sums of such binary
# fractions are exact in a double, so they do not depend on the order of additions: a rebuild
# gives bit for bit the sums that live aggregation gave, whatever its batches were.
SECONDS_RESOLUTION = 1024


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_date(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def bucket_id(store_id: str, hour: datetime) -> str:
    return f"{store_id}|{hour:%Y-%m-%dT%H}"


def day_id(store_id: str, day: date) -> str:
    return f"{store_id}|{day:%Y-%m-%d}"


def quantized_seconds(seconds: float) -> float:
    return round(seconds * SECONDS_RESOLUTION) / SECONDS_RESOLUTION


def histogram_slot(seconds: float) -> str:
    for bound in FIRST_RESPONSE_BOUNDS:
        if seconds <= bound:
            return f"{bound:g}"
    return OVERFLOW


# HKDF's label for the customer-hash key: derived from SECRETS_KEY, it is never the key that
# encrypts store secrets, and nothing else derives the same key.
CUSTOMER_HASH_LABEL = b"balas/kpis/customer-hash/v1"
CUSTOMER_HASH_DIGITS = 32  # hex digits kept (128 bits); the unkeyed hashes had 16


def customer_hash(number: str) -> str:
    """The customer's number as KPI documents keep it: HMAC-SHA256 of the E.164 number keyed
    with this installation's key. Phone numbers are few enough to try them all, so an unkeyed
    hash would give the number back; without SECRETS_KEY this one does not."""
    return keyed_customer_hash(number, _installation_key())


def keyed_customer_hash(number: str, key: bytes) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()[:CUSTOMER_HASH_DIGITS]


def customer_hash_key(secrets_key: str) -> bytes:
    """The customer-hash key of an installation whose SECRETS_KEY is `secrets_key`."""
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CUSTOMER_HASH_LABEL)
    return derive.derive(secrets_key.encode())


@cache
def _installation_key() -> bytes:
    """This process's key, from its SECRETS_KEY: every service and command hashes alike."""
    return customer_hash_key(Settings().secrets_key.get_secret_value())


def percentile(histogram: dict[str, int], quantile: float) -> float | None:
    """Read a percentile from a bucket histogram, interpolating inside the bucket."""
    slots = [*(f"{bound:g}" for bound in FIRST_RESPONSE_BOUNDS), OVERFLOW]
    total = sum(histogram.get(slot, 0) for slot in slots)
    if total == 0:
        return None
    rank = quantile * total
    seen, lower = 0, 0.0
    for slot, upper in zip(slots, [*FIRST_RESPONSE_BOUNDS, FIRST_RESPONSE_BOUNDS[-1]], strict=True):
        count = histogram.get(slot, 0)
        if count and seen + count >= rank:
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
        lower = upper
    return float(FIRST_RESPONSE_BOUNDS[-1])
