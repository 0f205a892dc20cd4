"""Sending WhatsApp messages through Twilio's REST API, and finding one we may have sent.

The twilio SDK is blocking (requests), so calls run on a bounded thread pool, each with a timeout.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from services.responder.metrics import TWILIO_ERRORS
from shared.settings import Settings

WHATSAPP = "whatsapp:"
SENDING_THREADS = 32


class TwilioRefused(Exception):
    """Twilio answered with a definite no (a 4xx other than 429); sending again will not help."""


class TwilioSender:
    def __init__(self, settings: Settings, account_sid: str) -> None:
        http = TwilioHttpClient(timeout=settings.twilio_timeout_seconds)
        for scheme in ("https://", "http://"):  # one pooled connection per sending thread
            http.session.mount(scheme, HTTPAdapter(pool_maxsize=SENDING_THREADS))
        self._client = Client(
            account_sid, settings.twilio_auth_token.get_secret_value(), http_client=http
        )
        if settings.twilio_api_base_url:
            self._client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self._pool = ThreadPoolExecutor(max_workers=SENDING_THREADS, thread_name_prefix="twilio")

    async def send(self, *, to: str, sender: str, body: str, status_callback: str) -> str:
        """Returns Twilio's message SID."""
        create = partial(
            self._client.messages.create,
            to=WHATSAPP + to,
            from_=WHATSAPP + sender,
            body=body,
            status_callback=status_callback,
        )
        message = await self._call(create)
        return str(message.sid)

    async def find_sent(self, *, to: str, sender: str, body: str, since: datetime) -> str | None:
        """The SID of a message with this body sent to `to` since `since`, if Twilio has one."""
        listing = partial(
            self._client.messages.list,
            to=WHATSAPP + to,
            from_=WHATSAPP + sender,
            date_sent_after=since,
            limit=50,
        )
        for message in await self._call(listing):
            if message.body == body:
                return str(message.sid)
        return None

    async def _call(self, call: partial[Any]) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, call)
        except TwilioRestException as error:
            if 400 <= error.status < 500 and error.status != 429:
                TWILIO_ERRORS.labels("refused").inc()
                raise TwilioRefused(f"Twilio error {error.code}: {error.msg}") from error
            TWILIO_ERRORS.labels("server").inc()
            raise
        except Exception:
            TWILIO_ERRORS.labels("transport").inc()
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=False)
