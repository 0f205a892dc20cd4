"""Retrieval quality on the sample store (bench/knowledge_eval.py), with floors a regression breaks.

The floors sit below what the current analyser and threshold reach (docs/knowledge.md,
"Retrieval and evaluation"), with room for a question or two to change rank.
"""

import pytest

from bench.knowledge_eval import (
    SAMPLE_QUESTIONS,
    SAMPLE_STORE,
    Evaluation,
    Question,
    document_files,
    evaluate,
    evaluate_chunks,
    read_questions,
)
from shared.knowledge.models import Chunk

# Paraphrases, English and near-miss unanswerable questions on the same store (docs/knowledge.md,
# "Meaning without an embeddings API"): no word of the sample set's wording to lean on.
PARAPHRASES = SAMPLE_QUESTIONS.with_name("sample_store_paraphrases.csv")


@pytest.fixture(scope="module")
async def sample_store() -> Evaluation:
    """Extracting the sample store (OCR included) takes a second or two: once per module."""
    return await evaluate()


def test_the_sample_store_questions_find_their_sources(sample_store: Evaluation) -> None:
    evaluation = sample_store

    assert evaluation.documents == 6
    assert evaluation.overall.questions >= 40
    assert evaluation.overall.hit_at_k >= 0.9
    assert evaluation.overall.hit_at_1 >= 0.8
    assert evaluation.overall.mrr >= 0.85
    assert evaluation.overall.section_hit_at_k is not None
    assert evaluation.overall.section_hit_at_k >= 0.85
    assert set(evaluation.by_language) == {"id", "en", "mixed"}
    for language, scores in evaluation.by_language.items():
        assert scores.hit_at_k >= 0.8, language
    assert evaluation.silent <= 3


def test_the_threshold_rejects_most_unanswerable_questions(sample_store: Evaluation) -> None:
    evaluation = sample_store

    assert evaluation.unanswerable >= 8
    assert evaluation.rejected >= evaluation.unanswerable - 4


def test_the_paraphrase_set_asks_about_the_sample_store_documents() -> None:
    questions = read_questions(PARAPHRASES)
    documents = {path.name for path in document_files(SAMPLE_STORE)}

    answerable = [question for question in questions if question.source]
    assert len(answerable) >= 30
    assert len(questions) - len(answerable) >= 10
    assert {question.source for question in answerable} == documents
    assert sum(question.language == "en" for question in questions) > len(questions) / 2


async def test_the_threshold_rejects_the_unanswerable_paraphrases() -> None:
    evaluation = await evaluate(questions=PARAPHRASES)

    assert evaluation.rejected >= evaluation.unanswerable - 1


def chunk(name: str, text: str) -> Chunk:
    return Chunk(
        id=f"{name}:1:0",
        store_id="evaluation",
        document_id=name,
        version=1,
        n=0,
        text=text,
        locator="page 1",
        filename=name,
    )


async def test_scores_count_ranks_per_language_and_rejections() -> None:
    chunks = [chunk("a.md", "kaos polos kaos polos"), chunk("b.md", "kaos polos lengan panjang")]
    questions = [
        Question("kaos polos", "id", "a.md", "page 1"),  # rank 1
        Question("kaos polos?", "en", "b.md", "page 2"),  # rank 2, wrong section
        Question("jual mobil bekas?", "id", None, None),
        Question("kaos", "id", None, None),  # answered although it should not be
    ]

    evaluation = await evaluate_chunks(chunks, questions, k=5)

    assert evaluation.overall.hit_at_1 == 0.5
    assert evaluation.overall.hit_at_k == 1.0
    assert evaluation.overall.mrr == 0.75
    assert evaluation.overall.section_hit_at_k == 0.5
    assert evaluation.by_language["en"].mrr == 0.5
    assert (evaluation.unanswerable, evaluation.rejected) == (2, 1)
    assert evaluation.wrongly_answered == ["kaos"]
    assert evaluation.misses == []
