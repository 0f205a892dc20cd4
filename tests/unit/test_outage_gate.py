"""One event probes a dependency that is down while the others wait; the probe's first attempt
that gets through (or its end, however it ends) ends the pause for all of them."""

import asyncio
from collections import Counter

from prometheus_client import REGISTRY

from shared.outage_gate import OutageGate

GROUP = "test-outage-gate"


def paused() -> float:
    labels = {"group": GROUP, "dependency": "mongodb"}
    return REGISTRY.get_sample_value("balas_consumers_paused", labels) or 0.0


class Events:
    """Events that need MongoDB, attempted as the consumer attempts them."""

    def __init__(self, gate: OutageGate) -> None:
        self.gate = gate
        self.mongodb_up = asyncio.Event()
        self.tries: Counter[str] = Counter()
        self.probed_five_times = asyncio.Event()

    async def handle(self, name: str) -> None:
        try:
            while True:
                self.tries[name] += 1
                if self.tries[name] == 5:
                    self.probed_five_times.set()
                if not self.mongodb_up.is_set():
                    await self.gate.wait_out("mongodb", ConnectionRefusedError())
                    continue
                self.gate.settled()
                return
        finally:
            self.gate.settled()


async def test_one_event_probes_the_outage_and_the_others_wait_until_it_gets_through() -> None:
    events = Events(OutageGate(GROUP, delay=lambda failed_probes: 0.01))
    names = ("probe", "second", "third")
    running = [asyncio.create_task(events.handle(name)) for name in names]
    await asyncio.wait_for(events.probed_five_times.wait(), timeout=30)
    during_outage = (paused(), events.gate.down, events.tries["second"], events.tries["third"])
    events.mongodb_up.set()
    await asyncio.gather(*running)

    assert during_outage == (1, True, 1, 1)  # while the probe tried five times
    assert (events.tries["second"], events.tries["third"]) == (2, 2)
    assert (paused(), events.gate.down) == (0, False)


async def test_a_probe_that_is_cancelled_lets_the_waiting_events_try_again() -> None:
    events = Events(OutageGate(GROUP, delay=lambda failed_probes: 3600.0))
    probe = asyncio.create_task(events.handle("probe"))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(events.handle("waiting"))
    await asyncio.sleep(0)
    events.mongodb_up.set()  # but the probe sleeps for an hour

    probe.cancel()
    await asyncio.gather(probe, return_exceptions=True)
    await asyncio.wait_for(waiting, timeout=30)

    assert events.tries["waiting"] == 2
    assert (paused(), events.gate.down) == (0, False)
