"""An OpenAI-compatible chat-completions server with scripted answers, and embeddings.

It records every request, so tests can check what the model was shown, and can fail or be slow
on demand. Embeddings are deterministic hashed bags of words (`EMBEDDING_DIMENSIONS`, unit
length): texts sharing words are near, so retrieval can be tested without a model.

Transcriptions (`/v1/audio/transcriptions`) check the multipart request as OpenAI would (a file,
a model, a language code) and that the file is the OGG a WhatsApp voice note is; the transcript
is the one a test registered for those exact bytes (`hears`): it cannot recognise speech itself.
"""

import asyncio
import base64
import hashlib
import json
import math
import re
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.standins.server import LoopbackServer


@dataclass(frozen=True)
class ToolCall:
    """A scripted answer may call tools instead of writing text (OpenAI's `tool_calls`)."""

    name: str
    arguments: dict[str, Any]


Script = Callable[[list[dict[str, Any]]], "str | list[ToolCall]"]

EMBEDDING_DIMENSIONS = 256


def echo_last_message(messages: list[dict[str, Any]]) -> str:
    return f"Terima kasih! Anda menulis: {messages[-1]['content']}"


@dataclass
class OpenAIStandIn:
    script: Script = echo_last_message
    latency_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)  # per chat request
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _embedding_failures: list[int] = field(default_factory=list)
    transcription_requests: list[dict[str, Any]] = field(default_factory=list)
    transcription_latency_seconds: float = 0.0
    _transcripts: dict[str, str] = field(default_factory=dict)
    _transcription_failures: list[int] = field(default_factory=list)
    _server: LoopbackServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return self._server.url + "/v1"

    def fail_next(self, times: int, status: int = 500) -> None:
        self._failures.extend([status] * times)

    def fail_next_embeddings(self, times: int, status: int = 500) -> None:
        self._embedding_failures.extend([status] * times)

    def fail_next_transcriptions(self, times: int, status: int = 500) -> None:
        self._transcription_failures.extend([status] * times)

    def hears(self, audio: bytes, transcript: str) -> None:
        """The transcript these exact bytes get (unregistered audio gets an empty one)."""
        self._transcripts[hashlib.sha256(audio).hexdigest()] = transcript

    def stop_failing(self) -> None:
        self._failures.clear()
        self._embedding_failures.clear()
        self._transcription_failures.clear()

    def requests_mentioning(self, text: str) -> list[dict[str, Any]]:
        return [
            r for r in self.requests if any(text in str(m.get("content")) for m in r["messages"])
        ]

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
            self.authorizations.append(request.headers.get("Authorization"))
            answer = self.script(body["messages"])
            return JSONResponse(_completion(body["model"], answer))

        @app.post("/v1/embeddings")
        async def embeddings(request: Request) -> JSONResponse:
            body = await request.json()
            if self._embedding_failures:
                status = self._embedding_failures.pop(0)
                error = {"message": "scripted failure", "type": "server_error", "code": None}
                return JSONResponse({"error": error}, status_code=status)
            self.embedding_requests.append(body)
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            as_base64 = body.get("encoding_format") == "base64"
            return JSONResponse(_embeddings(body["model"], inputs, as_base64))

        @app.post("/v1/audio/transcriptions")
        async def transcriptions(request: Request) -> JSONResponse:
            form = await request.form()
            upload, model, language = form.get("file"), form.get("model"), form.get("language")
            if isinstance(upload, str) or upload is None or not model:
                return _invalid("a file and a model are required")
            audio = await upload.read()
            if not audio.startswith(b"OggS"):
                return _invalid("the file is not an OGG file")
            if language not in ("id", "en") or form.get("response_format") != "json":
                return _invalid("language must be id or en, response_format json")
            if self.transcription_latency_seconds:
                await asyncio.sleep(self.transcription_latency_seconds)
            if self._transcription_failures:
                status = self._transcription_failures.pop(0)
                error = {"message": "scripted failure", "type": "server_error", "code": None}
                return JSONResponse({"error": error}, status_code=status)
            self.transcription_requests.append(
                {"model": model, "language": language, "filename": upload.filename, "audio": audio}
            )
            text = self._transcripts.get(hashlib.sha256(audio).hexdigest(), "")
            return JSONResponse({"text": text})

        return app

    def start(self) -> "OpenAIStandIn":
        self._server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()


def _invalid(message: str) -> JSONResponse:
    error = {"message": message, "type": "invalid_request_error", "code": None}
    return JSONResponse({"error": error}, status_code=400)


def _completion(model: str, answer: "str | list[ToolCall]") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer}
    finish_reason = "stop"
    if isinstance(answer, list):
        calls = [
            {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in answer
        ]
        message, finish_reason = (
            {"role": "assistant", "content": None, "tool_calls": calls},
            "tool_calls",
        )
    prompt_tokens, completion_tokens = 42, max(1, len(str(answer).split()))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def embed(text: str) -> list[float]:
    """A unit vector of word counts, each word hashed to one of `EMBEDDING_DIMENSIONS` axes."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "big") % EMBEDDING_DIMENSIONS] += 1.0
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


def _embeddings(model: str, inputs: list[Any], as_base64: bool) -> dict[str, Any]:
    data = []
    for index, text in enumerate(inputs):
        # Token arrays (what a tiktoken-based client sends) are embedded by their numbers.
        words = text if isinstance(text, str) else " ".join(f"t{token}" for token in text)
        vector = embed(words)
        encoded: Any = vector
        if as_base64:  # the openai client asks for base64 float32 unless told otherwise
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(str(text).split()) for text in inputs)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
