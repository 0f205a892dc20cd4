"""Entities found by regular expressions: order numbers, money amounts, product names.

Order numbers and amounts follow the shapes customers write (`#1042`, `order 1042`, `pesanan no
1042`; `Rp 150.000`, `150rb`, `1,5jt`, `$20`). Product names are a best effort: a product-type
noun from a small bilingual lexicon with the descriptive words around it from another small
list (`kemeja batik`, `running shoes`); brand names and products outside the lexicons are missed.
"""

import re

from services.enricher.classification.labels import Amount, Entities

_ORDER = re.compile(
    r"(?:#\s?(\d{3,12})\b)"
    r"|(?:\b(?:order(?:an)?|pesanan|invoice|inv|no\.?\s*order)"
    r"(?:\s+(?:saya|aku|ku|my|nya))?"
    r"\s*(?:no\.?|nomor|nomer|number|num|id)?\s*[:#.]?\s*(\d{3,12})\b)",
    re.IGNORECASE,
)
_RUPIAH = re.compile(r"\b(?:rp|idr)\.?\s?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:,-)?", re.IGNORECASE)
_SHORT = re.compile(r"\b(\d+(?:[.,]\d+)?)\s?(rb|ribu|k|jt|juta)\b(?!\s?(?:km|kg))", re.IGNORECASE)
_DOLLAR = re.compile(
    r"(?:\$\s?(\d+(?:[.,]\d{1,2})?))|(?:\b(\d+(?:[.,]\d{1,2})?)\s?(?:usd|dollars?)\b)",
    re.IGNORECASE,
)
_MULTIPLIER = {"rb": 1e3, "ribu": 1e3, "k": 1e3, "jt": 1e6, "juta": 1e6}

_PRODUCT_NOUNS = (
    "sepatu|sandal|sendal|kemeja|kaos|baju|celana|rok|gamis|hijab|jilbab|kerudung|jaket|hoodie|"
    "sweater|kardigan|dress|tas|dompet|topi|jam tangan|kacamata|serum|masker|lipstik|skincare|"
    "sabun|parfum|lotion|krim|bedak|toner|sunscreen|blender|rice cooker|kipas|setrika|"
    "powerbank|charger|earphone|headset|casing|case|kabel|mouse|keyboard|laptop|hp|meja|kursi|"
    "rak|lemari|kasur|bantal|sprei|selimut|handuk|piring|gelas|mug|panci|wajan|botol|tumbler|"
    "mainan|boneka|buku|batik|shoes|sneakers|sandals|shirt|t-shirt|tshirt|pants|jeans|skirt|"
    "jacket|bag|backpack|wallet|hat|cap|watch|glasses|moisturizer|cream|soap|perfume|lamp|"
    "lampu|fan|shelf|table|chair|pillow|towel|plate|bottle|toy|book|mukena|sarung|kebaya"
)
_DESCRIPTORS = (
    "batik|denim|kulit|leather|katun|cotton|polos|oversize|rajut|knit|running|sport|matte|"
    "mini|stainless|wireless|bluetooth|travel|lipat|folding|anak|kids|pria|wanita|men|women|"
    "hitam|putih|merah|biru|hijau|kuning|ungu|coklat|abu|navy|maroon|krem|black|white|red|"
    "blue|green|yellow|purple|brown|grey|gray|pink|beige|vitamin|c|syari|selempang|sling|"
    "modern|casual|formal|premium|original|jepit|pashmina|chino|flanel|flannel"
)
_PRODUCT = re.compile(
    rf"\b(?:(?:{_DESCRIPTORS})\s+){{0,2}}(?:{_PRODUCT_NOUNS})\b"
    rf"(?:\s+(?:{_DESCRIPTORS}|{_PRODUCT_NOUNS})\b){{0,2}}",
    re.IGNORECASE,
)
# The words a product noun is made of: a text without one has no product, and the regular
# expression (tried at every word) is the slowest step of labelling a long message.
_NOUN_WORDS = frozenset(re.findall(r"\w+", _PRODUCT_NOUNS))
_WORDS = re.compile(r"\w+")


def _number(digits: str, decimal_comma: bool) -> float:
    if decimal_comma:
        return float(digits.replace(".", "").replace(",", "."))
    return float(digits.replace(",", ""))


def _amounts(text: str) -> list[Amount]:
    found: list[tuple[int, Amount]] = []
    for match in _RUPIAH.finditer(text):
        value = float(re.sub(r"[.,]", "", match.group(1)))
        found.append((match.start(), Amount(text=match.group(0), value=value, currency="IDR")))
    for match in _SHORT.finditer(text):
        number = float(match.group(1).replace(",", "."))
        value = round(number * _MULTIPLIER[match.group(2).lower()])
        found.append((match.start(), Amount(text=match.group(0), value=value, currency="IDR")))
    for match in _DOLLAR.finditer(text):
        digits = match.group(1) or match.group(2)
        found.append(
            (
                match.start(),
                Amount(text=match.group(0), value=_number(digits, False), currency="USD"),
            )
        )
    return [amount for _, amount in sorted(found, key=lambda item: item[0])]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def find_entities(text: str) -> Entities:
    orders = [match.group(1) or match.group(2) for match in _ORDER.finditer(text)]
    products = (
        [" ".join(match.group(0).lower().split()) for match in _PRODUCT.finditer(text)]
        if _NOUN_WORDS.intersection(_WORDS.findall(text.lower()))
        else []
    )
    return Entities(
        order_numbers=_unique(orders), products=_unique(products), amounts=_amounts(text)
    )
