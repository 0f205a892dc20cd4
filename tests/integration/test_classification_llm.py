"""The LLM engine against the scripted OpenAI-compatible stand-in: structured output requested,
good answers parsed, bad answers and failed calls labelled by the offline engine instead."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.enricher.classification import Classifier, build_classifier
from services.enricher.classification.datasets import scoring_sets
from services.enricher.classification.evaluation import evaluate_source
from services.enricher.classification.labels import Intent, Language, Sentiment
from shared.settings import LlmSettings, Settings
from tests.standins.openai_api import OpenAIStandIn

TEXT = "Kak, pesanan #1042 udah seminggu belum sampai, gimana sih"
WELL_FORMED = {
    "intent": "order_status",
    "intent_confidence": 0.93,
    "sentiment": "negative",
    "sentiment_confidence": 0.88,
    "language": "id",
    "code_mixed": False,
    "entities": {
        "order_numbers": ["1042"],
        "products": ["kemeja batik"],
        "amounts": [{"text": "Rp 150.000", "value": 150000, "currency": "IDR"}],
    },
}


@pytest.fixture
def answers() -> list[str]:
    """What the stand-in answers, in order; an empty list answers with the well-formed labels."""
    return []


@pytest.fixture
def openai_api(answers: list[str]) -> Iterator[OpenAIStandIn]:
    def script(messages: list[dict[str, Any]]) -> str:
        return answers.pop(0) if answers else json.dumps(WELL_FORMED)

    stand_in = OpenAIStandIn(script=script).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
async def llm(openai_api: OpenAIStandIn) -> Classifier:
    settings = Settings(llm=LlmSettings(api_key="sk-test", base_url=openai_api.base_url))
    return await build_classifier(settings)


def fallbacks(reason: str) -> float:
    value = REGISTRY.get_sample_value("balas_classification_fallbacks_total", {"reason": reason})
    return value or 0.0


async def test_the_request_asks_for_structured_output_and_carries_the_message(
    llm: Classifier, openai_api: OpenAIStandIn
) -> None:
    await llm.classify([TEXT])

    [request] = openai_api.requests
    response_format = request["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]["schema"]
    assert {"intent", "sentiment", "language", "entities"} <= set(schema["properties"])
    assert set(schema["$defs"]["Intent"]["enum"]) == {intent.value for intent in Intent}
    system, customer = request["messages"]
    assert system["role"] == "system"
    assert "human_request" in system["content"]
    assert customer == {"role": "user", "content": TEXT}
    assert request["temperature"] == 0


async def test_a_well_formed_answer_becomes_the_labels(llm: Classifier) -> None:
    [labels] = await llm.classify([TEXT])

    assert labels.engine == "llm"
    assert labels.intent is Intent.ORDER_STATUS
    assert labels.intent_score == pytest.approx(0.93)
    assert labels.sentiment.label is Sentiment.NEGATIVE
    assert labels.sentiment.score == pytest.approx(0.88)
    assert labels.language is Language.ID
    assert labels.entities.order_numbers == ["1042"]
    assert labels.entities.amounts[0].value == 150000


@pytest.mark.parametrize(
    "answer",
    [
        "Sure! The intent is order_status.",
        json.dumps({**WELL_FORMED, "intent": "weather"}),
        json.dumps({**WELL_FORMED, "sentiment_confidence": 7}),
        json.dumps({"intent": "order_status"}),
    ],
    ids=["not-json", "unknown-intent", "score-out-of-range", "fields-missing"],
)
async def test_a_malformed_answer_falls_back_to_the_offline_engine(
    llm: Classifier, answers: list[str], answer: str
) -> None:
    answers.append(answer)
    before = fallbacks("malformed")

    [labels] = await llm.classify([TEXT])

    assert labels.engine == "offline"
    assert labels.intent is Intent.ORDER_STATUS
    assert labels.entities.order_numbers == ["1042"]
    assert fallbacks("malformed") == before + 1


async def test_a_failing_api_falls_back_to_the_offline_engine(
    llm: Classifier, openai_api: OpenAIStandIn
) -> None:
    openai_api.fail_next(2, status=500)  # the call and its one retry
    before = fallbacks("llm_error")

    [labels] = await llm.classify([TEXT])

    assert labels.engine == "offline"
    assert fallbacks("llm_error") == before + 1


async def test_in_a_batch_only_the_bad_answers_fall_back(
    llm: Classifier, answers: list[str]
) -> None:
    answers.extend([json.dumps(WELL_FORMED), "{not json"])

    labels = await llm.classify([TEXT, "Terima kasih kak!"])

    assert sorted(label.engine for label in labels) == ["llm", "offline"]
    assert len(labels) == 2


async def test_the_llm_engine_is_scored_on_the_same_sets_per_source(
    llm: Classifier, answers: list[str]
) -> None:
    sets = scoring_sets()
    rows = sets["generated"][:3] + sets["smsa"][:2]
    answers.append("not JSON")  # the first message falls back to the offline engine

    generated = await evaluate_source(llm, "generated", rows[:3])
    smsa = await evaluate_source(llm, "smsa", rows[3:])

    assert (generated.engine, generated.messages, generated.fallbacks) == ("llm", 3, 1)
    assert generated.intent is not None
    assert generated.intent.messages == 3
    assert smsa.intent is None  # SmSA labels sentiment only
    assert smsa.sentiment is not None
    assert smsa.sentiment.messages == 2
