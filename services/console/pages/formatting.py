"""Numbers as the console shows them, in the reader's language: grouping, percentages, durations
and money. One place, so the page and its live refresh format alike."""

from decimal import Decimal

from services.console.i18n import Lang
from shared.money import money as shared_money
from shared.money import number as number  # re-exported for the pages

NO_VALUE = "\u2013"  # an en dash: shown where there is no figure


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
    return NO_VALUE if amount is None else shared_money(amount, currency, lang)


def byte_size(size: int, lang: Lang) -> str:
    """512 B, 3,5 KB, 20 MB: the unit that keeps the figure short (1 KB = 1024 B)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{number(value, lang, 0 if value == int(value) else 1)} {unit}"
    return f"{number(size, lang)} B"
