"""A consumer's pause while a dependency is down: one event probes it, the others wait.

The first event whose attempt finds a dependency down opens an outage and becomes its probe: it
tries again after growing, capped delays. Other events that find the same dependency down wait
for the probe instead of hammering it. The outage ends when the probe's attempt ends any other
way (it succeeded, or failed for reasons of its own, or was cancelled); the waiting events then
try again at once. While any outage lasts the consumer takes no new records (shared/consumer.py
pauses its partitions) and dead-letters nothing, however long the outage lasts.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from shared import metrics

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class _Outage:
    dependency: str
    probe: "asyncio.Task[Any]"
    started: float
    accounted: float
    over: asyncio.Event = field(default_factory=asyncio.Event)
    failed_probes: int = 0


class OutageGate:
    def __init__(self, group: str, delay: Callable[[int], float]) -> None:
        """`delay(n)`: how long the probe waits after its n-th failed try (capped backoff)."""
        self._group = group
        self._delay = delay
        self._outages: dict[str, _Outage] = {}

    @property
    def down(self) -> bool:
        """Whether some dependency is down: the consumer takes no new records meanwhile."""
        return bool(self._outages)

    async def wait_out(self, dependency: str, error: BaseException) -> None:
        """After an attempt failed because `dependency` is down: return when to try again."""
        task = asyncio.current_task()
        assert task is not None  # handlers run in tasks
        self._end_probed_by(task, unless=dependency)  # it got past the outage it probed
        outage = self._outages.get(dependency) or self._open(dependency, task, error)
        if outage.probe is task:
            outage.failed_probes += 1
            await asyncio.sleep(self._delay(outage.failed_probes))
            self._account(outage)
        else:
            await outage.over.wait()

    def settled(self) -> None:
        """The current task's attempt ended other than in an outage: an outage it probed is over."""
        task = asyncio.current_task()
        if task is not None:
            self._end_probed_by(task)

    def _open(self, dependency: str, probe: "asyncio.Task[Any]", error: BaseException) -> _Outage:
        now = time.monotonic()
        outage = _Outage(dependency, probe, started=now, accounted=now)
        self._outages[dependency] = outage
        metrics.CONSUMERS_PAUSED.labels(self._group, dependency).inc()
        log.warning(
            "dependency down: consumer paused, nothing is dead-lettered until it answers",
            group=self._group,
            dependency=dependency,
            error=repr(error),
        )
        return outage

    def _end_probed_by(self, task: "asyncio.Task[Any]", unless: str | None = None) -> None:
        for outage in list(self._outages.values()):
            if outage.probe is task and outage.dependency != unless:
                self._account(outage)
                del self._outages[outage.dependency]
                outage.over.set()
                metrics.CONSUMERS_PAUSED.labels(self._group, outage.dependency).dec()
                log.info(
                    "dependency answers: consumer resumed",
                    group=self._group,
                    dependency=outage.dependency,
                    paused_seconds=round(time.monotonic() - outage.started, 1),
                )

    def _account(self, outage: _Outage) -> None:
        """Count the pause's seconds as they pass, so that a long outage shows while it lasts."""
        now = time.monotonic()
        metrics.PAUSED_SECONDS.labels(self._group, outage.dependency).inc(now - outage.accounted)
        outage.accounted = now
