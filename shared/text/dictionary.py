"""Which language a word belongs to, from WordNet's table (`data/wordnet.tsv`, built by
`bench/wordnet_table.py`): the English words of Princeton WordNet 3.0's common meanings and the
Indonesian words Wordnet Bahasa gives them, about 24,000 and 18,000 words.

The stemmer asks before it strips an Indonesian affix that reaches no known root: "discount"
and "display" are English words, not "di-" + "scount"; "pertama" and "periksa" are Indonesian
words whose "stem" ("tama", "iksa") is none. The table is read on first use (about 0.2 s) and
shared with `synonyms.py`.
"""

from functools import cache
from importlib.resources import files


@cache
def wordnet_lines() -> tuple[str, ...]:
    """The table's lines: one meaning each, its English words, a tab, its Indonesian words."""
    return tuple((files(__package__) / "data" / "wordnet.tsv").read_text("utf-8").splitlines())


@cache
def _languages() -> tuple[frozenset[str], frozenset[str]]:
    english, indonesian = zip(*(line.split("\t") for line in wordnet_lines()), strict=True)
    return frozenset(" ".join(english).split()), frozenset(" ".join(indonesian).split())


def is_english_word(word: str) -> bool:
    """Whether WordNet lists `word` as an English word (base forms: "discount", not "discounts")."""
    return word in _languages()[0]


def is_indonesian_word(word: str) -> bool:
    """Whether Wordnet Bahasa lists `word` as an Indonesian (or Malay) word."""
    return word in _languages()[1]
