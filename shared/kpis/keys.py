"""KPI bucket keys and histograms: how a bucket is named, which slot a time falls in, how a
percentile is read back. The aggregator writes with them; every reader of the buckets reads with
them. Customers are named by their keyed hash, `shared.identity.customer_hash`.
"""

from datetime import UTC, date, datetime, tzinfo

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
