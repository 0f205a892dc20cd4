"""`python -m bench.journey_eval`: whole customer journeys (issue 20 §4) played through the
responder as a store runs it, judged from outside (bench/journeys.py).

Each journey gets a store of its own, connected to the WooCommerce stand-in of tests/standins
that holds the journey's orders and products; the enricher's handlers put them in the caches
as a reconciliation would. Every turn is a customer's WhatsApp message as ingest turns it into
an event, handed to the responder's own `on_message_received` on the embedded MongoDB and
Kafka: the reply goes out through the Twilio stand-in, a voice note is real speech (espeak-ng,
OGG/Opus) served by the Twilio stand-in and heard by the OpenAI-compatible transcription
stand-in. Then only what a store would see is judged: the WooCommerce stand-in's recorded writes
and its orders at the end, the replies sent, and whether the conversation is a person's now.

The frozen set (bench/data/journeys/frozen.jsonl) is counted, never printed; the development set
(dev.jsonl) prints its misses. `--engine llm` (`make eval ENGINE=llm`) answers with the
configured chat endpoint beside offline.
"""

import argparse
import asyncio
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from bench.journeys import (
    DEV,
    FROZEN,
    FinalOrder,
    Journey,
    Reply,
    Shop,
    ShopOrder,
    ShopProduct,
    Transcript,
    Verdict,
    Write,
    judge,
    read_journeys,
    read_shop,
)
from services.enricher.commerce import on_order_changed, on_product_changed
from services.responder.deps import ResponderDeps, build_deps
from services.responder.handlers import on_message_received
from shared import kafka, mongo
from shared.conversations.collections import CONVERSATIONS
from shared.events import OrderChanged, ProductChanged
from shared.infra import EmbeddedServers, free_port
from shared.logging import configure_logging
from shared.mongo import Database
from shared.runtime import open_runtime
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings, BotSettingsRepository, default_settings
from shared.stores.directory import Store, WooCommerceConnection, save_store
from shared.woocommerce.payloads import listed_event
from tests.standins import woocommerce_data as wc
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_api import API_PREFIX, WooCommerceStandIn
from tests.support.inbound import customer_says
from tests.support.speech import voice_note

log = structlog.get_logger(__name__)

TWILIO_TOKEN = "journeys-twilio-token"
KEY, SECRET = "ck_journeys", "cs_journeys"
UNPAID = {"pending", "on-hold", "failed"}
SETS = {"frozen": FROZEN, "dev": DEV}
OFFLINE = "offline"


@dataclass(frozen=True)
class Harness:
    """The servers and stand-ins one run plays every journey against."""

    db: Database
    settings: Settings
    woocommerce: WooCommerceStandIn
    twilio: TwilioStandIn
    transcription: OpenAIStandIn


@asynccontextmanager
async def harness(data_dir: Path) -> AsyncIterator[Harness]:
    servers = EmbeddedServers(data_dir, kafka_port=free_port(), mongodb_port=free_port())
    servers.start()
    shop = WooCommerceStandIn(consumer_key=KEY, consumer_secret=SECRET).start()
    twilio = TwilioStandIn(auth_token=TWILIO_TOKEN, status_callbacks=()).start()
    heard = OpenAIStandIn().start()
    client = None
    try:
        await servers.wait_until_ready()
        on_servers = servers.applied_to(Settings(allow_private_urls=True))
        settings = wired(on_servers.updated(mongodb={"database": "balas_journeys"}), twilio, heard)
        assert settings.mongodb.uri
        client = mongo.connect(settings.mongodb.uri)  # indexed by the responder's runtime
        yield Harness(client[settings.mongodb.database], settings, shop, twilio, heard)
    finally:
        if client is not None:
            await client.close()
        for stand_in in (heard, twilio, shop):
            stand_in.stop()
        servers.stop()


def wired(settings: Settings, twilio: TwilioStandIn, heard: OpenAIStandIn) -> Settings:
    """`settings` sending through the Twilio stand-in and transcribing with `heard`."""
    return settings.updated(
        twilio={
            "account_sid": twilio.account_sid,
            "auth_token": SecretStr(TWILIO_TOKEN),
            "api_base_url": twilio.url,
        },
        transcription={"base_url": heard.base_url, "api_key": None},
    )


@asynccontextmanager
async def responder(settings: Settings) -> AsyncIterator[ResponderDeps]:
    """The responder's collaborators as its process wires them (`build_deps`), on `settings`."""
    broker = kafka.make_broker(settings, "journeys")
    await broker.start()
    try:
        async with open_runtime(settings, broker) as runtime:
            deps = build_deps(runtime)
            try:
                yield deps
            finally:
                if deps.twilio:
                    deps.twilio.close()
                if deps.cloud:
                    await deps.cloud.close()
    finally:
        await broker.stop()


def shop_order(order: ShopOrder) -> dict[str, Any]:
    """The order as WooCommerce's REST API shows it."""
    paid = order.status not in UNPAID
    first, last = "Pelanggan", order.number
    return wc.order(
        int(order.number),
        status=order.status,
        total=f"{float(order.total):.2f}",
        billing=wc.order()["billing"] | {"phone": order.billing_phone, "first_name": first},
        shipping={"first_name": first, "last_name": last, "country": "ID", **order.shipping},
        line_items=[
            {"id": i + 1, "name": name, "product_id": 0, "quantity": quantity, "meta_data": []}
            for i, (name, quantity) in enumerate(order.items)
        ],
        payment_url=order.payment_url,
        date_paid=wc.order()["date_paid"] if paid else None,
        date_paid_gmt=wc.order()["date_paid_gmt"] if paid else None,
    )


def shop_product(product: ShopProduct) -> dict[str, Any]:
    slug = product.permalink.rstrip("/").rsplit("/", 1)[-1]
    return wc.product(product.id) | {
        "name": product.name,
        "slug": slug,
        "permalink": product.permalink,
        "sku": f"LST-{product.id}",
        "price": product.price,
        "regular_price": product.price,
        "sale_price": "",
        "on_sale": False,
        "stock_status": product.stock_status,
        "stock_quantity": product.stock_quantity,
        "images": [{"id": product.id * 10, "src": product.image}],
    }


def bot_settings(shop: Shop, store: Store) -> BotSettings:
    """The store's defaults with the fixture's settings this build knows (`unknown_settings`
    are left out)."""
    known = {k: v for k, v in shop.bot_settings.items() if k in BotSettings.model_fields}
    return BotSettings.model_validate(default_settings(store).model_dump(mode="json") | known)


def unknown_settings(shop: Shop) -> list[str]:
    """The fixture's bot settings this build does not have yet (the order actions, until they
    land): journeys that need them cannot be resolved."""
    return sorted(set(shop.bot_settings) - set(BotSettings.model_fields))


async def open_shop(h: Harness, shop: Shop, journey: Journey) -> Store:
    """A store of its own for `journey`, its WooCommerce holding the journey's data, cached."""
    stand_in = h.woocommerce
    stand_in.orders = {int(o.number): shop_order(o) for o in journey.orders}
    stand_in.products = {p.id: shop_product(p) for p in journey.products}
    box = secret_box(h.settings)
    store = Store(
        id=f"journey-{journey.id.lower()}-{uuid.uuid4().hex[:6]}",
        name=shop.name,
        whatsapp_number=f"+1555{uuid.uuid4().int % 10**7:07d}",
        timezone=shop.timezone,
        currency=shop.currency,
        default_country=shop.country,
        woocommerce=WooCommerceConnection(
            url=stand_in.url,
            consumer_key=box.encrypt(KEY),
            consumer_secret=box.encrypt(SECRET),
            webhook_secret=box.encrypt("journeys"),
        ),
    )
    await save_store(h.db, store)
    await BotSettingsRepository(h.db).save(store.id, bot_settings(shop, store), 0)
    for document in stand_in.orders.values():
        order = listed_event(store.id, "order", document)
        assert isinstance(order, OrderChanged)
        await on_order_changed(order, h.db)
    for document in stand_in.products.values():
        product = listed_event(store.id, "product", document)
        assert isinstance(product, ProductChanged)
        await on_product_changed(product, h.db)
    return store


async def play(h: Harness, deps: ResponderDeps, shop: Shop, journey: Journey) -> Transcript:
    store = await open_shop(h, shop, journey)
    stand_in, customer = h.woocommerce, journey.customer
    stand_in.requests.clear()
    replies: list[Reply] = []
    writes: list[Write] = []
    failed = 0
    conversation = ""
    for index, turn in enumerate(journey.turns):
        media: tuple[tuple[str, str], ...] = ()
        if turn.voice is not None:
            audio = voice_note(turn.voice, journey.language)
            h.transcription.hears(audio, turn.transcript or "")
            media = ((h.twilio.add_media(audio, "audio/ogg"), "audio/ogg"),)
        event = customer_says(store, customer, turn.text or "", *media)
        conversation = event.conversation_id
        sent, asked = len(h.twilio.sent_to(customer)), len(stand_in.requests)
        try:
            await on_message_received(event, deps)
        except Exception as error:  # counted against the journey; the run goes on
            log.warning("a turn failed", journey=journey.id, error=repr(error))
            failed += 1
        replies += [
            Reply(index, m["body"], tuple(m["_media_urls"]))
            for m in h.twilio.sent_to(customer)[sent:]
        ]
        writes += [
            Write(index, r.method, r.path.removeprefix(API_PREFIX).strip("/"))
            for r in stand_in.requests[asked:]
            if r.method != "GET" and r.path.startswith(API_PREFIX) and "webhooks" not in r.path
        ]
    found = await h.db[CONVERSATIONS].find_one({"_id": conversation})
    orders = {
        str(number): FinalOrder(
            str(o["status"]), {k: str(v) for k, v in (o.get("shipping") or {}).items()}
        )
        for number, o in stand_in.orders.items()
    }
    handed_over = found is not None and found.get("owner") == "human"
    return Transcript(replies, writes, orders, handed_over, failed)


@dataclass(frozen=True)
class Figures:
    group: str
    journeys: int
    expect_resolved: int
    resolved: int  # of those expected resolved: no person, effects, facts, nothing unsafe
    expect_handover: int
    handed_over: int  # of those expected handed over, as expected
    wrong_actions: int
    unconfirmed_actions: int
    leaks: int


def figures(group: str, verdicts: Sequence[Verdict]) -> Figures:
    wanted = [v for v in verdicts if v.journey.expect.outcome == "resolved"]
    handed = [v for v in verdicts if v.journey.expect.outcome == "handover"]
    return Figures(
        group=group,
        journeys=len(verdicts),
        expect_resolved=len(wanted),
        resolved=sum(v.resolved for v in wanted),
        expect_handover=len(handed),
        handed_over=sum(v.as_expected for v in handed),
        wrong_actions=sum(v.wrong_actions for v in verdicts),
        unconfirmed_actions=sum(v.unconfirmed_actions for v in verdicts),
        leaks=sum(v.leaks for v in verdicts),
    )


GROUPS: list[tuple[str, Callable[[Journey], str]]] = [
    ("language", lambda j: j.language),
    ("style", lambda j: j.style),
    ("kind", lambda j: j.kind),
]


def grouped(verdicts: Sequence[Verdict]) -> list[Figures]:
    rows = [figures("all", verdicts)]
    for name, key in GROUPS:
        for value in sorted({key(v.journey) for v in verdicts}):
            rows.append(
                figures(f"{name} {value}", [v for v in verdicts if key(v.journey) == value])
            )
    return rows


def table(title: str, rows: Sequence[Figures]) -> Table:
    result = Table(title=title)
    result.add_column("group", no_wrap=True)
    for column in (
        "journeys",
        "resolved, no human",
        "handed over as expected",
        "wrong actions",
        "unconfirmed actions",
        "leaks",
    ):
        result.add_column(column, justify="right")
    for f in rows:
        result.add_row(
            f.group,
            str(f.journeys),
            _share(f.resolved, f.expect_resolved),
            _share(f.handed_over, f.expect_handover),
            str(f.wrong_actions),
            str(f.unconfirmed_actions),
            str(f.leaks),
        )
    return result


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({count / total:.2f})" if total else "-"


async def evaluate(
    sets: Sequence[str], engines: Sequence[str]
) -> dict[str, dict[str, list[Verdict]]]:
    """Verdicts per engine and set; any engine but offline is the configured chat endpoint."""
    shop = read_shop()
    results: dict[str, dict[str, list[Verdict]]] = {}
    with tempfile.TemporaryDirectory(prefix="balas-journeys-") as data_dir:
        async with harness(Path(data_dir)) as h:
            for engine in engines:
                settings = h.settings
                if engine == OFFLINE:
                    settings = settings.updated(llm={"api_key": None, "base_url": None})
                async with responder(settings) as deps:
                    for name in sets:
                        verdicts = []
                        for journey in read_journeys(SETS[name]):
                            seen = await play(h, deps, shop, journey)
                            verdicts.append(judge(journey, seen, shop.country))
                        results.setdefault(engine, {})[name] = verdicts
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.journey_eval", description=__doc__)
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="default: both")
    parser.add_argument(
        "--engine",
        choices=[OFFLINE, "llm"],
        default=OFFLINE,
        help="llm: the configured chat endpoint, beside offline",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    settings = Settings()
    configure_logging(settings.updated(log={"level": "WARNING"}), "journey-eval")
    if arguments.engine == "llm" and not settings.llm.configured:
        parser.error("--engine llm needs an LLM endpoint: OPENAI_API_KEY or OPENAI_BASE_URL")
    engines = [OFFLINE] + ([f"llm: {settings.llm.model}"] if arguments.engine == "llm" else [])
    sets = arguments.set or ["dev", "frozen"]
    results = asyncio.run(evaluate(sets, engines))
    console = Console(width=max(Console().width, 120))
    unknown = unknown_settings(read_shop())
    if unknown:
        console.print(
            f"Not in this build's bot settings, so not switched on: {', '.join(unknown)}. "
            "Journeys that need them are not resolved."
        )
    report: dict[str, Any] = {}
    for engine, by_set in results.items():
        for name, verdicts in by_set.items():
            rows = grouped(verdicts)
            console.print(table(f"Customer journeys, {name} set, {engine}", rows))
            report.setdefault(engine, {})[name] = [asdict(row) for row in rows]
            if name == "dev":  # the frozen set's journeys stay unread by those who tune
                for v in verdicts:
                    if not v.as_expected:
                        console.print(f"{v.journey.id} {v.journey.kind}: {'; '.join(v.missing)}")
            failed = Counter(why for v in verdicts for why in v.missing if "failed" in why)
            for why, count in failed.items():
                console.print(f"{name}, {engine}: {count} journeys with {why}")
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
