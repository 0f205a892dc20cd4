"""A stand-in for Meta's Graph API as the WhatsApp Cloud API uses it: sending messages
(`POST /{version}/{phone_number_id}/messages`, bearer token), reading a phone number
(`GET /{version}/{phone_number_id}`), subscribing a WhatsApp Business Account's webhooks
(`POST /{version}/{waba_id}/subscribed_apps`) and customers' media (`GET /{version}/{media_id}`
names a download URL, which also wants the bearer token), with Meta's error envelope. And as
Messenger and Instagram use it: reading a page or Instagram account (`GET /{version}/{id}`),
subscribing its webhooks (`POST /{version}/{id}/subscribed_apps?subscribed_fields=...`) and the
Send API (`POST /{version}/{id}/messages` with `recipient.id`), which refuses a text longer than
the channel takes and a message outside Meta's window (24 hours, 7 days with the HUMAN_AGENT
tag) as Meta does; after a send it can post the echo and the receipts to ingest.

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
class Page:
    """A Facebook page (`object` "page", Messenger) or an Instagram account ("instagram")."""

    account_id: str
    object: str
    access_token: str
    app_secret: str
    name: str = "Toko Batik Sari"
    customer_wrote_at: dict[str, float] = field(default_factory=dict)  # scoped id -> time

    @property
    def text_limit(self) -> int:
        return 2000 if self.object == "page" else 1000


HOUR = 3600.0
PAGE_WEBHOOKS = ("echo", "delivery", "read")  # what Meta posts after a page's send


@dataclass
class GraphApiStandIn:
    response_delay_seconds: float = 0.0
    status_webhooks: tuple[str, ...] = ()  # posted to `webhook_url` after each send
    webhook_url: str | None = None
    numbers: dict[str, PhoneNumber] = field(default_factory=dict)  # phone number id -> number
    pages: dict[str, Page] = field(default_factory=dict)  # page or Instagram account id -> it
    page_webhook_urls: dict[str, str] = field(default_factory=dict)  # object -> ingest's URL
    page_webhooks: tuple[str, ...] = ()  # of PAGE_WEBHOOKS, posted after each page send
    messages: list[dict[str, Any]] = field(default_factory=list)  # every accepted send
    calls: int = 0  # sends asked for, failed ones included
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # media id -> file
    media_downloads: list[str] = field(default_factory=list)  # media ids served, in order
    attachments: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # id -> file, type
    attachment_requests: list[dict[str, str]] = field(default_factory=list)  # their headers
    subscriptions: list[dict[str, str]] = field(default_factory=list)  # object id, fields
    refuse_subscriptions: bool = False  # as Meta does without pages_manage_metadata
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

    def add_page(self, object_: str, access_token: str, app_secret: str) -> Page:
        """A page (`object_` "page") or Instagram account ("instagram") the store connects."""
        page = Page(
            account_id=str(170000000000000 + uuid.uuid4().int % 10**14),
            object=object_,
            access_token=access_token,
            app_secret=app_secret,
        )
        with self._lock:
            self.pages[page.account_id] = page
        return page

    def page_sends(self, customer: str) -> list[dict[str, Any]]:
        """The Send API requests accepted for the customer's scoped id."""
        with self._lock:
            return [
                m for m in self.messages if m["request"].get("recipient", {}).get("id") == customer
            ]

    def add_media(self, number: PhoneNumber, data: bytes, mime_type: str) -> str:
        """A file a customer sent to `number`; its media id."""
        media_id = str(uuid.uuid4().int % 10**16)
        with self._lock:
            self.media[media_id] = {"data": data, "mime_type": mime_type, "number": number}
        return media_id

    def add_attachment(self, data: bytes, mime_type: str) -> str:
        """A file a customer attached on Messenger or Instagram: its public URL, as on Meta's
        CDN (no token wanted)."""
        attachment_id = uuid.uuid4().hex
        with self._lock:
            self.attachments[attachment_id] = (data, mime_type)
        return f"{self.url}/cdn/{attachment_id}"

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
            return [m for m in self.messages if m["request"].get("to") == digits]

    # -- webhooks, signed as Meta signs them ---------------------------------------------------

    @staticmethod
    def signature(app_secret: str, body: bytes) -> str:
        return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()

    def signed(
        self, number: PhoneNumber | Page, payload: dict[str, Any]
    ) -> tuple[bytes, dict[str, str]]:
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

        @app.get("/cdn/{attachment_id}")
        async def attachment(attachment_id: str, request: Request) -> Response:
            held = self.attachments.get(attachment_id)
            if held is None:
                return Response(status_code=404)
            with self._lock:
                self.attachment_requests.append(dict(request.headers))
            return Response(held[0], media_type=held[1])

        @app.get("/{version}/{phone_number_id}")
        async def phone_number(version: str, phone_number_id: str, request: Request) -> Response:
            if phone_number_id in self.media:
                return self._media_url(phone_number_id, request)
            if (page := self.pages.get(phone_number_id)) is not None:
                if not _bearer_is(request, page.access_token):
                    return _error(
                        401, 190, "Invalid OAuth access token - Cannot parse access token"
                    )
                named = {"name": page.name} if page.object == "page" else {"username": "tokobatik"}
                return JSONResponse({"id": page.account_id, **named})
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

        @app.post("/{version}/{object_id}/subscribed_apps")
        async def subscribe(version: str, object_id: str, request: Request) -> Response:
            """A page's, Instagram account's or WhatsApp Business Account's (WABA_ID, with the
            token of one of its numbers) webhooks, subscribed for the app."""
            page = self.pages.get(object_id)
            if page is not None:
                tokens = {page.access_token}
            elif object_id == WABA_ID:
                tokens = {number.access_token for number in self.numbers.values()}
            else:
                return _error(400, 100, "Unsupported post request. Object does not exist")
            if not any(_bearer_is(request, token) for token in tokens):
                return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            if self.refuse_subscriptions:
                return _error(403, 200, "Permissions error: pages_manage_metadata is missing")
            fields = request.query_params.get("subscribed_fields", "")
            with self._lock:
                self.subscriptions.append({"object_id": object_id, "fields": fields})
            return JSONResponse({"success": True})

        @app.post("/{version}/{phone_number_id}/messages")
        async def send(version: str, phone_number_id: str, request: Request) -> Response:
            with self._lock:
                self.calls += 1
                failure = self._failures.pop(0) if self._failures else None
            if (page := self.pages.get(phone_number_id)) is not None:
                if not _bearer_is(request, page.access_token):
                    return _error(
                        401, 190, "Invalid OAuth access token - Cannot parse access token"
                    )
                if failure:
                    return _error(*failure, "Something went wrong")
                return await self._page_send(page, await request.json())
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

    async def _page_send(self, page: Page, sent: dict[str, Any]) -> Response:
        """The Send API: a text to a customer's scoped id, within Meta's window."""
        customer = str(sent.get("recipient", {}).get("id", ""))
        message = sent.get("message")
        if not customer.isdigit() or not isinstance(message, dict):
            return _error(400, 100, "Invalid parameter")
        text_sent = message.get("text")
        if not isinstance(text_sent, str) or not 0 < len(text_sent) <= page.text_limit:
            return _error(400, 100, "Invalid parameter: message.text")
        window = _window_of(sent)
        if window is None:
            return _error(400, 100, "Invalid parameter: messaging_type")
        wrote_at = page.customer_wrote_at.get(customer)
        if wrote_at is None or time.time() - wrote_at > window:
            return _error(400, 10, "This message is sent outside of allowed window.")
        message_id = "m_" + uuid.uuid4().hex
        record = {"id": message_id, "account_id": page.account_id, "request": sent}
        with self._lock:
            self.messages.append({**record, "_arrived": time.perf_counter()})
        url = self.page_webhook_urls.get(page.object)
        if url and self.page_webhooks:
            task = asyncio.create_task(self._post_page_webhooks(url, page, customer, record))
            self._webhooks.add(task)
            task.add_done_callback(self._webhooks.discard)
        with self._lock:
            after = self._failures_after_accepting
            failure_after = after.pop(0) if after else None
        if failure_after:
            return _error(failure_after, 2, "Service temporarily unavailable")
        return JSONResponse({"recipient_id": customer, "message_id": message_id})

    async def _post_page_webhooks(
        self, url: str, page: Page, customer: str, sent: dict[str, Any]
    ) -> None:
        message = sent["request"]["message"]
        built = {
            "echo": lambda: echo_payload(
                page, customer, message["text"], sent["id"], message.get("metadata")
            ),
            "delivery": lambda: receipt_payload(page, customer, delivery={"mids": [sent["id"]]}),
            "read": lambda: receipt_payload(page, customer, read=_read_of(page, sent["id"])),
        }
        async with httpx.AsyncClient(timeout=10) as client:
            for kind in self.page_webhooks:
                body, headers = self.signed(page, built[kind]())
                try:
                    await client.post(url, content=body, headers=headers)
                except httpx.HTTPError:
                    return

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
                    number,
                    message["id"],
                    status,
                    "+" + message["request"]["to"],
                    callback_data=message["request"].get("biz_opaque_callback_data"),
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
    number: PhoneNumber,
    message_id: str,
    status: str,
    customer: str,
    error_code: int | None = None,
    callback_data: str | None = None,
) -> dict[str, Any]:
    """A status webhook; like Meta, it echoes the send's `biz_opaque_callback_data`."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": customer.removeprefix("+"),
    }
    if callback_data is not None:
        entry["biz_opaque_callback_data"] = callback_data
    if error_code is not None:
        entry["errors"] = [{"code": error_code, "title": "Message undeliverable"}]
    return _value(number, statuses=[entry])


def _messaging(page: Page, *events: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "object": page.object,
        "entry": [{"id": page.account_id, "time": now, "messaging": list(events)}],
    }


def new_mid() -> str:
    return "m_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]


def customer_message(
    page: Page, customer: str, message: dict[str, Any], mid: str | None = None
) -> dict[str, Any]:
    """A customer's message to the page; `message` is its content (`{"text": ...}`,
    `{"attachments": [...]}`). The page's window opens as on Meta."""
    page.customer_wrote_at[customer] = time.time()
    return _messaging(
        page,
        {
            "sender": {"id": customer},
            "recipient": {"id": page.account_id},
            "timestamp": int(time.time() * 1000),
            "message": {"mid": mid or new_mid(), **message},
        },
    )


def postback_payload(page: Page, customer: str, payload: str, title: str) -> dict[str, Any]:
    page.customer_wrote_at[customer] = time.time()
    return _messaging(
        page,
        {
            "sender": {"id": customer},
            "recipient": {"id": page.account_id},
            "timestamp": int(time.time() * 1000),
            "postback": {"mid": new_mid(), "title": title, "payload": payload},
        },
    )


def echo_payload(
    page: Page, customer: str, text_sent: str, mid: str | None = None, metadata: str | None = None
) -> dict[str, Any]:
    """A message the page sent, echoed: by Balas (with its metadata) or from Meta's inbox app."""
    message: dict[str, Any] = {"mid": mid or new_mid(), "text": text_sent, "is_echo": True}
    if metadata is not None:
        message["metadata"] = metadata
    message["app_id"] = 263902037430900  # Meta's own inbox app, or the store's app
    return _messaging(
        page,
        {
            "sender": {"id": page.account_id},
            "recipient": {"id": customer},
            "timestamp": int(time.time() * 1000),
            "message": message,
        },
    )


def receipt_payload(page: Page, customer: str, **receipt: dict[str, Any]) -> dict[str, Any]:
    """A `delivery` ({"mids": [...]}) or `read` ({"mid": ...} on Instagram, {"watermark": ...}
    on Messenger) receipt of the page's messages."""
    return _messaging(
        page,
        {
            "sender": {"id": customer},
            "recipient": {"id": page.account_id},
            "timestamp": int(time.time() * 1000),
            **receipt,
        },
    )


def _read_of(page: Page, mid: str) -> dict[str, Any]:
    """Instagram's read receipt names the message; Messenger's only a time (all before it)."""
    return {"mid": mid} if page.object == "instagram" else {"watermark": int(time.time() * 1000)}


def _window_of(sent: dict[str, Any]) -> float | None:
    """How long after the customer wrote Meta takes this send; None: not a valid type."""
    if sent.get("messaging_type") == "RESPONSE":
        return 24 * HOUR
    if sent.get("messaging_type") == "MESSAGE_TAG" and sent.get("tag") == "HUMAN_AGENT":
        return 7 * 24 * HOUR
    return None


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
