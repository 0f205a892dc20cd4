"""An OpenAI-compatible chat-completions server with scripted answers.

It records every request, so tests can check what the model was shown, and can fail or be slow
on demand.
"""

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.standins.server import LoopbackServer

Script = Callable[[list[dict[str, Any]]], str]


def echo_last_message(messages: list[dict[str, Any]]) -> str:
    return f"Terima kasih! Anda menulis: {messages[-1]['content']}"


@dataclass
class OpenAIStandIn:
    script: Script = echo_last_message
    latency_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _server: LoopbackServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return self._server.url + "/v1"

    def fail_next(self, times: int, status: int = 500) -> None:
        self._failures.extend([status] * times)

    def stop_failing(self) -> None:
        self._failures.clear()

    def requests_mentioning(self, text: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if any(text in str(m["content"]) for m in r["messages"])]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> JSONResponse:
            body = await request.json()
            if self.latency_seconds:
                await asyncio.sleep(self.latency_seconds)
            if self._failures:
                status = self._failures.pop(0)
                error = {"message": "scripted failure", "type": "server_error", "code": None}
                return JSONResponse({"error": error}, status_code=status)
            self.requests.append(body)
            text = self.script(body["messages"])
            return JSONResponse(_completion(body["model"], text))

        return app

    def start(self) -> "OpenAIStandIn":
        self._server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()


def _completion(model: str, text: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = 42, max(1, len(text.split()))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
