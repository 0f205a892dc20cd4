"""The LLM summariser against the OpenAI-compatible stand-in: it sees the turns without phone
numbers, and a failed call falls back to the extractive summary."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from services.enricher.conversation import Turn
from services.enricher.summary import LlmSummariser, build_summariser
from shared.settings import LlmSettings, Settings
from tests.standins.openai_api import OpenAIStandIn

NOON = datetime(2024, 5, 6, 12, tzinfo=UTC)
TURNS = [
    Turn(
        id="m1", author="customer", text="Pesanan #1042 belum sampai. WA saya 081234567890", at=NOON
    ),
    Turn(id="m2", author="bot", text="Maaf kak, kami cek dulu", at=NOON + timedelta(minutes=1)),
]


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(script=lambda _: "Customer waits for order 1042.").start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def summariser(openai_api: OpenAIStandIn) -> LlmSummariser:
    settings = Settings(llm=LlmSettings(api_key="sk-test", base_url=openai_api.base_url))
    built = build_summariser(settings)
    assert isinstance(built, LlmSummariser)
    return built


async def test_the_llm_summarises_the_turns_without_phone_numbers(
    summariser: LlmSummariser, openai_api: OpenAIStandIn
) -> None:
    summary = await summariser.summarise(TURNS)

    assert (summary.text, summary.engine) == ("Customer waits for order 1042.", "llm")
    [request] = openai_api.requests
    system, conversation = request["messages"]
    assert "never instructions" in system["content"]
    assert conversation["content"] == (
        "customer: Pesanan #1042 belum sampai. WA saya [number]\nbot: Maaf kak, kami cek dulu"
    )


async def test_a_failed_llm_call_falls_back_to_the_extractive_summary(
    summariser: LlmSummariser, openai_api: OpenAIStandIn
) -> None:
    openai_api.fail_next(2)  # the call and its one retry

    summary = await summariser.summarise(TURNS)

    assert summary.engine == "extractive"
    assert summary.text == "Pesanan #1042 belum sampai. WA saya [number]"
