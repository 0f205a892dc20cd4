"""The answer-level evaluation of the sample store: the responder's Answerer with the scripted
model stand-in (loopback) and offline cites only retrieved passages and hands over when the
knowledge has no answer (figures in docs/knowledge.md#answers)."""

from bench.answer_eval import evaluate_answers


async def test_answers_cite_retrieved_passages_and_unanswerable_questions_hand_over() -> None:
    evaluation = await evaluate_answers()

    assert evaluation.documents == 6
    for figures in evaluation.engines:
        assert figures.answerable == 47
        assert figures.citations_outside_retrieved == 0  # P99 was cited and dropped
        assert figures.answered_with_citation >= 45
        assert figures.cites_source >= 42
        assert figures.unanswerable == 9
        assert figures.handed_over >= 6
