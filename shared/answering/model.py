"""The chat model behind an OpenAI-compatible API, through langchain-openai."""

import time
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from shared.answering.metrics import LLM_ERRORS, LLM_SECONDS, LLM_TOKENS
from shared.events import LlmUsage
from shared.llm import chat_model
from shared.settings import Settings

ToolSpec = dict[str, Any]  # an OpenAI function tool: {"type": "function", "function": {...}}


@dataclass(frozen=True)
class Turn:
    message: AIMessage
    usage: LlmUsage


class ChatModel:
    def __init__(self, settings: Settings) -> None:
        self.model_name = settings.llm.model
        # No retries here: the consumer retries with backoff, then dead-letters.
        self._model = chat_model(settings)

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
