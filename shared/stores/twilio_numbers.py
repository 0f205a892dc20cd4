"""A store's WhatsApp number at Twilio: found in the account, pointed at ingest, or bought.

Its messages go to ingest's URL, and to the fallback URL (another ingest replica or host) when
that one fails: Twilio retries an inbound message once, there, and never again.

The twilio SDK is blocking (requests): every call runs in a thread, with the Twilio timeout.
"""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from shared.settings import Settings
from shared.stores.twilio_accounts import TwilioCredentials


class TwilioNumberError(Exception):
    """Twilio refused or could not be reached; the message is the reason shown to the admin."""


@dataclass(frozen=True)
class OwnedNumber:
    sid: str
    phone_number: str
    sms_url: str
    sms_method: str
    sms_fallback_url: str
    status_callback: str = ""


class TwilioNumbers:
    def __init__(self, settings: Settings, credentials: TwilioCredentials) -> None:
        http = TwilioHttpClient(timeout=settings.twilio.timeout_seconds)
        self._client = Client(credentials.account_sid, credentials.auth_token, http_client=http)
        if settings.twilio.api_base_url:
            self._client.api.base_url = settings.twilio.api_base_url.rstrip("/")

    async def find(self, phone_number: str) -> OwnedNumber | None:
        """The account's IncomingPhoneNumber for exactly this E.164 number, if it has one."""
        listing = await self._call(
            self._client.incoming_phone_numbers.list, phone_number=phone_number, limit=20
        )
        for number in listing:
            if number.phone_number == phone_number:
                return _owned(number)
        return None

    async def point_at(self, number: OwnedNumber, sms_url: str, fallback_url: str) -> bool:
        """Incoming messages to `number` are posted to `sms_url`, else to `fallback_url`;
        False if they already were."""
        if (number.sms_url, number.sms_method.upper(), number.sms_fallback_url) == (
            sms_url,
            "POST",
            fallback_url,
        ):
            return False
        context = self._client.incoming_phone_numbers(number.sid)
        await self._call(context.update, **_posted_to(sms_url, fallback_url))
        return True

    async def detach(self, number: OwnedNumber) -> bool:
        """Incoming messages to `number` and its status callbacks go nowhere any more (the
        number stays in the account); False if they already did."""
        if not (number.sms_url or number.sms_fallback_url or number.status_callback):
            return False
        context = self._client.incoming_phone_numbers(number.sid)
        await self._call(context.update, sms_url="", sms_fallback_url="", status_callback="")
        return True

    async def release(self, number: OwnedNumber) -> None:
        """Give the number back to Twilio: the account stops paying for it."""
        await self._call(self._client.incoming_phone_numbers(number.sid).delete)

    async def first_available(self, country: str, area_code: str | None) -> str | None:
        """A local number for sale in `country` (and `area_code`) that can take messages."""
        local = self._client.available_phone_numbers(country).local
        options: dict[str, Any] = {"sms_enabled": True, "limit": 1}
        if area_code:
            options["area_code"] = area_code
        offered = await self._call(local.list, **options)
        return str(offered[0].phone_number) if offered else None

    async def buy(self, phone_number: str, sms_url: str, fallback_url: str) -> OwnedNumber:
        bought = await self._call(
            self._client.incoming_phone_numbers.create,
            phone_number=phone_number,
            **_posted_to(sms_url, fallback_url),
        )
        return _owned(bought)

    async def _call(self, call: Callable[..., Any], **options: Any) -> Any:
        try:
            return await asyncio.to_thread(call, **options)
        except TwilioException as error:
            raise TwilioNumberError(_reason(error)) from error
        except OSError as error:  # requests' connection errors and timeouts are OSErrors
            raise TwilioNumberError(
                f"Twilio could not be reached: {type(error).__name__}"
            ) from None


def _posted_to(sms_url: str, fallback_url: str) -> dict[str, str]:
    return {
        "sms_url": sms_url,
        "sms_method": "POST",
        "sms_fallback_url": fallback_url,
        "sms_fallback_method": "POST",
    }


def _owned(number: Any) -> OwnedNumber:
    return OwnedNumber(
        sid=str(number.sid),
        phone_number=str(number.phone_number),
        sms_url=number.sms_url or "",
        sms_method=number.sms_method or "POST",
        sms_fallback_url=number.sms_fallback_url or "",
        status_callback=number.status_callback or "",
    )


def _reason(error: TwilioException) -> str:
    """Twilio's own words, with the status; a refused login said plainly."""
    if isinstance(error, TwilioRestException):
        status, message = error.status, f"error {error.code}: {error.msg}"
    else:  # a listing that failed: the SDK raises ("Unable to fetch page", response)
        response = error.args[1] if len(error.args) > 1 else None
        status = getattr(response, "status_code", 0)
        message = _message_of(getattr(response, "text", ""))
    if status == 401:
        return "Twilio refused the account SID or auth token (401)"
    return f"Twilio answered {status}: {message}" if status else f"Twilio failed: {message}"


def _message_of(body: str) -> str:
    try:
        return str(json.loads(body).get("message", body))
    except (ValueError, AttributeError):
        return body[:200]
