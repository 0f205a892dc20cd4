"""Products shown, not only described (issue 20 §3): a customer who asks for a product's photo,
price or stock gets one WhatsApp message with the products' images and their captions, sent
through the Twilio stand-in exactly once, with and without the model."""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from services.enricher.commerce import on_product_changed
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from shared.events import MessageReceived, ProductChanged
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from shared.woocommerce.payloads import ProductSnapshot, Topic, changed_event
from tests.standins.openai_api import OpenAIStandIn, ToolCall
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_data import product
from tests.support.events import new_customer
from tests.support.inbound import customer_says
from tests.support.responder import close, responder_deps, through_twilio
from tests.support.stores import save_woocommerce_store

pytestmark = pytest.mark.slow

PARANG_IMAGE = "https://toko.example/wp-content/uploads/batik-parang.jpg"
PARANG_PAGE = "https://toko.example/produk/batik-tulis-parang/"

Script = Callable[[list[dict[str, Any]]], str | list[ToolCall]]


@pytest.fixture
def turns() -> list[Script]:
    """What the model does, turn by turn (only with the `llm_deps`)."""
    return []


@pytest.fixture
def openai_api(turns: list[Script]) -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(script=lambda messages: turns.pop(0)(messages)).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def deps(
    db: Database, broker: KafkaBroker, settings: Settings, twilio_api: TwilioStandIn
) -> AsyncIterator[ResponderDeps]:
    """Offline: no model configured."""
    offline = settings.updated(llm={"api_key": None, "base_url": None})
    deps = responder_deps(db, broker, through_twilio(offline, twilio_api), twilio=True)
    yield deps
    await close(deps)


@pytest.fixture
async def llm_deps(
    db: Database,
    broker: KafkaBroker,
    settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> AsyncIterator[ResponderDeps]:
    llm = {"api_key": SecretStr("sk-test"), "base_url": openai_api.base_url}
    with_model = through_twilio(settings.updated(llm=llm), twilio_api)
    deps = responder_deps(db, broker, with_model, twilio=True)
    yield deps
    await close(deps)


@pytest.fixture
async def shop(db: Database, settings: Settings) -> Store:
    store = await save_woocommerce_store(db, settings, webhook_secret="wh")
    await cache(db, store, 93)  # Batik Tulis Parang, Rp 125.000, 7 in stock, with its images
    return store


async def cache(db: Database, store: Store, product_id: int, **fields: Any) -> None:
    snapshot = ProductSnapshot.model_validate(product(product_id) | fields)
    event = changed_event(store.id, Topic("product", "updated"), snapshot)
    assert isinstance(event, ProductChanged)
    await on_product_changed(event, db)


async def asks(deps: ResponderDeps, store: Store, text: str) -> tuple[str, MessageReceived]:
    customer = new_customer()
    event = customer_says(store, customer, text)
    await respond(event, deps)
    return customer, event


async def test_a_photo_question_gets_the_image_and_caption_once(
    deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    customer, event = await asks(deps, shop, "Ada foto batik tulis parang kak?")
    await respond(event, deps)  # the event redelivered: nothing new goes out

    sent = twilio_api.sent_to(customer)
    assert len(sent) == 1
    assert sent[0]["_media_urls"] == [PARANG_IMAGE]
    body = sent[0]["body"]
    for line in ("*Batik Tulis Parang*", "Rp 125.000", "Stok: tersedia", PARANG_PAGE):
        assert line in body.splitlines()
    reply = await deps.conversations.find_reply(event.message_sid)
    assert reply is not None
    assert (reply.media_urls, reply.twilio_sid, reply.hand_over) == (
        [PARANG_IMAGE],
        sent[0]["sid"],
        None,
    )


async def test_a_photo_asked_for_after_naming_the_product_shows_that_product(
    deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    customer = new_customer()
    await respond(customer_says(shop, customer, "Batik tulis parang masih ada?"), deps)
    await respond(customer_says(shop, customer, "Ada fotonya kak?"), deps)

    first, second = twilio_api.sent_to(customer)
    assert first["_media_urls"] == []  # not asked to see it yet
    assert second["_media_urls"] == [PARANG_IMAGE]
    assert "*Batik Tulis Parang*" in second["body"]


async def test_an_english_price_question_is_captioned_in_english(
    db: Database, deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    image = "https://toko.example/wp-content/uploads/linen-shirt.jpg"
    await cache(
        db,
        shop,
        120,
        name="Linen Shirt",
        permalink="https://toko.example/product/linen-shirt/",
        price="89000",
        stock_status="outofstock",
        images=[{"id": 7, "src": image}],
    )

    customer, _ = await asks(deps, shop, "Do you have a photo of the linen shirt?")

    [sent] = twilio_api.sent_to(customer)
    assert sent["_media_urls"] == [image]
    lines = sent["body"].splitlines()
    for line in ("*Linen Shirt*", "Rp 89,000", "Stock: out of stock"):
        assert line in lines


async def test_an_unknown_product_gets_no_image_and_is_handed_over(
    deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    customer, event = await asks(deps, shop, "Ada foto sepatu lari kak?")

    [sent] = twilio_api.sent_to(customer)
    assert sent["_media_urls"] == []
    reply = await deps.conversations.find_reply(event.message_sid)
    assert reply is not None
    assert (reply.media_urls, reply.hand_over) == ([], "missing_knowledge")


async def test_at_most_three_products_are_shown_and_hidden_ones_never(
    db: Database, deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    for product_id in (94, 95, 96):
        image = f"https://toko.example/wp-content/uploads/parang-{product_id}.jpg"
        name = f"Batik Tulis Parang {product_id}"
        await cache(db, shop, product_id, name=name, images=[{"id": product_id, "src": image}])
    await cache(db, shop, 97, name="Batik Tulis Parang Draft", status="draft")
    await cache(db, shop, 98, name="Batik Tulis Parang Polos", images=[])  # fourth: left out

    customer, _ = await asks(deps, shop, "Harga batik tulis parang berapa?")

    [sent] = twilio_api.sent_to(customer)
    assert len(sent["_media_urls"]) == 3
    assert "Draft" not in sent["body"]
    assert sent["body"].count("*Batik Tulis Parang") == 3


async def test_a_question_that_does_not_ask_to_see_gets_text_only(
    deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn
) -> None:
    customer, _ = await asks(deps, shop, "Batik tulis parang bahannya apa?")

    for sent in twilio_api.sent_to(customer):
        assert sent["_media_urls"] == []


async def test_the_model_shows_products_through_its_tool(
    llm_deps: ResponderDeps, shop: Store, twilio_api: TwilioStandIn, turns: list[Script]
) -> None:
    def show(_: list[dict[str, Any]]) -> list[ToolCall]:
        return [ToolCall("show_products", {"query": "batik parang"})]

    def reply(messages: list[dict[str, Any]]) -> list[ToolCall]:
        result = json.loads(messages[-1]["content"])
        arguments = {"reply": "Ini fotonya, Kak.", "cited_ids": [result["id"]]}
        return [ToolCall("answer", arguments)]

    turns.extend([show, reply])

    customer, _ = await asks(llm_deps, shop, "Kak, ada fotonya batik parang?")

    [sent] = twilio_api.sent_to(customer)
    assert sent["_media_urls"] == [PARANG_IMAGE]
    assert sent["body"].startswith("Ini fotonya, Kak.\n\n*Batik Tulis Parang*")
