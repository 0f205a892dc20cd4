"""The shipped offline model: trained on the current data, loaded without training, small; and
the data it is trained and scored on: no scored text is trained on."""

import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer

from balas.classify import evaluation_tables
from services.enricher.classification.datasets import (
    GENERATED_SOURCE,
    ScoredTexts,
    scoring_sets,
    training_rows,
)
from services.enricher.classification.evaluation import evaluate
from services.enricher.classification.labels import Intent, Sentiment
from services.enricher.classification.offline import (
    MODEL_FILE,
    OfflineClassifier,
    OfflineModel,
    character_terms,
    normalise,
    word_terms,
)
from services.enricher.classification.training import current_digest

# Loading cost grows with the vocabulary and the file: these bounds keep it well under 2 s and
# the package small (bench/classify.py measures the time itself).
MAX_MODEL_BYTES = 8_000_000
MAX_FEATURES = 400_000


def test_the_shipped_model_is_what_training_on_the_current_data_produces() -> None:
    # If this fails, the data or the training parameters changed: run `balas classify --train`.
    assert OfflineModel.load().training_digest == current_digest()


def test_loading_the_model_trains_nothing_and_needs_no_scikit_learn() -> None:
    script = (
        "import sys\n"
        "from services.enricher.classification.offline import OfflineClassifier\n"
        "[labels] = OfflineClassifier().classify_now(['kak paketnya kpn nyampe y'])\n"
        "print(labels.intent.value, 'sklearn' in sys.modules)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert shown.stdout.split() == ["order_status", "False"]


def test_the_model_file_stays_small() -> None:
    model = OfflineModel.load()

    assert MODEL_FILE.stat().st_size < MAX_MODEL_BYTES
    assert 0 < model.features < MAX_FEATURES


def test_every_class_of_the_taxonomy_is_learnt() -> None:
    model = OfflineModel.load()

    assert set(model.intents) == set(Intent)
    assert set(model.sentiments) == set(Sentiment)


def test_an_edited_copy_of_a_scored_text_counts_as_scored() -> None:
    scored = ScoredTexts(
        ["Pelayanannya ramah sekali dan makanannya enak , saya pasti kembali lagi"]
    )

    assert "pelayanannya ramah sekali dan makanannya enak, saya pasti kembali" in scored
    assert "PELAYANANNYA RAMAH SEKALI DAN MAKANANNYA ENAK , SAYA KEMBALI LAGI" in scored
    assert "makanannya enak tapi pelayanannya lambat sekali" not in scored


def test_no_scored_text_is_trained_on() -> None:
    scored = {
        " ".join(row.text.lower().split()) for rows in scoring_sets().values() for row in rows
    }
    trained = [" ".join(row.text.lower().split()) for row in training_rows()]

    assert not scored.intersection(trained)


def test_scoring_sets_are_the_held_out_set_and_each_public_test_split() -> None:
    sets = scoring_sets()
    sources = {row.source for row in training_rows()}

    assert next(iter(sets)) == GENERATED_SOURCE
    assert sources == set(sets)  # every source trained on is also scored
    for rows in sets.values():
        assert all(row.intent or row.sentiment for row in rows)
        assert {row.intent for row in rows} <= {*Intent, ""}
        assert {row.sentiment for row in rows} <= {*Sentiment, ""}


async def test_the_evaluation_reports_each_source_per_task_and_class() -> None:
    evaluations = await evaluate(OfflineClassifier())

    assert [evaluation.source for evaluation in evaluations] == list(scoring_sets())
    generated = evaluations[0]
    assert generated.intent is not None
    assert generated.sentiment is not None
    assert set(generated.intent.f1_by_class) == set(Intent)
    for evaluation in evaluations:
        scores = [s for s in (evaluation.intent, evaluation.sentiment) if s is not None]
        assert scores
        assert all(0.5 < s.macro_f1 <= 1 for s in scores)
    summary, per_class = evaluation_tables(evaluations)
    assert summary.row_count == len(evaluations)
    assert per_class.row_count == sum(
        (e.intent is not None) + (e.sentiment is not None) for e in evaluations
    )


def test_prediction_gives_what_scikit_learn_computes_from_the_shipped_arrays() -> None:
    # The fast path (n-grams found once per word, weights in numpy) must not change a label or
    # a score: scikit-learn's own TF-IDF over the shipped vocabularies is the reference.
    sample = [row.text for rows in scoring_sets().values() for row in rows[:25]]
    sample += ["", "!!!", "kak paketnya kpn nyampe y 🙏", "Sepatunya bagusss bgt, makasih"]
    with np.load(MODEL_FILE, allow_pickle=False) as arrays:
        shipped = dict(arrays)
    matrix = np.hstack(
        [
            _reference_tfidf(word_terms, shipped["word_terms"], shipped["word_idf"], sample),
            _reference_tfidf(
                character_terms, shipped["character_terms"], shipped["character_idf"], sample
            ),
        ]
    )
    scores = matrix @ shipped["weights"].astype(np.float64) + shipped["bias"]
    split = len(shipped["intents"])

    predicted = OfflineModel(shipped).predict(sample)

    for row, (intent, intent_score, sentiment, sentiment_score) in zip(
        scores, predicted, strict=True
    ):
        intents, sentiments = softmax(row[:split]), softmax(row[split:])
        assert intent == shipped["intents"][intents.argmax()]
        assert sentiment == shipped["sentiments"][sentiments.argmax()]
        assert intent_score == pytest.approx(intents.max(), abs=1e-9)
        assert sentiment_score == pytest.approx(sentiments.max(), abs=1e-9)


def _reference_tfidf(
    analyser: Callable[[str], list[str]],
    terms: np.ndarray,
    idf: np.ndarray,
    texts: list[str],
) -> np.ndarray:
    vectorizer = TfidfVectorizer(
        analyzer=analyser, vocabulary=terms.tolist(), sublinear_tf=True, dtype=np.float64
    )
    vectorizer.idf_ = idf.astype(np.float64)
    return vectorizer.transform([normalise(text) for text in texts]).toarray()
