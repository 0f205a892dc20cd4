"""The chat model behind an OpenAI-compatible API, through langchain-openai."""

import time
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from openai import NOT_GIVEN
from openai._base_client import make_request_options
from openai._types import Body, Headers, Query
from openai.resources.chat.completions import AsyncCompletions
from openai.types.chat import ChatCompletion

from shared.answering.metrics import LLM_ERRORS, LLM_SECONDS, LLM_TOKENS
from shared.events import LlmUsage
from shared.llm import chat_model
from shared.settings import Settings

ToolSpec = dict[str, Any]  # an OpenAI function tool: {"type": "function", "function": {...}}


@dataclass(frozen=True)
class Turn:
    message: AIMessage
    usage: LlmUsage


class PlainBodyCompletions(AsyncCompletions):
    """OpenAI's chat completions, posting the body as langchain built it.

    The SDK first walks a body against its typed parameters, each message through every member
    of the message union: about 1 ms of CPU per call with 2 messages, 4.5 ms with the 22 of a
    default history, 8 ms with 41. langchain's body is plain JSON already, so the walk changes
    nothing (tests/unit/test_chat_model_body.py compares what reaches the server both ways);
    the request options go where the SDK's own `create` puts them.
    """

    async def create(  # type: ignore[override]  # the body's fields as they come
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Any = NOT_GIVEN,
        **body: Any,
    ) -> ChatCompletion:
        options = make_request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            security={"bearer_auth": True},
        )
        return await self._post(
            "/chat/completions", body=body, options=options, cast_to=ChatCompletion, stream=False
        )


class ChatModel:
    def __init__(self, settings: Settings) -> None:
        self.model_name = settings.llm.model
        # No retries here: the consumer retries with backoff, then dead-letters.
        self._model = chat_model(settings)
        self._model.async_client = PlainBodyCompletions(self._model.root_async_client)

    async def respond(
        self, messages: list[BaseMessage], tools: list[ToolSpec], tool_choice: str
    ) -> Turn:
        """One model turn with `tools` offered; `tool_choice` is "required" or a tool's name."""
        bound = self._model.bind_tools(tools, tool_choice=tool_choice)
        started = time.perf_counter()
        try:
            response = await bound.ainvoke(messages)
        except Exception as error:
            LLM_SECONDS.labels("error").observe(time.perf_counter() - started)
            LLM_ERRORS.labels(type(error).__name__).inc()
            raise
        latency = time.perf_counter() - started
        LLM_SECONDS.labels("ok").observe(latency)
        if not isinstance(response, AIMessage):
            raise TypeError(f"the chat model answered with a {type(response).__name__}")
        usage = response.usage_metadata or {"input_tokens": 0, "output_tokens": 0}
        LLM_TOKENS.labels("prompt").inc(usage["input_tokens"])
        LLM_TOKENS.labels("completion").inc(usage["output_tokens"])
        return Turn(
            message=response,
            usage=LlmUsage(
                model=self.model_name,
                latency_seconds=latency,
                prompt_tokens=usage["input_tokens"],
                completion_tokens=usage["output_tokens"],
            ),
        )
