"""The labelled messages: what the offline model trains on and what every engine is scored on.

Training: the generated set (`data/train.csv`) and the train splits of the public sets
(`data/public.csv.gz`, see `data/extract_public.py`). Scoring: the hand-written held-out set
(`data/heldout.csv`) and each public set's test split, per source. No text of a scoring set is
trained on, whichever source it comes from (NusaX was translated from SmSA's sentences, and a
template can write a held-out line by chance).
"""

import csv
import gzip
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from services.enricher.classification.offline import normalise

DATA = Path(__file__).with_name("data")
GENERATED = DATA / "train.csv"
HELD_OUT = DATA / "heldout.csv"
PUBLIC = DATA / "public.csv.gz"
GENERATED_SOURCE = "generated"
_WORD = re.compile(r"\w+")
SHINGLE = 4  # words
NEAR_COPY = 0.5  # share of a text's shingles found in one scored text


@dataclass(frozen=True)
class Labelled:
    """A message and what it means; "" where its source does not say (intent or sentiment)."""

    source: str
    text: str
    intent: str
    sentiment: str
    language: str  # id, en, or mixed (code-mixed)


def _read(path: Path, source: str | None = None) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open() as file:
        return [row | ({"source": source} if source else {}) for row in csv.DictReader(file)]


def _labelled(rows: list[dict[str, str]]) -> list[Labelled]:
    return [
        Labelled(row["source"], row["text"], row["intent"], row["sentiment"], row["language"])
        for row in rows
    ]


def _public(split: str) -> list[Labelled]:
    return _labelled([row for row in _read(PUBLIC) if row["split"] == split])


def scoring_sets() -> dict[str, list[Labelled]]:
    """Source → its held-out messages; the generated project's own set first."""
    sets = {GENERATED_SOURCE: _labelled(_read(HELD_OUT, GENERATED_SOURCE))}
    for row in _public("test"):
        sets.setdefault(row.source, []).append(row)
    return sets


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[start : start + SHINGLE]) for start in range(len(words) - SHINGLE + 1)}


class ScoredTexts:
    """Tells whether a text is, or nearly is, one that is scored on.

    Nearly: most of its runs of four words occur in one scored text (an edited copy, as
    NusaX's sentences are of SmSA's, or a review quoted in another).
    """

    def __init__(self, texts: list[str]) -> None:
        self._exact = {" ".join(_words(text)) for text in texts}
        self._texts_with: dict[tuple[str, ...], set[int]] = {}
        for index, text in enumerate(texts):
            for shingle in _shingles(_words(text)):
                self._texts_with.setdefault(shingle, set()).add(index)

    def __contains__(self, text: str) -> bool:
        words = _words(text)
        if " ".join(words) in self._exact:
            return True
        shingles = _shingles(words)
        shared = Counter(
            index for shingle in shingles for index in self._texts_with.get(shingle, ())
        )
        return bool(shared) and max(shared.values()) > NEAR_COPY * len(shingles)


def training_rows() -> list[Labelled]:
    """The generated set and the public train splits, without any text that is scored on."""
    scored = ScoredTexts([row.text for rows in scoring_sets().values() for row in rows])
    rows = _labelled(_read(GENERATED, GENERATED_SOURCE)) + _public("train")
    return [row for row in rows if row.text not in scored]


def digest(rows: list[Labelled], parameters: str) -> str:
    """Identifies a training run: its rows, in order, as the model reads them, and parameters.

    The normalised text is part of it: a change to the shared normalisation changes what the
    model sees, so it calls for training again as much as new data does.
    """
    content = hashlib.sha256(parameters.encode())
    for row in rows:
        fields = (row.source, row.text, normalise(row.text), row.intent, row.sentiment)
        content.update("\x1f".join(fields).encode())
        content.update(b"\x1e")
    return content.hexdigest()
