"""Checks on what the model wrote before it may go to a customer.

- A reply that repeats a long stretch of the instructions verbatim is a leak (a prompt-injection
  success): it is replaced.
- A phone number or e-mail address that is not the customer's own, the store's, or in the
  passages and tool results may be another customer's: the reply is replaced.
- Links are kept only if they appear in the passages or tool results or are on the store's own
  domain; others are removed (the rest of the reply stands).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

LEAK_WORDS = 20  # this many consecutive words of the instructions in a reply is a leak
INSTRUCTIONS_CACHED = 16  # stores' instructions whose shingles are kept (0.3 MB per 1,000 words)

_WORD = re.compile(r"\w+")
# International (+...), Indonesian national (0...) or bare 62... numbers; not prices or ranges.
_PHONE = re.compile(
    r"(?<![\w+.])(?:\+\d[\d\s().-]{6,}\d|0\d{2,4}(?:[\s.-]?\d{2,5}){1,3}|62\d{8,13})(?![\w])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True)
class Allowed:
    """What a reply may draw on besides itself."""

    instructions: str
    reference: str  # passages and tool results
    own_numbers: tuple[str, ...] = ()  # the customer's and the store's
    domains: tuple[str, ...] = ()  # the store's own web domains


@dataclass(frozen=True)
class Checked:
    text: str
    violation: str | None = None  # why the reply must be replaced; never customer data


def check_reply(reply: str, allowed: Allowed) -> Checked:
    if leaks_instructions(reply, allowed.instructions):
        return Checked(reply, "instructions_leak")
    if foreign_contacts(reply, allowed):
        return Checked(reply, "foreign_contact")
    return Checked(strip_foreign_links(reply, allowed))


def leaks_instructions(reply: str, instructions: str, words: int = LEAK_WORDS) -> bool:
    size, shingles = _instruction_shingles(instructions, words)
    if size == 0:
        return False
    return any(shingle in shingles for shingle in _shingles(_WORD.findall(reply.lower()), size))


@lru_cache(maxsize=INSTRUCTIONS_CACHED)
def _instruction_shingles(instructions: str, words: int) -> tuple[int, frozenset[tuple[str, ...]]]:
    """The shingle size and the instructions' shingles: a store's instructions are the same for
    every reply until its settings change, and cutting them up cost more than the rest of the
    checks (0.6 ms for 1,000 words)."""
    source = _WORD.findall(instructions.lower())
    size = min(words, len(source))
    return size, frozenset(_shingles(source, size))


def _shingles(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def foreign_contacts(reply: str, allowed: Allowed) -> list[str]:
    """Phone numbers and e-mail addresses in `reply` that nothing allowed names."""
    known_numbers = {_phone_key(n) for n in allowed.own_numbers}
    known_numbers |= {_phone_key(n) for n in _phones(allowed.reference)}
    foreign = [n for n in _phones(reply) if _phone_key(n) not in known_numbers]
    reference = allowed.reference.lower()
    for address in _EMAIL.findall(reply):
        domain = address.rsplit("@", 1)[1].lower()
        if address.lower() not in reference and not _on_domains(domain, allowed.domains):
            foreign.append(address)
    return foreign


def _phones(text: str) -> list[str]:
    """Digit runs long enough to be phone numbers (9 to 15 digits)."""
    found = (match.group() for match in _PHONE.finditer(text))
    return [number for number in found if 9 <= len(_digits(number)) <= 15]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_key(number: str) -> str:
    """08xx and +628xx are the same Indonesian number."""
    digits = _digits(number)
    return "62" + digits[1:] if digits.startswith("0") else digits


def strip_foreign_links(reply: str, allowed: Allowed) -> str:
    reference = allowed.reference.lower()

    def keep_or_drop(match: re.Match[str]) -> str:
        url = match.group().rstrip(_TRAILING)
        tail = match.group()[len(url) :]
        if url.lower() in reference or _on_domains(_host(url), allowed.domains):
            return match.group()
        return tail

    stripped = _URL.sub(keep_or_drop, reply)
    return re.sub(r"[ \t]{2,}", " ", stripped).strip()


def _host(url: str) -> str:
    parts = urlsplit(url if "://" in url else "http://" + url)
    return (parts.hostname or "").lower()


def _on_domains(host: str, domains: Iterable[str]) -> bool:
    host = host.removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains if d)


def domain_of(url: str | None) -> str | None:
    """The registrable-looking part of a store URL ("https://www.toko.id/shop" → "toko.id")."""
    if not url:
        return None
    return _host(url).removeprefix("www.") or None
