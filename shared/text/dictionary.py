"""What the stemmer knows of words from public dictionaries.

- Which language a word beginning like an Indonesian prefix belongs to, from WordNet's table
  (`data/wordnet.tsv`, built by `bench/wordnet_table.py`): the English words of Princeton
  WordNet 3.0's common meanings and the Indonesian words Wordnet Bahasa gives them. The stemmer
  asks before it strips an Indonesian prefix: "discount" and "display" are English words, not
  "di-" + "scount". Only words beginning like a prefix are kept (a few thousand of the table's
  42,000), read once, when the stemmer is built.
- The Indonesian root words of the Indonesian Hunspell dictionary (`data/roots.txt`, built by
  `bench/root_list.py`): a word it lists is a root, not an affixed form of a shorter word
  ("penting" is no "peN-" + "ting", "paling" no "pal" + "-ing").
"""

from functools import cache
from importlib.resources import files

# The beginnings of the words the stemmer asks about (`stemming.py`).
_PREFIXES = ("di", "ter", "ber", "per", "me", "pe", "ke", "se")


@cache
def _languages() -> tuple[frozenset[str], frozenset[str]]:
    english: set[str] = set()
    indonesian: set[str] = set()
    with (files(__package__) / "data" / "wordnet.tsv").open(encoding="utf-8") as table:
        for line in table:
            english_words, _, indonesian_words = line.rstrip("\n").partition("\t")
            english.update(w for w in english_words.split() if w.startswith(_PREFIXES))
            indonesian.update(w for w in indonesian_words.split() if w.startswith(_PREFIXES))
    return frozenset(english), frozenset(indonesian)


def is_english_word(word: str) -> bool:
    """Whether WordNet lists `word` as an English word and Wordnet Bahasa not as an Indonesian
    one (base forms: "discount", not "discounts"); False for a word beginning like no prefix."""
    english, indonesian = _languages()
    return word in english and word not in indonesian


@cache
def indonesian_roots() -> frozenset[str]:
    """The root words of the Indonesian Hunspell dictionary (28,000, lower case)."""
    text = (files(__package__) / "data" / "roots.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
