"""A customer's chat message that is about consent as a whole: a stop request ("STOP",
"BERHENTI", "unsubscribe", "jangan kirim lagi", ...) or a restart ("START", "MULAI").

The rule reads the whole message, not a word in it: after the text pipeline's normalisation
(case, stretched letters, chat spellings such as "jgn krm lg"), every word must be a stop word
("stop", "berhenti"), a word about the messages it stops ("promo", "pesan", "langganan", "lagi")
or politeness ("tolong", "kak", "ya"). "kapan berhentinya diskon?" asks something and is not a
stop request; neither is "jangan kirim dulu pesanannya" (an order). Words of five letters or
more may carry a typo ("brhenti", "unsubscibe"); shorter ones must be exact ("stok" is no
"stop").
"""

import re
from enum import StrEnum

from shared.text.normalise import normalise
from shared.text.typos import NearestWords


class Intent(StrEnum):
    WITHDRAW = "withdraw"  # every purpose, at once
    GRANT = "grant"  # order updates again (docs/notifications.md)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words("stop berhenti hentikan unsubscribe unsub optout")
_DONT = _words("jangan")  # a stop request when a sending word follows: "jangan kirim lagi"
_SENDING = _words(
    "kirim krm kirimkan kirimi dikirim dikirimi kirim-kirim hubungi dihubungi chat spam send "
    "sending"
)
_ABOUT = _words(
    "pesan message messages promo promosi promotion promotions iklan broadcast langganan "
    "berlangganan subscription notifikasi notification notifications info informasi semua all "
    "lagi again me saya aku ini this whatsapp wa dari from di"
)
_START = _words("start mulai")
_POLITE = _words(
    "tolong mohon please pls plz kak kakak ka min admin gan sis ya yaa dong deh saja aja sudah "
    "dulu sekarang now ok oke okay terima kasih makasih thanks thank you lah nya"
)
_VOCABULARY = sorted(_STOP | _DONT | _SENDING | _ABOUT | _START | _POLITE)
_NEAREST = NearestWords(_VOCABULARY)  # typos by edit distance, as the knowledge index finds them
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_OPT_OUT = re.compile(r"\bopt[\s-]*out\b")
_TYPO_MIN_LETTERS = 5


def _known(word: str) -> str | None:
    """`word` as a word of the rule's vocabulary, allowing a typo in a long word."""
    if word in _VOCABULARY or len(word) < _TYPO_MIN_LETTERS:
        return word if word in _VOCABULARY else None
    nearest = _NEAREST.nearest(word)
    return _VOCABULARY[nearest[0]] if len(nearest) == 1 else None


def consent_intent(text: str) -> Intent | None:
    """What the whole message asks of the customer's consent, or None (an ordinary message)."""
    normal = _OPT_OUT.sub("optout", normalise(text))
    if "?" in normal:
        return None
    words = []
    for word in _WORD.findall(normal):  # the first word outside the rule ends it
        if (known := _known(word)) is None:
            return None
        words.append(known)
    if any(word in _STOP for word in words) or _dont_send(words):
        return Intent.WITHDRAW
    if any(word in _START for word in words) and not set(words) & (_DONT | _SENDING):
        return Intent.GRANT
    return None


def _dont_send(words: list[str]) -> bool:
    return any(
        word in _DONT and any(later in _SENDING for later in words[i + 1 :])
        for i, word in enumerate(words)
    )
