"""The learned order of the relevant passages: which candidate most likely answers.

BM25 alone puts first the passage sharing the most rare words with the question, however it
shares them. A conditional logit (a softmax over one question's candidates) weighs what the
lexical search already knows of each (question, passage) pair (`FEATURES`): how much of the
question the passage holds, split by how (a word's own term, a misspelling's nearest term, a
hint: a synonym or a city's island), BM25's score, its ratio to the best and its rank, the
question's terms in the passage's heading (an FAQ's question is what customers ask), whether
it states the kind of fact asked, its length.

It orders; it never decides relevance: which passages are relevant stays the coverage rule
(`retrieval.py`), since a learned decision measured no better (docs/knowledge.md). The weights
are trained by `python -m bench.train_ranker` on the tuning, paraphrase and development sets
(never the frozen one) and shipped in `data/ranker.json`; at run time this is numpy alone.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shared.knowledge.lexical import EXACT, HINT, TYPO, Matches

MODEL = Path(__file__).with_name("data") / "ranker.json"
CANDIDATES = 10  # the best passages by BM25 it reorders: the right one is among them (99.5 %)
FEATURES = (
    "coverage",  # share of the question's idf mass the passage holds
    "exact",  # of it, held by the words' own terms
    "typo",  # by a misspelling's nearest term
    "hint",  # by a synonym or a city's island
    "bm25",  # log(1 + BM25 score)
    "ratio",  # BM25 score over the best candidate's
    "rank",  # 1 / BM25 rank
    "heading",  # share of the question's terms in the passage's heading
    "kind",  # the passage states the kind of fact asked about the question's topic
    "length",  # log(1 + the passage's terms)
    "sentence",  # the best sentence's coverage, with the passage's heading
)

Features = npt.NDArray[np.float64]


def features(
    matches: Matches, ranks: Sequence[int], heading: Features, kind: Features, sentence: Features
) -> Features:
    """One row per candidate, the passages of `matches` at BM25 `ranks` (0 the best), columns
    as `FEATURES`."""
    at = np.asarray(ranks, dtype=np.int64)
    scores = matches.scores[at].astype(np.float64)
    best = float(matches.scores[0]) if len(matches.scores) else 0.0
    return np.column_stack(
        [
            matches.coverage[at],
            matches.split[at, EXACT],
            matches.split[at, TYPO],
            matches.split[at, HINT],
            np.log1p(scores),
            scores / best if best > 0 else np.ones(len(at)),
            1.0 / (at + 1),
            heading,
            kind,
            np.log1p(matches.lengths[at].astype(np.float64)),
            sentence,
        ]
    ).reshape(len(at), len(FEATURES))


@dataclass(frozen=True)
class Ranker:
    """The features' standardisation and the weights of each standardised feature."""

    mean: Features
    scale: Features
    weights: Features

    def preference(self, rows: Features) -> Features:
        """Each candidate's score: the higher, the likelier it answers (first is best)."""
        return ((rows - self.mean) / self.scale) @ self.weights

    def to_json(self, **about: object) -> str:
        """The file `from_json` reads; `about` records how it was trained."""
        data = {
            "features": list(FEATURES),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "weights": _rounded(self.weights),
        }
        return json.dumps(data | about, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Ranker":
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("the ranker's file was trained on other features: retrain it")
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
        )


def _rounded(values: Features) -> list[float]:
    return [round(float(value), 6) for value in values]


@cache
def shipped() -> Ranker:
    """The ranker shipped with the package."""
    return Ranker.from_json(MODEL.read_text(encoding="utf-8"))
