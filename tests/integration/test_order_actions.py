"""Order actions in chat (issue 20 §2, docs/actions.md): a customer cancels their own unpaid
order, changes an address before it ships and gets the payment link again, each after one
"YA", exactly once through the WooCommerce REST API; everything else does nothing. Driven
through the responder's handler with the Twilio and WooCommerce stand-ins, real MongoDB and
Kafka."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from services.enricher.commerce import on_order_changed
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received as respond
from services.responder.repository import Reply
from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import MessageReceived, OrderChanged
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.bot_settings import BotSettingsRepository, OrderActionSettings, default_settings
from shared.stores.directory import Store
from shared.woocommerce.payloads import listed_event
from tests.standins import woocommerce_data as wc
from tests.standins.openai_api import OpenAIStandIn, ToolCall
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_api import WooCommerceStandIn
from tests.support.expiry import assert_cached_orders_outlive_a_sweep
from tests.support.inbound import customer_says
from tests.support.responder import close, responder_deps, through_twilio
from tests.support.stores import save_woocommerce_store

pytestmark = pytest.mark.slow

BUDI = "+6281234567890"  # the billing phone of the stand-in's orders
SITI = "+6281399990000"  # another customer
ALL_ON = OrderActionSettings(cancel=True, change_address=True, payment_link=True)


@pytest.fixture
def shop() -> Iterator[WooCommerceStandIn]:
    stand_in = WooCommerceStandIn(consumer_key="ck_test", consumer_secret="cs_test").start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def configured(settings: Settings, twilio_api: TwilioStandIn) -> Settings:
    local = settings.model_copy(update={"allow_private_urls": True})  # the shop is on loopback
    return through_twilio(local, twilio_api).updated(
        llm={"api_key": None, "base_url": None},
        woocommerce={"timeout_seconds": 1.0},
    )


@pytest.fixture
async def deps(
    db: Database, broker: KafkaBroker, configured: Settings
) -> AsyncIterator[ResponderDeps]:
    """Offline: no model configured."""
    deps = responder_deps(db, broker, configured, twilio=True, actions=True)
    yield deps
    await close(deps)


@pytest.fixture
def said_by_model() -> list[list[ToolCall]]:
    """The model's tool calls, turn by turn."""
    return []


@pytest.fixture
async def llm_deps(
    db: Database, broker: KafkaBroker, configured: Settings, said_by_model: list[list[ToolCall]]
) -> AsyncIterator[ResponderDeps]:
    model = OpenAIStandIn(script=lambda _: said_by_model.pop(0)).start()
    llm = {"api_key": SecretStr("sk-test"), "base_url": model.base_url}
    deps = responder_deps(db, broker, configured.updated(llm=llm), twilio=True, actions=True)
    yield deps
    await close(deps)
    model.stop()


async def open_store(
    db: Database, settings: Settings, shop: WooCommerceStandIn, rules: OrderActionSettings
) -> Store:
    store = await save_woocommerce_store(db, settings, webhook_secret="wh", url=shop.url)
    chosen = default_settings(store).model_copy(update={"order_actions": rules})
    await BotSettingsRepository(db).save(store.id, chosen, 0)
    return store


@pytest.fixture
async def store(db: Database, configured: Settings, shop: WooCommerceStandIn) -> Store:
    return await open_store(db, configured, shop, ALL_ON)


async def place(
    db: Database, shop: WooCommerceStandIn, store: Store, order_id: int, **fields: Any
) -> dict[str, Any]:
    """An order at the shop, cached as the enricher caches it from its webhook."""
    document = wc.order(order_id, **fields)
    shop.orders[order_id] = document
    event = listed_event(store.id, "order", document)
    assert isinstance(event, OrderChanged)
    await on_order_changed(event, db)
    await assert_cached_orders_outlive_a_sweep(db, store.id)
    return document


async def says(deps: ResponderDeps, store: Store, customer: str, text: str) -> MessageReceived:
    event = customer_says(store, customer, text)
    await respond(event, deps)
    return event


async def reply_to(deps: ResponderDeps, event: MessageReceived) -> Reply:
    reply = await deps.conversations.find_reply(event.message_sid)
    assert reply is not None
    return reply


async def ledger(db: Database, store: Store) -> list[dict[str, Any]]:
    return await db[ORDER_ACTIONS].find({"store_id": store.id}).to_list()


async def test_a_customer_cancels_their_own_pending_order_with_one_ya_exactly_once(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")

    asked = await says(deps, store, BUDI, "batalin pesanan 1234 kak")
    yes = await says(deps, store, BUDI, "YA")
    await respond(yes, deps)  # the confirmation delivered twice
    await respond(asked, deps)  # and the request too
    again = await says(deps, store, BUDI, "ya")  # and a yes once more, later

    question, answer, _ = twilio_api.sent_to(BUDI)
    assert "membatalkan pesanan #1234" in question["body"]
    assert "Rp 265.000" in question["body"]
    assert "*YA*" in question["body"]
    assert answer["body"] == "Pesanan #1234 sudah dibatalkan."
    assert (await reply_to(deps, asked)).quick_replies == ["YA", "Tidak"]  # Cloud API buttons
    assert shop.orders[1234]["status"] == "cancelled"
    assert len(shop.order_writes(1234)) == 1
    [note] = shop.notes[1234]
    assert "Order cancelled by Balas" in note["note"]
    assert "+62812" in note["note"]
    assert BUDI not in note["note"]  # the number partly hidden
    [entry] = await ledger(db, store)
    assert (entry["kind"], entry["outcome"], entry["noted"]) == ("cancel", "done", True)
    done = await reply_to(deps, yes)
    assert done.order_action is not None
    assert (done.order_action.outcome, done.hand_over) == ("done", None)
    told = await reply_to(deps, again)  # told what was done, not done again, counted once
    assert (told.text, told.hand_over) == ("Pesanan #1234 sudah dibatalkan.", None)
    assert told.order_action is not None
    assert told.order_action.outcome == "repeated"


async def test_a_yes_in_more_words_confirms_and_a_second_one_does_nothing_twice(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await place(db, shop, store, 1235, status="on-hold")

    await says(deps, store, BUDI, "Please cancel order 1234.")
    await says(deps, store, BUDI, "Yes, cancel it")
    yes_again = await says(deps, store, BUDI, "YES")
    await says(deps, store, BUDI, "Permisi, apakah pesanan saya nomor 1235 bisa dibatalkan?")
    await says(deps, store, BUDI, "Ya, silakan dibatalkan.")

    _, done, again, _, done_too = twilio_api.sent_to(BUDI)
    assert done["body"] == again["body"] == "Order #1234 is cancelled."
    assert done_too["body"] == "Pesanan #1235 sudah dibatalkan."
    assert (len(shop.order_writes(1234)), len(shop.order_writes(1235))) == (1, 1)
    assert len(await ledger(db, store)) == 2
    assert (await reply_to(deps, yes_again)).hand_over is None


@pytest.mark.parametrize(
    ("request_text", "later"),
    [
        ("kak pesanan 1234 dibatalin aja", "hmm nanti dulu deh kak, aku pikir2 lagi"),
        ("Please cancel order 1234.", "Actually, let me think about it first."),
    ],
)
async def test_putting_it_off_does_nothing_and_is_no_hand_over(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    request_text: str,
    later: str,
) -> None:
    await place(db, shop, store, 1234, status="pending")

    asked = await says(deps, store, BUDI, request_text)
    put_off = await says(deps, store, BUDI, later)

    assert (await reply_to(deps, asked)).order_action is not None
    reply = await reply_to(deps, put_off)
    assert reply.order_action is not None
    assert (reply.order_action.outcome, reply.hand_over) == ("declined", None)
    assert "1234" in reply.text
    assert shop.recorded("orders/1234", "PUT") == []
    assert shop.orders[1234]["status"] == "pending"


async def test_another_customers_order_and_a_processing_one_are_refused(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await place(db, shop, store, 1240, status="processing")

    await says(deps, store, SITI, "batalkan pesanan 1234")
    await says(deps, store, SITI, "ya")
    asked = await says(deps, store, BUDI, "Tolong batalkan order #1240")
    await says(deps, store, BUDI, "ya")

    refused, after = twilio_api.sent_to(SITI)  # nothing about the order, nothing done
    assert "tidak terdaftar dengan nomor WhatsApp ini" in refused["body"]
    for detail in ("265", "Batik", "Budi", "pending", "menunggu"):
        assert detail not in refused["body"]
        assert detail not in after["body"]
    [not_allowed] = twilio_api.sent_to(BUDI)  # the bot stays silent once a person has it
    assert "sedang diproses" in not_allowed["body"]
    assert "tidak bisa" in not_allowed["body"]
    assert (await reply_to(deps, asked)).hand_over == "order_action"
    assert (shop.orders[1234]["status"], shop.orders[1240]["status"]) == ("pending", "processing")
    assert [r for r in shop.requests if r.method != "GET"] == []
    assert await ledger(db, store) == []


async def test_questions_about_another_customers_order_get_the_refusal_without_a_hand_over(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
) -> None:
    await place(db, shop, store, 1234, status="processing")

    english = await says(
        deps, store, SITI, "hi what's in order 1234 and where is it going? its my sister's"
    )
    indonesian = await says(deps, store, SITI, "kak pesanan 1234 isinya apa ya? kapan sampainya?")
    other = await says(deps, store, SITI, "pesanan 1234 gimana kak? terus toko buka jam berapa?")

    for event in (english, indonesian):
        reply = await reply_to(deps, event)
        assert "1234" in reply.text
        assert reply.hand_over is None
        for detail in ("265", "Batik", "Budi", "processing", "diproses", "Bandung"):
            assert detail not in reply.text
    # a question of its own still needs a person
    assert (await reply_to(deps, other)).hand_over == "missing_knowledge"


async def test_any_answer_but_yes_confirms_nothing(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await says(deps, store, BUDI, "batalin pesanan 1234")
    no = await says(deps, store, BUDI, "gak jadi kak")
    await says(deps, store, BUDI, "batalin pesanan 1234")

    other = await says(deps, store, BUDI, "terima kasih kak")  # answered as usual
    late_yes = await says(deps, store, BUDI, "ya")

    assert (await reply_to(deps, no)).text == "Baik, tidak ada yang diubah pada pesanan #1234."
    assert (await reply_to(deps, other)).order_action is None
    late = await deps.conversations.find_reply(late_yes.message_sid)
    assert late is None or late.order_action is None
    assert shop.recorded("orders/1234", "PUT") == []
    assert await ledger(db, store) == []


async def test_a_confirmation_after_the_expiry_does_nothing(
    db: Database, deps: ResponderDeps, store: Store, shop: WooCommerceStandIn
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await says(deps, store, BUDI, "batalin pesanan 1234")

    yes = customer_says(store, BUDI, "ya")
    late = yes.model_copy(update={"occurred_at": yes.occurred_at + timedelta(minutes=11)})
    await respond(late, deps)

    reply = await reply_to(deps, late)
    assert "sudah habis" in reply.text
    assert reply.order_action is not None
    assert reply.order_action.outcome == "expired"
    assert shop.recorded("orders/1234", "PUT") == []
    assert shop.orders[1234]["status"] == "pending"


async def test_woocommerce_failing_is_told_and_handed_over_never_retried(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await says(deps, store, BUDI, "batalin pesanan 1234")
    shop.fail_next(1, status=500, match=lambda path, _: path.endswith("orders/1234"))

    yes = await says(deps, store, BUDI, "ya")
    await respond(yes, deps)  # redelivered: the claim holds, nothing is tried again

    reply = await reply_to(deps, yes)
    assert "tidak berhasil membatalkan pesanan #1234" in reply.text
    assert reply.hand_over == "order_action"
    assert len(shop.recorded("orders/1234", "GET")) == 1  # the read failed: no write tried
    assert shop.recorded("orders/1234", "PUT") == []
    [entry] = await ledger(db, store)
    assert (entry["outcome"], entry["reason"]) == ("failed", "order_unreadable")
    conversation = await db[CONVERSATIONS].find_one({"_id": yes.conversation_id})
    assert conversation is not None
    assert conversation["owner"] == "human"


async def test_a_write_that_stalls_past_the_timeout_is_not_repeated(
    db: Database, deps: ResponderDeps, store: Store, shop: WooCommerceStandIn
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await says(deps, store, BUDI, "batalin pesanan 1234")
    # no answer in time: the shop may or may not have cancelled it, so a person checks
    shop.stall_next(1, seconds=1.5, method="PUT")  # longer than the 1 s timeout

    yes = await says(deps, store, BUDI, "ya")
    await respond(yes, deps)  # redelivered: the claim holds, nothing is written again

    [entry] = await ledger(db, store)
    assert (entry["outcome"], entry["reason"]) == ("unknown", "write_failed")
    reply = await reply_to(deps, yes)
    assert "tidak berhasil membatalkan pesanan #1234" in reply.text
    assert reply.hand_over == "order_action"
    assert len(shop.recorded("orders/1234", "PUT")) == 1
    assert 1234 not in shop.notes


async def test_after_a_crash_mid_action_the_order_is_checked_not_written_again(
    db: Database, deps: ResponderDeps, store: Store, shop: WooCommerceStandIn
) -> None:
    await place(db, shop, store, 1234, status="pending")
    await says(deps, store, BUDI, "batalin pesanan 1234")
    yes = await says(deps, store, BUDI, "ya")
    # As if the responder died after WooCommerce cancelled the order and noted it, before it
    # recorded either or stored its reply: the confirmation comes again.
    await db[ORDER_ACTIONS].update_many(
        {"store_id": store.id},
        {"$set": {"applied": False, "noted": False, "outcome": None, "finished_at": None}},
    )
    await db[MESSAGES].delete_one({"_id": f"reply:{yes.message_sid}"})

    await respond(yes, deps)

    assert len(shop.order_writes(1234)) == 1
    assert len(shop.notes[1234]) == 1
    [entry] = await ledger(db, store)
    assert (entry["outcome"], entry["attempts"]) == ("done", 2)
    assert (await reply_to(deps, yes)).text == "Pesanan #1234 sudah dibatalkan."


async def test_without_a_number_the_only_open_order_is_meant_else_the_bot_asks(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="on-hold")
    await place(db, shop, store, 1200, status="completed")
    siti = {"first_name": "Siti", "phone": SITI, "country": "ID"}
    await place(db, shop, store, 1300, status="pending", billing=siti)
    await place(db, shop, store, 1301, status="pending", billing=siti)

    await says(deps, store, BUDI, "tolong batalin pesanan saya kak")
    await says(deps, store, SITI, "I want to cancel my order")
    await says(deps, store, SITI, "1301")
    await says(deps, store, SITI, "yes")

    [question] = twilio_api.sent_to(BUDI)
    assert "membatalkan pesanan #1234" in question["body"]
    which, question, done = twilio_api.sent_to(SITI)
    assert "Which order" in which["body"]
    assert "cancel order #1301" in question["body"]
    assert done["body"] == "Order #1301 is cancelled."
    assert (shop.orders[1300]["status"], shop.orders[1301]["status"]) == ("pending", "cancelled")


async def test_the_shipping_address_changes_before_the_order_ships(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="processing")

    await says(deps, store, BUDI, "alamatnya salah kak, pesanan #1234")
    await says(deps, store, BUDI, "Jl. Merdeka No. 5, Bandung 40115")
    await says(deps, store, BUDI, "iya betul")

    ask, question, done = twilio_api.sent_to(BUDI)
    assert "alamat pengiriman baru" in ask["body"]
    assert "Jl. Merdeka No. 5, Bandung 40115" in question["body"]
    assert "sudah diganti" in done["body"]
    shipping = shop.orders[1234]["shipping"]
    assert (shipping["address_1"], shipping["postcode"], shipping["country"]) == (
        "Jl. Merdeka No. 5, Bandung 40115",
        "40115",
        "ID",
    )
    assert len(shop.order_writes(1234)) == 1
    [note] = shop.notes[1234]
    assert "Shipping address changed to: Jl. Merdeka No. 5" in note["note"]


async def test_an_address_given_with_the_request_is_proposed_at_once(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="processing")
    await place(db, shop, store, 1235, status="on-hold")

    await says(
        deps,
        store,
        BUDI,
        "Mohon ubah alamat kirim pesanan 1234 ke Jl. Sudirman No. 99, Palembang 30126",
    )
    await says(deps, store, BUDI, "YA")
    await says(deps, store, BUDI, "Bisakah alamat pengiriman pesanan 1235 diubah?")
    await says(deps, store, BUDI, "Alamat yang benar: Jl. Pemuda No. 150, Semarang 50132.")
    await says(deps, store, BUDI, "Benar, mohon diproses.")

    question, done, *_ = twilio_api.sent_to(BUDI)
    assert "Jl. Sudirman No. 99, Palembang 30126" in question["body"]
    assert "sudah diganti" in done["body"]
    shipping = shop.orders[1234]["shipping"]
    assert (shipping["address_1"], shipping["postcode"]) == (
        "Jl. Sudirman No. 99, Palembang 30126",
        "30126",
    )
    assert len(shop.order_writes(1234)) == 1
    later = shop.orders[1235]["shipping"]  # the address after the bot asked, its label left out
    assert (later["address_1"], later["postcode"]) == (
        "Jl. Pemuda No. 150, Semarang 50132",
        "50132",
    )


async def test_the_address_of_a_shipped_order_is_not_changed(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="processing")
    await says(deps, store, BUDI, "My shipping address is wrong, order #1234")
    await says(deps, store, BUDI, "12 Jalan Sudirman, Jakarta 10220")
    # meanwhile the shop ships it
    shop.touch(
        "order",
        1234,
        meta_data=[
            {"key": "_wc_shipment_tracking_items", "value": [{"tracking_number": "JNE123"}]}
        ],
    )

    yes = await says(deps, store, BUDI, "yes")

    reply = await reply_to(deps, yes)
    assert "has changed since" in reply.text
    assert reply.hand_over == "order_action"
    assert shop.recorded("orders/1234", "PUT") == []
    [entry] = await ledger(db, store)
    assert (entry["outcome"], entry["reason"]) == ("refused", "shipped")


async def test_the_payment_link_is_sent_again_without_any_write(
    db: Database,
    deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    await place(db, shop, store, 1234, status="pending")

    await says(deps, store, BUDI, "minta link bayarnya lagi 1234")
    await says(deps, store, BUDI, "ya")

    _, done = twilio_api.sent_to(BUDI)
    assert shop.orders[1234]["payment_url"] in done["body"]
    assert shop.recorded("orders/1234", "PUT") == []
    assert 1234 not in shop.notes


async def test_a_store_that_did_not_turn_actions_on_hands_over(
    db: Database, deps: ResponderDeps, configured: Settings, shop: WooCommerceStandIn
) -> None:
    store = await open_store(db, configured, shop, OrderActionSettings())
    await place(db, shop, store, 1234, status="pending")

    asked = await says(deps, store, BUDI, "batalin pesanan 1234")

    assert (await reply_to(deps, asked)).hand_over == "order_action"
    assert await db[ACTION_PROPOSALS].find_one({"store_id": store.id}) is None
    assert shop.requests == []


async def test_the_models_tool_proposes_with_the_same_checks_and_only_yes_acts(
    db: Database,
    llm_deps: ResponderDeps,
    store: Store,
    shop: WooCommerceStandIn,
    twilio_api: TwilioStandIn,
    said_by_model: list[list[ToolCall]],
) -> None:
    await place(db, shop, store, 1234, status="pending")
    said_by_model.extend(
        [
            [ToolCall("order_action", {"action": "payment_link", "order_number": "1234"})],
            [ToolCall("answer", {"reply": "Here it is"})],
            [ToolCall("order_action", {"action": "cancel", "order_number": "#1234"})],
            [ToolCall("answer", {"reply": "Done, order 1234 is cancelled!"})],  # it is not
        ]
    )

    await says(llm_deps, store, SITI, "Could you send me what I need to settle order 1234 again?")
    await says(llm_deps, store, BUDI, "I no longer want order 1234, can you stop it")
    proposed_writes = len(shop.recorded("orders/1234", "PUT"))
    await says(llm_deps, store, BUDI, "yes")

    assert said_by_model == []  # the model was asked: the rules did not know these words
    [refused] = twilio_api.sent_to(SITI)
    assert refused["body"].startswith("Order 1234 is not placed with this WhatsApp number")
    assert "pay_for_order" not in refused["body"]
    question, done = twilio_api.sent_to(BUDI)
    assert question["body"].startswith("I will cancel order #1234 (Rp 265,000).")
    assert proposed_writes == 0
    assert done["body"] == "Order #1234 is cancelled."
    assert len(shop.order_writes(1234)) == 1
