"""Which messages ask to see a product, and a product's caption in either language."""

import pytest

from shared.answering.commerce_tools import ToolResult
from shared.answering.product_cards import MAX_CARDS, asks_to_see, caption, cards_of, shows_any
from shared.stores.bot_settings import Language

PARANG = {
    "id": 93,
    "name": "Batik Tulis Parang",
    "price": "125000",
    "currency": "IDR",
    "stock_status": "instock",
    "permalink": "https://toko.example/produk/batik-tulis-parang/",
    "image_url": "https://toko.example/wp-content/uploads/batik-parang.jpg",
}


@pytest.mark.parametrize(
    "text",
    ["ada fotonya kak?", "Harga kemeja linen berapa?", "do you have a photo of the linen shirt?",
     "stoknya ready?", "minta gambarnya dong", "pic nya ada?"],
)  # fmt: skip
def test_asking_for_a_photo_price_or_stock_asks_to_see(text: str) -> None:
    assert asks_to_see(text)


@pytest.mark.parametrize("text", ["Kapan dikirim?", "What is your return policy?", "fotokopi"])
def test_other_questions_do_not(text: str) -> None:
    assert not asks_to_see(text)


def test_the_caption_speaks_the_customers_language() -> None:
    assert caption(PARANG, Language.ID).splitlines() == [
        "*Batik Tulis Parang*",
        "Rp 125.000",
        "Stok: tersedia",
        "https://toko.example/produk/batik-tulis-parang/",
    ]
    sold_out = PARANG | {"stock_status": "outofstock", "currency": "USD", "price": "12.5"}
    assert caption(sold_out, Language.EN).splitlines()[1:3] == ["$ 12.50", "Stock: out of stock"]


def test_a_product_without_an_image_gets_its_caption_only_and_a_refused_search_nothing() -> None:
    products = [PARANG | {"id": n, "image_url": f"https://toko.example/{n}.jpg"} for n in range(5)]
    found = ToolResult(tool="search_products", ok=True, summary="", data={"products": products})
    no_image = ToolResult(
        tool="search_products",
        ok=True,
        summary="",
        data={"products": [PARANG | {"id": 9, "image_url": None}]},
    )
    refused = ToolResult(tool="search_products", ok=False, summary="", data={"products": [PARANG]})

    assert len(cards_of([found, found], Language.ID)) == MAX_CARDS
    [card] = cards_of([no_image, refused], Language.ID)
    assert (card.image_url, card.caption.splitlines()[0]) == (None, "*Batik Tulis Parang*")
    assert not shows_any(no_image)
    assert shows_any(found)
