"""The customer journeys' runner (bench/journey_eval.py) plays a journey through the responder
on the test servers and judges it from outside: a voice question about the customer's own order
is transcribed and answered with its status; another customer's order is refused without a
word about it; neither writes to WooCommerce."""

from collections.abc import AsyncIterator

import pytest

from bench.journey_eval import Harness, play, responder, wired
from bench.journeys import Expected, Journey, ShopOrder, Turn, judge, read_shop
from shared.mongo import Database
from shared.settings import Settings
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_api import WooCommerceStandIn

pytestmark = pytest.mark.slow

CUSTOMER = "+6281299990443"
MINE = ShopOrder(
    number="7143",
    status="processing",
    billing_phone="0812-9999-0443",
    total="230000",
    items=[("Blus Batik Encim", 1)],
    payment_url="https://tokolestari.example/checkout/order-pay/7143/",
    shipping={"address_1": "Jl. Asia Afrika No. 65", "city": "Bandung"},
)
THEIRS = MINE.model_copy(
    update={
        "number": "7144",
        "billing_phone": "081399008812",
        "items": [("Kebaya Encim Bordir", 1)],
        "shipping": {"address_1": "Jl. Gajah Mada No. 58", "city": "Pontianak"},
    }
)


@pytest.fixture
async def harness(db: Database, settings: Settings) -> AsyncIterator[Harness]:
    shop = WooCommerceStandIn(consumer_key="ck_journeys", consumer_secret="cs_journeys").start()
    twilio = TwilioStandIn(auth_token="journeys-twilio-token", status_callbacks=()).start()
    heard = OpenAIStandIn().start()
    offline = settings.updated(llm={"api_key": None, "base_url": None})
    yield Harness(db, wired(offline, twilio, heard), shop, twilio, heard)
    for stand_in in (heard, twilio, shop):
        stand_in.stop()


def journey(turn: Turn, expect: Expected) -> Journey:
    return Journey(
        id="T1",
        language="id",
        style="casual",
        kind="test",
        customer=CUSTOMER,
        orders=[MINE, THEIRS],
        turns=[turn],
        expect=expect,
    )


async def test_a_voice_question_on_the_customers_own_order_is_resolved(harness: Harness) -> None:
    asked = journey(
        Turn(
            voice="pesanan tujuh satu empat tiga sudah dikirim belum",
            transcript=("pesanan 7143 sudah dikirim belum"),
        ),
        Expected(outcome="resolved", facts=[["diproses", "processing"]]),
    )

    async with responder(harness.settings) as deps:
        seen = await play(harness, deps, read_shop(), asked)

    [request] = harness.transcription.transcription_requests
    assert request["filename"].endswith(".ogg")
    assert seen.writes == []
    verdict = judge(asked, seen)
    assert verdict.resolved, verdict.missing
    assert verdict.leaks == 0


async def test_another_customers_order_is_refused_and_nothing_of_it_said(
    harness: Harness,
) -> None:
    asked = journey(
        Turn(text="kak pesanan 7144 udh dikirim blm? isinya apa aja"),
        Expected(outcome="resolved"),
    )

    async with responder(harness.settings) as deps:
        seen = await play(harness, deps, read_shop(), asked)

    assert seen.replies
    assert seen.writes == []
    assert judge(asked, seen).leaks == 0
