"""A stand-in for Twilio's Messages REST API (2010-04-01), as the twilio SDK calls it.

It records sends, lists them back with the SDK's filters, can fail or answer late on demand, and
can post signed status callbacks (sent, delivered) like Twilio does.
"""

import asyncio
import base64
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from balas.simulate import twilio_signature
from tests.standins.server import LoopbackServer

ACCOUNT_SID = "AC" + "1" * 32


@dataclass
class TwilioStandIn:
    auth_token: str
    account_sid: str = ACCOUNT_SID
    response_delay_seconds: float = 0.0
    status_callbacks: tuple[str, ...] = ("sent", "delivered")
    messages: list[dict[str, Any]] = field(default_factory=list)
    failed_attempts: int = 0
    _failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None
    _callbacks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def fail_next(self, times: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def first_arrivals(self) -> dict[str, float]:
        """Per recipient number, the `time.perf_counter()` at which its first send arrived."""
        with self._lock:
            arrivals: dict[str, float] = {}
            for message in self.messages:
                number = message["to"].removeprefix("whatsapp:")
                arrivals.setdefault(number, message["_arrived"])
            return arrivals

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["to"] == f"whatsapp:{number}"]

    def app(self) -> FastAPI:
        app = FastAPI()
        base = "/2010-04-01/Accounts/{account}/Messages.json"

        @app.post(base)
        async def create_message(account: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
                if failure:
                    self.failed_attempts += 1
            if failure:
                return _error(failure, 20500, "Internal Server Error")
            form = await request.form()
            if not str(form.get("To", "")).startswith("whatsapp:+"):
                return _error(400, 21211, "Invalid 'To' Phone Number")
            message = self._record(form)
            callback = form.get("StatusCallback")
            if callback:
                task = asyncio.create_task(self._post_status_callbacks(str(callback), message))
                self._callbacks.add(task)
                task.add_done_callback(self._callbacks.discard)
            if self.response_delay_seconds:
                await asyncio.sleep(self.response_delay_seconds)
            return JSONResponse(message, status_code=201)

        @app.get(base)
        async def list_messages(account: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            query = request.query_params
            since = query.get("DateSent>")
            with self._lock:
                found = [
                    m
                    for m in self.messages
                    if m["to"] == query.get("To", m["to"])
                    and m["from"] == query.get("From", m["from"])
                    and (since is None or m["_sent_at"] >= _parse_iso(since))
                ]
            page = [{k: v for k, v in m.items() if not k.startswith("_")} for m in found]
            return JSONResponse(
                {
                    "messages": page,
                    "page": 0,
                    "page_size": 50,
                    "first_page_uri": request.url.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "uri": request.url.path,
                    "start": 0,
                    "end": max(0, len(page) - 1),
                }
            )

        return app

    def _authorised(self, request: Request, account: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        header = request.headers.get("Authorization", "")
        return account == self.account_sid and header == f"Basic {expected}"

    def _record(self, form: Any) -> dict[str, Any]:
        arrived = time.perf_counter()
        now = datetime.now(UTC).replace(microsecond=0)
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": str(form.get("To")),
            "from": str(form.get("From")),
            "body": str(form.get("Body", "")),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "api_version": "2010-04-01",
            "date_created": format_datetime(now),
            "date_updated": format_datetime(now),
            "date_sent": format_datetime(now),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "_sent_at": now,
            "_arrived": arrived,
        }
        with self._lock:
            self.messages.append(message)
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _post_status_callbacks(self, url: str, message: dict[str, Any]) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            for status in self.status_callbacks:
                form = {
                    "MessageSid": message["sid"],
                    "MessageStatus": status,
                    "AccountSid": self.account_sid,
                    "From": message["from"],
                    "To": message["to"],
                    "ApiVersion": "2010-04-01",
                }
                signature = twilio_signature(self.auth_token, url, form)
                try:
                    await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
                except httpx.HTTPError:
                    return  # like Twilio, a callback that cannot be delivered is not retried

    def start(self) -> "TwilioStandIn":
        self._server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()


def _parse_iso(value: str) -> datetime:
    if len(value) == 10:
        value += "T00:00:00Z"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )
