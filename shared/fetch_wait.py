"""How long a consumer's fetches wait at the broker for records: short while records come in,
long once the consumer has seen none for a while.

Kafka answers a fetch as soon as records arrive, so there the wait only bounds how often an idle
consumer asks. The embedded broker (Tansu) holds each fetch for the whole wait instead, so a
short wait is what keeps a hop quick under traffic, and every empty answer costs the broker CPU:
at 100 ms, the consumers of an idle `balas run` kept it about 10 % of a core busy. So the wait is
100 ms while records came within the last `IDLE_AFTER_SECONDS`, and `IDLE_WAIT_MS` after that:
on the embedded broker the first record after a quiet spell waits up to that long, then the
consumer is quick again; on Kafka nothing waits.
"""

import time

from aiokafka import AIOKafkaConsumer

BUSY_WAIT_MS = 100
IDLE_WAIT_MS = 1000
IDLE_AFTER_SECONDS = 10.0


class FetchWait:
    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self._records_seen_at = time.monotonic()

    def polled(self, busy: bool) -> None:
        """After each poll: `busy` if it returned records or the consumer held its partitions
        (every slot taken: nothing was fetched, yet records are waiting)."""
        now = time.monotonic()
        if busy:
            self._records_seen_at = now
        quiet = now - self._records_seen_at >= IDLE_AFTER_SECONDS
        # aiokafka reads the wait for each fetch request it builds and has no setter for it.
        fetcher = self._consumer._fetcher
        if fetcher is not None:
            fetcher._fetch_max_wait_ms = IDLE_WAIT_MS if quiet else BUSY_WAIT_MS
