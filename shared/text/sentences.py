"""Where a sentence ends, for the chunker, the offline answer's composition and the cut of a
reply that is too long: one rule, so a passage is never cut where its reply would not be.

A sentence ends at ".", "!", "?" or "…" (closing quotes and brackets kept with it) followed by
space and something that is not a lower-case letter. A period ends no sentence after:

- an abbreviation shops write before a name, a number or a list's end ("Rp. 20.000",
  "Jl. Sudirman No. 5", "a.n. Budi", "dll.", "approx. 3 days", "e.g."),
- an initial or a dotted acronym ("J. Doe", "U.S. Postal", "p.m."),
- a list number written inline ("langkahnya: 1. pilih 2. bayar"),

so a decimal ("0.78%"), an address ("www.toko.id") or an amount ("Rp 2.000.000") never ends one
either: there is no space after its period.
"""

import re
from collections.abc import Iterator

_CLOSING = "\"')]\u201d\u2019"  # quotes and brackets closing a sentence
_OPENING = "\"'(\u201c\u2018"
_END = re.compile(rf"(?<=[.!?…])([{re.escape(_CLOSING)}]*)\s+(?=\S)")
_ABBREVIATIONS = frozenset(
    {
        "rp", "no", "nos", "jl", "jln", "dll", "dsb", "dst", "tgl", "hlm", "kec", "kab", "kel",
        "prov", "bpk", "ibu", "sdr", "pt", "cv", "tbk", "rt", "rw", "tel", "telp", "hp", "wa",
        "mr", "mrs", "ms", "dr", "st", "vs", "etc", "approx", "incl", "excl", "min", "max",
        "pcs", "ca", "cf", "fig", "vol", "ext",
    }
)  # fmt: skip
_DOTTED = re.compile(r"^(?:\w\.)+\w?$")  # "e.g", "u.s", "a.n", "p.m"


def sentence_ends(text: str, chat: bool = False) -> Iterator[int]:
    """The offsets just after each sentence's final mark (and closing quotes), the text's end
    excluded. In `chat`, where few write capitals, a sentence may also start with a small
    letter ("udah seminggu blm sampe. normalnya brp hari?")."""
    for match in _END.finditer(text):
        if (text[match.end()].islower() and not chat) or _continues(text[: match.start()]):
            continue
        yield match.end(1)


def sentences(text: str, chat: bool = False) -> list[str]:
    """`text` cut into its sentences, each stripped; none empty."""
    found: list[str] = []
    start = 0
    for end in sentence_ends(text, chat):
        found.append(text[start:end].strip())
        start = end
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def _continues(before: str) -> bool:
    """Whether the period closing `before` belongs to its last word rather than ending it."""
    words = before.split()
    if not words or not words[-1].endswith("."):
        return False
    last = words[-1].rstrip(".").lstrip(_OPENING).casefold()
    return (
        last in _ABBREVIATIONS
        or (len(last) == 1 and last.isalpha())
        or _DOTTED.match(last) is not None
        or (last.isdigit() and len(last) <= 2)
    )
