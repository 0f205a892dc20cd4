"""A light Indonesian + English stemmer for index terms, with the suffixes chat adds.

English inflections go first ("boxes" -> "box", "shipping" -> "ship", "changed" and "change"
-> "chang", "usually" -> "usual", "attachment" -> "attach"), unless the word is a standard
Indonesian word ("penting", "kafe"); then Indonesian particles (-lah, -kah, -tah, -pun),
possessives (-nya, -ku, -mu), the Jakarta suffix -in ("kirimin" -> "kirim"), the suffixes -kan
and -an, and up to two prefixes (di-, ter-, ber-, meN-, peN-, per-, ke-...-an) with the meN-/peN-
sound changes ("pengiriman", "dikirim", "mengirimkan" -> "kirim"); on a known root only, also
"se-" ("sebulan"), chat's passive "ke-" ("kehapus") and the suffix "-i" ("hubungi"); on a word
the store writes, chat's active prefix too ("nyiram", "ngecek": meN- without "me"). It is
deliberately conservative: a minimum stem length, the ambiguous "meN + vowel" cases resolved by
known roots, and words that look affixed but are roots of their own kept whole ("pakaian" is
not "pakai").
Prefixes come off Indonesian words only: not off an English word WordNet's table lists and
Wordnet Bahasa does not ("discount", "display", "personal": `dictionary.py`), nor where the
rest could begin no Indonesian root ("dirty" is no "di-" + "rty").
A wrong stem costs little as long as question and passage get the same one.

Known roots are the hand-written shop roots of `vocabulary.py`, the 28,000 roots of the
Indonesian Hunspell dictionary (`dictionary.py`), proper names (`names.py`: "bali" is no
"bal" + "-i"), the standard words the colloquial lexicon writes, and their stems. A known
root is never stripped: the rules alone took "penting" for "peN-" + "ting", "paling" and
"kering" for English "-ing" forms.
"""

from collections.abc import Callable, Container, Iterable, Sequence
from functools import lru_cache

from shared.text.dictionary import indonesian_roots, is_english_word
from shared.text.lexicon import STANDARD_WORDS
from shared.text.names import NAMES
from shared.text.vocabulary import (
    GLOSSARY,
    KNOWN_ROOTS,
    NOT_AFFIXED,
    ROOTS_ENDING_LIKE_PARTICLES,
    SHORT_ROOTS,
    STOP_WORDS,
)

_VOWELS = frozenset("aiueo")
# Standard Indonesian words the lexicon and the glossary write: never English inflections.
_INDONESIAN_WORDS = STANDARD_WORDS | {word for words in GLOSSARY.values() for word in words}
_LABIALS = frozenset("bfpv")
_DENTALS = frozenset("cdjtz")
_LIQUIDS = frozenset("lrwy")
# How a root may begin with two consonants (loanwords included: "proses", "stok", "share").
_ONSETS = frozenset(["ny", "ng", "sy", "kh", "st", "sp", "sk", "sl", "sm", "sn", "sw", "sh", "ch"])


def english_singular(word: str) -> str:
    """An English plural's singular ("boxes" -> "box"). Words ending in -as are left alone:
    Indonesian has many ("balas", "batas", "bekas"), shop English few plurals in -as."""
    if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us", "is", "as")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


# English suffixes a light stemmer may remove: "-ment" before "-ing", "-ed", "-ly".
_ENGLISH_SUFFIXES = ("ment", "ing", "ed", "ly")


def english_stem(word: str) -> str:
    """A light English stem: the singular, then "-ment", "-ing", "-ed" or "-ly" (a doubled
    consonant left behind made single: "shipping" -> "ship"), then a final "e", so that
    "change", "changed" and "changing" meet ("chang"). Porter's first step, roughly; the stem
    needs three letters and a vowel ("used", "bring" stay whole)."""
    word = english_singular(word)
    if word.endswith(("ied", "ily")) and len(word) > 5:
        return word[:-3] + "y"  # "applied" -> "apply", "easily" -> "easy"
    if word.endswith("eed"):  # "agreed" -> "agree"; "need", "speed" stay
        return word[:-1] if not _VOWELS.isdisjoint(word[:-3]) else word
    if word.endswith("ply"):  # "reply", "supply": no adverbs
        return word
    for suffix in _ENGLISH_SUFFIXES:
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and not _VOWELS.isdisjoint(base):
            if suffix in ("ing", "ed") and base[-1] == base[-2] and base[-1] not in "aiueolsz":
                base = base[:-1]
            return _without_final_e(base)
    return _without_final_e(word)


def _without_final_e(word: str) -> str:
    return word[:-1] if len(word) >= 4 and word.endswith("e") and word[-2] != "e" else word


def _is_english(word: str) -> bool:
    """Whether `word` is an English word no Indonesian list knows ("discount", "displays",
    "dispatched"): it has no Indonesian prefix to strip ("di-" + "scount")."""
    base = english_stem(word)
    return any(map(is_english_word, (word, english_singular(word), base, base + "e")))


def _begins_like_a_root(rest: str) -> bool:
    """Whether `rest` may begin a root: a vowel, a consonant and a vowel, a consonant and a
    liquid ("kredit", "blok"), or a cluster of `_ONSETS`; not "rty" ("dirty"), "scount"
    ("discount") nor "fferent" ("different")."""
    return (
        rest[:1] in _VOWELS or rest[1:2] in _VOWELS or rest[1:2] in _LIQUIDS or rest[:2] in _ONSETS
    )


def _ends_like_a_loanword(word: str) -> bool:
    """Whether `word` ends like a European loanword, a consonant then "t" or "s" ("inst",
    "konsult", "teks"): no Indonesian root ends so, while a chat typo that drops a vowel
    ("pembayrn") ends anyhow."""
    return len(word) > 2 and word[-1] in "ts" and word[-2] not in _VOWELS


def _strip_suffix(word: str, suffixes: Sequence[str], keep: int = 4) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


class _Stemmer:
    """The stemming rules over one set of known roots."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots = frozenset(roots) | SHORT_ROOTS

    def is_root(self, word: str) -> bool:
        return word in self.roots or word in NOT_AFFIXED

    def stem(self, word: str) -> str:
        if not word.isalpha() or len(word) < 4 or self.is_root(word):
            return word
        indonesian = self.indonesian(word)
        english = english_stem(word)
        if english == english_singular(word) or word in _INDONESIAN_WORDS:
            return indonesian  # no English inflection ("kafe", "kancing" are Indonesian words)
        # An English inflection, unless the word is an affixed Indonesian root ("diproses").
        return indonesian if indonesian != word and self.is_root(indonesian) else english

    def indonesian(self, word: str) -> str:
        """`word` without its Indonesian affixes, or without an English plural and then its
        affixes: the reading that ends on a known root ("diproses" is "proses", not
        "diprose"), else the plural's."""
        if not word.isalpha() or len(word) < 4 or self.is_root(word):
            return word
        singular = english_singular(word)
        if _is_english(word):
            return singular
        if singular != word and self.is_root(as_written := self._affixes(word)):
            return as_written
        return self._affixes(singular)

    def _affixes(self, word: str) -> str:
        if self.is_root(word) or word in ROOTS_ENDING_LIKE_PARTICLES:
            return word
        # A particle follows a word ("bisakah", "kirimlah"); "langkah", "setelah" end so.
        if self.is_root(without := _strip_suffix(word, ("lah", "kah", "tah", "pun"))):
            return without
        word = without if without == word or without in STANDARD_WORDS else word
        # "-nya" also follows short roots ("tasnya", "hpnya"); "-ku"/"-mu" end many roots.
        word = _strip_suffix(word, ("nya",), keep=2)
        word = _strip_suffix(word, ("ku", "mu"))
        if self.is_root(word) or _is_english(word):  # "displaynya" is "display" + "-nya"
            return word
        # Without a full dictionary "-an" may be the root's own ending ("memesan" is "pesan"):
        # try the word with and without each suffix, take the first that ends on a known root,
        # else the shortest reading. A reading ending in two consonants no Indonesian root ends
        # in is a loanword's own "-an" ("instan", "konsultan"), not a suffix.
        candidates = [(word, "")]
        without_an = _strip_suffix(word, ("an",))
        if without_an != word and not _ends_like_a_loanword(without_an):
            candidates.insert(0, (without_an, "an"))
        without_kan = _strip_suffix(word, ("kan",))
        if without_kan != word and not _ends_like_a_loanword(without_kan):
            candidates.insert(0, (without_kan, "kan"))
        readings = [self._without_prefixes(candidate, suffix) for candidate, suffix in candidates]
        reading = next((reading for reading in readings if self.is_root(reading)), readings[0])
        if self.is_root(reading):
            return reading
        # The Jakarta "-in" only where the standard affixes leave no root: "bermain" is
        # "ber-" + "main", not "berma" + "-in"; "kirimin", "dibayarin" are "-in" forms. Not on
        # a root of three letters only the dictionary lists ("train" is no "tra" + "-in").
        jakarta = self.indonesian(word[:-2]) if word.endswith("in") else ""
        if self.is_root(jakarta) and (len(jakarta) >= 4 or jakarta in SHORT_ROOTS | KNOWN_ROOTS):
            return jakarta
        # Chat's prefixes on a known root: "se-" (one: "sebulan", "seminggu") and the
        # colloquial passive "ke-" ("kehapus", "kesiram": "terhapus", "tersiram"); then the
        # suffix "-i" ("hubungi", "dihubungi"), which ends too many roots to remove blindly.
        # On a function word the prefix makes another one, not a form of it: "sebelum"
        # (before) is not "belum" (not yet), nor "kemana" "mana".
        for prefix in ("se", "ke"):
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 4:
                root = self._affixes(rest)
                if self.is_root(root) and root not in STOP_WORDS:
                    return root
        for root in self._chat_nasal_roots(word):  # "nyiram", "ngecek": meN- without "me"
            if self.is_root(self._affixes(root)):
                return self._affixes(root)
        if word.endswith("i") and self.is_root(without_i := self.indonesian(word[:-1])):
            return without_i
        return reading

    def _chat_nasal_roots(self, word: str) -> list[str]:
        """Read only against a store's own words (`_StoreStemmer`): everywhere else the chat
        form stays a word of its own, which the offline classifier learns from."""
        return []

    def _choose(self, consonant: str, rest: str) -> str:
        """meN-/peN- before a vowel: the root lost `consonant` if it is a known root."""
        return consonant + rest if consonant + rest in self.roots else rest

    def _without_nasal_prefix(self, word: str, head: str) -> str | None:
        """`word` without the meN- (head "me") or peN- (head "pe") prefix, or None."""
        rest = word[len(head) :]
        if rest.startswith("nge") and rest[3:] in SHORT_ROOTS:
            return rest[3:]  # mengecek -> cek
        if rest.startswith("ng"):
            after = rest[2:]
            return self._choose("k", after) if after[:1] in _VOWELS else after
        if rest.startswith("ny") and rest[2:3] in _VOWELS:
            return "s" + rest[2:]  # menyimpan -> simpan
        if rest.startswith("m"):
            after = rest[1:]
            if after[:1] in _LABIALS:
                return after  # membeli -> beli
            return self._choose("p", after) if after[:1] in _VOWELS else None
        if rest.startswith("n"):
            after = rest[1:]
            if after[:1] in _DENTALS or after.startswith("sy"):
                return after  # mencari -> cari
            return self._choose("t", after) if after[:1] in _VOWELS else None
        if rest[:1] in _LIQUIDS:
            return rest  # melihat -> lihat
        return None

    def _without_prefix(self, word: str, suffix: str) -> str | None:
        """`word` without one Indonesian prefix, or None if it has none worth removing. The
        prefix must go with the `suffix` removed before it: Indonesian has no di-...-an,
        meN-...-an, ter-...-an nor peN-...-kan ("dipesan" is "pesan", not "pes" + "-an";
        "pengecekan" is "cek" + "-an", not "kece" + "-kan"), and ke- only in ke-...-an."""
        stem: str | None = None
        keep = 4
        if word.startswith("di") and suffix != "an":
            stem, keep = word[2:], 3
        elif word.startswith(("ber", "per")) or (word.startswith("ter") and suffix != "an"):
            stem = word[3:]
        elif word.startswith("ke") and suffix == "an":  # "kecil" stays
            stem = word[2:]
        elif (word.startswith("me") and suffix != "an") or (
            word.startswith("pe") and suffix != "kan"
        ):
            stem = self._without_nasal_prefix(word, word[:2])
        if stem is None or (len(stem) < keep and stem not in SHORT_ROOTS):
            return None
        return stem if _begins_like_a_root(stem) else None

    def _without_prefixes(self, word: str, suffix: str) -> str:
        for _ in range(2):  # "keterlambatan" -> "terlambat" -> "lambat"
            if self.is_root(word) or (without := self._without_prefix(word, suffix)) is None:
                break
            word, suffix = without, ""  # the suffix went with the outer prefix
        return word


def _chat_nasal_roots(word: str) -> list[str]:
    """The roots `word` may be with chat's active prefix, meN- without its "me" ("nyiram" is
    "menyiram": "siram"; "nyoba", "ngecek", "ngirim", "nanya", "makai"), most likely first;
    only a known root is taken, so "nanti" or "makan" (roots themselves) never get here."""
    if word.startswith("nge") and word[3:] in SHORT_ROOTS:
        return [word[3:]]
    rest = word[2:]
    if word.startswith("ny") and rest[:1] in _VOWELS:
        return ["c" + rest, "s" + rest]
    if word.startswith("ng") and rest[:1] in _VOWELS:
        return ["k" + rest, rest]
    rest = word[1:]
    if len(word) < 5 or is_english_word(word):  # "most" is no "post"
        return []
    if word.startswith("n") and rest[:1] in _VOWELS:
        return ["t" + rest]
    if word.startswith("m") and rest[:1] in _VOWELS:
        return ["p" + rest]
    return []


def _known_roots() -> frozenset[str]:
    listed = KNOWN_ROOTS | indonesian_roots() | NAMES  # a name has no affixes
    standard = KNOWN_ROOTS | STANDARD_WORDS | {w for words in GLOSSARY.values() for w in words}
    by_list = _Stemmer(listed)  # the lexicon's words as the listed roots stem them
    return listed | {by_list.stem(word) for word in standard if word.isalpha()}


_STEMMER = _Stemmer(_known_roots())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one folded word (English plural, then Indonesian affixes)."""
    return _STEMMER.stem(word)


@lru_cache(maxsize=100_000)
def indonesian_stem(word: str) -> str:
    """The stem of one folded word by the Indonesian rules alone (an English plural goes)."""
    return _STEMMER.indonesian(word)


class _StoreStemmer(_Stemmer):
    """The stemming rules that also know a store's words as roots, read where they are kept
    (an index's vocabulary), not copied: an index per store stays in memory."""

    def __init__(self, words: Container[str]) -> None:
        self.roots = _STEMMER.roots
        self.words = words

    def is_root(self, word: str) -> bool:
        return word in self.words or super().is_root(word)

    def _chat_nasal_roots(self, word: str) -> list[str]:
        return _chat_nasal_roots(word)


def store_stemmer(words: Container[str]) -> Callable[[str], str]:
    """Stemming by the Indonesian rules that also knows `words` (a store's index terms) as
    roots: the rules that need a known root ("-in", "se-", chat's "ke-", "-i") then also reach
    the store's own words ("pupukin" is "pupuk" where the documents write "pupuk")."""
    return _StoreStemmer(words).indonesian


def is_root(word: str) -> bool:
    """Whether `word` is a known root (the stemmer leaves it whole)."""
    return _STEMMER.is_root(word)
