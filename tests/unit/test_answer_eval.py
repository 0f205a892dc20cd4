"""The answer-level evaluation of the sample store: the responder's Answerer with the scripted
model stand-in (loopback) and offline cites only retrieved passages and hands over when the
knowledge has no answer (figures in docs/knowledge.md#answers)."""

from bench.answer_eval import evaluate_answers, faithful_model
from shared.answering.model import ChatModel
from shared.settings import LlmSettings, Settings
from tests.standins.openai_api import OpenAIStandIn


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


async def test_the_configured_endpoint_takes_the_scripted_models_place() -> None:
    local = OpenAIStandIn(script=faithful_model).start()  # a keyless server, as Ollama is
    try:
        settings = Settings(llm=LlmSettings(base_url=local.base_url, model="local-model"))
        evaluation = await evaluate_answers(model=ChatModel(settings))
    finally:
        local.stop()

    with_model, offline = evaluation.engines
    assert with_model.engine == "llm: local-model"
    assert offline.engine == "offline"
    assert len(local.requests) == with_model.answerable + with_model.unanswerable
    assert {request["model"] for request in local.requests} == {"local-model"}
    assert with_model.citations_outside_retrieved == 0
    assert with_model.answered_with_citation >= 45
