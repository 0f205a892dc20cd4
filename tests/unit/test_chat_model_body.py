"""The chat model posts langchain's request body without the OpenAI SDK's walk of it: what
reaches the server must be what the SDK's own `create` sends, for every kind of message."""

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import SecretStr

from shared.answering import prompting
from shared.answering.answerer import ANSWER_SPEC, SEARCH_PRODUCTS_SPEC
from shared.answering.model import ChatModel, PlainBodyCompletions
from shared.settings import LlmSettings, Settings
from tests.standins.openai_api import OpenAIStandIn, ToolCall


def _answers(messages: list[dict[str, Any]]) -> list[ToolCall]:
    return [ToolCall(prompting.ANSWER_TOOL, {"reply": "Masih ready, kak.", "could_answer": True})]


@pytest.fixture
def openai_api() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(script=_answers).start()
    yield stand_in
    stand_in.stop()


def _conversation() -> list[BaseMessage]:
    """A system prompt, a history with a tool call and its result, and the question."""
    lookup = {"name": "search_products", "args": {"query": "sepatu 42"}, "id": "call_1"}
    return [
        SystemMessage("Kamu asisten toko sepatu. Jawab singkat."),
        HumanMessage("Halo kak"),
        AIMessage("Halo! Ada yang bisa dibantu?"),
        HumanMessage("Sepatu running ukuran 42 ada?"),
        AIMessage("", tool_calls=[lookup]),
        ToolMessage('[{"name": "Runner 42", "stock": 3}]', tool_call_id="call_1"),
        HumanMessage([{"type": "text", "text": "Warna hitam masih ready? Kirim ke Bandung?"}]),
    ]


async def test_the_body_and_the_answer_are_the_sdks(openai_api: OpenAIStandIn) -> None:
    settings = Settings(llm=LlmSettings(api_key=SecretStr("sk-body"), base_url=openai_api.base_url))
    plain, sdk = ChatModel(settings), ChatModel(settings)
    assert isinstance(plain._model.async_client, PlainBodyCompletions)
    sdk._model.async_client = sdk._model.root_async_client.chat.completions  # the SDK's own

    tools = [SEARCH_PRODUCTS_SPEC, ANSWER_SPEC]
    turns = [
        await model.respond(_conversation(), tools, prompting.ANSWER_TOOL) for model in (plain, sdk)
    ]

    through_plain, through_sdk = openai_api.requests
    assert through_plain == through_sdk
    assert len(through_plain["messages"]) == 7
    assert through_plain["tools"][1] == ANSWER_SPEC
    assert openai_api.authorizations == ["Bearer sk-body", "Bearer sk-body"]
    assert [t.message.tool_calls[0]["args"] for t in turns] == [
        {"reply": "Masih ready, kak.", "could_answer": True}
    ] * 2
    assert turns[0].usage.prompt_tokens == turns[1].usage.prompt_tokens == 42
