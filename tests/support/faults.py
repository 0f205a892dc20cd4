"""The fault suite's harness (tests/faults): the real services as processes on embedded servers of
their own, so a scenario can kill, pause and restart the broker and the database as well as the
services, with Twilio and OpenAI stand-ins on loopback.

A scenario posts signed webhooks as Twilio does, one customer per message, and tallies what
became of them: accepted (2xx within Twilio's 15 s), answered once, answered twice or more
(Twilio stand-in's sends to the customer), lost (accepted, never answered within a generous wait),
dead-lettered (records of the store on the dead-letter topics) and each service's peak resident
memory. Its row goes to the table printed at the end of the run (tests/support/fault_report.py).
"""

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from aiokafka.errors import KafkaError
from pydantic import SecretStr

from balas.processes import SERVICES, ServiceProcesses
from balas.simulate import inbound_message_form, new_customer_number, twilio_signature
from shared import broker_recovery, kafka, mongo, topics
from shared.infra import EmbeddedServers, free_port
from shared.kpis.collections import KPI_HOURLY
from shared.routes import TWILIO_MESSAGE_PATH, public_url
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.servers import TEST_GROUP_SESSION_SECONDS
from tests.support.system import AUTH_TOKEN
from tests.support.waiting import eventually

MiB = 1024 * 1024
TWILIO_GIVES_UP_SECONDS = 15.0  # Twilio's webhook timeout; it never retries an inbound message
ANSWER_WAIT_SECONDS = 120.0
QUIET_SECONDS = 3.0  # after the last expected reply, how long a duplicate has to show up


@dataclass
class FaultSystem:
    """Balas on its own broker and database, each an `EmbeddedServers` of one server so that a
    scenario can kill, pause or restart it alone."""

    settings: Settings
    kafka: EmbeddedServers
    mongodb: EmbeddedServers
    services: ServiceProcesses
    twilio: TwilioStandIn
    openai: OpenAIStandIn
    _listeners: dict[int, psutil.Process] = field(default_factory=dict)  # port -> process

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.services.ports['ingest']}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.services.ports['console']}"

    def db(self) -> mongo.Database:
        assert self.settings.mongodb.uri
        return mongo.connect(self.settings.mongodb.uri)[self.settings.mongodb.database]

    async def new_store(self) -> Store:
        """A store of the scenario's own: its customers, sends and dead letters never mix."""
        suffix = uuid.uuid4().int % 10**9
        store = Store(
            id=f"fault-{suffix}", name=f"Toko {suffix}", whatsapp_number=f"+1555{suffix:09d}"
        )
        db = self.db()
        try:
            await save_store(db, store)
        finally:
            await db.client.close()
        return store

    # -- the embedded servers --------------------------------------------------------------

    def server_pid(self, server: EmbeddedServers) -> int:
        """The process listening on the server's port (whatever started it); remembered while
        it runs, because finding it scans every process's sockets."""
        port = server.kafka_port if server.with_kafka else server.mongodb_port
        known = self._listeners.get(port)
        if known and known.is_running() and known.status() != psutil.STATUS_ZOMBIE:
            return known.pid
        for connection in psutil.net_connections(kind="tcp"):
            listening = connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
            if listening and connection.pid:
                self._listeners[port] = psutil.Process(connection.pid)
                return connection.pid
        raise LookupError(f"nothing listens on port {port}")

    def signal_server(self, server: EmbeddedServers, signum: signal.Signals) -> None:
        os.kill(self.server_pid(server), signum)

    def kill_server(self, server: EmbeddedServers) -> None:
        """kill -9, then forget the process, so that `restart_server` can start a new one."""
        pid = self.server_pid(server)
        os.kill(pid, signal.SIGKILL)
        server.stop()  # reaps the dead process

    async def restart_server(self, server: EmbeddedServers) -> None:
        """Start `server` again as `balas run`'s supervisor does: a broker that comes back
        empty gets its topics and the journal's unfinished events again."""
        server.stop()
        server.start()
        await server.wait_until_ready()
        if server is self.kafka:
            await eventually(lambda: _recovered(self.settings))

    # -- the services ----------------------------------------------------------------------

    def pids(self) -> dict[str, int]:
        running = {s: p.pid for s, p in self.services.processes.items() if p.poll() is None}
        with contextlib.suppress(LookupError, psutil.Error):
            running["broker"] = self.server_pid(self.kafka)
        with contextlib.suppress(LookupError, psutil.Error):
            running["database"] = self.server_pid(self.mongodb)
        return running

    def pause(self, *services: str) -> None:
        for service in services:
            self.services.processes[service].send_signal(signal.SIGSTOP)

    def resume(self, *services: str) -> None:
        for service in services:
            self.services.processes[service].send_signal(signal.SIGCONT)

    async def restart(self, service: str) -> None:
        self.services.start(service)
        await self.services.wait_ready()

    async def consumer_lag(self) -> int:
        """`balas_consumer_lag` summed over the workers' /metrics (what Prometheus would see)."""
        total = 0.0
        async with httpx.AsyncClient(timeout=5) as client:
            for service in ("responder", "enricher", "kpi_aggregator"):
                port = self.services.ports[service]
                with contextlib.suppress(httpx.HTTPError):
                    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                    total += sum(
                        float(line.rsplit(" ", 1)[1])
                        for line in text.splitlines()
                        if line.startswith("balas_consumer_lag{")
                    )
        return int(total)

    async def dead_letters(self, store: Store) -> int | None:
        """Records of `store` on the dead-letter topics; None while the broker does not answer."""
        bootstrap = kafka.bootstrap_servers(self.settings)
        try:
            records = [
                record
                for topic in topics.ALL
                for record in await asyncio.wait_for(
                    kafka.read_topic(bootstrap, topics.dead_letter(topic)), 30
                )
            ]
        except Exception:
            return None
        return sum(store.id.encode() in (record.value or b"") for record in records)


def fault_settings(data_dir: Path, twilio: TwilioStandIn, openai: OpenAIStandIn) -> Settings:
    """Production defaults (retries, backoff, timeouts) on the suite's servers and stand-ins,
    but the tests' shorter group session: joins and a killed member's hand-over take less."""
    ingest_port = free_port()
    return Settings(
        allow_private_urls=True, data_dir=data_dir
    ).updated(
        kafka={
            "bootstrap_servers": f"127.0.0.1:{free_port()}",
            "enable_idempotence": False,  # the embedded broker refuses InitProducerId
            "partitions": 4,
            "journal": True,  # as `balas run` sets it for its embedded broker
        },
        mongodb={
            # as `balas run` hands it to the services (no retryable writes)
            "uri": EmbeddedServers(data_dir, mongodb_port=free_port()).mongodb_uri,
            "database": f"balas_faults_{uuid.uuid4().hex[:8]}",
        },
        ingest={"port": ingest_port, "public_base_url": f"http://127.0.0.1:{ingest_port}"},
        metrics={"ingest_port": free_port()},  # free: several systems share this host
        llm={
            "api_key": SecretStr("sk-faults"),
            "base_url": openai.base_url,
            "classification_engine": "offline",  # the stand-in's requests are the responder's
            "summary_engine": "extractive",
        },
        twilio={
            "account_sid": twilio.account_sid,
            "auth_token": SecretStr(AUTH_TOKEN),
            "api_base_url": twilio.url,
        },
        consumers={"group_session_timeout_seconds": TEST_GROUP_SESSION_SECONDS},
        log={"format": "json"},
    )


@contextlib.contextmanager
def fault_system(data_dir: Path) -> Iterator[FaultSystem]:
    """Start everything (stand-ins, broker, database, the five services); stop it all after."""
    twilio = TwilioStandIn(auth_token=AUTH_TOKEN).start()
    openai = OpenAIStandIn().start()
    settings = fault_settings(data_dir, twilio, openai)
    kafka_port = int(settings.kafka.bootstrap_servers.rsplit(":", 1)[1])
    mongodb_port = int((settings.mongodb.uri or "").rsplit(":", 1)[1].split("/")[0])
    broker = EmbeddedServers(data_dir, kafka_port=kafka_port, with_mongodb=False)
    database = EmbeddedServers(data_dir, mongodb_port=mongodb_port, with_kafka=False)
    services = ServiceProcesses(
        env={**os.environ, **settings.as_environment()}, log_dir=data_dir / "logs"
    )
    system = FaultSystem(settings, broker, database, services, twilio, openai)
    try:
        for server in (broker, database):
            server.start()
            asyncio.run(server.wait_until_ready())
        for service in SERVICES:
            services.start(service, settings.ingest.port if service == "ingest" else free_port())
        asyncio.run(services.wait_ready())
        yield system
    finally:
        for service in services.processes:  # a paused service cannot stop
            with contextlib.suppress(ProcessLookupError):
                services.processes[service].send_signal(signal.SIGCONT)
        for server in (broker, database):
            with contextlib.suppress(LookupError, ProcessLookupError):
                system.signal_server(server, signal.SIGCONT)
        services.stop()
        broker.stop()
        database.stop()
        twilio.stop()
        openai.stop()


@dataclass
class Row:
    """One scenario's outcome, a row of the fault table."""

    scenario: str
    accepted: int
    refused: int
    answered_once: int
    answered_twice: int
    lost: int
    dead_lettered: int | None
    peak_rss_mib: dict[str, int]
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.answered_twice == 0 and self.refused == 0


ROWS: list[Row] = []  # every row of this run, for the summary (tests/support/fault_report.py)


@dataclass
class Sent:
    customer: str
    message_sid: str
    status: int | None  # None: no answer within Twilio's timeout, or no connection

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Scenario:
    """Webhooks of one scenario's store, and the tally of what became of them."""

    name: str
    system: FaultSystem
    store: Store
    sent: list[Sent] = field(default_factory=list)
    peaks: dict[str, int] = field(default_factory=dict)
    _sampler: asyncio.Task[None] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def run(cls, name: str, system: FaultSystem) -> AsyncIterator["Scenario"]:
        scenario = cls(name, system, await system.new_store())
        scenario._sampler = asyncio.create_task(scenario._sample_memory())
        try:
            yield scenario
        finally:
            scenario._sampler.cancel()

    async def post(
        self, customer: str | None = None, text: str = "Halo, stoknya masih ada?", **form: str
    ) -> Sent:
        """A customer's WhatsApp message, signed; `form` overrides fields (MessageSid...)."""
        customer = customer or new_customer_number()
        fields = {
            **inbound_message_form(
                customer=customer, store_number=self.store.whatsapp_number, text=text
            ),
            **form,
        }
        url = public_url(self.system.settings.ingest.public_base_url, TWILIO_MESSAGE_PATH)
        headers = {"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, fields)}
        status: int | None = None
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=TWILIO_GIVES_UP_SECONDS) as client:
                response = await client.post(
                    self.system.ingest_url + TWILIO_MESSAGE_PATH, data=fields, headers=headers
                )
                status = response.status_code
        sent = Sent(customer, fields["MessageSid"], status)
        self.sent.append(sent)
        return sent

    async def burst(self, customers: int, text: str = "Apakah toko buka hari Minggu?") -> None:
        """`customers` new customers writing at the same moment."""
        await asyncio.gather(*(self.post(text=text) for _ in range(customers)))

    async def stream(self, seconds: float, per_second: float) -> None:
        """A steady stream of new customers, one every 1/`per_second` s, for `seconds`."""
        posts: set[asyncio.Task[Sent]] = set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            posts.add(asyncio.create_task(self.post()))
            await asyncio.sleep(1 / per_second)
        await asyncio.gather(*posts)

    def replies(self, customer: str) -> int:
        return len(self.system.twilio.sent_to(customer))

    def answered_any(self) -> bool:
        return any(self.replies(sent.customer) for sent in self.sent)

    def accepted_customers(self) -> set[str]:
        return {sent.customer for sent in self.sent if sent.accepted}

    async def settle(self, timeout: float = ANSWER_WAIT_SECONDS) -> None:
        """Wait until every accepted customer has a reply (or `timeout`), then a quiet spell in
        which a duplicate would show up."""
        deadline = time.monotonic() + timeout
        waiting = self.accepted_customers()
        while waiting and time.monotonic() < deadline:
            waiting = {customer for customer in waiting if not self.replies(customer)}
            await asyncio.sleep(0.5)
        await asyncio.sleep(QUIET_SECONDS)

    async def row(self, note: str = "") -> Row:
        """The tally, printed and kept for the summary table. Refusals are failures: Twilio
        never retries a message ingest did not take."""
        customers = {sent.customer for sent in self.sent}
        accepted = self.accepted_customers()
        replies = {customer: self.replies(customer) for customer in customers}
        row = Row(
            scenario=self.name,
            accepted=len(accepted),
            refused=len(customers - accepted),
            answered_once=sum(count == 1 for count in replies.values()),
            answered_twice=sum(count > 1 for count in replies.values()),
            lost=sum(replies[customer] == 0 for customer in accepted),
            dead_lettered=await self.system.dead_letters(self.store),
            peak_rss_mib={name: peak // MiB for name, peak in self.peaks.items()},
            note=note,
        )
        ROWS.append(row)
        print(f"\n{row}")
        return row

    async def _sample_memory(self) -> None:
        while True:
            for name, pid in self.system.pids().items():
                with contextlib.suppress(psutil.Error):
                    rss = psutil.Process(pid).memory_info().rss
                    self.peaks[name] = max(self.peaks.get(name, 0), rss)
            await asyncio.sleep(0.5)


def check(row: Row) -> None:
    """Nothing lost, nothing twice, nothing refused unless the scenario allows it."""
    assert row.lost == 0, f"{row.lost} accepted messages never answered: {row}"
    assert row.answered_twice == 0, f"{row.answered_twice} customers answered twice: {row}"
    assert row.ok, f"{row.refused} webhooks refused or unanswered within 15 s: {row}"


async def published(system: FaultSystem, message_sid: str) -> int:
    """How many times ingest published the message `message_sid` to `whatsapp.inbound`."""
    records = await kafka.read_topic(
        kafka.bootstrap_servers(system.settings), topics.WHATSAPP_INBOUND
    )
    return sum(message_sid.encode() in (record.value or b"") for record in records)


async def kpi_totals(system: FaultSystem, store: Store) -> dict[str, float]:
    """The store's hour buckets summed field by field (nested fields by their dotted path)."""
    totals: dict[str, float] = {}

    def add(document: dict[str, object], prefix: str = "") -> None:
        for key, value in document.items():
            if isinstance(value, dict):
                add(value, f"{prefix}{key}.")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                totals[prefix + key] = totals.get(prefix + key, 0) + value

    db = system.db()
    try:
        async for bucket in db[KPI_HOURLY].find({"store_id": store.id}, {"_id": 0}):
            add(bucket)
    finally:
        await db.client.close()
    return totals


async def balas(system: FaultSystem, *args: str) -> str:
    """Run the `balas` command as an operator would, against the system; its output."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "balas", *args),
        env={**system.services.env, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


async def _recovered(settings: Settings) -> bool:
    try:
        await broker_recovery.recover(settings)
    except KafkaError:  # a broker just started may not serve every request yet
        return False
    return True
