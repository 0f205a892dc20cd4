"""When the bot steps aside for a person, by the store's hand-over rules.

Customer requests are recognised by phrasings in Indonesian and English ("mau bicara dengan
admin", "sambungkan ke CS", "bukan bot", "talk to a human", "real person"), also once chat
words are written standard ("mo ngmg sm admin"); policy keywords are matched on normalised
terms (`shared.text.normalise`), so "laporin ke polisi" holds "lapor polisi" and "ditipu"
holds "tipu"; sentiment comes from the enricher's labels on stored messages.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

from shared.answering.small_talk import asks
from shared.text.normalise import normalise, terms

_VERB = (
    r"(?:bicara|berbicara|ngomong|ngobrol|chat|chatting|hubungi|hubungkan|dihubungkan|"
    r"sambungkan|disambungkan|sambungin|minta|telepon|telpon|talk|speak|connect|transfer|"
    r"reach|contact|get)"
)
_PERSON = (
    r"(?:admin|adminnya|cs|customer\s*service|orang|manusia|operator|agen|agent|petugas|"
    r"staf|staff|owner|pemilik|manager|manajer|human|person|someone|somebody|representative|"
    r"supervisor)"
)
_FILLER = (
    r"(?:me|to|with|a|an|the|your|real|live|actual|dengan|sama|ke|kepada|sm|dgn|ama|seorang|"
    r"salah|satu|langsung|aja|saja|dong|ya)"
)
_CUSTOMER_REQUEST = re.compile(
    "|".join(
        [
            # not the number asked for: "no telp CS nya berapa?"
            rf"(?<!no )(?<!nomor )(?<!nomer )(?<!nmr )\b{_VERB}\s+(?:{_FILLER}\s+){{0,3}}"
            rf"{_PERSON}\b",
            r"\b(?:orang|manusia)\s+(?:asli|beneran|sungguhan)\b",
            r"\b(?:bukan|jangan|no|not)\s+(?:sama\s+|dengan\s+|a\s+|the\s+)?(?:bot|robot|mesin)\b",
            r"\b(?:real|live|actual)\s+(?:person|human|agent|people)\b",
        ]
    ),
    re.IGNORECASE,
)
# A question about reaching a person, not a request for one: when ("bisa telpon cs jam berapa
# aja?"), through what ("kalo mau chat admin via IG bisa kan"), before what ("perlu bikin live
# usb dlu gak sebelum hubungin cs?"). The store's contact page answers it.
_ABOUT_REACHING = re.compile(
    r"\b(?:jam\s+(?:berapa|brp)|kapan|kpn|lewat|via|melalui|sebelum|sblm|sbelum|when|"
    r"what\s+time|what\s+hours|through|before)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?\n])")
NEGATIVE = "negative"
KEYWORDS_CACHED = 1024  # stores' policy keywords whose terms are kept


def asks_for_a_person(text: str) -> bool:
    """A sentence asking for a person, unless it asks when, through what or before what one is
    reached ("Tolong sambungkan ke CS dong" asks for one; "bisa telpon cs jam berapa?" not)."""
    return any(_requests_a_person(sentence) for sentence in _SENTENCE_END.split(text))


def _requests_a_person(sentence: str) -> bool:
    forms = (sentence, normalise(sentence))
    if not any(_CUSTOMER_REQUEST.search(form) for form in forms):
        return False
    return not (asks(sentence) and any(_ABOUT_REACHING.search(form) for form in forms))


def policy_keyword(text: str, keywords: Sequence[str]) -> str | None:
    """The first configured keyword the message contains: its terms in a row, in any form
    ("REFUND", "refundnya"), or, for a keyword of stop words alone, the words themselves."""
    message = tuple(terms(text))
    words = " ".join(normalise(text).split())
    for keyword in keywords:
        if wanted := _keyword_terms(keyword):
            if _holds(message, wanted):
                return keyword
        elif re.search(rf"(?<!\w){re.escape(normalise(keyword))}(?!\w)", words):
            return keyword
    return None


@lru_cache(maxsize=KEYWORDS_CACHED)
def _keyword_terms(keyword: str) -> tuple[str, ...]:
    """A configured keyword's terms: the same for every message until the store's settings
    change, and normalising the keywords anew cost more than the message itself."""
    return tuple(terms(keyword))


def _holds(sequence: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(sequence[i : i + len(part)] == part for i in range(len(sequence) - len(part) + 1))


def negative_streak(sentiments: Sequence[str | None], streak: int) -> bool:
    """True when the customer's last `streak` messages are all labelled negative.

    `sentiments` are newest first and start with the message being answered; the enricher may
    not have labelled that one yet, and then the streak is counted from the one before.
    """
    if streak <= 0:
        return False
    labels = list(sentiments)
    if labels and labels[0] is None:
        labels = labels[1:]
    window = labels[:streak]
    return len(window) == streak and all(label == NEGATIVE for label in window)


def ungrounded_streak(earlier: int, grounded_now: bool, streak: int) -> bool:
    """True when this reply would be the `streak`-th in a row that cites nothing."""
    return streak > 0 and not grounded_now and earlier + 1 >= streak
