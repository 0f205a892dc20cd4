"""A stand-in for Meta's Graph API as the WhatsApp Cloud API uses it: sending messages
(`POST /{version}/{phone_number_id}/messages`, bearer token) and reading a phone number
(`GET /{version}/{phone_number_id}`), and customers' media (`GET /{version}/{media_id}` names a
download URL, which also wants the bearer token), with Meta's error envelope.

It records sends, can fail (a 4xx or 5xx before sending), accept a message and then answer 5xx
(the message goes out, the client sees a failure), or answer late. It signs webhooks the way
Meta does (`X-Hub-Signature-256: sha256=` HMAC-SHA256 of the raw body with the app secret,
computed here independently of ingest's code), builds Meta's payloads, and after a send can post
the status webhooks (sent, delivered, read) to ingest like Meta.
"""

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.standins.server import LoopbackServer

VERSION = "v24.0"
WABA_ID = "102290129340398"


@dataclass
class PhoneNumber:
    phone_number_id: str
    display_number: str  # E.164
    access_token: str
    app_secret: str
    verified_name: str = "Toko Batik Sari"


@dataclass
class GraphApiStandIn:
    response_delay_seconds: float = 0.0
    status_webhooks: tuple[str, ...] = ()  # posted to `webhook_url` after each send
    webhook_url: str | None = None
    numbers: dict[str, PhoneNumber] = field(default_factory=dict)  # phone number id -> number
    messages: list[dict[str, Any]] = field(default_factory=list)  # every accepted send
    calls: int = 0  # sends asked for, failed ones included
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # media id -> file
    media_downloads: list[str] = field(default_factory=list)  # media ids served, in order
    _failures: list[tuple[int, int]] = field(default_factory=list)  # (status, Meta's code)
    _failures_after_accepting: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None
    _webhooks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def add_number(self, display_number: str, access_token: str, app_secret: str) -> PhoneNumber:
        number = PhoneNumber(
            phone_number_id=str(100000000000000 + uuid.uuid4().int % 10**14),
            display_number=display_number,
            access_token=access_token,
            app_secret=app_secret,
        )
        with self._lock:
            self.numbers[number.phone_number_id] = number
        return number

    def add_media(self, number: PhoneNumber, data: bytes, mime_type: str) -> str:
        """A file a customer sent to `number`; its media id."""
        media_id = str(uuid.uuid4().int % 10**16)
        with self._lock:
            self.media[media_id] = {"data": data, "mime_type": mime_type, "number": number}
        return media_id

    def fail_next(self, times: int, status: int = 500, code: int = 131000) -> None:
        """The next `times` sends are refused with `status` and Meta's error `code` (130429:
        throughput exceeded, answered with a 400), nothing sent."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def fail_after_accepting(self, times: int, status: int = 500) -> None:
        """The next `times` sends go out, but the client is answered `status`."""
        with self._lock:
            self._failures_after_accepting.extend([status] * times)

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        digits = number.removeprefix("+")
        with self._lock:
            return [m for m in self.messages if m["request"]["to"] == digits]

    # -- webhooks, signed as Meta signs them ---------------------------------------------------

    @staticmethod
    def signature(app_secret: str, body: bytes) -> str:
        return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()

    def signed(self, number: PhoneNumber, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Meta would post."""
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": self.signature(number.app_secret, body),
        }
        return body, headers

    # -- the API -------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/media-download/{media_id}")
        async def media_file(media_id: str, request: Request) -> Response:
            held = self.media.get(media_id)
            if held is None:
                return _error(404, 100, "Media not found")
            if not _bearer_is(request, held["number"].access_token):
                return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            with self._lock:
                self.media_downloads.append(media_id)
            return Response(held["data"], media_type=held["mime_type"])

        @app.get("/{version}/{phone_number_id}")
        async def phone_number(version: str, phone_number_id: str, request: Request) -> Response:
            if phone_number_id in self.media:
                return self._media_url(phone_number_id, request)
            number = self.numbers.get(phone_number_id)
            if number is None:
                return _error(400, 100, "Unsupported get request. Object does not exist")
            if not _bearer_is(request, number.access_token):
                return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            return JSONResponse(
                {
                    "id": phone_number_id,
                    "display_phone_number": _displayed(number.display_number),
                    "verified_name": number.verified_name,
                    "quality_rating": "GREEN",
                }
            )

        @app.post("/{version}/{phone_number_id}/messages")
        async def send(version: str, phone_number_id: str, request: Request) -> Response:
            with self._lock:
                self.calls += 1
                failure = self._failures.pop(0) if self._failures else None
            number = self.numbers.get(phone_number_id)
            if number is None:
                return _error(400, 100, "Unsupported post request. Object does not exist")
            if not _bearer_is(request, number.access_token):
                return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            if failure:
                return _error(*failure, "Something went wrong")
            sent = await request.json()
            if sent.get("messaging_product") != "whatsapp" or not str(sent.get("to", "")).isdigit():
                return _error(400, 100, "Invalid parameter")
            if sent.get("type") not in ("text", "template", "image", "document", "interactive"):
                return _error(400, 100, "Invalid parameter: type")
            if sent["type"] == "image" and not _valid_image(sent.get("image")):
                return _error(400, 100, "Invalid parameter: image")
            if sent["type"] == "interactive" and not _valid_buttons(sent.get("interactive")):
                return _error(400, 100, "Invalid parameter: interactive")
            message = self._record(number, sent)
            if self.response_delay_seconds:
                await asyncio.sleep(self.response_delay_seconds)
            with self._lock:
                after = self._failures_after_accepting
                failure_after = after.pop(0) if after else None
            if failure_after:
                return _error(failure_after, 131000, "Something went wrong")
            return JSONResponse(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": sent["to"], "wa_id": sent["to"]}],
                    "messages": [{"id": message["id"]}],
                }
            )

        return app

    def _media_url(self, media_id: str, request: Request) -> Response:
        held = self.media[media_id]
        if not _bearer_is(request, held["number"].access_token):
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/media-download/{media_id}",
                "mime_type": held["mime_type"],
                "sha256": hashlib.sha256(held["data"]).hexdigest(),
                "file_size": len(held["data"]),
                "id": media_id,
            }
        )

    def _record(self, number: PhoneNumber, sent: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": "wamid." + uuid.uuid4().hex.upper(),
            "phone_number_id": number.phone_number_id,
            "request": sent,
            "_arrived": time.perf_counter(),
        }
        with self._lock:
            self.messages.append(message)
        if self.webhook_url and self.status_webhooks:
            task = asyncio.create_task(self._post_statuses(number, message))
            self._webhooks.add(task)
            task.add_done_callback(self._webhooks.discard)
        return message

    async def _post_statuses(self, number: PhoneNumber, message: dict[str, Any]) -> None:
        assert self.webhook_url
        async with httpx.AsyncClient(timeout=10) as client:
            for status in self.status_webhooks:
                payload = status_payload(
                    number, message["id"], status, "+" + message["request"]["to"]
                )
                body, headers = self.signed(number, payload)
                try:
                    await client.post(self.webhook_url, content=body, headers=headers)
                except httpx.HTTPError:
                    return

    def start(self) -> "GraphApiStandIn":
        self._server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()


# -- Meta's webhook payloads ----------------------------------------------------------------------


def _value(number: PhoneNumber, **parts: Any) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": number.display_number.removeprefix("+"),
                                "phone_number_id": number.phone_number_id,
                            },
                            **parts,
                        },
                    }
                ],
            }
        ],
    }


def new_message_id() -> str:
    return "wamid.HBgN" + uuid.uuid4().hex.upper() + "AA=="


def message_payload(
    number: PhoneNumber,
    customer: str,
    content: dict[str, Any],
    message_id: str | None = None,
    name: str = "Sari",
) -> dict[str, Any]:
    """A customer's message; `content` is its type's part: `{"type": "text", "text": {...}}`."""
    wa_id = customer.removeprefix("+")
    message = {
        "from": wa_id,
        "id": message_id or new_message_id(),
        "timestamp": str(int(time.time())),
        **content,
    }
    return _value(
        number,
        contacts=[{"profile": {"name": name}, "wa_id": wa_id}],
        messages=[message],
    )


def text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def status_payload(
    number: PhoneNumber, message_id: str, status: str, customer: str, error_code: int | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": customer.removeprefix("+"),
    }
    if error_code is not None:
        entry["errors"] = [{"code": error_code, "title": "Message undeliverable"}]
    return _value(number, statuses=[entry])


def _bearer_is(request: Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    return hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def _displayed(e164: str) -> str:
    """Meta shows a number with its country code and spaces, like `+62 812-3456-7890`."""
    return f"{e164[:3]} {e164[3:6]}-{e164[6:]}"


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": uuid.uuid4().hex[:16],
            }
        },
        status_code=status,
    )


def _valid_buttons(interactive: Any) -> bool:
    """Reply buttons as Meta takes them: a body of 1 to 1,024 characters, 1 to 3 buttons with
    unique ids and titles of 1 to 20 characters."""
    if not isinstance(interactive, dict) or interactive.get("type") != "button":
        return False
    text = (interactive.get("body") or {}).get("text", "")
    buttons = (interactive.get("action") or {}).get("buttons") or []
    replies = [button.get("reply") or {} for button in buttons if isinstance(button, dict)]
    titles_fit = all(0 < len(str(reply.get("title", ""))) <= 20 for reply in replies)
    unique = len({reply.get("id") for reply in replies}) == len(replies)
    return 0 < len(text) <= 1024 and 0 < len(replies) <= 3 and titles_fit and unique


def _valid_image(image: Any) -> bool:
    """An image message names its file by `link` (HTTPS) or `id`; its caption is 1,024
    characters at most."""
    if not isinstance(image, dict):
        return False
    link, caption = image.get("link"), image.get("caption", "")
    named = image.get("id") is not None or (isinstance(link, str) and link.startswith("https://"))
    return named and isinstance(caption, str) and len(caption) <= 1024
