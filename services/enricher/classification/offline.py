"""The offline engine: TF-IDF word and character n-grams with two linear heads (intent, sentiment).

The fitted model ships as `data/model.npz` (vocabularies, idf and weights as plain arrays, no
pickle), written by `balas classify --train` (`training.py`). Loading it needs numpy only: no
training, no scikit-learn, no network, no API key.
"""

import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from services.enricher.classification.cues import emotion_terms, negated_terms
from services.enricher.classification.entities import find_entities
from services.enricher.classification.labels import (
    Classification,
    Intent,
    Language,
    Sentiment,
    SentimentScore,
)
from services.enricher.classification.language import detect_language
from services.enricher.metrics import CLASSIFICATIONS
from shared.text.normalise import normalise as standard_words

MODEL_FILE = Path(__file__).with_name("data") / "model.npz"

_DIGITS = re.compile(r"\d+")
_TOKENS = re.compile(r"\b\w+\b|[^\w\s]")
CHARACTER_SIZES = range(2, 6)
WORDS_CACHED = 20_000  # distinct words whose character n-grams are kept


def normalise(text: str) -> str:
    """The shared normalisation (standard words, folded), digits as one token: "0"."""
    return _DIGITS.sub("0", standard_words(text))


def word_terms(normalised: str) -> list[str]:
    """Words and punctuation marks of a normalised text, each pair of neighbours, and the
    sentiment cues (`cues.py`: negated words, emoji groups); in an English text each of them
    twice, once as itself and once marked English ("en:"), so English, a small share of the
    training data, can weigh a term its own way on top of what both languages share."""
    tokens = _TOKENS.findall(normalised)
    pairs = [f"{first} {second}" for first, second in itertools.pairwise(tokens)]
    terms = tokens + pairs + negated_terms(normalised) + emotion_terms(normalised)
    if detect_language(normalised)[0] is Language.EN:
        terms += [f"en:{term}" for term in terms]
    return terms


def character_terms(normalised: str) -> list[str]:
    """Character 2- to 5-grams inside each word of a normalised text, padded with a space."""
    terms = []
    for word in normalised.split():
        padded = f" {word} "
        terms += [
            padded[start : start + size]
            for size in CHARACTER_SIZES
            for start in range(len(padded) - size + 1)
        ]
    return terms


class _Features:
    """One vocabulary's sublinear-tf times idf, L2-normalised: what TfidfVectorizer computes."""

    def __init__(self, terms: list[str], idf: NDArray[np.generic], offset: int) -> None:
        self._columns = {term: offset + column for column, term in enumerate(terms)}
        self._idf = idf.astype(np.float64)
        self._offset = offset

    def columns(self, terms: Iterable[str]) -> list[int]:
        """The columns of the known terms, one per occurrence."""
        return [column for term in terms if (column := self._columns.get(term)) is not None]

    def of(self, columns: list[int]) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The distinct columns and their weights, from the columns of every occurrence."""
        counts = Counter(columns)  # counted in C
        distinct = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * self._idf[distinct - self._offset]
        norm = float(np.sqrt(weights @ weights)) or 1.0
        return distinct, weights / norm


class OfflineModel:
    """Two linear heads (intent, sentiment) over one TF-IDF feature space, scored together."""

    def __init__(self, arrays: dict[str, NDArray[np.generic]]) -> None:
        words: list[str] = arrays["word_terms"].tolist()
        self._words = _Features(words, arrays["word_idf"], 0)
        self._characters = _Features(
            arrays["character_terms"].tolist(), arrays["character_idf"], len(words)
        )
        # A word's character n-grams do not depend on its neighbours: found once per word.
        self._word_grams = lru_cache(maxsize=WORDS_CACHED)(self._grams_of_word)
        self.intents = [Intent(label) for label in arrays["intents"].tolist()]
        self.sentiments = [Sentiment(label) for label in arrays["sentiments"].tolist()]
        # rows = features, columns = intent classes then sentiment classes
        self._weights = arrays["weights"].astype(np.float64)
        self._bias = arrays["bias"].astype(np.float64)
        self.features = len(self._weights)
        self.training_digest = str(arrays["training_digest"])

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "OfflineModel":
        with np.load(path, allow_pickle=False) as arrays:
            return cls(dict(arrays))

    def predict(self, texts: list[str]) -> list[tuple[Intent, float, Sentiment, float]]:
        return [self._predict_one(text) for text in texts]

    def _grams_of_word(self, word: str) -> tuple[int, ...]:
        return tuple(self._characters.columns(character_terms(word)))

    def _predict_one(self, text: str) -> tuple[Intent, float, Sentiment, float]:
        normalised = normalise(text)
        word_columns, word_weights = self._words.of(self._words.columns(word_terms(normalised)))
        grams = itertools.chain.from_iterable(map(self._word_grams, normalised.split()))
        char_columns, char_weights = self._characters.of(list(grams))
        columns = np.concatenate([word_columns, char_columns])
        weights = np.concatenate([word_weights, char_weights])
        scores = weights @ self._weights[columns] + self._bias
        split = len(self.intents)
        intent, intent_score = _best(scores[:split])
        sentiment, sentiment_score = _best(scores[split:])
        return (
            self.intents[intent],
            intent_score,
            self.sentiments[sentiment],
            sentiment_score,
        )


def _best(scores: NDArray[np.float64]) -> tuple[int, float]:
    """The best class and its softmax probability (what `predict_proba` gives)."""
    exp = np.exp(scores - scores.max())
    best = int(exp.argmax())
    return best, float(exp[best] / exp.sum())


_model: OfflineModel | None = None
_loading = threading.Lock()


def shared_model() -> OfflineModel:
    """The process's model, loaded from the shipped file on first use."""
    global _model
    with _loading:
        if _model is None:
            _model = OfflineModel.load()
        return _model


class OfflineClassifier:
    name = "offline"

    def __init__(self, model: OfflineModel | None = None) -> None:
        self._model = model or shared_model()

    def classify_now(self, texts: list[str]) -> list[Classification]:
        """Synchronous: a fraction of a millisecond per message, cheap enough inline."""
        if not texts:
            return []
        labels = []
        for text, (intent, intent_score, sentiment, sentiment_score) in zip(
            texts, self._model.predict(texts), strict=True
        ):
            language, code_mixed = detect_language(text)
            labels.append(
                Classification(
                    intent=intent,
                    intent_score=round(intent_score, 4),
                    sentiment=SentimentScore(label=sentiment, score=round(sentiment_score, 4)),
                    language=language,
                    code_mixed=code_mixed,
                    entities=find_entities(text),
                    engine="offline",
                )
            )
        CLASSIFICATIONS.labels("offline").inc(len(labels))
        return labels

    async def classify(self, texts: list[str]) -> list[Classification]:
        return self.classify_now(texts)
