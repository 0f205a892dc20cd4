"""How a consumer's fetches wait for records at the broker: briefly while records come in,
longer (or paced further apart) once the consumer has seen none for a while.

Kafka answers a waiting fetch as soon as records arrive, so there the wait only bounds how often
an idle consumer asks: 100 ms while records came within the last `IDLE_AFTER_SECONDS`, then
`IDLE_WAIT_MS`.

The embedded broker (Tansu) polls instead: it reads every partition of a waiting fetch at once,
then again after half the time left, and so on down to a millisecond, and answers at the first
reading that finds records. A fetch waiting 1 s costs about ten readings of all its partitions
(some 70 per consumer), one waiting 100 ms about seven, and a record that arrives meanwhile
waits up to half the wait. So with `paced` (`KAFKA_PACED_FETCHES`, on for the embedded broker)
a consumer asks for no wait, one reading, and after an empty answer starts its next fetch
`BUSY_PACE_SECONDS` after the last one began, `IDLE_PACE_SECONDS` once quiet: a record waits
at most as long as with the waits above, for a fraction of the readings. The broker also stops
reading a partition's records when the wait is over (finding them lists every batch the
partition ever kept), so an answer that shows records it did not bring (a high watermark past
the fetched offset) makes the next fetch a 100 ms one, at once, until records come.
"""

import asyncio
import contextlib
import time
from asyncio import sleep
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

BUSY_WAIT_MS = 100
IDLE_WAIT_MS = 1000
IDLE_AFTER_SECONDS = 10.0
PACED_WAIT_MS = 1  # one reading of the partitions: Tansu answers a fetch of 0 ms unread
BUSY_PACE_SECONDS = 0.05
IDLE_PACE_SECONDS = 0.5


class FetchWait:
    def __init__(self, consumer: AIOKafkaConsumer, paced: bool = False) -> None:
        self._consumer = consumer
        self._paced = paced
        self._records_seen_at = time.monotonic()
        self.quiet = False
        self._records_left = False  # the last paced answer showed records it did not bring
        self._paced_fetcher: Any = None  # the aiokafka fetcher whose fetches are paced

    def polled(self, busy: bool) -> None:
        """After each poll: `busy` if it returned records or the consumer held its partitions
        (every slot taken: nothing was fetched, yet records are waiting)."""
        now = time.monotonic()
        if busy:
            self._records_seen_at = now
            self._records_left = False
        self.quiet = now - self._records_seen_at >= IDLE_AFTER_SECONDS
        # aiokafka reads the wait for each fetch request it builds and has no setter for it.
        fetcher = self._consumer._fetcher
        if fetcher is None:
            return
        if self._paced and fetcher is not self._paced_fetcher:
            self._pace(fetcher)
        fetcher._fetch_max_wait_ms = self.wait_ms()

    def wait_ms(self) -> int:
        """The wait the next fetch asks for."""
        if self._paced:
            return BUSY_WAIT_MS if self._records_left else PACED_WAIT_MS
        return IDLE_WAIT_MS if self.quiet else BUSY_WAIT_MS

    def _pace(self, fetcher: Any) -> None:
        """An empty answer holds the fetcher's next fetch (it sends one at a time to a broker)
        until the pace after this one began; answers with records never wait. aiokafka looks
        the method up for each fetch it starts."""
        fetch = fetcher._proc_fetch_request

        async def paced(assignment: Any, node_id: int, request: Any) -> bool:
            started = time.monotonic()
            brought_records = bool(await fetch(assignment, node_id, request))
            if not brought_records and left_records(assignment, request):
                self._records_left = True
                fetcher._fetch_max_wait_ms = self.wait_ms()  # the fetch it starts next
            elif not brought_records:
                pace = IDLE_PACE_SECONDS if self.quiet else BUSY_PACE_SECONDS
                # aiokafka cancels a pending fetch on a stop or a rebalance and expects no error
                with contextlib.suppress(asyncio.CancelledError):
                    await sleep(pace - (time.monotonic() - started))
            return brought_records

        fetcher._proc_fetch_request = paced
        self._paced_fetcher = fetcher


def left_records(assignment: Any, request: Any) -> bool:
    """Whether a fetch's answer gave a partition a high watermark past the offset it asked from,
    that is, the broker holds records it did not send."""
    if not assignment.active:  # a rebalance: the answer was dropped
        return False
    for topic, partitions in request.topics:
        for partition, offset, _ in partitions:
            highwater = assignment.state_value(TopicPartition(topic, partition)).highwater
            if highwater is not None and highwater > offset:
                return True
    return False
