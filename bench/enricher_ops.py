"""The enricher's MongoDB commands per customer message, counted by its own client (the
command listener of shared/mongo.py), and the server's CPU per message, on an embedded MongoDB
with the services' indexes, without Kafka.

Conversations of a customer message, the bot's reply and a second message are fed to the card
handlers the way the consumer would: one event at a time (`--one-by-one`), or each poll's
worth of events as one batch. Commands per customer message = all commands / messages
(replies included in the cost, as they come with the messages).

    python -m bench.enricher_ops [--conversations 100] [--batch 50] [--one-by-one]
"""

import argparse
import asyncio
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.probe import CpuUse, server_pids
from bench.servers import mongodb_for_bench
from services.enricher import handlers
from services.enricher.classification.offline import OfflineClassifier
from shared import mongo
from shared.collections import SHARED_INDEXES
from shared.events import Author, MessageReceived, ReplySent, event_id_for
from shared.metrics import MONGODB_COMMANDS
from shared.settings import Settings

STORE = "bench-store"


def conversation(index: int, start: datetime) -> list[MessageReceived | ReplySent]:
    customer = f"+62813{index:08d}"
    asked = _message(customer, f"m{index}a", "Halo kak, ongkir ke Bandung berapa?", start)
    reply = ReplySent(
        event_id=event_id_for("messages.outbound", f"reply:{asked.message_sid}"),
        occurred_at=start + timedelta(seconds=5),
        store_id=STORE,
        conversation_id=asked.conversation_id,
        message_id=f"reply:{asked.message_sid}",
        in_reply_to=asked.message_sid,
        author=Author.BOT,
        text="Ongkir ke Bandung Rp 18.000 kak",
        sent=True,
        twilio_sid=f"SMr{index}",
        customer_message_at=start,
        response_seconds=5.0,
        first_response=True,
    )
    thanks = _message(customer, f"m{index}b", "Oke makasih kak", start + timedelta(seconds=30))
    return [asked, reply, thanks]


def _message(customer: str, sid: str, text: str, at: datetime) -> MessageReceived:
    return MessageReceived(
        event_id=event_id_for("whatsapp.inbound", sid),
        occurred_at=at,
        store_id=STORE,
        conversation_id=f"{STORE}:{customer}",
        message_sid=sid,
        customer_number=customer,
        store_number="+6281000000000",
        text=text,
    )


def commands_sent() -> Counter[str]:
    counted: Counter[str] = Counter()
    for metric in MONGODB_COMMANDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                name = f"{sample.labels['command']} {sample.labels['collection']}".strip()
                counted[name] += int(sample.value)
    return counted


async def measure(conversations: int, batch: int, one_by_one: bool) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    events = [e for n in range(conversations) for e in conversation(n, start)]
    events.sort(key=lambda event: event.occurred_at)  # as they arrive: interleaved
    classifier = OfflineClassifier()
    with tempfile.TemporaryDirectory() as data_dir:
        async with mongodb_for_bench(Path(data_dir), None) as servers:
            client = mongo.connect(servers.mongodb_uri)
            db = client["bench_enricher_ops"]
            await mongo.ensure_indexes(db, Settings(), SHARED_INDEXES)  # as the enricher's
            server = CpuUse(server_pids(servers))
            before = commands_sent()
            server.start()
            if one_by_one:
                for event in events:
                    if isinstance(event, MessageReceived):
                        await handlers.on_message_received(event, db, classifier)
                    else:
                        await handlers.on_reply_sent(event, db)
            else:
                for first in range(0, len(events), batch):
                    await handlers.on_card_events(events[first : first + batch], db, classifier)
            server.stop()
            spent = commands_sent() - before
            await client.close()
    messages = sum(isinstance(event, MessageReceived) for event in events)
    mode = "one by one" if one_by_one else f"batches of {batch}"
    total = sum(spent.values())
    print(f"{len(events)} events ({messages} customer messages), {mode}: {total} commands")
    print(f"  {total / messages:.2f} per customer message, {server.wall:.2f} s in all")
    for name, seconds in server.seconds.items():
        print(f"  {seconds * 1000 / messages:.2f} ms of {name}'s CPU per customer message")
    for name, count in spent.most_common():
        print(f"  {count / messages:6.2f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--one-by-one", action="store_true")
    options = parser.parse_args()
    asyncio.run(measure(options.conversations, options.batch, options.one_by_one))


if __name__ == "__main__":
    main()
