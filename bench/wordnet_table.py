"""`python -m bench.wordnet_table IND_TAB PWN_DICT`: rebuild `shared/text/data/wordnet.tsv` and
`wordnet_senses.tsv`.

The table links English and Indonesian words that share a meaning, so that a question's word
can weakly reach a passage's word it does not share (`shared/text/synonyms.py`). Its sources:

- IND_TAB: `wns/msa/wn-data-ind.tab` of the Open Multilingual Wordnet's data repository
  (omwn/omw-data), the Indonesian part of Wordnet Bahasa (MIT): Indonesian lemmas per
  Princeton WordNet 3.0 synset (`00001740-n`);
- PWN_DICT: the `dict` folder of Princeton WordNet 3.0 (WordNet licence), as Debian's
  `wordnet-base` package installs it (`/usr/share/wordnet`): `data.noun`, `index.noun`, ...

Kept, to stay small and precise: nouns, verbs and adjectives (what shop questions are about:
things, actions, qualities); one-word lemmas of letters only; an English word only in its
`MAX_SENSES` most frequent senses (WordNet lists senses by frequency), so "order" means a
purchase and not a monastic order; synsets with both English and Indonesian lemmas and two
words at least. One line
per synset: its English lemmas, a tab, its Indonesian lemmas (space separated); lines in the
order of their best English sense (all first senses, then second ones, ...), so a reader can
prefer a word's common meanings.

`wordnet_senses.tsv` lists the English words with at least `GENERAL` senses over all parts of
speech, with their count ("take" 44, "place" 32): words so general that they frame a question
more than they say what it is about.
"""

import argparse
import re
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "shared" / "text" / "data"
POS_ALL = ("noun", "verb", "adj", "adv")
GENERAL = 8
POS = {"n": "noun", "v": "verb", "a": "adj"}
MAX_SENSES = 3
_LEMMA = re.compile(r"[a-z]{2,}")


def english_senses(dictionary: Path) -> dict[str, dict[str, int]]:
    """English lemmas of each synset (`offset-pos`) with the synset's sense number for each
    (1: the lemma's most frequent sense), each lemma in its first senses only."""
    synsets: dict[str, dict[str, int]] = defaultdict(dict)
    for pos, name in POS.items():
        for line in (dictionary / f"index.{name}").read_text("utf-8").splitlines():
            if line.startswith(" "):  # the licence header
                continue
            fields = line.split()
            lemma, senses = fields[0], int(fields[2])
            if not _LEMMA.fullmatch(lemma):
                continue
            for number, offset in enumerate(fields[len(fields) - senses :][:MAX_SENSES], 1):
                synsets[f"{offset}-{pos}"][lemma] = number
    return synsets


def indonesian_lemmas(tab: Path) -> dict[str, list[str]]:
    synsets: dict[str, list[str]] = defaultdict(list)
    for line in tab.read_text("utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[1] == "ind:lemma" and fields[0][-1] in POS:
            lemma = fields[2].strip().lower()
            if _LEMMA.fullmatch(lemma):
                synsets[fields[0]].append(lemma)
    return synsets


def table(tab: Path, dictionary: Path) -> list[str]:
    """The synsets with English and Indonesian lemmas, most frequent senses first."""
    english = english_senses(dictionary)
    ranked = []
    for synset, indonesian in indonesian_lemmas(tab).items():
        senses = english.get(synset, {})
        if senses and len(set(senses) | set(indonesian)) >= 2:
            line = f"{' '.join(sorted(senses))}\t{' '.join(sorted(set(indonesian)))}"
            ranked.append((min(senses.values()), line))
    return [line for _, line in sorted(ranked)]


def senses(dictionary: Path) -> list[str]:
    """`word<TAB>senses` for the one-word English lemmas with at least `GENERAL` senses."""
    counts: dict[str, int] = defaultdict(int)
    for name in POS_ALL:
        for line in (dictionary / f"index.{name}").read_text("utf-8").splitlines():
            fields = line.split()
            if not line.startswith(" ") and _LEMMA.fullmatch(fields[0]):
                counts[fields[0]] += int(fields[2])
    return [f"{word}\t{n}" for word, n in sorted(counts.items()) if n >= GENERAL]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wordnet_table", description=__doc__)
    parser.add_argument("ind_tab", type=Path, help="omw-data's wns/msa/wn-data-ind.tab")
    parser.add_argument("pwn_dict", type=Path, help="WordNet 3.0's dict folder")
    args = parser.parse_args()
    for name, lines in (
        ("wordnet.tsv", table(args.ind_tab, args.pwn_dict)),
        ("wordnet_senses.tsv", senses(args.pwn_dict)),
    ):
        out = DATA / name
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines):,} lines, {out.stat().st_size:,} bytes -> {out}")


if __name__ == "__main__":
    main()
