"""Numbers and money as a reader of Indonesian or English expects them: grouping, decimals and
the currency's symbol. One place, so the console and the bot's product captions agree."""

from decimal import ROUND_HALF_UP, Decimal

# Currencies shown without minor units (the rupiah has none in practice).
WHOLE_CURRENCIES = {"IDR", "JPY", "KRW", "VND"}
SYMBOLS = {"IDR": "Rp", "USD": "$", "EUR": "€", "SGD": "S$", "MYR": "RM"}


def _separators(lang: str) -> tuple[str, str]:
    return (".", ",") if lang == "id" else (",", ".")


def number(value: float | Decimal | int, lang: str, decimals: int = 0) -> str:
    """Grouped thousands and fixed decimals: 12.345,6 (id) or 12,345.6 (en)."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    group, point = _separators(lang)
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def money(amount: Decimal, currency: str, lang: str) -> str:
    """Rp 125.000 (id), Rp 125,000 (en), $ 12.50."""
    decimals = 0 if currency in WHOLE_CURRENCIES else 2
    return f"{SYMBOLS.get(currency, currency)} {number(amount, lang, decimals)}"
