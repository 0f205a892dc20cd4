"""Deaths of the embedded broker lose nothing that ingest accepted.

`balas run` on its own embedded servers: the responder is frozen (SIGSTOP) so accepted webhooks
stay unconsumed, then the broker is killed with SIGKILL — alone (the supervisor restarts it), or
with the whole of `balas run` (started again by hand). The broker keeps topics only in memory;
the journal in MongoDB is what brings the messages back. Every customer is answered exactly once,
and `balas run` exits within its grace period after SIGTERM, even with every worker frozen.
"""

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from balas.processes import STOP_GRACE_SECONDS
from shared import mongo
from shared.kpis.collections import KPI_DAILY
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.balas_run import WORKERS, BalasRun
from tests.support.events import new_customer
from tests.support.system import Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

# Stopping may take the services' grace, then the embedded servers' own.
EXIT_WITHIN_SECONDS = STOP_GRACE_SECONDS + 20


@pytest.fixture
def balas_run(
    tmp_path: Path, twilio_api: TwilioStandIn, openai_api: OpenAIStandIn
) -> Iterator[BalasRun]:
    running = BalasRun.configured(tmp_path / "var", twilio_api, openai_api)
    running.start()
    yield running
    running.stop(timeout=EXIT_WITHIN_SECONDS)


async def ready_with_store(balas_run: BalasRun) -> Store:
    await balas_run.wait_ready()
    store = Store(id="store-faults", name="Toko Tahan Banting", whatsapp_number="+15550009911")
    client = mongo.connect(balas_run.mongodb_uri)
    try:
        await save_store(client[balas_run.settings.mongodb.database], store)
    finally:
        await client.close()
    return store


async def accepted_while_responder_frozen(
    balas_run: BalasRun, store: Store, how_many: int
) -> list[str]:
    """Customers whose webhooks ingest accepted while nothing could answer them."""
    webhooks = Webhooks(balas_run.as_running_system())
    balas_run.service("responder").send_signal(signal.SIGSTOP)
    customers = [new_customer() for _ in range(how_many)]
    for customer in customers:
        answer = await webhooks.message(store, customer, "Halo, apakah pesanan saya sudah dikirim?")
        assert answer.status_code == 200, answer.text
    return customers


async def each_answered_once(twilio_api: TwilioStandIn, customers: list[str]) -> None:
    await eventually(lambda: all(twilio_api.sent_to(c) for c in customers), timeout=180)
    for customer in customers:
        assert len(twilio_api.sent_to(customer)) == 1, customer


async def inbound_counted(balas_run: BalasRun, store: Store) -> int:
    client = mongo.connect(balas_run.mongodb_uri)
    try:
        days = client[balas_run.settings.mongodb.database][KPI_DAILY].find({"store_id": store.id})
        return sum([day.get("inbound_messages", 0) async for day in days])
    finally:
        await client.close()


async def test_a_killed_broker_is_restarted_and_every_accepted_message_answered_once(
    balas_run: BalasRun, twilio_api: TwilioStandIn
) -> None:
    store = await ready_with_store(balas_run)
    early = new_customer()
    await Webhooks(balas_run.as_running_system()).message(store, early, "Halo")
    await eventually(lambda: twilio_api.sent_to(early), timeout=120)
    customers = await accepted_while_responder_frozen(balas_run, store, 6)

    broker = balas_run.broker()
    broker.send_signal(signal.SIGKILL)
    broker.wait(timeout=30)

    def restarted() -> bool:
        try:
            return balas_run.broker().pid != broker.pid
        except LookupError:  # the supervisor has not started the new one yet
            return False

    await eventually(restarted, timeout=60)
    balas_run.service("responder").send_signal(signal.SIGCONT)
    later = [new_customer() for _ in range(3)]  # the workers carry on with the new broker
    for customer in later:
        await Webhooks(balas_run.as_running_system()).message(store, customer, "Masih buka?")

    await each_answered_once(twilio_api, [early, *customers, *later])

    # The aggregator ran through the restart: it counted every message once, none skipped.
    async def every_message_counted() -> bool:
        return await inbound_counted(balas_run, store) == 1 + len(customers) + len(later)

    await eventually(every_message_counted, timeout=120)
    assert balas_run.stop(timeout=EXIT_WITHIN_SECONDS) == 0, balas_run.log_tail()


async def test_balas_run_killed_whole_answers_every_accepted_message_after_its_restart(
    balas_run: BalasRun, twilio_api: TwilioStandIn
) -> None:
    store = await ready_with_store(balas_run)
    customers = await accepted_while_responder_frozen(balas_run, store, 6)

    balas_run.crash()
    balas_run.start()
    await balas_run.wait_ready()

    await each_answered_once(twilio_api, customers)


@pytest.mark.faults_slow  # waits out the whole grace period by design
async def test_frozen_services_hold_up_the_stop_for_one_grace_period_not_one_each(
    balas_run: BalasRun,
) -> None:
    await balas_run.wait_ready()
    for worker in WORKERS:  # SIGTERM waits until SIGKILL: each takes the whole grace
        balas_run.service(worker).send_signal(signal.SIGSTOP)

    assert balas_run.stop(timeout=EXIT_WITHIN_SECONDS) is not None, "still running"
