"""The offline engine: TF-IDF word and character n-grams with logistic regression (scikit-learn).

It is trained from the shipped `data/train.csv` at first use (about a second, deterministic) and
kept for the life of the process; no network, no API key, no weights on disk.
"""

import csv
import math
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from services.enricher.classification.entities import find_entities
from services.enricher.classification.labels import (
    Classification,
    Intent,
    Sentiment,
    SentimentScore,
)
from services.enricher.classification.language import detect_language
from services.enricher.metrics import CLASSIFICATIONS

TRAINING_SET = Path(__file__).with_name("data") / "train.csv"

_DIGITS = re.compile(r"\d+")
_STRETCH = re.compile(r"(\w)\1{2,}")


def normalise(text: str) -> str:
    """Lower case, digits as one token, stretched letters shortened ("bangettt" → "bangett")."""
    return _STRETCH.sub(r"\1\1", _DIGITS.sub("0", text.lower()))


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(
        preprocessor=normalise,
        token_pattern=r"(?u)\b\w+\b|[^\w\s]",
        ngram_range=(1, 2),
        sublinear_tf=True,
    )
    characters = TfidfVectorizer(
        preprocessor=normalise, analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
    )
    return words, characters


class _Features:
    """A fitted TfidfVectorizer's transform of one text, without scikit-learn's per-call cost.

    Same result as `transform` (sublinear tf times idf, L2-normalised), as (columns, weights).
    """

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self._analyse = vectorizer.build_analyzer()
        idf: list[float] = vectorizer.idf_.tolist()
        # term -> (column in the combined feature space, its idf)
        self._terms = {
            term: (column + offset, idf[column]) for term, column in vectorizer.vocabulary_.items()
        }
        self.width = len(self._terms)

    def of(self, text: str) -> tuple[list[int], list[float]]:
        counts = Counter(self._terms[term] for term in self._analyse(text) if term in self._terms)
        weights = [(1.0 + math.log(n)) * idf for (_, idf), n in counts.items()]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        return [column for column, _ in counts], [w / norm for w in weights]


class OfflineModel:
    """Two linear heads (intent, sentiment) over one TF-IDF feature space, scored together."""

    def __init__(
        self,
        vectorizers: tuple[TfidfVectorizer, TfidfVectorizer],
        intent: LogisticRegression,
        sentiment: LogisticRegression,
    ) -> None:
        words, characters = vectorizers
        self._words = _Features(words, 0)
        self._characters = _Features(characters, self._words.width)
        self._intents = [Intent(label) for label in intent.classes_]
        self._sentiments = [Sentiment(label) for label in sentiment.classes_]
        # columns = features, rows = intent classes then sentiment classes
        self._weights = np.ascontiguousarray(np.vstack([intent.coef_, sentiment.coef_]).T)
        self._bias = np.concatenate([intent.intercept_, sentiment.intercept_])

    def predict(self, texts: list[str]) -> list[tuple[Intent, float, Sentiment, float]]:
        return [self._predict_one(text) for text in texts]

    def _predict_one(self, text: str) -> tuple[Intent, float, Sentiment, float]:
        word_columns, word_weights = self._words.of(text)
        char_columns, char_weights = self._characters.of(text)
        columns = word_columns + char_columns
        scores = np.asarray(word_weights + char_weights) @ self._weights[columns] + self._bias
        split = len(self._intents)
        intent, intent_score = _best(scores[:split])
        sentiment, sentiment_score = _best(scores[split:])
        return (
            self._intents[intent],
            intent_score,
            self._sentiments[sentiment],
            sentiment_score,
        )


def _best(scores: NDArray[np.float64]) -> tuple[int, float]:
    """The best class and its softmax probability (what `predict_proba` gives)."""
    exp = np.exp(scores - scores.max())
    best = int(exp.argmax())
    return best, float(exp[best] / exp.sum())


def read_labelled(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def train(path: Path = TRAINING_SET) -> OfflineModel:
    rows = read_labelled(path)
    texts = [row["text"] for row in rows]
    words, characters = _vectorizers()
    matrix = hstack([words.fit_transform(texts), characters.fit_transform(texts)]).tocsr()
    intent = LogisticRegression(C=10.0, max_iter=2000)
    intent.fit(matrix, [row["intent"] for row in rows])
    sentiment = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
    sentiment.fit(matrix, [row["sentiment"] for row in rows])
    return OfflineModel((words, characters), intent, sentiment)


_model: OfflineModel | None = None
_training = threading.Lock()


def shared_model() -> OfflineModel:
    """The process's model, trained on first use."""
    global _model
    with _training:
        if _model is None:
            _model = train()
        return _model


class OfflineClassifier:
    name = "offline"

    def __init__(self, model: OfflineModel | None = None) -> None:
        self._model = model or shared_model()

    def classify_now(self, texts: list[str]) -> list[Classification]:
        """Synchronous: about a tenth of a millisecond per message, cheap enough inline."""
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
