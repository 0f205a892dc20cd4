"""What in a customer's message is not a question for the knowledge: thanks, greetings and
complaints, in Indonesian and English chat forms.

They are answered in kind (a thanks with "you're welcome", a complaint with an acknowledgement
and a person), never looked up in the documents and never recorded as knowledge gaps.
"""

import re
from enum import StrEnum

from shared.text.lexicon import alternation, spellings


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
_THANKS_WORD = (
    r"(?:terima\s*kasih|makasih|makasi|mksh|trims|tq|thx|thanks|thank\s*you|ty|nuhun|suwun|"
    r"matur\s*nuwun)"
)
_THANKS = re.compile(rf"^{_FILLER}{_THANKS_WORD}{_FILLER}$", re.IGNORECASE)
# Thanks for something ("thanks for the quick reply earlier!", "makasih atas infonya kemarin"):
# still thanks when nothing in it asks.
_THANKS_FOR = re.compile(rf"^{_FILLER}{_THANKS_WORD}\s+(?:for|atas|buat|untuk|utk)\b", re.I)
_GREETING_WORD = (
    r"(?:halo|hallo|hai|hi|hello|hey|permisi|p|assalamualaikum|assalamu'alaikum|"
    r"selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|good\s+(?:morning|afternoon|"
    r"evening))"
)
_GREETING = re.compile(
    rf"^{_FILLER}(?:{_GREETING_WORD}(?!\w){_FILLER})+(?:\W+(?:(?:ada\s+yang\s+)?bisa\s+(?:di)?bantu|can\s+you\s+"
    rf"help(?:\s+me)?))?{_FILLER}\??$",
    re.IGNORECASE,
)
# Greetings in front of what is asked, closed by a mark ("Halo min, selamat sore. …",
# "Selamat siang kak 🙏 …"): without the mark, "malam ini bisa kirim?" asks about tonight.
_GREETING_LEAD = re.compile(
    rf"^(?:{_FILLER}{_GREETING_WORD}(?!\w))+{_FILLER}(?<=[!.,~\U0001F300-\U0001FAFF\u2600-\u27BF])\s*",
    re.IGNORECASE,
)
# Words of a customer who is upset with the shop, not asking about a policy.
_UPSET = re.compile(
    r"\b(?:komplain|complain\w*|kecewa|mengecewakan|disappointed|disappointing|kesal|kesel|"
    r"marah|angry|furious|penipu|nipu|ditipu|tipu|scam|parah|terrible|awful|worst|horrible|"
    r"unacceptable|annoying|frustrat\w*|nyebelin|sebel|jelek\s+banget|lama\s+banget|"
    r"lambat\s+banget)\b|!{2,}",
    re.IGNORECASE,
)
_TROUBLE = re.compile(
    r"\b(?:rusak|robek|cacat|sobek|hilang|salah\s+kirim|"
    r"(?:belum|blm|gak|ga|nggak)\s+(?:sampai|sampe|nyampe|datang|dateng)|"
    r"broken|damaged|torn|missing|wrong\s+item|died|stopped\s+working|"
    r"(?:not|never)\s+(?:arrived|received|came))\b",
    re.IGNORECASE,
)
# What may come before a yes/no question's first word: a list marker ("1)", "b."), the person
# addressed ("kak", "min,") and a joiner ("terus", "and").
BEFORE_ASKING = (
    r"^\W*(?:(?:\d{1,2}|[a-h])[.)]\s+)?(?:(?:kak|kakak|ka|min|admin|gan|sis|terus|trus|trs|lalu|"
    r"sama|dan|and|also|plus|sekalian)\W+)*"
)
# Question words as customers spell them ("brapa", "gmna", "dmna", "knapa"; the colloquial
# lexicon's chat words for them); trouble under "if" is a case asked about, not one being told:
# "kalau barangnya cacat?"
_QUESTION_WORDS = alternation(
    spellings(
        "apa", "apakah", "bagaimana", "gimana", "gmn", "gmana", "berapa", "brp", "kapan", "kpn",
        "dimana", "di mana", "dmn", "kenapa", "knp", "siapa", "sapa", "kalau", "kalo", "klo",
        "jika", "apabila",
    )
)  # fmt: skip
_YES_NO_OPENERS = alternation(spellings("bisa", "bisakah", "bs", "boleh"))
# English yes/no questions open with an auxiliary: "can", "do", "is", and "should I back up my
# stuff first", "did you ship it"; those only with the subject after them, since "Did not arrive
# yet!!" and "Should have arrived by now" complain.
ENGLISH_OPENERS = (
    r"can|could|do|does|is|are|will|(?:would|did|should|shall|must|may|might)\s+(?:i|you|u|we|"
    r"they|it|he|she|my|your|our|the|this|that|these|those|there|someone|anyone|somebody|anybody)"
)
_ASKS = re.compile(
    rf"\?|\b(?:{_QUESTION_WORDS}|how|what|when|where|which|who|whom|whose|why|if)\b"
    rf"|{BEFORE_ASKING}(?:{_YES_NO_OPENERS}|{ENGLISH_OPENERS})\b"
    # a request told as a statement: "mau tau jam bukanya", "I'd like to know your hours"
    r"|\b(?:(?:mau|mo|pengen|pengin|pingin|ingin)\s+(?:tau|tahu|liat|lihat)|kasih\s+tau|"
    r"minta\s+info|info\s+dong|i'd\s+like\s+to\s+(?:know|see)|i\s+want\s+to\s+know|"
    r"wondering|tell\s+me|let\s+me\s+know)\b"
    # a yes/no tag at the end, without a question mark: "… bakal dipublish ga", "… or not"
    r"|\b(?:ga|gak|gk|nggak|ngga|enggak|engga|ndak|tidak|belum|blm|or\s+not)"
    r"(?:\W+(?:kak|min|gan|sis|ya))*\W*$",
    re.IGNORECASE,
)


def kind_of(part: str) -> Kind:
    """What one part of a message is; a complaint that also asks something is a question."""
    text = part.strip()
    if _THANKS.match(text) or (_THANKS_FOR.match(text) and not _ASKS.search(text)):
        return Kind.THANKS
    if _GREETING.match(text):
        return Kind.GREETING
    if (_UPSET.search(text) or _TROUBLE.search(text)) and not _ASKS.search(text):
        return Kind.COMPLAINT
    return Kind.QUESTION


def asks(part: str) -> bool:
    """Whether the part asks anything: a question mark, a question word, or a yes/no opener.
    "aku tinggal di Makassar" tells the question after it where, and asks nothing."""
    return _ASKS.search(part) is not None


def greeting_lead(part: str) -> str:
    """The greetings the part opens with, up to the mark that closes them; "" when none."""
    found = _GREETING_LEAD.match(part)
    return found.group() if found else ""


def has_upset_words(message: str) -> bool:
    return _UPSET.search(message) is not None
