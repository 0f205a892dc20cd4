"""Which language a word belongs to, from WordNet's table (`data/wordnet.tsv`, built by
`bench/wordnet_table.py`): the English words of Princeton WordNet 3.0's common meanings and the
Indonesian words Wordnet Bahasa gives them.

The stemmer asks before it strips an Indonesian affix: "discount" and "display" are English
words, not "di-" + "scount"; "berlaku" is an Indonesian word, not "berla" + "-ku". It asks only
about words an Indonesian prefix or "-ku"/"-mu" could come off, so only those are kept (8,400 of
the table's 42,000 words, about 1 MiB), read once, when the stemmer is built.
"""

from functools import cache
from importlib.resources import files

# The beginnings and endings of the words the stemmer asks about (`stemming.py`).
_PREFIXES = ("di", "ter", "ber", "per", "me", "pe", "ke", "se")
_POSSESSIVES = ("ku", "mu")


def wordnet_lines() -> list[str]:
    """The table's lines: one meaning each, its English words, a tab, its Indonesian words."""
    return (files(__package__) / "data" / "wordnet.tsv").read_text("utf-8").splitlines()


@cache
def _languages() -> tuple[frozenset[str], frozenset[str]]:
    english: set[str] = set()
    indonesian: set[str] = set()
    for line in wordnet_lines():
        english_words, _, indonesian_words = line.partition("\t")
        english.update(w for w in english_words.split() if w.startswith(_PREFIXES))
        for word in indonesian_words.split():
            if word.startswith(_PREFIXES) or word.endswith(_POSSESSIVES):
                indonesian.add(word)
    return frozenset(english), frozenset(indonesian)


def is_english_word(word: str) -> bool:
    """Whether WordNet lists `word` as an English word (base forms: "discount", not "discounts");
    asked of words beginning like an Indonesian prefix ("di", "ter", "ber", "per", "me", "pe",
    "ke", "se"), False for any other."""
    return word in _languages()[0]


def is_indonesian_word(word: str) -> bool:
    """Whether Wordnet Bahasa lists `word` as an Indonesian (or Malay) word; asked of words
    beginning like an Indonesian prefix or ending in "-ku" or "-mu", False for any other."""
    return word in _languages()[1]
