"""One normalisation pipeline for Indonesian and English chat and shop text.

- `normalise(text)`: the surface form in standard words (case and accents folded, stretched
  letters squeezed, chat abbreviations and colloquial forms replaced, reduplication written
  with "2" spelled out). What the classifier reads.
- `terms(text)`: index terms for retrieval: normalise, then expand the shop glossary, then
  stem, then drop stop words.
"""

import re
import unicodedata

from shared.knowledge.lexical import analyse

_WORD = re.compile(r"[a-z]+(?:2[a-z]*)?|[^a-z]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED = re.compile(r"([a-z]{3,})2([a-z]*)")
# A first set of chat forms; the full lexicon comes from public colloquial dictionaries.
_COLLOQUIAL = {
    "udh": "sudah",
    "blm": "belum",
    "kpn": "kapan",
    "bs": "bisa",
    "brg": "barang",
    "kluar": "keluar",
    "nyampe": "sampai",
    "pake": "pakai",
    "tuker": "tukar",
    "y": "ya",
    "ga": "tidak",
    "gak": "tidak",
}


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _standard(word: str) -> str:
    word = _STRETCHED.sub(r"\1", word)
    if match := _REDUPLICATED.fullmatch(word):
        base = _COLLOQUIAL.get(match.group(1), match.group(1))
        return f"{base}-{base}{match.group(2)}"
    return _COLLOQUIAL.get(word, word)


def normalise(text: str) -> str:
    """`text` in standard words, folded; punctuation, numbers and spacing kept."""
    return "".join(_standard(piece) for piece in _WORD.findall(fold(text)))


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order, repeats kept."""
    return analyse(normalise(text))
