"""Misspelt words matched to the words a vocabulary holds, by edit distance.

A word may be this many edits (insertion, deletion, substitution, or two neighbours swapped)
away from a vocabulary word: none under 4 letters (too many short words are one edit apart),
1 for 4-7 letters, 2 from 8 (at 7, "parking" would already be "parang"). Candidates come from
deletions, as in SymSpell: a vocabulary word is stored under itself and each form with one
letter deleted; a query looks up itself and its forms with one or two letters deleted, and
every candidate is checked by its true distance. The stored forms are kept as hashes in two
numpy arrays (a few MB for 10,000 passages), not as a dict of strings.
"""

from array import array
from collections.abc import Iterable, Sequence

import numpy as np


def bound(word: str) -> int:
    """Edits a word of this length may be away from the word it means."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _forms(word: str, depth: int) -> set[str]:
    forms = {word}
    for _ in range(depth):
        forms |= {shorter for form in forms for shorter in _deletions(form)}
    return forms


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, with a swap of two neighbours as one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


class NearestWords:
    """The nearest words of a fixed vocabulary, by position in it."""

    def __init__(self, words: Sequence[str]) -> None:
        self._words = words
        hashes, positions = array("q"), array("i")
        for position, word in enumerate(words):
            if bound(word) and word.isalpha():
                for form in _forms(word, 1):
                    hashes.append(hash(form))
                    positions.append(position)
        keys = np.frombuffer(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._positions = np.frombuffer(positions, dtype=np.int32)[order]

    @property
    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._positions.nbytes)

    def nearest(self, word: str) -> list[int]:
        """Positions of the vocabulary words nearest `word` within its bound; [] if none."""
        limit = bound(word)
        if not limit or not word.isalpha() or not len(self._keys):
            return []
        candidates = self._candidates(_forms(word, limit))
        scored = [(distance(word, self._words[p]), p) for p in candidates]
        best = min((d for d, _ in scored), default=limit + 1)
        return sorted(p for d, p in scored if d == best <= limit)

    def _candidates(self, forms: Iterable[str]) -> set[int]:
        wanted = np.fromiter((hash(form) for form in forms), dtype=np.int64)
        starts = np.searchsorted(self._keys, wanted, side="left")
        ends = np.searchsorted(self._keys, wanted, side="right")
        found: set[int] = set()
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            found.update(self._positions[start:end].tolist())
        return found
