"""Fits the offline model (scikit-learn) and writes `data/model.npz`: `balas classify --train`.

Deterministic: the same rows and parameters give the same weights. The file records the digest
of what it was trained on, so a test can tell a stale model from the current data.
"""

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from services.enricher.classification.datasets import Labelled, digest, training_rows
from services.enricher.classification.offline import (
    MODEL_FILE,
    OfflineModel,
    character_terms,
    normalise,
    word_terms,
)

# Rare terms are mostly names, numbers and typos of one message: they cost size, not accuracy.
MIN_DOCUMENTS = {"words": 2, "characters": 3}
REGULARISATION = {"intent": 10.0, "sentiment": 10.0}
# NusaX's 1,000 sentences (the only three-class English sentiment set) would otherwise count
# for little beside SmSA's 10,600: weighted three times (chosen on the validation splits).
SOURCE_WEIGHTS = {"nusax_id": 3.0, "nusax_en": 3.0}
PARAMETERS = repr(
    {
        "min_documents": MIN_DOCUMENTS,
        "C": REGULARISATION,
        "class_weight": "balanced",
        "source_weights": SOURCE_WEIGHTS,
        "v": 2,
    }
)


def current_digest() -> str:
    """The digest a model trained now would record (cheap: reads the data, fits nothing)."""
    return digest(training_rows(), PARAMETERS)


def _vectorizer(analyser: object, min_documents: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyser, min_df=min_documents, sublinear_tf=True, dtype=np.float64
    )


def _head(
    matrix: csr_matrix, rows: list[Labelled], task: str
) -> tuple[LogisticRegression, list[str]]:
    """A logistic regression fitted on the rows whose source labels `task`."""
    labelled = [index for index, row in enumerate(rows) if getattr(row, task)]
    model = LogisticRegression(C=REGULARISATION[task], max_iter=3000, class_weight="balanced")
    model.fit(
        matrix[labelled],
        [getattr(rows[index], task) for index in labelled],
        sample_weight=[SOURCE_WEIGHTS.get(rows[index].source, 1.0) for index in labelled],
    )
    return model, [str(label) for label in model.classes_]


def _terms(vectorizer: TfidfVectorizer) -> np.ndarray:
    by_column = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    return np.array([term for term, _ in by_column])


def fit(rows: list[Labelled]) -> dict[str, np.ndarray]:
    """Both heads fitted on `rows`, as the arrays the model file holds."""
    texts = [normalise(row.text) for row in rows]
    words = _vectorizer(word_terms, MIN_DOCUMENTS["words"])
    characters = _vectorizer(character_terms, MIN_DOCUMENTS["characters"])
    matrix = hstack([words.fit_transform(texts), characters.fit_transform(texts)]).tocsr()
    intent, intents = _head(matrix, rows, "intent")
    sentiment, sentiments = _head(matrix, rows, "sentiment")
    return {
        "word_terms": _terms(words),
        "word_idf": words.idf_.astype(np.float32),
        "character_terms": _terms(characters),
        "character_idf": characters.idf_.astype(np.float32),
        "intents": np.array(intents),
        "sentiments": np.array(sentiments),
        "weights": np.vstack([intent.coef_, sentiment.coef_]).T.astype(np.float32),
        "bias": np.concatenate([intent.intercept_, sentiment.intercept_]).astype(np.float32),
        "training_digest": np.array(digest(rows, PARAMETERS)),
    }


def train(path: Path = MODEL_FILE) -> OfflineModel:
    """Fits both heads on the training rows, writes the model file and returns it loaded."""
    # numpy's stubs take the arrays' names for its `allow_pickle` flag
    np.savez_compressed(path, **fit(training_rows()))  # type: ignore[arg-type]
    return OfflineModel.load(path)
