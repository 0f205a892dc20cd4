"""The commerce tools' pure parts: order numbers in customers' messages, product ranking."""

import pytest

from shared.answering.commerce_tools import find_order_numbers, rank_products, search_tokens


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("pesanan #1234 belum sampai", ["1234"]),
        ("status order 1234 gimana", ["1234"]),
        ("no. order 1234 ya kak", ["1234"]),
        ("invoice 1234", ["1234"]),
        ("Order saya: 88120 kak", ["88120"]),
        ("my order number is 5521", ["5521"]),
        ("nomor pesanan: 7788 ya", ["7788"]),
        ("pesanan no. 1042 dan pesanan nomor 20481", ["1042", "20481"]),
        ("#1042 dan #1043, #1042 lagi", ["1042", "1043"]),
        ("Order #727?", ["727"]),
        ("order-1234", ["1234"]),
    ],
)
def test_order_numbers_are_found_as_customers_write_them(text: str, numbers: list[str]) -> None:
    assert find_order_numbers(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "order 081234567890",  # a phone number
        "pesanan ke +62 812 3456 7890",
        "order 6281234567890",
        "pesanan 150rb",  # prices
        "order 150.000",
        "harga #125.000",
        "Rp 125.000 order",
        "orderan 3 pcs",
        "order 120 pcs",
        "invoice #INV-1 ukuran 42",
        "ordernya 2 ya",
        "halo kak, mau tanya",
    ],
)
def test_phone_numbers_prices_and_quantities_are_not_order_numbers(text: str) -> None:
    assert find_order_numbers(text) == []


def test_search_words_leave_out_question_words_and_politeness() -> None:
    assert search_tokens("Ada batik parang kak? Harganya berapa?") == ["batik", "parang"]


def test_ranking_keeps_the_best_matches_in_stock_first() -> None:
    products = [
        {"name": "Batik Parang Anak", "stock_status": "outofstock"},
        {"name": "Kemeja Batik Kawung", "stock_status": "instock"},
        {"name": "Batik Tulis Parang", "stock_status": "instock"},
        {"name": "Batik Parangan", "stock_status": "onbackorder"},
    ]

    ranked = rank_products(products, ["batik", "parang"])

    assert [p["name"] for p in ranked] == [
        "Batik Tulis Parang",
        "Batik Parangan",
        "Batik Parang Anak",
    ]


def test_a_product_matching_too_few_words_is_no_answer() -> None:
    products = [{"name": "Kemeja Batik Kawung", "stock_status": "instock"}]

    assert rank_products(products, ["sarung", "tenun", "batik"]) == []
