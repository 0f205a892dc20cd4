"""Colloquial forms and their standard words, read from the TSV files in `data/`.

`WORDS` maps one chat word to its standard form ("udh" -> "sudah"); `PHRASES` maps several
words, or a name written with a symbol, to one form ("j&t" -> "jnt", "cash on delivery" ->
"cod"). The shop list is read last, so its entries win over the public lexicon's.
`PLACES` maps a city to the island or area shops price shipping by ("medan" -> "sumatra").
"""

import re
from importlib.resources import files


def _entries(*names: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for name in names:
        for line in (files(__package__) / "data" / name).read_text("utf-8").splitlines():
            if line and not line.startswith("#"):
                informal, formal = line.split("\t")
                entries[informal] = formal
    return entries


_ENTRIES = _entries("indocollex.tsv", "shop.tsv")
PLACES = _entries("places.tsv")
WORDS = {key: value for key, value in _ENTRIES.items() if key.isalpha()}
PHRASES = {key: value for key, value in _ENTRIES.items() if not key.isalpha()}
# The standard words the lexicon writes: what a chat word turns into.
STANDARD_WORDS = frozenset(word for value in WORDS.values() for word in value.split())


def spellings(*standard: str, shortest: int = 3) -> list[str]:
    """The standard words and the chat words of at least `shortest` letters the lexicon reads
    as one of them ("berapa": "brapa", "brpa"), longest first, for a pattern that must know
    every way customers write a word."""
    wanted = set(standard)
    chat = {word for word, form in WORDS.items() if form in wanted and len(word) >= shortest}
    return sorted(wanted | chat, key=lambda word: (-len(word), word))


def alternation(words: list[str]) -> str:
    """A regular expression's alternatives for `words`, a space matching any spacing."""
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
