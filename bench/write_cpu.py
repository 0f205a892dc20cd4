"""The embedded MongoDB's CPU per write: an insert into `messages` and an update of it by `_id`
(the shapes every customer message pays for), with the services' indexes, timed by the server
process's CPU (psutil), without Kafka or services.

Three clients take turns, in rounds, on one server: retryable writes with SecantusDB's record
of them full (it keeps at most 10 000, for 30 minutes, and prunes it on every write), retryable
writes with the record nearly empty (a fresh server), and `retryWrites=false`.
`--without-index NAME` (repeatable) drops an index of `messages` first, to price it;
`--no-full-record` leaves out the rounds with the record full (and the minute filling it).

    python -m bench.write_cpu [--writes 300] [--rounds 3] [--without-index NAME ...]
"""

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable
from pathlib import Path

from bench.probe import CpuUse, server_pids
from bench.servers import mongodb_for_bench
from shared import mongo
from shared.collections import SHARED_INDEXES
from shared.conversations.collections import MESSAGES
from shared.events import utcnow
from shared.infra import EmbeddedServers
from shared.mongo import Database
from shared.settings import Settings

RECORD_FULL = 10_000  # SecantusDB's cap on the retryable writes it remembers
DATABASE = "bench_write_cpu"


def _uri(servers: EmbeddedServers, retry_writes: bool) -> str:
    return f"mongodb://127.0.0.1:{servers.mongodb_port}/?directConnection=true" + (
        f"&retryWrites={'true' if retry_writes else 'false'}"
    )


async def _writes(db: Database, label: str, count: int) -> None:
    """`count` messages inserted and each updated once, as a reply's bookkeeping does."""
    messages = db[MESSAGES]
    for n in range(count):
        _id = f"{label}:{n}"
        await messages.insert_one(
            {
                "_id": _id,
                "conversation_id": f"bench-store:+62813{n % 200:08d}",
                "direction": "inbound",
                "text": "Halo kak, ongkir ke Bandung berapa?",
                "created_at": utcnow(),
            }
        )
        await messages.update_one({"_id": _id}, {"$set": {"labels": ["shipping"]}})


async def _fill_record(db: Database) -> None:
    """Enough retryable writes to fill the server's record (on a collection of its own)."""
    scratch = db["retryable_filler"]
    for n in range(RECORD_FULL):
        await scratch.insert_one({"_id": n})


async def _cpu_per_write(servers: EmbeddedServers, write: Awaitable[None], writes: int) -> float:
    cpu = CpuUse(server_pids(servers))
    cpu.start()
    await write  # a coroutine: it runs only now
    cpu.stop()
    return cpu.seconds["MongoDB (SecantusDB)"] * 1000 / (2 * writes)


async def measure(writes: int, rounds: int, without: list[str], fill: bool) -> None:
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        async with mongodb_for_bench(Path(data_dir), None) as servers:
            clients = {name: mongo.connect(_uri(servers, name != "off")) for name in ("on", "off")}
            db = {name: client[DATABASE] for name, client in clients.items()}
            await mongo.ensure_indexes(db["on"], Settings(), SHARED_INDEXES)
            for name in without:
                await db["on"][MESSAGES].drop_index(name)
            left = [i["name"] async for i in await db["on"][MESSAGES].list_indexes()]
            print(f"indexes of {MESSAGES}: {', '.join(left)}")
            # Alternating, in the same minutes: first with the record nearly empty (a fresh
            # server; each round adds 2 x writes to it), then with it full.
            for phase in ("empty", "full") if fill else ("empty",):
                if phase == "full":
                    await _fill_record(db["on"])
                for round_ in range(rounds):
                    for client_name in ("on", "off"):
                        label = f"{phase}-{client_name}-{round_}"
                        ms = await _cpu_per_write(
                            servers, _writes(db[client_name], label, writes), writes
                        )
                        mode = f"retryable, record {phase}" if client_name == "on" else "off"
                        results.setdefault(mode, []).append(ms)
            for client in clients.values():
                await client.close()
    print(f"SecantusDB CPU per write (ms; {writes} inserts + {writes} updates per figure):")
    for mode, figures in results.items():
        print(f"  {mode:26} {', '.join(f'{ms:.2f}' for ms in figures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--without-index", action="append", default=[])
    parser.add_argument(
        "--no-full-record", action="store_true", help="skip the rounds with the record full"
    )
    options = parser.parse_args()
    asyncio.run(
        measure(options.writes, options.rounds, options.without_index, not options.no_full_record)
    )


if __name__ == "__main__":
    main()
