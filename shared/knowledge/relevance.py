"""The learned relevance decision under the coverage threshold: does the first passage answer?

A passage covering `retrieval.MIN_SCORE` of the question's idf mass is relevant, as before. A
short chat question often shares less with its right passage ("brp lama sampenya klo udh
dikrim?": the framing words weigh as much as the topic), while a question the store does not
answer shares as much with some passage through a common shop word ("Do you offer a student
discount?"). When no passage covers `MIN_SCORE`, the first of the candidates covering `FLOOR`,
in the ranker's order, is weighed by a logistic regression over what the search already knows
(`FEATURES`): the ranker's features of that passage except those that scale with the store
(BM25's score, the passage's length), whether the question asks for a kind of fact, the share of
its idf mass no passage holds, the ranker's margin over the second candidate, and how much of
the question's rarest known word the passage holds. It is relevant when the probability that it
answers reaches the threshold.

It only adds, and only where the rule finds nothing: a veto on passages the rule accepts, and a
weighed passage put above accepted ones, both measured worse (docs/knowledge.md, eleventh
round). The weights and the threshold are chosen and fitted by `python -m bench.train_relevance`
on the development sets (never the frozen ones), which writes `data/relevance.json` only if,
cross-validated by store, the decision recovers at least as many answerable questions and
abstains on at least as many unanswerable ones in every store; without the file the rule
decides alone. At run time this is numpy alone.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from shared.knowledge.lexical import Matches
from shared.knowledge.ranker import FEATURES as RANKER_FEATURES
from shared.knowledge.ranker import Features

MODEL = Path(__file__).with_name("data") / "relevance.json"
FLOOR = 0.15  # coverage a passage needs to be weighed: no right passage first held less
MARGIN = 5.0  # the ranker's margin when one passage is weighed alone (past it, logits are sure)
# The ranker's features of the first candidate that mean the same in every store.
FROM_RANKER = (
    "coverage",
    "exact",
    "typo",
    "hint",
    "ratio",
    "rank",
    "heading",
    "kind",
    "sentence",
)
COLUMNS = [RANKER_FEATURES.index(name) for name in FROM_RANKER]
FEATURES = (
    *FROM_RANKER,
    "asks",  # the question asks for a kind of fact (a duration, an amount, ...)
    "unknown",  # share of the question's idf mass in words no passage holds
    "margin",  # the ranker's preference of the first over the second, at most MARGIN
    "rarest",  # share of the question's rarest known word the first candidate holds
)


def row(ranker_row: Features, matches: Matches, rank: int, asks: bool, margin: float) -> Features:
    """The decision's features (`FEATURES`) of the candidate at BM25 `rank` of `matches`, whose
    ranker features are `ranker_row`."""
    mass = matches.mass or 1.0
    pairs = list(zip(matches.masses, matches.held, strict=True))
    unknown = sum(word_mass for word_mass, held in pairs if not held)
    rarest = 0.0
    if known := [(word_mass, held) for word_mass, held in pairs if held]:
        word_mass, held = max(known, key=lambda pair: pair[0])
        position = int(matches.positions[rank])
        amounts = [amount for _, _, docs, amount in held if position in docs]
        rarest = max(amounts, default=0.0) / word_mass if word_mass else 0.0
    own = [float(asks), unknown / mass, min(margin, MARGIN), rarest]
    return np.concatenate([ranker_row[COLUMNS], own])


@dataclass(frozen=True)
class Relevance:
    """The features' standardisation, the weights, the intercept and the threshold."""

    mean: Features
    scale: Features
    weights: Features
    bias: float
    threshold: float

    def probability(self, features: Features) -> float:
        """The probability that the passage of `features` (columns `FEATURES`) answers."""
        logit = float(((features - self.mean) / self.scale) @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-logit))

    def answers(self, features: Features) -> bool:
        return self.probability(features) >= self.threshold

    def to_json(self, **about: object) -> str:
        """The file `from_json` reads; `about` records how it was trained."""
        data = {
            "features": list(FEATURES),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "weights": _rounded(self.weights),
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
        }
        return json.dumps(data | about, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Relevance":
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("the relevance file was trained on other features: retrain it")
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )


def _rounded(values: Features) -> list[float]:
    return [round(float(value), 6) for value in values]


@cache
def shipped() -> Relevance | None:
    """The decision shipped with the package; None while `bench.train_relevance` finds none
    that does better than the coverage rule alone (then the rule decides alone)."""
    return Relevance.from_json(MODEL.read_text(encoding="utf-8")) if MODEL.exists() else None
