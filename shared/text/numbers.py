"""Numbers, prices and codes written one way, so the ways a shop writes them meet.

- thousand separators go ("Rp150.000", "150,000", "IDR 150.000,00" -> "150000"), Indonesian
  and English shorthands are multiplied out ("150rb", "150 ribu", "150k" -> "150000"; "1,5jt"
  -> "1500000"), percentages stay one term ("20%", "20 persen", "20 percent" -> "20%"),
  decimals use a dot ("1,5" -> "1.5"; "10.00" -> "10");
- codes that mix letters and digits keep together without their separators ("SKU-1234",
  "sku1234" -> "sku1234"; "INV/2024/001" -> "inv2024001"), a number glued to a unit splits
  ("500ml" -> "500", "ml"), and so do amounts of a range or a rate ("2-3cc/L" -> "2", "3", "cc",
  "l"; "5-8kg" -> "5", "8", "kg"), which are no codes;
- a clock time written with am or pm is the hour on the 24-hour clock and the word "jam"
  ("8am-5pm" -> "jam", "8", "17"), as "pukul 08.00-17.00" is.
"""

import re

MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}
PERCENT_WORDS = frozenset({"persen", "percent", "pct"})

_THOUSANDS = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:[.,](\d{1,2}))?")
_DECIMAL = re.compile(r"(\d+)[.,:](\d+)")
_NUMBER_AND_UNIT = re.compile(r"(\d+(?:[.,]\d+)*)([a-z]+)")
_CURRENCY_PREFIX = re.compile(r"(?:rp|idr)(?=\d)")
# A piece of an amount: a number, with its unit or not, or a unit ("2", "3cc", "l" in "2-3cc/l").
_AMOUNT_PIECE = re.compile(r"\d+(?:[.,]\d+)*[a-z]*|[a-z]+")
_SEPARATORS = re.compile(r"[-_/.,:']")
_CLOCK = r"(\d{1,2})(?:[.:]\d{2})?(am|pm)"
_CLOCK_TIMES = re.compile(rf"{_CLOCK}(?:[-\u2013]{_CLOCK})?")


def number(raw: str) -> str | None:
    """A plain number in one canonical spelling, or None if `raw` is not one."""
    if raw.isdigit():
        return raw.lstrip("0") or "0"
    if match := _THOUSANDS.fullmatch(raw):
        whole = re.sub(r"[.,]", "", raw[: match.start(2) - 1] if match.group(2) else raw)
        cents = (match.group(2) or "").rstrip("0")
        return (whole.lstrip("0") or "0") + (f".{cents}" if cents else "")
    if match := _DECIMAL.fullmatch(raw):
        whole, fraction = match.group(1).lstrip("0") or "0", match.group(2).rstrip("0")
        return whole + (f".{fraction}" if fraction else "")
    return None


def is_number(term: str) -> bool:
    return term.replace(".", "", 1).isdigit()


def multiply(value: str, unit: str) -> str:
    product = float(value) * MULTIPLIERS[unit]
    return str(int(product)) if product == int(product) else f"{product:g}"


def _hours(groups: tuple[str | None, ...]) -> list[str]:
    """The hours of (hour, am/pm) pairs on the 24-hour clock: "5", "pm" is "17"."""
    pairs = zip(groups[::2], groups[1::2], strict=True)
    return [str(int(hour) % 12 + (12 if half == "pm" else 0)) for hour, half in pairs if hour]


def raw_terms(token: str) -> list[str]:
    """One folded token as zero or more words, numbers and codes (not yet stemmed)."""
    token = _CURRENCY_PREFIX.sub("", token, count=1)
    if token.endswith("%"):
        value = number(token[:-1])
        return [f"{value}%"] if value else raw_terms(token[:-1])
    if (value := number(token)) is not None:
        return [value]
    if match := _CLOCK_TIMES.fullmatch(token):  # "8am-5pm": hours, as "pukul 08.00-17.00"
        return ["jam", *_hours(match.groups())]
    if match := _NUMBER_AND_UNIT.fullmatch(token):
        value = number(match.group(1))
        unit = match.group(2)
        if value is not None and unit in MULTIPLIERS:
            return [multiply(value, unit)]
        if value is not None:
            return [value, unit]
    parts = [part for part in _SEPARATORS.split(token) if part]
    pieces = [part for part in re.split(r"[-_/']", token) if part]
    if len(pieces) > 1 and not any(c.isalpha() for c in token):  # ranges: "08.00-17.00"
        return [term for piece in pieces for term in raw_terms(piece)]
    # Amounts begin with their number ("2-3cc/l", "5-8kg"); codes with letters ("inv/2024/001").
    if len(pieces) > 1 and token[0].isdigit() and all(map(_AMOUNT_PIECE.fullmatch, pieces)):
        return [term for piece in pieces for term in raw_terms(piece)]
    if any(c.isdigit() for c in token):  # a code (order, product, invoice) or "1.2.3"
        return ["".join(parts)]
    return parts
