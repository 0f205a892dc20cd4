"""Numbers as the console shows them, in the reader's language: grouping, percentages, durations
and money. One place, so the page and its live refresh format alike."""

from decimal import ROUND_HALF_UP, Decimal

from services.console.i18n import Lang

# Currencies shown without minor units (the rupiah has none in practice).
NO_VALUE = "\u2013"  # an en dash: shown where there is no figure
WHOLE_CURRENCIES = {"IDR", "JPY", "KRW", "VND"}
SYMBOLS = {"IDR": "Rp", "USD": "$", "EUR": "€", "SGD": "S$", "MYR": "RM"}


def _separators(lang: Lang) -> tuple[str, str]:
    return (".", ",") if lang == "id" else (",", ".")


def number(value: float | Decimal | int, lang: Lang, decimals: int = 0) -> str:
    """Grouped thousands and fixed decimals: 12.345,6 (id) or 12,345.6 (en)."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    group, point = _separators(lang)
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def percent(ratio: float | None, lang: Lang) -> str:
    return NO_VALUE if ratio is None else f"{number(ratio * 100, lang, 1)}%"


def duration(seconds: float | None, lang: Lang) -> str:
    """12 s, 3,5 min, 1,2 h; a dash without a value."""
    if seconds is None:
        return NO_VALUE
    if seconds < 60:
        return f"{number(seconds, lang, 0 if seconds >= 10 else 1)} s"
    if seconds < 3600:
        return f"{number(seconds / 60, lang, 1)} min"
    return f"{number(seconds / 3600, lang, 1)} h"


def money(amount: Decimal | None, currency: str, lang: Lang) -> str:
    if amount is None:
        return NO_VALUE
    decimals = 0 if currency in WHOLE_CURRENCIES else 2
    symbol = SYMBOLS.get(currency, currency)
    return f"{symbol} {number(amount, lang, decimals)}"


def byte_size(size: int, lang: Lang) -> str:
    """512 B, 3,5 KB, 20 MB: the unit that keeps the figure short (1 KB = 1024 B)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{number(value, lang, 0 if value == int(value) else 1)} {unit}"
    return f"{number(size, lang)} B"
