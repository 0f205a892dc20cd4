"""`python -m bench.wikdict_table DICT_DZ`: rebuild `shared/text/data/wikdict.tsv`.

The table gives English words their Indonesian translations as a human-edited dictionary
writes them, beside WordNet's meanings (`shared/text/synonyms.py`): Wordnet Bahasa's synsets
were filled automatically, so an Indonesian word often reaches no useful English word there
("rusak" only "damaged", "pakai" "don", "bayar" nothing), and a question in one language misses
the passage in the other. Its source: DICT_DZ, `freedict-eng-ind.dict.dz` of FreeDict's
English-Indonesian dictionary (WikDict, built from Wiktionary; CC BY-SA 3.0), as Debian's
`dict-freedict-eng-ind` package installs it (`/usr/share/dictd/`); dictzip is gzip.

Kept, to stay small and precise: one-word English headwords of letters only, nouns, verbs,
adjectives and adverbs; each headword's first `MAX_SENSES` senses; one-word translations of
letters only. One line per sense, as `wordnet.tsv` writes a meaning: the English word, a tab,
its Indonesian words (space separated), in the dictionary's order.
"""

import argparse
import gzip
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "shared" / "text" / "data"
MAX_SENSES = 2
POS = frozenset({"n", "v", "adj", "adv"})
# "broken /IPA/ <adj>": a headword, its pronunciations between slashes, its part of speech.
_HEADER = re.compile(r"^(?P<head>[^\s/<][^/<]*?)(?: /.*/)? <(?P<pos>[^>]+)>$")
_NUMBERED = re.compile(r"^(\d+)\. (.*)$")
_WORD = re.compile(r"[a-z]{2,}")
_TRAILING_NUMBER = re.compile(r"\s+\d+\.$")


def _translations(line: str) -> tuple[str, ...]:
    words = (word.strip().lower() for word in _TRAILING_NUMBER.sub("", line).split(","))
    return tuple(dict.fromkeys(word for word in words if _WORD.fullmatch(word)))


def senses(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(English headword, Indonesian words) for each kept sense of each entry."""
    found: list[tuple[str, tuple[str, ...]]] = []
    head, pos, kept, first = "", "", 0, False
    for line in text.splitlines():
        if header := _HEADER.match(line):
            head, pos = header["head"].strip().lower(), header["pos"].strip()
            kept, first = 0, True
            continue
        numbered = _NUMBERED.match(line)
        if not (first or numbered):  # a gloss, or a sense without a translation (" 3.")
            continue
        first = False
        if not _WORD.fullmatch(head) or pos not in POS or kept >= MAX_SENSES:
            continue
        kept += 1
        if words := _translations(numbered[2] if numbered else line):
            found.append((head, words))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wikdict_table", description=__doc__)
    parser.add_argument("dictionary", type=Path, help="freedict-eng-ind.dict.dz")
    arguments = parser.parse_args()
    text = gzip.decompress(arguments.dictionary.read_bytes()).decode("utf-8")
    lines = [f"{english}\t{' '.join(words)}" for english, words in senses(text)]
    (DATA / "wikdict.tsv").write_text("".join(f"{line}\n" for line in lines), "utf-8")
    print(f"{len(lines)} senses of {len({line.split(chr(9))[0] for line in lines})} words")


if __name__ == "__main__":
    main()
