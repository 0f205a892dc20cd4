"""Sending WhatsApp messages through Twilio's REST API, and listing what was sent (for the
recovery of an interrupted send, send_recovery.py).

The twilio SDK is blocking (requests), so calls run on a bounded thread pool, each with a timeout.
"""

import asyncio
import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import BaseModel
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from services.responder.metrics import TWILIO_ERRORS
from shared.routes import status_callback_naming
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import StoreDirectory
from shared.stores.twilio_accounts import TwilioCredentials, credentials_for

WHATSAPP = "whatsapp:"
SENDING_THREADS = 32
LISTING_PAGE_SIZE = 50


def _naming(status_callback: str, reference: str | None) -> str:
    return status_callback_naming(status_callback, reference) if reference else status_callback


class ListedMessage(BaseModel):
    """A message as Twilio lists it, with what recovery matches on."""

    sid: str
    body: str
    created_at: datetime


class TwilioRefused(Exception):
    """Twilio answered with a definite no (a 4xx other than 429); sending again will not help."""


class TwilioSender:
    """Sends with one Twilio account, on the thread pool all accounts share."""

    def __init__(
        self, settings: Settings, credentials: TwilioCredentials, pool: ThreadPoolExecutor
    ) -> None:
        http = TwilioHttpClient(timeout=settings.twilio.timeout_seconds)
        for scheme in ("https://", "http://"):  # one pooled connection per sending thread
            http.session.mount(scheme, HTTPAdapter(pool_maxsize=SENDING_THREADS))
        self._client = Client(credentials.account_sid, credentials.auth_token, http_client=http)
        if settings.twilio.api_base_url:
            self._client.api.base_url = settings.twilio.api_base_url.rstrip("/")
        self._pool = pool
        self.settings = settings.twilio  # the recovery's pacing, too

    async def send(
        self,
        *,
        to: str,
        sender: str,
        body: str,
        status_callback: str,
        media_urls: Sequence[str] = (),
        quick_replies: Sequence[str] = (),
        reference: str | None = None,
    ) -> str:
        """Returns Twilio's message SID. `media_urls`: images sent in the same message, under
        `body`. `quick_replies` are not sent: free-form WhatsApp messages through Twilio have no
        buttons (only approved Content templates do), and `body` says the answers anyway.
        `reference`: our id of the message, which its status callbacks then name."""
        create = partial(
            self._client.messages.create,
            to=WHATSAPP + to,
            from_=WHATSAPP + sender,
            body=body,
            status_callback=_naming(status_callback, reference),
            **({"media_url": list(media_urls)} if media_urls else {}),
        )
        message = await self._call(create)
        return str(message.sid)

    async def send_template(
        self,
        *,
        to: str,
        sender: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str,
        reference: str | None = None,
    ) -> str:
        """Send an approved Content template (outside WhatsApp's 24-hour window); its SID."""
        create = partial(
            self._client.messages.create,
            to=WHATSAPP + to,
            from_=WHATSAPP + sender,
            content_sid=content_sid,
            content_variables=json.dumps(variables),
            status_callback=_naming(status_callback, reference),
        )
        message = await self._call(create)
        return str(message.sid)

    async def listed_since(self, *, to: str, sender: str, since: datetime) -> list[ListedMessage]:
        """The messages from `sender` to `to` that Twilio created since `since`, those still
        queued (no `date_sent` yet) included."""
        return list(await self._call(partial(self._read_listing, to, sender, since)))

    def _read_listing(self, to: str, sender: str, since: datetime) -> list[ListedMessage]:
        """Twilio lists by date sent, newest first, a page at a time: reading stops at the first
        message sent before `since`, as everything after it is older. No date filter is asked
        for, because it would leave out the messages not sent yet."""
        found: list[ListedMessage] = []
        listing = self._client.messages.stream(
            to=WHATSAPP + to, from_=WHATSAPP + sender, page_size=LISTING_PAGE_SIZE
        )
        for message in listing:
            if message.date_sent is not None and message.date_sent < since:
                break
            if message.date_created is not None and message.date_created >= since:
                found.append(
                    ListedMessage(
                        sid=str(message.sid),
                        body=message.body or "",
                        created_at=message.date_created,
                    )
                )
        return found

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


class TwilioSenders:
    """The sender for each store: its own Twilio account when it has one, else the global one.
    One client per account (and token: a rotated token gets a new client), one thread pool."""

    def __init__(self, settings: Settings, stores: StoreDirectory, secrets: SecretBox) -> None:
        self._settings = settings
        self._stores = stores
        self._secrets = secrets
        self._senders: dict[tuple[str, str], TwilioSender] = {}
        self._pool = ThreadPoolExecutor(max_workers=SENDING_THREADS, thread_name_prefix="twilio")

    async def for_store(self, store_id: str) -> TwilioSender | None:
        """None when the store has no account of its own and no global one is configured."""
        store = await self._stores.by_id(store_id)
        credentials = credentials_for(store, self._settings, self._secrets)
        if credentials is None:
            return None
        token_digest = hashlib.sha256(credentials.auth_token.encode()).hexdigest()
        key = (credentials.account_sid, token_digest)
        if key not in self._senders:
            self._senders[key] = TwilioSender(self._settings, credentials, self._pool)
        return self._senders[key]

    def close(self) -> None:
        self._pool.shutdown(wait=False)
