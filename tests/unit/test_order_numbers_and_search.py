"""The commerce tools' pure parts: order numbers in customers' messages, product ranking."""

import pytest

from shared.answering.commerce_tools import (
    ORDER_STATUS,
    PHONE_MISMATCH,
    SEARCH_PRODUCTS,
    ToolResult,
    asks_about_the_order,
    find_order_numbers,
    others_orders_only,
    rank_products,
    search_tokens,
)


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


@pytest.mark.parametrize(
    ("text", "about"),
    [
        ("where is it going? its my sister's", True),
        ("kapan sampainya?", True),
        ("isinya apa aja kak", True),
        ("resi udah ada?", True),
        ("toko buka jam berapa?", False),
        ("do you ship to Malaysia?", False),
        ("punya ukuran XL?", False),  # "punya" is no "-nya"
    ],
)
def test_a_question_going_on_about_the_order_named(text: str, about: bool) -> None:
    assert asks_about_the_order(text) is about


def test_only_refusals_of_another_customers_orders_are_others_orders_only() -> None:
    theirs = ToolResult(tool=ORDER_STATUS, ok=False, summary="", refused_reason=PHONE_MISMATCH)
    missing = ToolResult(tool=ORDER_STATUS, ok=False, summary="", refused_reason="not_found")
    own = ToolResult(tool=ORDER_STATUS, ok=True, summary="")
    products = ToolResult(tool=SEARCH_PRODUCTS, ok=True, summary="")

    assert others_orders_only([theirs])
    assert not others_orders_only([theirs, own])
    assert not others_orders_only([theirs, missing])
    assert not others_orders_only([theirs, products])
    assert not others_orders_only([])
