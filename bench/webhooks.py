"""Signed Twilio WhatsApp webhooks, built (and signed) before the clock starts, and posted."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import aiohttp

from balas.simulate import inbound_message_form, twilio_signature
from shared.routes import TWILIO_MESSAGE_PATH, public_url
from shared.settings import Settings

TEXT = "Halo kak, sepatu running ukuran 42 warna hitam masih ready? Bisa kirim ke Bandung?"


@dataclass(frozen=True)
class Webhook:
    customer: str
    form: dict[str, str]
    signature: str


def customer_number(series: int, index: int) -> str:
    """A distinct E.164 number per (series, index): +62 8 <series> <index as 8 digits>."""
    return f"+628{series}{index:08d}"


def signed_webhooks(
    settings: Settings, store_number: str, series: int, count: int
) -> list[Webhook]:
    """`count` inbound messages, each from its own customer and with its own MessageSid."""
    url = public_url(settings.ingest.public_base_url, TWILIO_MESSAGE_PATH)
    token = settings.twilio.auth_token.get_secret_value()
    webhooks = []
    for index in range(count):
        customer = customer_number(series, index)
        form = inbound_message_form(customer=customer, store_number=store_number, text=TEXT)
        webhooks.append(Webhook(customer, form, twilio_signature(token, url, form)))
    return webhooks


class WebhookPoster:
    """One keep-alive HTTP client for ingest; `post` returns when the 200 arrived.

    aiohttp, not httpx: at 32 concurrent requests httpx's client took most of a core on this
    2-core machine and starved ingest (it measured the client, not ingest).
    """

    def __init__(self, ingest_url: str, concurrency: int) -> None:
        self._ingest_url = ingest_url
        self._concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "WebhookPoster":
        connector = aiohttp.TCPConnector(limit=self._concurrency)
        timeout = aiohttp.ClientTimeout(total=60)
        self._session = aiohttp.ClientSession(
            self._ingest_url, connector=connector, timeout=timeout
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session:
            await self._session.close()

    async def post(self, webhook: Webhook) -> float:
        """`time.perf_counter()` when ingest answered 200 (after Kafka acknowledged)."""
        assert self._session, "use WebhookPoster as an async context manager"
        headers = {"X-Twilio-Signature": webhook.signature}
        async with self._session.post(
            TWILIO_MESSAGE_PATH, data=webhook.form, headers=headers
        ) as response:
            body = await response.text()
            answered = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"ingest answered {response.status}: {body[:200]}")
        return answered

    async def post_all(self, webhooks: Sequence[Webhook]) -> list[float]:
        return [await self.post(webhook) for webhook in webhooks]
