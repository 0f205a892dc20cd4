"""Speech to text through an OpenAI-compatible `POST {base}/audio/transcriptions`.

The request is multipart (`file`, `model`, `language`, `response_format=json`) and the answer
`{"text": ...}`. Like the chat model, an endpoint that is down (connection refused or cut, a 5xx
or 429 answer) is an outage: the consumer pauses and hears the voice note again later. A voice
note the endpoint refuses (another 4xx), one it takes too long over, or an answer without words
is this voice note's own failure: a person takes it over.
"""

import httpx
from pydantic import BaseModel, ValidationError

from shared.settings import TranscriptionSettings


class TranscriptionDown(Exception):
    """The endpoint is unreachable or overloaded: wait it out (shared/outages.py)."""

    outage = "transcription"


class TranscriptionFailed(Exception):
    """This voice note got no transcript; the message says why (for logs, no secrets)."""


class _Transcript(BaseModel):
    text: str


class Transcriber:
    def __init__(self, settings: TranscriptionSettings) -> None:
        assert settings.base_url is not None, "transcription is not configured"
        self._url = settings.base_url.rstrip("/") + "/audio/transcriptions"
        self._model = settings.model
        self._timeout = settings.timeout_seconds
        key = settings.api_key
        self._headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}

    async def transcribe(self, audio: bytes, extension: str, language: str) -> str:
        """The words of `audio` (a file of type `extension`), spoken in `language` (a hint)."""
        form = {"model": self._model, "language": language, "response_format": "json"}
        files = {"file": (f"voice-note.{extension}", audio)}
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            try:
                answer = await client.post(self._url, data=form, files=files, headers=self._headers)
            except httpx.TimeoutException as error:
                raise TranscriptionFailed(f"no transcript within {self._timeout:g} s") from error
            except httpx.TransportError as error:
                raise TranscriptionDown(type(error).__name__) from error
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TranscriptionDown(f"the endpoint answered {answer.status_code}")
        if answer.status_code != 200:
            raise TranscriptionFailed(f"the endpoint answered {answer.status_code}")
        try:
            text = " ".join(_Transcript.model_validate_json(answer.content).text.split())
        except ValidationError:
            raise TranscriptionFailed("the endpoint's answer has no text") from None
        if not text:
            raise TranscriptionFailed("the transcript is empty")
        return text


def transcriber(settings: TranscriptionSettings) -> Transcriber | None:
    """The configured endpoint's client; None when voice notes are not transcribed."""
    return Transcriber(settings) if settings.configured else None
