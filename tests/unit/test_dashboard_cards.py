"""The dashboard's cards from a Dashboard, without the page: every CARDS entry becomes a card,
in order, and revenue in other currencies is never added to the store's."""

from datetime import date
from decimal import Decimal

from services.console.pages.dashboard_cards import CARDS, cards
from shared.kpis.dashboard import Dashboard, Percentiles, Revenue, Series

NONE = Percentiles(p50=None, p90=None, count=0)


def _revenue(currency: str, paid: str) -> Revenue:
    amount = Decimal(paid)
    return Revenue(
        currency=currency,
        paid=amount,
        refunded=Decimal(0),
        net=amount,
        orders=1,
        average_order_value=amount,
        attributed_bot=Decimal(0),
        attributed_human=Decimal(0),
    )


def _dashboard(revenue: list[Revenue], ratings: int) -> Dashboard:
    return Dashboard(
        store_id="s1",
        timezone="Asia/Jakarta",
        currency="IDR",
        first=date(2024, 5, 6),
        last=date(2024, 5, 6),
        granularity="hour",
        inbound=1234,
        customers=20,
        outbound_bot=0,
        outbound_agent=0,
        replies_not_sent=0,
        first_response=NONE,
        first_response_by={"bot": NONE, "agent": NONE},
        human_first_response=NONE,
        human_response=NONE,
        histogram={},
        average_reply_seconds=None,
        closed=0,
        outcomes={"resolved_by_bot": 0},
        reopened=0,
        confirmed=0,
        bot_resolution_rate=None,
        hand_overs={},
        hand_over_rate=None,
        delivery_failed=0,
        delivery_read=0,
        orders_created=0,
        orders_paid=0,
        orders_refunded=0,
        orders_cancelled=0,
        orders_attributed_bot=0,
        orders_attributed_human=0,
        revenue=revenue,
        conversions=0,
        conversion_rate=None,
        intents=[],
        sentiments={},
        csat_ratings=ratings,
        csat_rate=1.0 if ratings else None,
        csat_average=5.0 if ratings else None,
        series=Series(labels=[], inbound=[], bot=[], agent=[], orders_paid=[]),
    )


def test_each_spec_is_one_card_in_order_formatted_in_the_readers_language() -> None:
    shown = cards(_dashboard([_revenue("IDR", "150000")], ratings=0), "id")
    assert [card.key for card in shown] == [spec.key for spec in CARDS]
    by_key = {card.key: card for card in shown}
    assert by_key["inbound"].value == "1.234"
    assert by_key["revenue"].value == "Rp\u00a0150.000"
    assert by_key["csat"].value == "\u2013"
    assert by_key["csat"].sub == "Belum ada penilaian"


def test_other_currencies_get_a_revenue_card_each_beside_the_stores() -> None:
    data = _dashboard([_revenue("IDR", "150000"), _revenue("USD", "12.5")], ratings=2)
    shown = {card.key: card for card in cards(data, "en")}
    assert shown["revenue"].value == "Rp\u00a0150,000"
    assert shown["revenue_USD"].value == "$\u00a012.50"
    assert shown["revenue_USD"].label == "Revenue (USD)"
    assert shown["csat"].sub == "average 5.0/5 · 2 ratings"
