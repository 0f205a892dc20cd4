"""Products shown, not only described: when a customer asks to see a product, or its price or
stock, the products a search found go out as WhatsApp images, one per product (at most
`MAX_CARDS`), under one caption: each product's name, price in the store's currency, stock and
link, in the customer's language.

The products come from `CommerceTools.search_products` only: this store's published products
that are not hidden from its catalogue. A product without an image gets its caption only; a
search none of whose products has an image shows nothing (the text answer stays as it is).
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.answering.commerce_tools import SEARCH_PRODUCTS, STOCK_LABELS, ToolResult
from shared.money import money
from shared.stores.bot_settings import Language
from shared.text.normalise import normalise

MAX_CARDS = 3  # products shown in one reply at most
# Words of a request to see a product, or its price or stock, as `normalise` writes them.
_ASKING = frozenset(
    re.findall(
        r"\S+",
        "foto gambar photo photos picture pictures pic pics image images "
        "harga price prices stok stock ready tersedia available",
    )
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class ProductCard(BaseModel):
    """One product as the customer sees it: its main image (if it has one) and its caption."""

    model_config = ConfigDict(frozen=True)

    image_url: str | None
    caption: str


def asks_to_see(text: str) -> bool:
    """Whether the message asks for a product's photo, price or stock ("ada fotonya kak?")."""
    words = _WORD.findall(normalise(text).lower())
    return any(word in _ASKING or word.removesuffix("nya") in _ASKING for word in words)


def _found(result: ToolResult) -> list[dict[str, Any]]:
    """The products of a successful product search."""
    if result.tool != SEARCH_PRODUCTS or not result.ok:
        return []
    return list(result.data.get("products", []))


def shows_any(result: ToolResult) -> bool:
    """Whether a product the search found has an image to show."""
    return any(product.get("image_url") for product in _found(result))


def cards_of(results: list[ToolResult], language: Language) -> list[ProductCard]:
    """The cards of the products the searches found, in their order, each product once."""
    seen: set[Any] = set()
    cards: list[ProductCard] = []
    for result in results:
        for product in _found(result):
            if product["id"] in seen:
                continue
            seen.add(product["id"])
            image = product.get("image_url") or None
            card = ProductCard(image_url=image, caption=caption(product, language))
            cards.append(card)
    return cards[:MAX_CARDS]


def caption(product: dict[str, Any], language: Language) -> str:
    """The name in bold, the price, the stock and the link, one per line."""
    english, indonesian = STOCK_LABELS.get(str(product.get("stock_status")), ("", ""))
    lines = [f"*{product['name']}*"]
    price = _amount(product.get("price"))
    if price is not None:
        lines.append(money(price, str(product.get("currency")), language.value))
    if english:
        lines.append(f"Stok: {indonesian}" if language is Language.ID else f"Stock: {english}")
    if product.get("permalink"):
        lines.append(str(product["permalink"]))
    return "\n".join(lines)


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None
