"""Proper names customers write in lower case: places and the brands of shop talk.

A name is neither stemmed ("bali" is no "bal" + "-i", "bekasi" no "bekas" + "-i") nor taken
for a misspelling of a store word ("bali" is not "beli", "jawa" not "jawab"): a place or a
courier the store never names is what it does not serve, not a word it writes. Capitals say
nothing in chat, so names are known from lists:

- the words of the names of Indonesia's provinces, regencies and cities (`data/place_names.txt`,
  built by `bench/place_list.py` from Statistics Indonesia's list; source and licence in
  `data/README.md`), the cities and islands of `data/places.tsv` and the countries of
  `vocabulary.py`;
- `vocabulary.BRANDS`: couriers, marketplaces, wallets and banks Indonesian shops name.
"""

from importlib.resources import files

from shared.text.lexicon import PLACES
from shared.text.vocabulary import BRANDS, COUNTRIES


def _place_words() -> frozenset[str]:
    text = (files(__package__) / "data" / "place_names.txt").read_text("utf-8")
    listed = (line for line in text.splitlines() if line and not line.startswith("#"))
    areas = (area for areas in PLACES.values() for area in areas.split())
    return frozenset((*listed, *PLACES, *areas, *COUNTRIES))


NAMES = _place_words() | BRANDS


def is_name(word: str) -> bool:
    """Whether `word` (folded) is a place's or a brand's name, or a word of one."""
    return word in NAMES
