"""What in a customer's message is not a question for the knowledge: thanks, greetings and
complaints, in Indonesian and English chat forms.

They are answered in kind (a thanks with "you're welcome", a complaint with an acknowledgement
and a person), never looked up in the documents and never recorded as knowledge gaps.
"""

import re
from enum import StrEnum


class Kind(StrEnum):
    QUESTION = "question"
    THANKS = "thanks"
    GREETING = "greeting"
    COMPLAINT = "complaint"


_FILLER = (
    r"(?:\b(?:kak|kakak|ka|min|admin|gan|sis|bro|ya|yaa|yah|ok|oke|okay|okey|sip|siap|deh|dong|"
    r"nya|banyak|sekali|bgt|banget|so|much|very|you|again|all|there|everyone|ah|oh|info|"
    r"infonya|informasinya|for|the|help|information)\b|"
    r"[!.,~\s]|[\U0001F300-\U0001FAFF\u2600-\u27BF])*"
)
_THANKS = re.compile(
    rf"^{_FILLER}(?:terima\s*kasih|makasih|makasi|mksh|trims|tq|thx|thanks|thank\s*you|ty|nuhun|"
    rf"suwun|matur\s*nuwun){_FILLER}$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    rf"^{_FILLER}(?:halo|hallo|hai|hi|hello|hey|permisi|p|assalamualaikum|assalamu'alaikum|"
    rf"selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|good\s+(?:morning|afternoon|"
    rf"evening))(?:\W+(?:(?:ada\s+yang\s+)?bisa\s+(?:di)?bantu|can\s+you\s+help(?:\s+me)?))?"
    rf"{_FILLER}\??$",
    re.IGNORECASE,
)
# Words of a customer who is upset with the shop, not asking about a policy.
_UPSET = re.compile(
    r"\b(?:komplain|complain\w*|kecewa|mengecewakan|disappointed|disappointing|kesal|kesel|"
    r"marah|angry|furious|penipu|nipu|ditipu|tipu|scam|parah|terrible|awful|worst|horrible|"
    r"unacceptable|jelek\s+banget|lama\s+banget|lambat\s+banget)\b|!{2,}",
    re.IGNORECASE,
)
_TROUBLE = re.compile(
    r"\b(?:rusak|robek|cacat|sobek|hilang|salah\s+kirim|belum\s+(?:sampai|nyampe|datang|dateng)|"
    r"gak\s+(?:sampai|nyampe|datang)|broken|damaged|torn|missing|wrong\s+item|"
    r"(?:not|never)\s+(?:arrived|received|came))\b",
    re.IGNORECASE,
)
# What may come before a yes/no question's first word: a list marker ("1)", "b."), the person
# addressed ("kak", "min,") and a joiner ("terus", "and").
_BEFORE_ASKING = (
    r"^\W*(?:(?:\d{1,2}|[a-h])[.)]\s+)?(?:(?:kak|kakak|ka|min|admin|gan|sis|terus|trus|trs|lalu|"
    r"sama|dan|and|also|plus|sekalian)\W+)*"
)
_ASKS = re.compile(
    r"\?|\b(?:apa|apakah|bagaimana|gimana|gmn|gmana|berapa|brp|kapan|kpn|dimana|dmn|kenapa|"
    # trouble under "if" is a case asked about, not one being told: "kalau barangnya cacat?"
    r"knp|how|what|when|where|which|why|kalau|kalo|klo|jika|apabila|if)\b"
    rf"|{_BEFORE_ASKING}(?:bisa|bisakah|bs|boleh|can|could|do|does|is|are|will)\b",
    re.IGNORECASE,
)


def kind_of(part: str) -> Kind:
    """What one part of a message is; a complaint that also asks something is a question."""
    text = part.strip()
    if _THANKS.match(text):
        return Kind.THANKS
    if _GREETING.match(text):
        return Kind.GREETING
    if (_UPSET.search(text) or _TROUBLE.search(text)) and not _ASKS.search(text):
        return Kind.COMPLAINT
    return Kind.QUESTION


def has_upset_words(message: str) -> bool:
    return _UPSET.search(message) is not None
