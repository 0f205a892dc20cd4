"""A stand-in for Twilio's REST API (2010-04-01) as the twilio SDK calls it: Messages,
IncomingPhoneNumbers (list, update, buy, release) and AvailablePhoneNumbers (Local).

It records sends, lists them back with the SDK's filters, can fail or answer late on demand, and
can post signed status callbacks (sent, delivered) like Twilio does. It knows several accounts,
each with its own auth token: every call must authenticate as the account in its path.

It can misbehave like the real one around a send: accept a message and then answer 500 or drop
the connection (the message goes out, the client sees a failure), list a message only some
time after accepting it, keep it queued without `date_sent` for a while, and page listings
(newest first, the messages not sent yet first). Its status callbacks go out concurrently with
the send's answer, or all before it (`callbacks_before_answer`, then `response_delay_seconds`
later the answer), in the order of `status_callbacks`, which may repeat one or put a later
status first.
"""

import asyncio
import base64
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from balas.simulate import twilio_signature
from tests.standins.server import LoopbackServer

ACCOUNT_SID = "AC" + "1" * 32
DROPPED = 0  # a failure after accepting that is no answer at all: the connection drops


@dataclass
class TwilioStandIn:
    auth_token: str
    account_sid: str = ACCOUNT_SID
    response_delay_seconds: float = 0.0
    status_callbacks: tuple[str, ...] = ("sent", "delivered")
    callbacks_before_answer: bool = False  # ingest has answered every callback before the 201
    messages: list[dict[str, Any]] = field(default_factory=list)
    failed_attempts: int = 0
    listing_delay_seconds: float = 0.0  # a created message is listed only this long after
    queued_seconds: float = 0.0  # a created message stays queued, without date_sent, this long
    max_page_size: int = 1000  # Twilio's; lower it to make listings page
    other_accounts: dict[str, str] = field(default_factory=dict)  # account SID -> auth token
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> number
    available: dict[str, list[str]] = field(default_factory=dict)  # country -> numbers for sale
    number_writes: int = 0  # IncomingPhoneNumber updates and purchases
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # media sid -> file
    media_downloads: list[str] = field(default_factory=list)  # media sids served, in order
    media_deletions: list[str] = field(default_factory=list)  # media sids deleted, in order
    _failures: list[int] = field(default_factory=list)
    _failures_after_accepting: list[int] = field(default_factory=list)  # DROPPED: no answer
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _answering: threading.Event = field(default_factory=threading.Event)  # clear: answers wait
    _server: LoopbackServer | None = None
    _callbacks: set[asyncio.Task[None]] = field(default_factory=set)
    _callback_client: aiohttp.ClientSession | None = None  # one per serving, on its loop

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def fail_next(self, times: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def fail_after_accepting(self, times: int, status: int = 500) -> None:
        """The next `times` sends go out, but the client is answered `status`."""
        with self._lock:
            self._failures_after_accepting.extend([status] * times)

    def drop_after_accepting(self, times: int) -> None:
        """The next `times` sends go out, but the connection drops before the answer's body."""
        self.fail_after_accepting(times, DROPPED)

    def hold_answers(self) -> None:
        """Sends are accepted (and their callbacks posted) but not answered until released."""
        self._answering.clear()

    def release_answers(self) -> None:
        self._answering.set()

    def stop_failing(self) -> None:
        with self._lock:
            self._failures.clear()
            self._failures_after_accepting.clear()

    def first_arrivals(self) -> dict[str, float]:
        """Per recipient number, the `time.perf_counter()` at which its first send arrived."""
        with self._lock:
            arrivals: dict[str, float] = {}
            for message in self.messages:
                number = message["to"].removeprefix("whatsapp:")
                arrivals.setdefault(number, message["_arrived"])
            return arrivals

    def pending_callbacks(self) -> int:
        """Status callbacks started and not yet answered by the receiver."""
        return len(self._callbacks)

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["to"] == f"whatsapp:{number}"]

    def backdate(self, sid: str, by: timedelta) -> None:
        """As if Twilio had created and sent the message `by` earlier: a conversation's past."""
        with self._lock:
            message = next(m for m in self.messages if m["sid"] == sid)
            for moment in ("_created_at", "_sent_at", "_listed_at"):
                message[moment] -= by
            message["date_created"] = format_datetime(message["_created_at"])

    def add_account(self, account_sid: str, auth_token: str) -> None:
        with self._lock:
            self.other_accounts[account_sid] = auth_token

    def own_number(self, phone_number: str, account_sid: str | None = None) -> str:
        """Put `phone_number` in an account (the main one by default), unconfigured; its sid."""
        sid = "PN" + uuid.uuid4().hex
        with self._lock:
            self.numbers[sid] = _incoming_number(sid, account_sid or self.account_sid, phone_number)
        return sid

    def offer_numbers(self, country: str, *phone_numbers: str) -> None:
        with self._lock:
            self.available.setdefault(country, []).extend(phone_numbers)

    def number(self, phone_number: str) -> dict[str, Any] | None:
        with self._lock:
            found = [n for n in self.numbers.values() if n["phone_number"] == phone_number]
        return dict(found[0]) if found else None

    def app(self) -> FastAPI:
        app = FastAPI(lifespan=self._callback_client_while_serving)
        base = "/2010-04-01/Accounts/{account}/Messages.json"

        self._number_routes(app)
        self._media_routes(app)

        @app.post(base)
        async def create_message(account: str, request: Request) -> Response:
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
            message = self._record(form, account)
            callback = form.get("StatusCallback")
            if callback:
                task = asyncio.create_task(self._post_status_callbacks(str(callback), message))
                self._callbacks.add(task)
                task.add_done_callback(self._callbacks.discard)
                if self.callbacks_before_answer:
                    await task
            if self.response_delay_seconds:
                await asyncio.sleep(self.response_delay_seconds)
            if not self._answering.is_set():
                await asyncio.to_thread(self._answering.wait)
            with self._lock:
                after = self._failures_after_accepting
                failure_after = after.pop(0) if after else None
                if failure_after is not None:
                    self.failed_attempts += 1
            if failure_after == DROPPED:
                return DroppedConnection()
            if failure_after:
                return _error(failure_after, 20500, "Internal Server Error")
            return JSONResponse(_as_listed(message, datetime.now(UTC)), status_code=201)

        @app.get(base)
        async def list_messages(account: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            query = request.query_params
            since = query.get("DateSent>")
            now = datetime.now(UTC)
            with self._lock:  # Twilio's order: the messages not sent yet, then the newest sent
                listed = [m for m in reversed(self.messages) if m["_listed_at"] <= now]
            listed.sort(key=lambda m: (m["_sent_at"] <= now, -m["_sent_at"].timestamp()))
            found = [
                _as_listed(m, now)
                for m in listed
                if m["to"] == query.get("To", m["to"])
                and m["from"] == query.get("From", m["from"])
                and (since is None or now >= m["_sent_at"] >= _parse_iso(since))
            ]
            return JSONResponse(self._message_page(found, request))

        return app

    def _message_page(self, messages: list[dict[str, Any]], request: Request) -> dict[str, Any]:
        """One page of a listing, with the next page's URI as Twilio gives it."""
        query = request.query_params
        size = min(int(query.get("PageSize", 50)), self.max_page_size)
        number = int(query.get("Page", 0))
        start = number * size
        page = _page("messages", messages[start : start + size], request)
        page.update(page=number, page_size=size, start=start, end=start + len(page["messages"]))
        if start + size < len(messages):
            following = {**query, "Page": str(number + 1), "PageSize": str(size)}
            page["next_page_uri"] = f"{request.url.path}?{urlencode(following)}"
        return page

    def add_media(self, data: bytes, content_type: str, account_sid: str | None = None) -> str:
        """A customer's file as Twilio keeps it; its MediaUrl (what a webhook carries)."""
        account, sid = account_sid or self.account_sid, "ME" + uuid.uuid4().hex
        message = "MM" + uuid.uuid4().hex
        with self._lock:
            self.media[sid] = {"account": account, "data": data, "content_type": content_type}
        return f"{self.url}/2010-04-01/Accounts/{account}/Messages/{message}/Media/{sid}"

    def _media_routes(self, app: FastAPI) -> None:
        """Like Twilio: the API URL (basic auth) redirects to the file on a CDN, which needs no
        credentials (the redirect URL is the secret)."""

        @app.get("/2010-04-01/Accounts/{account}/Messages/{message}/Media/{sid}")
        async def media_url(account: str, message: str, sid: str, request: Request) -> Response:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            with self._lock:
                found = self.media.get(sid)
            if found is None or found["account"] != account:
                return _error(404, 20404, f"The requested resource {sid} was not found")
            return RedirectResponse(f"/cdn/{sid}", status_code=307)

        @app.delete("/2010-04-01/Accounts/{account}/Messages/{message}/Media/{sid}.json")
        async def delete_media(account: str, message: str, sid: str, request: Request) -> Response:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            with self._lock:
                found = self.media.get(sid)
                if found is None or found["account"] != account:
                    return _error(404, 20404, f"The requested resource {sid} was not found")
                del self.media[sid]
                self.media_deletions.append(sid)
            return Response(status_code=204)

        @app.get("/cdn/{sid}")
        async def media_file(sid: str) -> Response:
            with self._lock:
                found = self.media.get(sid)
                if found is not None:
                    self.media_downloads.append(sid)
            if found is None:
                return Response(status_code=404)
            return Response(found["data"], media_type=found["content_type"])

    def _number_routes(self, app: FastAPI) -> None:
        numbers = "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers"

        @app.get(numbers + ".json")
        async def list_numbers(account: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            wanted = request.query_params.get("PhoneNumber", "").replace("*", "")
            with self._lock:
                found = [
                    dict(n)
                    for n in self.numbers.values()
                    if n["account_sid"] == account and wanted in n["phone_number"]
                ]
            return JSONResponse(_page("incoming_phone_numbers", found, request))

        @app.post(numbers + "/{sid}.json")
        async def update_number(account: str, sid: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            form = await request.form()
            with self._lock:
                number = self.numbers.get(sid)
                if number is None or number["account_sid"] != account:
                    return _error(404, 20404, f"The requested resource {sid} was not found")
                number.update(_number_settings(form))
                self.number_writes += 1
                return JSONResponse(dict(number))

        @app.delete(numbers + "/{sid}.json")
        async def release_number(account: str, sid: str, request: Request) -> Response:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            with self._lock:
                number = self.numbers.get(sid)
                if number is None or number["account_sid"] != account:
                    return _error(404, 20404, f"The requested resource {sid} was not found")
                del self.numbers[sid]
                self.number_writes += 1
            return Response(status_code=204)

        @app.post(numbers + ".json")
        async def buy_number(account: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            form = await request.form()
            phone_number = str(form.get("PhoneNumber", ""))
            with self._lock:
                country = next((c for c, ns in self.available.items() if phone_number in ns), None)
                if country is None:
                    return _error(400, 21422, "PhoneNumber requested is not available")
                self.available[country].remove(phone_number)
                sid = "PN" + uuid.uuid4().hex
                number = _incoming_number(sid, account, phone_number)
                number.update(_number_settings(form))
                self.numbers[sid] = number
                self.number_writes += 1
                return JSONResponse(dict(number), status_code=201)

        local = "/2010-04-01/Accounts/{account}/AvailablePhoneNumbers/{country}/Local.json"

        @app.get(local)
        async def available_numbers(account: str, country: str, request: Request) -> JSONResponse:
            if not self._authorised(request, account):
                return _error(401, 20003, "Authenticate")
            area_code = request.query_params.get("AreaCode", "")
            with self._lock:
                offered = [
                    {"phone_number": n, "friendly_name": n, "iso_country": country}
                    for n in self.available.get(country, [])
                    if _national(n).startswith(area_code)
                ]
            return JSONResponse(_page("available_phone_numbers", offered, request))

    def _token_of(self, account: str) -> str | None:
        if account == self.account_sid:
            return self.auth_token
        return self.other_accounts.get(account)

    def _authorised(self, request: Request, account: str) -> bool:
        token = self._token_of(account)
        expected = base64.b64encode(f"{account}:{token}".encode()).decode()
        header = request.headers.get("Authorization", "")
        return token is not None and header == f"Basic {expected}"

    def _record(self, form: Any, account: str) -> dict[str, Any]:
        """The message as accepted; what a listing shows of it depends on the time
        (`_as_listed`)."""
        arrived = time.perf_counter()
        moment = datetime.now(UTC)  # exact, for the delays; Twilio shows whole seconds
        now = moment.replace(microsecond=0)
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": account,
            "to": str(form.get("To")),
            "from": str(form.get("From")),
            "body": str(form.get("Body", "")),
            "content_sid": form.get("ContentSid"),  # a Content template instead of a body
            "content_variables": form.get("ContentVariables"),
            "_status_callback": str(form.get("StatusCallback") or ""),
            "direction": "outbound-api",
            "num_segments": "1",
            "_media_urls": [str(u) for u in form.getlist("MediaUrl")],  # Twilio: a subresource
            "num_media": str(len(form.getlist("MediaUrl"))),
            "api_version": "2010-04-01",
            "date_created": format_datetime(now),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "_created_at": now,
            "_sent_at": moment + timedelta(seconds=self.queued_seconds),
            "_listed_at": moment + timedelta(seconds=self.listing_delay_seconds),
            "_arrived": arrived,
        }
        with self._lock:
            self.messages.append(message)
        return message

    @asynccontextmanager
    async def _callback_client_while_serving(self, app: FastAPI) -> AsyncIterator[None]:
        """One keep-alive client for every status callback: a client per message cost the
        server's loop about 20 ms of CPU (its TLS context), enough to starve a burst of sends.
        aiohttp, not httpx: 0.3 ms of CPU per callback instead of 3 ms with 400 in flight."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            self._callback_client = client
            try:
                yield
            finally:
                pending = list(self._callbacks)  # undelivered callbacks die with the server
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                self._callback_client = None

    async def _post_status_callbacks(self, url: str, message: dict[str, Any]) -> None:
        client = self._callback_client
        assert client is not None, "status callbacks are posted while the app is served"
        for status in self.status_callbacks:
            form = {
                "MessageSid": message["sid"],
                "MessageStatus": status,
                "AccountSid": message["account_sid"],
                "From": message["from"],
                "To": message["to"],
                "ApiVersion": "2010-04-01",
            }
            token = self._token_of(message["account_sid"]) or ""
            signature = twilio_signature(token, url, form)
            headers = {"X-Twilio-Signature": signature}
            try:
                async with client.post(url, data=form, headers=headers) as answer:
                    await answer.read()
            except (aiohttp.ClientError, TimeoutError):
                return  # like Twilio, a callback that cannot be delivered is not retried

    def start(self) -> "TwilioStandIn":
        self._answering.set()
        self._server = LoopbackServer(self.app()).start()
        return self

    def stop(self) -> None:
        self._answering.set()  # no held answer keeps the server from stopping
        if self._server:
            self._server.stop()


def _incoming_number(sid: str, account: str, phone_number: str) -> dict[str, Any]:
    return {
        "sid": sid,
        "account_sid": account,
        "phone_number": phone_number,
        "friendly_name": phone_number,
        "capabilities": {"voice": True, "sms": True, "mms": False},
        "sms_url": "",
        "sms_method": "POST",
        "sms_fallback_url": "",
        "sms_fallback_method": "POST",
        "status_callback": "",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json",
    }


_SETTINGS = {
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "StatusCallback": "status_callback",
}


def _number_settings(form: Any) -> dict[str, str]:
    return {field: str(form[name]) for name, field in _SETTINGS.items() if name in form}


def _national(phone_number: str) -> str:
    """Digits after a one-digit (+1) or two-digit country code: good enough for the stand-in."""
    digits = phone_number.removeprefix("+")
    return digits[1:] if digits.startswith("1") else digits[2:]


def _page(key: str, records: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    return {
        key: records,
        "page": 0,
        "page_size": 50,
        "first_page_uri": request.url.path,
        "next_page_uri": None,
        "previous_page_uri": None,
        "uri": request.url.path,
        "start": 0,
        "end": max(0, len(records) - 1),
    }


def _as_listed(message: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The message as Twilio shows it at `now`: queued without `date_sent` until it is sent."""
    sent = message["_sent_at"] <= now
    shown = {k: v for k, v in message.items() if not k.startswith("_")}
    shown.update(
        status="sent" if sent else "queued",
        date_sent=format_datetime(message["_sent_at"]) if sent else None,
        date_updated=format_datetime(message["_sent_at"] if sent else message["_created_at"]),
    )
    return shown


class DroppedConnection(Response):
    """An answer that starts and then breaks off: the client sees the connection drop."""

    def __init__(self) -> None:
        super().__init__(status_code=201, headers={"Content-Length": "1000"})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": self.raw_headers})
        raise ConnectionAbortedError("the Twilio stand-in drops the connection, as asked")


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
