"""Words that share a meaning across English and Indonesian, from WordNet and a dictionary.

`data/wordnet.tsv` (built by `bench/wordnet_table.py` from Wordnet Bahasa and Princeton
WordNet 3.0) holds one meaning a line: its English words, then its Indonesian words.
`data/wikdict.tsv` (built by `bench/wikdict_table.py` from FreeDict's English-Indonesian
WikDict) holds one sense of an English word a line in the same form. Words meet by their
stems, so an inflected English form finds its entry ("fertilizers" meets "fertilizer"), and
`synonyms(stem)` gives the other words of the stem's most common meanings in each table:
"fertilizer" -> "fertiliser", "baja", "pupuk"; "kamar" -> "bedroom", "room"; "rusak" ->
"broken", "damage".
`is_general(stem)` tells an English word of many meanings ("place", "take"), which frames a
question more than it says what is asked (`data/wordnet_senses.tsv`).

A word has many meanings and WordNet lists them all, so these are weak hints, never
replacements: a search counts a passage that holds only a synonym of a question's word as
holding less of it (`shared/knowledge/lexical.py`), and only words the store's documents use
count at all. The tables are read on first use or by `load()`, not at import.
"""

from collections import defaultdict
from functools import cache, lru_cache
from importlib.resources import files
from typing import NamedTuple

from shared.text.stemming import is_root, stem

WORDNET = "wordnet.tsv"
# Translations a human-edited dictionary gives (WikDict, from Wiktionary): WordNet's
# Indonesian words were filled in automatically and often reach no useful English word.
WIKDICT = "wikdict.tsv"
# Each table's meanings of a word that give synonyms: WordNet's most common two; the
# dictionary's lines are in alphabetical order, not by frequency, and a few more of them are
# translations of one sense ("rusak": "break", "broken", "damage").
MEANINGS = {WORDNET: 2, WIKDICT: 3}
TABLES = tuple(MEANINGS)
GENERAL_SENSES = 15  # an English word with this many meanings or more is a general word
# The stemmer without its cache: the table's 46,000 words would fill it for nothing.
_stem = stem.__wrapped__


class _Meaning(NamedTuple):
    english: tuple[str, ...]
    indonesian: tuple[str, ...]


def _parsed(line: str) -> _Meaning:
    english, indonesian = line.split("\t")
    return _Meaning(tuple(english.split()), tuple(indonesian.split()))


def _keys(meaning: _Meaning) -> dict[str, bool]:
    """The stems a meaning is found by, each with whether it is derived: each Indonesian word
    that is its own stem (guessing the root of a word the stemmer does not know would merge
    unrelated words: "menuang" is no "uang"), each English word, and then, as derived keys,
    English words' stems ("outing" -> "out") unless the stem is an Indonesian root ("belie"
    is no "beli")."""
    keys = {word: False for word in (*meaning.english, *meaning.indonesian) if _stem(word) == word}
    for word in meaning.english:
        if (word_stem := _stem(word)) not in keys and not is_root(word_stem):
            keys[word_stem] = True
    return keys


@cache  # one entry per table
def _meanings(table: str) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Each stem's meanings in `table` (line numbers, a word's own before those of its derived
    forms, most common first), and the lines (parsed when asked: a tuple per word costs more)."""
    lines = (files(__package__) / "data" / table).read_text("utf-8").splitlines()
    ranked: defaultdict[str, list[tuple[bool, int]]] = defaultdict(list)
    for position, line in enumerate(lines):
        for key, derived in _keys(_parsed(line)).items():
            ranked[key].append((derived, position))
    by_stem = {
        key: tuple(p for _, p in sorted(found)[: MEANINGS[table]]) for key, found in ranked.items()
    }
    return by_stem, lines


def load() -> None:
    """Reads the tables now (about a second), so that no question waits for them."""
    for table in TABLES:
        _meanings(table)
    _general()


def is_known(word_stem: str) -> bool:
    """Whether WordNet has a meaning for a word of this stem, in either language: a word it
    knows ("lots") is no misspelling of another ("lost"). The dictionary is not asked: the
    misspelling matcher, and so the learned order's features, stay as they were."""
    return word_stem in _meanings(WORDNET)[0]


@lru_cache(maxsize=20_000)
def synonyms(word_stem: str) -> tuple[str, ...]:
    """The words (unstemmed) sharing one of the common meanings of a word of this stem: for an
    English word its English synonyms and Indonesian translations, for an Indonesian word its
    English translations. Indonesian words are not expanded into other Indonesian words:
    Wordnet Bahasa's synsets were filled automatically, and their Indonesian words are often
    only loosely related ("langsung" and "semua")."""
    found: dict[str, None] = {}
    for table in TABLES:
        by_stem, lines = _meanings(table)
        for meaning in (_parsed(lines[position]) for position in by_stem.get(word_stem, ())):
            found.update(dict.fromkeys(meaning.english))
            if any(stem(word) == word_stem for word in meaning.english):
                found.update(dict.fromkeys(meaning.indonesian))
    return tuple(word for word in found if stem(word) != word_stem)


@lru_cache(maxsize=1)
def one_language_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words the table writes in English only and in Indonesian only, as written: what a
    short text of no function word is written in ("makanan enak", "refund policy")."""
    english: set[str] = set()
    indonesian: set[str] = set()
    for meaning in map(_parsed, _meanings(WORDNET)[1]):
        english.update(meaning.english)
        indonesian.update(meaning.indonesian)
    return frozenset(english - indonesian), frozenset(indonesian - english)


@lru_cache(maxsize=1)
def _general() -> frozenset[str]:
    lines = (files(__package__) / "data" / "wordnet_senses.tsv").read_text("utf-8").splitlines()
    counts = (line.split("\t") for line in lines)
    return frozenset(_stem(word) for word, senses in counts if int(senses) >= GENERAL_SENSES)


def is_general(word_stem: str) -> bool:
    """Whether an English word of this stem has `GENERAL_SENSES` meanings or more in WordNet
    ("take" 44, "place" 32, "answer" 15; "laptop" 1, "ticket" 7): a word that frames a
    question ("the steps to place an order") more than it says what the question is about."""
    return word_stem in _general()
