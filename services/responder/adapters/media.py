"""Downloading a customer's WhatsApp media from Twilio.

Twilio's `MediaUrl` points at its REST API (`/2010-04-01/Accounts/{sid}/Messages/{sid}/Media/
{sid}`), which answers with a redirect to the file on its CDN. The request authenticates with the
store's Twilio account (HTTP basic auth); httpx drops the Authorization header when a redirect
leaves the API's origin, so the CDN never sees the credentials. Credentials are only ever sent to
the Twilio API's origin: a media URL elsewhere is refused, not fetched.

The body is streamed and reading stops as soon as it passes the size limit. A store that keeps
no customers' media has a file deleted at Twilio (its Media resource) once its text is read.
"""

from urllib.parse import urlsplit

import httpx

from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import StoreDirectory
from shared.stores.twilio_accounts import credentials_for

TWILIO_API = "https://api.twilio.com"
MAX_REDIRECTS = 3


class MediaTooLarge(Exception):
    """The file is larger than the limit (declared or read so far)."""


class MediaUnavailable(Exception):
    """The file could not be downloaded; the message says why (for logs, no secrets)."""


class MediaFetcher:
    def __init__(self, settings: Settings, stores: StoreDirectory, secrets: SecretBox) -> None:
        self._settings = settings
        self._stores = stores
        self._secrets = secrets
        self._api_origin = _origin(settings.twilio.api_base_url or TWILIO_API)

    async def fetch(self, store_id: str, url: str, max_bytes: int) -> bytes:
        """The file's bytes, at most `max_bytes` of them."""
        auth = await self._auth(store_id, url)
        timeout = self._settings.twilio.timeout_seconds
        async with httpx.AsyncClient(
            follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout
        ) as client:
            try:
                async with client.stream("GET", url, auth=auth) as response:
                    if response.status_code != 200:
                        raise MediaUnavailable(f"Twilio answered {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise MediaTooLarge(declared)
                    return await _read_at_most(response, max_bytes)
            except httpx.HTTPError as error:
                raise MediaUnavailable(type(error).__name__) from error

    async def delete(self, store_id: str, url: str) -> None:
        """Delete the file at Twilio; one already gone counts as deleted."""
        auth = await self._auth(store_id, url)
        timeout = self._settings.twilio.timeout_seconds
        async with httpx.AsyncClient(timeout=timeout) as client:
            try:
                response = await client.delete(f"{url}.json", auth=auth)
            except httpx.HTTPError as error:
                raise MediaUnavailable(type(error).__name__) from error
        if response.status_code not in (204, 404):
            raise MediaUnavailable(f"Twilio answered {response.status_code}")

    async def _auth(self, store_id: str, url: str) -> httpx.BasicAuth:
        """The store's Twilio credentials, for a URL on Twilio's API only."""
        if _origin(url) != self._api_origin:
            raise MediaUnavailable("the media URL is not on Twilio's API")
        store = await self._stores.by_id(store_id)
        credentials = credentials_for(store, self._settings, self._secrets)
        if credentials is None:
            raise MediaUnavailable("no Twilio account to authenticate with")
        return httpx.BasicAuth(credentials.account_sid, credentials.auth_token)


async def _read_at_most(response: httpx.Response, max_bytes: int) -> bytes:
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) > max_bytes:
            raise MediaTooLarge(str(len(body)))
    return bytes(body)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.netloc.rsplit("@", 1)[-1]).lower()
