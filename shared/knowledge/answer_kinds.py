"""What kind of fact a question asks for, and which passages state one.

"How long does a repair usually take?" loses its framing words to normalisation ("how long",
"take"), so every passage on repairs covers it equally; the one that answers it is the one
stating a duration ("Typical repairs are 3-5 business days"). A question asking for a
duration, an amount, a time of day or a way to reach the shop prefers, among the passages
relevant to it, those that state one. The kind never makes a passage relevant: it only orders
the relevant ones, so what is handed over stays handed over.
"""

import re
from enum import StrEnum
from functools import lru_cache

from shared.text.normalise import terms
from shared.text.sentences import sentences


class AnswerKind(StrEnum):
    DURATION = "duration"
    AMOUNT = "amount"
    CLOCK = "time of day"
    CONTACT = "contact"


_HOW_MANY = r"(?:berapa|brapa|brpa|brp)"  # "berapa" as customers write it
_COST = r"(?:harga|biaya|ongkir|ongkos|tarif|fee|cost|price)"
_ASKS = {
    AnswerKind.DURATION: re.compile(
        rf"\b(?:how\s+long|how\s+soon|how\s+many\s+(?:days|weeks|hours)|{_HOW_MANY}\s+"
        r"(?:lama|hari|hr|minggu)|lama\s+(?:ga|gak|nggak|tidak|nya|gk)\b|kapan\s+(?:sampai|"
        r"sampe|nyampe|datang|tiba))",
        re.IGNORECASE,
    ),
    AnswerKind.AMOUNT: re.compile(
        rf"\b(?:how\s+much|what\s+(?:does|do|is)\s+\w+\s+cost|harganya|{_COST}\w*\b.*"
        rf"\b{_HOW_MANY}\b|{_HOW_MANY}\b.*\b{_COST})",
        re.IGNORECASE,
    ),
    AnswerKind.CLOCK: re.compile(
        rf"\b(?:jam\s+{_HOW_MANY}|jam\s+buka|buka\s+jam|jam\s+operasional|opening\s+hours|"
        r"business\s+hours|what\s+time|when\s+(?:are|do)\s+you\s+open)",
        re.IGNORECASE,
    ),
    AnswerKind.CONTACT: re.compile(
        r"\b(?:phone|telephone|whatsapp|wa|email|e-mail|contact|call|nomor|no\.?\s*(?:hp|wa|"
        r"telp?)|telp|telepon|telpon|hubungi|kontak)\b",
        re.IGNORECASE,
    ),
}

_UNIT = (
    r"(?:business\s+days?|working\s+days?|hari\s+kerja|days?|weeks?|hours?|months?|hari|"
    r"minggu|jam|bulan|x\s*24\s*jam)"
)
_STATES = {
    AnswerKind.DURATION: re.compile(
        rf"\b\d+(?:\s*(?:-|\u2013|to|sampai|s/d|hingga)\s*\d+)?\s*{_UNIT}\b", re.IGNORECASE
    ),
    AnswerKind.AMOUNT: re.compile(
        r"(?:\brp\.?\s*\d|\bidr\s*\d|[$€£]\s*\d|\b\d+(?:[.,]\d{3})+\b|\b\d+\s*(?:rb|ribu|k|"
        r"juta|jt|usd|eur)\b|\b\d+(?:[.,]\d+)?\s*%)",
        re.IGNORECASE,
    ),
    AnswerKind.CLOCK: re.compile(
        r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm)\b|\b\d{1,2}[.:]\d{2}\s*(?:-|\u2013|sampai|s/d|to)\s*"
        r"\d{1,2}[.:]\d{2}\b|\bpukul\s+\d",
        re.IGNORECASE,
    ),
    AnswerKind.CONTACT: re.compile(
        r"(?:\+?\d[\d\s().-]{7,}\d|[\w.+-]+@[\w-]+\.[\w.]+)",
    ),
}


def asked_kinds(question: str) -> frozenset[AnswerKind]:
    """The kinds of fact `question` asks for; empty when it asks for none of them."""
    return frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(question))


def topic(question: str) -> set[str]:
    """The question's terms without the words that ask for a kind ("brp hari", "jam berapa"):
    what the fact must be about."""
    return set(terms(without_asking(question)))


def without_asking(question: str) -> str:
    """The question without the words that ask for a kind of fact."""
    for pattern in _ASKS.values():
        question = pattern.sub(" ", question)
    return question


def states(text: str, kinds: frozenset[AnswerKind], about: set[str]) -> bool:
    """Whether one sentence of `text` states a fact of one of `kinds` about one of the terms
    `about` (the question's): "Typical repairs are 3-5 business days" for a repair's duration,
    not "Returns within 7 days" beside a sentence on repairs."""
    return stated(text, kinds) and any(
        stated(sentence, kinds) and not about.isdisjoint(found)
        for sentence, found in sentence_terms(text)
    )


@lru_cache(maxsize=1024)  # the passages found most often: their sentences read once
def sentence_terms(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each sentence of `text` with its index terms."""
    return tuple((sentence, frozenset(terms(sentence))) for sentence in sentences(text))


def stated(text: str, kinds: frozenset[AnswerKind]) -> bool:
    """Whether `text` states a fact of one of `kinds` ("3-5 business days": a duration)."""
    return any(_STATES[kind].search(text) for kind in kinds)
