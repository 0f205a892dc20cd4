"""Would a customer read this reply as a shop assistant's message? The artifacts that say no.

`check(reply, customer_language, titles)` lists what is wrong with one reply the bot wrote
(docs/evaluation.md#readability):

- **heading path**: headings joined by " > ", or a document's title or file name in the text
  ("Menurut FAQ Toko Budi Sepatu kami: …", "According to our Kebijakan Pengiriman: …");
- **markdown**: "#" headings, "**" or "__" emphasis, "[text](link)", HTML tags ("<u>Disks</u>"),
  table pipes, or list
  numbering and bullets left dangling inside running text ("… berikut: - belum digunakan");
- **stranded fragment**: a line that ends in ":" with nothing after it, or a lone lower-case word
  before a colon ("…(COD)? kami: Bisa.");
- **cut sentence**: the reply ends with "…" or "...", mid-sentence (",", ";", a letter or digit),
  on a word that cannot end one ("dan", "and", a list's "yaitu" or "include"), or on an
  abbreviation's period ("minimal Rp.");
- **wrong language**: the reply is not in the customer's language and says nothing about quoting
  the other one ("in Indonesian", "dalam bahasa Inggris");
- **too long**: over 1,000 characters, more than a chat message should be.

The language is told by a small function of its own (`language_of`), apart from the answerer's,
so that a wrong guess there cannot hide here.
"""

import re
from collections.abc import Iterable
from enum import StrEnum

MAX_CHARS = 1000


class Artifact(StrEnum):
    HEADING_PATH = "heading path"
    MARKDOWN = "markdown"
    STRANDED = "stranded fragment"
    CUT = "cut sentence"
    WRONG_LANGUAGE = "wrong language"
    TOO_LONG = "too long"


_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words frequent in shop replies of one language and rare in the other's.
_INDONESIAN = _words(
    "ada adalah akan anda apabila atau bagi bahwa belum bisa boleh dalam dan dapat dari dengan "
    "di hari ini itu jika juga kak kami kepada ke maaf mohon oleh pada pembeli pengiriman "
    "pesanan produk saat sampai saya secara sebelum sesuai setelah sudah tidak untuk yang"
)
_ENGLISH = _words(
    "a after all and any are as at be before by can do does for from have if in is it not of "
    "on or order our please the this to we will with within you your"
)
FUNCTION_WORDS = _INDONESIAN | _ENGLISH
# Telling the customer that what follows is in the other language, said in English or in
# Indonesian: an English customer told "Informasi kami … dalam bahasa Inggris: …" is told
# nothing they read.
_NOTICES = {
    "en": re.compile(r"\bin (indonesian|english|bahasa)\b", re.IGNORECASE),
    "id": re.compile(
        r"\b(dalam bahasa (indonesia|inggris)|berbahasa (indonesia|inggris)|"
        r"bahasa (indonesia|inggris)nya)\b",
        re.IGNORECASE,
    ),
}
_EMPHASIS = re.compile(r"\*\*|__|\[[^\]]+\]\([^)]+\)|</?[a-zA-Z][a-zA-Z0-9]*\s*/?>")
_HEADING_LINE = re.compile(r"^\s*#{1,6}\s", re.MULTILINE)
_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
# A bullet or a list number after a colon or a sentence end on the same line: a list flattened
# into the text (a spaced dash inside a sentence is punctuation, not a bullet).
_DANGLING_ITEM = re.compile(r"[:;.!?][ \t]+([-*•][ \t]+\w|\d{1,2}[.)][ \t]+[^\W\d_])")
_ACCORDING_TO = re.compile(r"\b(menurut|according to)\b[^.!?\n]{0,120}:", re.IGNORECASE)
# A lone lower-case word between a sentence end (or a line start) and a colon: "? kami: Bisa".
_LONE_LABEL = re.compile(r"(^|[.!?]\s+)[a-z]+:(\s|$)", re.MULTILINE)
_CANNOT_END = _words(
    "dan atau yang di ke dari untuk dengan serta bahwa and or the of to with for from that a an"
    " yaitu adalah meliputi seperti include includes including"  # a list announced, none given
)
# A period that belongs to an abbreviation ends no sentence: "... minimal Rp." is cut.
_ABBREVIATION_END = re.compile(r"\b(?:rp|no|jl|jln|a\.n|e\.g|i\.e|approx|incl|tel|telp)\.$", re.I)


def language_of(text: str) -> str | None:
    """ "id" or "en" by their frequent words; None when the text has too few to tell."""
    words = [word.casefold() for word in _WORD.findall(text)]
    indonesian = sum(word in _INDONESIAN for word in words)
    english = sum(word in _ENGLISH for word in words)
    if max(indonesian, english) < 2 or indonesian == english:
        return None
    return "id" if indonesian > english else "en"


def check(reply: str, customer_language: str, titles: Iterable[str] = ()) -> list[Artifact]:
    """What is wrong with `reply`, to a customer who wrote in `customer_language` ("id", "en",
    or "mixed": either will do); `titles` are the store's document titles and file names."""
    found = []
    if _names_a_document(reply, titles):
        found.append(Artifact.HEADING_PATH)
    if _has_markdown(reply):
        found.append(Artifact.MARKDOWN)
    if _has_stranded_fragment(reply):
        found.append(Artifact.STRANDED)
    if _is_cut(reply):
        found.append(Artifact.CUT)
    if _in_wrong_language(reply, customer_language):
        found.append(Artifact.WRONG_LANGUAGE)
    if len(reply) > MAX_CHARS:
        found.append(Artifact.TOO_LONG)
    return found


def _names_a_document(reply: str, titles: Iterable[str]) -> bool:
    if " > " in reply or _ACCORDING_TO.search(reply):
        return True
    text = reply.casefold()
    return any(title.casefold() in text for title in titles if len(title) >= 6)


def _has_markdown(reply: str) -> bool:
    return any(
        pattern.search(reply) for pattern in (_EMPHASIS, _HEADING_LINE, _TABLE_LINE, _DANGLING_ITEM)
    )


def _has_stranded_fragment(reply: str) -> bool:
    lines = [line.strip() for line in reply.strip().splitlines()]
    if not lines:  # an empty reply has nothing stranded (answer_eval counts it unanswered)
        return False
    for line, after in zip(lines, [*lines[1:], ""], strict=True):
        if line.endswith(":") and not after:
            return True
    return bool(_LONE_LABEL.search(reply))


def _is_cut(reply: str) -> bool:
    text = reply.rstrip()
    if not text:
        return False
    if text.endswith(("…", "...", ",", ";")):
        return True
    words = _WORD.findall(text)
    return (
        text[-1].isalnum()
        or (bool(words) and words[-1].casefold() in _CANNOT_END)
        or _ABBREVIATION_END.search(text) is not None
    )


def _in_wrong_language(reply: str, customer_language: str) -> bool:
    if customer_language not in ("id", "en"):
        return False
    other = "en" if customer_language == "id" else "id"
    if _NOTICES[other].search(reply):
        return True  # a notice the customer cannot read, whatever the text it introduces
    written = language_of(reply)
    return written is not None and written != customer_language and not says_it_quotes(reply)


def says_it_quotes(reply: str) -> bool:
    """Whether the reply tells the customer that it quotes the other language."""
    return any(notice.search(reply) for notice in _NOTICES.values())
