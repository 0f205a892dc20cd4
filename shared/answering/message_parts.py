"""A customer's message as its parts: each question on its own, and the thanks, greetings and
complaints around them, in the customer's order.

Customers put several questions in one WhatsApp message: "ongkir dihitung dari apa? trs
ditanggung siapa?", "1. ekspedisinya apa aja 2. buka jam brp 3. resi diliat dmn", one per line,
or joined by "terus", "sama", "and". A message is cut at question and exclamation marks, line
breaks, list markers ("1.", "1)", "a.", "-"), full stops that end a sentence (also before a
small letter: "udah seminggu blm sampe. normalnya brp hari?"), and joiners. Joiners that only
link clauses ("terus", "trus", "trs", "dan juga", "also") always cut; those that also join
nouns ("dan", "sama", "and", "&") or mean "at once" ("sekalian", "satu lagi") cut only when a
question word (or "mau tanya") follows, so "Do you sell shirts and dresses?" stays one
question. What opens a later question ("sama", "sekalian mau tanya") is no word of it. A piece
without a searchable word ("kalau yang itu", "ya") stays with the question before it. What the
customer tells of themselves without asking ("kak aku tinggal di Makassar, bisa dikirim?",
"wifi aku putus2 terus, harus ngapain dulu?") is the setting of the question after it, not a
question of its own; greetings in front of a question ("Halo min, selamat sore. …") are a part
of their own.

An elliptic follow-up ("kalau Mandiri?", "atas nama siapa itu?") leaves its topic to the
question before it (`is_elliptic`); whether a message is a complaint is told by the same
rules (`is_upset`).

At most `MAX_QUESTIONS` questions are looked up one by one: a message of dozens of them (or an
attacker's thousands) costs no more searches or knowledge gaps than that; the rest are one last
part, handed over as a whole.
"""

import re
from dataclasses import dataclass

from shared.answering.small_talk import (
    BEFORE_ASKING,
    ENGLISH_OPENERS,
    Kind,
    asks,
    greeting_lead,
    has_upset_words,
    kind_of,
)
from shared.text.lexicon import alternation, spellings
from shared.text.normalise import terms
from shared.text.sentences import sentences

MAX_QUESTIONS = 6
# "kalau yang lengan pendek?": more words than that ask something of their own; a follow-up
# pointing back may say a little more ("does that include a free upgrade?")
ELLIPTIC_TERMS = 2
POINTING_TERMS = 3

_LIST_MARKER = re.compile(r"(?:(?<=\s)|^)(?:\d{1,2}[.)]|[a-hA-H][.)]|[-*•·])\s+")
_END_MARK = re.compile(r"(?<=[?!])(?![?!])\s*")
_ASKING_TO_ASK = (  # "mau tanya dong", "sy mau nanya juga", "mau tanya2 dulu"
    r"(?:(?:saya|sy|aku)\s+)?(?:(?:mau|mo)\s+)?(?:tanya|nanya)(?:-?2)?"
    r"(?:\s+(?:dong|juga|lagi|ya|dulu))?(?!\w)"
)
# The customer telling of themselves: "aku tinggal di …", "I'd like to …", "my repair was …";
# chat drops the "aku" or "I" before what the customer wants or is doing: "kak mau order 3
# kaktus buat souvenir, …", "pengen upgrade RAM sendiri, …", "Want to replace the SSD, …".
_TELLS = re.compile(
    r"\b(?:aku|aq|saya|sy|gw|gue|gua|kami|i|i'm|i'd|i've|im|my|we|we're|our)(?!\w)"
    rf"|{BEFORE_ASKING}(?:mau|mo|pengen|pengin|pingin|ingin|lagi|rencana(?:nya)?|berencana|"
    r"want|wanna|planning|trying|looking)\s+\w",
    re.IGNORECASE,
)
_ELLIPTIC = re.compile(
    r"^\W*(?:kalau|kalo|klo|kl|gimana\s+kalau|bagaimana\s+(?:kalau|dengan)|how\s+about|"
    r"what\s+about|and\s+for)\b",
    re.IGNORECASE,
)
# A word pointing back at what the question before was about: "caranya gmn itu?", "will you log
# in to it?"
_REFERS_BACK = re.compile(
    r"\b(?:itu|tsb|tersebut|that|it|this|these|those|them|one|ones)\b", re.IGNORECASE
)


# Question words and "terus" as customers spell them ("brapa", "gmna", "dmna", "teros"): the
# colloquial lexicon's chat words for them.
_QUESTION_WORDS = alternation(
    spellings(
        "apa", "apakah", "bisa", "bs", "boleh", "berapa", "brp", "kapan", "kpn", "dimana",
        "di mana", "dmn", "bagaimana", "gimana", "gmn", "kalau", "kalo", "klo", "ada",
    )
)  # fmt: skip
_THEN = alternation(spellings("terus", "trus", "trs", "tros", "lalu"))
# "pertama, … kedua, …", "First, … Second, …": an ordinal before a comma or colon numbers the
# questions as a list marker does, and is no word of them ("Second" alone found a passage).
_ORDINAL = (
    r"pertama|kedua|ketiga|keempat|terakhir|first|second|third|fourth|firstly|secondly|thirdly|"
    r"lastly"
)
_OPENER = rf"(?:{_QUESTION_WORDS}|{ENGLISH_OPENERS}|how|what|when|where|which|why)\b"
_JOINER = re.compile(
    rf"(?:,\s*)?\b(?:{_THEN}|dan\s+juga|sama\s+juga|and\s+also|also|plus)\b"
    rf"|(?:,\s*)?\b(?:dan|sama|sm|and|&)\s+(?={_OPENER})"
    rf"|,\s*(?={_OPENER})"
    rf"|(?:,\s*)?\b(?:{_ORDINAL})\s*[,:]"
    # "sekalian" and "satu lagi" also mean "at once" and "one more (item)": only before a
    # question ("… sekalian mau tanya …", "… satu lagi, bisa …")
    rf"|(?:,\s*)?\b(?:sekalian|satu\s+lagi)\b(?=[\s,]*(?:{_ASKING_TO_ASK}|{_OPENER}))",
    re.IGNORECASE,
)

# What opens a later question without being a word of it: a joiner, then "mau tanya".
_LEADING_JOINER = re.compile(
    rf"^(?:(?:{_THEN}|dan\s+juga|dan|sama\s+juga|sama|sm|and\s+also|and|also|"
    r"plus|sekalian|satu\s+lagi|oh?\s+iya|oiya|btw|&)(?!\w)[\s,]*)?"
    rf"(?:{_ASKING_TO_ASK}[\s,]*)?",
    re.IGNORECASE,
)

# A question told as a request to know: "mau tau jam bukanya", "aku pengen tau …", "I'd like to
# know your hours", "wondering if you …". The words ask; they are searched as nothing.
_REQUEST = re.compile(
    r"^(?:(?:aku|aq|saya|sy|gw|gue)\s+)?(?:(?:mau|mo|pengen|pengin|pingin|ingin)\s+(?:tau|tahu)|"
    r"kasih\s+tau|(?:i'd|i\s+would)\s+like\s+to\s+know|i\s+want\s+to\s+know|(?:i'm\s+|i\s+am\s+)?"
    r"wondering|(?:please\s+)?(?:tell|let)\s+me\s+know)(?:\s+(?:dong|donk|ya|kak|min|if|whether))*"
    r"(?!\w)[\s,]*",
    re.IGNORECASE,
)

# After the person addressed or a joiner too: "kak kalo ssdnya aja yg rusak, bisa …", "And if I
# send the laptop in, should I …".
_CONDITION = re.compile(
    rf"{BEFORE_ASKING}(?:kalau|kalo|klo|kl|jika|jikalau|apabila|bila|if|when|in\s+case)\b",
    re.IGNORECASE,
)
# A line announcing the questions ("quick questions:", "I have 2 questions.", "ada beberapa
# pertanyaan kak"): no question of its own, so it is neither searched nor handed over.
_ANNOUNCES = re.compile(
    r"^(?:(?:i|we)\s+(?:have|got)\s+|(?:(?:saya|sy|aku|aq|gw)\s+)?(?:ada|punya|mau\s+(?:tanya|"
    r"nanya))\s+)?(?:(?:a|an|one|two|three|\d+|quick|few|some|couple|of|several|more|little|"
    r"beberapa|bbrp|dua|tiga|lagi)\s+)*(?:questions?|qs|pertanyaan(?:nya)?|(?:\d+|dua|tiga|"
    r"beberapa)\s+hal|things)(?:\s+(?:kak|min|gan|sis|dong|nih|ya|sih|here|for\s+you|lagi))*"
    r"(?:\s*[:.]+\s*|\s*$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Part:
    text: str
    kind: Kind
    setting: str = ""  # what the customer told before asking it ("aku tinggal di Makassar")

    @property
    def is_question(self) -> bool:
        return self.kind is Kind.QUESTION


def parts_of(message: str) -> list[Part]:
    """The message's parts in order; a message with no question at all is one part."""
    parts: list[Part] = []
    waiting = ""  # words with no question of their own ("mau tanya dong"): the next one's
    setting = ""  # told, not asked: the next question's setting
    for piece, listed in (piece for line in message.splitlines() for piece in _pieces(line)):
        if (
            not parts
            and (lead := greeting_lead(piece))
            and any(c.isalnum() for c in piece[len(lead) :])
        ):
            parts.append(Part(_tidy(lead), Kind.GREETING))
            piece = _tidy(piece[len(lead) :])
        if parts or waiting:  # "Bisa COD? Sama kirim ke Bali bisa?": the joiner is no word of it
            rest = _LEADING_JOINER.sub("", piece)
            piece = rest if any(c.isalnum() for c in rest) else piece
        if announced := _ANNOUNCES.match(piece):  # "quick questions: …"
            if not any(c.isalnum() for c in piece[announced.end() :]):
                continue
            piece = _tidy(piece[announced.end() :])
        request = _REQUEST.match(piece)  # "mau tau jam bukanya": asks, and is no word of it
        if request and any(c.isalnum() for c in piece[request.end() :]):
            piece = _tidy(piece[request.end() :])
        kind = kind_of(piece)
        if kind is Kind.QUESTION and not terms(piece):
            waiting = f"{waiting} {piece}".strip()
            continue
        if kind is Kind.QUESTION and not request and _is_setting(piece, listed):
            setting = f"{setting} {piece}".strip()
            continue
        if kind is Kind.QUESTION and waiting:
            piece, waiting = f"{waiting} {piece}", ""
        if kind is Kind.QUESTION:
            parts.append(Part(piece, kind, setting))
            setting = ""
        else:
            parts.append(Part(piece, kind))
    asked = [n for n, part in enumerate(parts) if part.is_question]
    if setting and asked:  # "bisa COD? aku di Makassar": told after the question
        last = parts[asked[-1]]
        parts[asked[-1]] = Part(last.text, last.kind, f"{last.setting} {setting}".strip())
    elif setting:
        waiting = f"{setting} {waiting}".strip()
    if waiting and parts:  # "kalau ongkir, berapa?": the question (or part) before it
        asked = [n for n, part in enumerate(parts) if part.is_question] or [len(parts) - 1]
        last = parts[asked[-1]]
        joined = f"{last.text} {waiting}"  # "barang rusak, gimana?" asks after all
        parts[asked[-1]] = Part(joined, kind_of(joined), last.setting)
    return _bounded(parts) if parts else [Part(message.strip(), kind_of(message))]


def _bounded(parts: list[Part]) -> list[Part]:
    asked = [n for n, part in enumerate(parts) if part.is_question]
    if len(asked) <= MAX_QUESTIONS:
        return parts
    last = asked[MAX_QUESTIONS - 1]
    rest = " ".join(part.text for part in parts[last:])
    return [*parts[:last], Part(rest, Kind.QUESTION)]


def is_elliptic(question: str) -> bool:
    """A follow-up that leaves its topic to the question before it: "kalau Mandiri?" after
    "Nomor rekening BCA berapa?", "what about Papua?" after a shipping question, "atas nama
    siapa itu?" after the bank account's."""
    count = len(set(terms(question)))
    if _ELLIPTIC.match(question):
        return count <= ELLIPTIC_TERMS
    return _REFERS_BACK.search(question) is not None and count <= POINTING_TERMS


def without_pointers(question: str) -> str:
    """The question without the words that point back ("an express one?" asks about "express")."""
    return _REFERS_BACK.sub(" ", question)


def is_upset(message: str) -> bool:
    """The customer writes as someone the shop has let down (the reply acknowledges it): upset
    words, or a sentence telling of trouble without asking anything. What opens a later
    question is no word of it: "… terus can you replace the broken one" asks."""
    sentences = (_LEADING_JOINER.sub("", s.strip()) for s in re.split(r"[\n.!?]+", message))
    return has_upset_words(message) or any(
        kind_of(sentence) is Kind.COMPLAINT for sentence in sentences if sentence
    )


def questions_of(message: str) -> list[str]:
    return [part.text for part in parts_of(message) if part.is_question]


def _is_setting(piece: str, listed: bool) -> bool:
    """A statement about the customer that asks nothing: the next question's setting. A list
    item is a question of its own whatever its words ("1. harga 2. stok")."""
    return not listed and not asks(piece) and _TELLS.search(piece) is not None


def _pieces(line: str) -> list[tuple[str, bool]]:
    """The line's pieces, each with whether it is an item of a list."""
    pieces: list[tuple[str, bool]] = []
    items = _items(line)
    for item in items:
        for sentence in (s for marked in _END_MARK.split(item) for s in sentences(marked, True)):
            pieces += [(_tidy(piece), len(items) > 1) for piece in _joined_pieces(sentence)]
    return [(piece, listed) for piece, listed in pieces if piece]


def _joined_pieces(sentence: str) -> list[str]:
    """The sentence cut at its joiners, except at a comma closing a condition: "kalau barangnya
    rusak, bisa retur ga?" and "If it arrives damaged, can I return it?" ask one question,
    whose condition is a word of it (alone, "kalau barangnya rusak" found a passage of its own
    and the question lost what it was about)."""
    pieces: list[str] = []
    start = 0
    for joiner in _JOINER.finditer(sentence):
        before = sentence[start : joiner.start()]
        if joiner.group().strip() == "," and _is_condition(before):
            continue
        pieces.append(before)
        start = joiner.end()
    return [*pieces, sentence[start:]]


def _is_condition(piece: str) -> bool:
    """ "kalau barangnya rusak", "if it arrives damaged": a condition asking nothing itself."""
    found = _CONDITION.match(piece)
    return found is not None and "?" not in piece and not asks(piece[found.end() :])


def _items(line: str) -> list[str]:
    """A line cut at its list markers when it has two or more ("1. ... 2. ..."), or starts with
    a bullet."""
    markers = list(_LIST_MARKER.finditer(line))
    if len(markers) < 2 and not (markers and markers[0].start() == 0):
        return [line]
    cuts = [marker.start() for marker in markers]
    bounds = zip([0, *cuts], [*cuts, len(line)], strict=True)
    return [_LIST_MARKER.sub("", line[start:end], count=1) for start, end in bounds]


def _tidy(piece: str) -> str:
    return " ".join(piece.split()).strip(" ,;")
