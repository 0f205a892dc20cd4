"""The learned relevance decision under the coverage threshold (shared/knowledge/relevance.py,
bench/train_relevance.py): what the package ships is what the training script chooses, the
decision only ever adds the first passage under the threshold, and its features say what the
question holds that no passage holds."""

import json

import numpy as np
import pytest

from bench.train_ranker import stores_and_questions
from bench.train_relevance import (
    by_store,
    choice,
    cross_validated,
    examples,
    fit,
    questions,
)
from shared.knowledge.relevance import FEATURES, MODEL, Relevance, shipped
from shared.knowledge.retrieval import RANKER, KnowledgeIndex
from tests.support.faq import faq_chunks

PASSAGES = [
    "Packing: gunakan kardus tebal dan bubble wrap agar laptop aman selama pengiriman.",
    "Garansi berlaku satu tahun untuk semua laptop.",
    "Pembayaran melalui transfer bank BCA atau Mandiri.",
]


def _always(answers: bool) -> Relevance:
    """A decision that finds every weighed passage answering, or none."""
    width = len(FEATURES)
    return Relevance(
        mean=np.zeros(width),
        scale=np.ones(width),
        weights=np.zeros(width),
        bias=20.0 if answers else -20.0,
        threshold=0.5,
    )


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex("s", 1, faq_chunks("s", PASSAGES))


def test_the_shipped_decision_is_what_the_training_script_chooses() -> None:
    indexes, ranker_questions = stores_and_questions()

    chosen = choice(by_store(indexes, cross_validated(indexes, ranker_questions)))

    if chosen is None:  # none did as well as the coverage rule alone in every store
        assert not MODEL.exists()
        assert shipped() is None
        return
    penalty, threshold = chosen
    recorded = shipped()
    assert recorded is not None
    assert float(json.loads(MODEL.read_text())["penalty"]) == penalty
    trained = fit(examples(indexes, [q for _, q in questions()], RANKER), penalty, threshold)
    assert recorded.threshold == threshold
    assert np.allclose(trained.mean, recorded.mean, atol=1e-4)
    assert np.allclose(trained.scale, recorded.scale, atol=1e-4)
    assert np.allclose(trained.weights, recorded.weights, atol=1e-4)
    assert trained.bias == pytest.approx(recorded.bias, abs=1e-4)


@pytest.mark.parametrize(
    "question", ["boleh pake kardus gede biar lega?", "bisa bayar pake ovo ga"]
)
def test_a_passage_under_the_threshold_is_relevant_only_when_the_decision_says_it_answers(
    index: KnowledgeIndex, question: str
) -> None:
    weighed = index.weighed(question, RANKER)
    assert weighed is not None  # the first passage covers 0.15-0.4 of the question

    accepted = index.search(question, relevance=_always(True))
    rejected = index.search(question, relevance=_always(False))

    assert [p.chunk_id for p in accepted] == [index.chunks[weighed[0]].id]
    assert rejected == index.search(question, relevance=None) == []


def test_a_passage_over_the_threshold_stays_relevant_whatever_the_decision(
    index: KnowledgeIndex,
) -> None:
    question = "packing nya pake apa yg aman?"  # two thirds of it in the packing passage

    assert index.weighed(question, RANKER) is None
    assert index.search(question, relevance=_always(False)) == index.search(
        question, relevance=None
    )
    assert index.search(question, relevance=None)[0].text == PASSAGES[0]


def test_the_features_say_what_no_passage_holds_and_whether_the_rarest_word_is_held(
    index: KnowledgeIndex,
) -> None:
    weighed = index.weighed("bisa bayar pake ovo ga", RANKER)
    assert weighed is not None
    features = dict(zip(FEATURES, weighed[1].tolist(), strict=True))

    # "pake" and "ovo" are in no passage; "bayar" is, in the payment passage alone
    assert index.chunks[weighed[0]].text == PASSAGES[2]
    assert features["unknown"] == pytest.approx(2 / 3, abs=0.01)
    assert features["rarest"] == 1.0
    assert features["coverage"] == pytest.approx(1 / 3, abs=0.01)
    assert features["margin"] == 5.0  # no other passage to weigh against


def test_a_file_trained_on_other_features_is_refused() -> None:
    text = _always(True).to_json().replace('"rarest"', '"rare"')

    with pytest.raises(ValueError, match="other features"):
        Relevance.from_json(text)
    assert Relevance.from_json(_always(True).to_json()).bias == 20.0
