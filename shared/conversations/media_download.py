"""Downloading a customer's WhatsApp media, from Twilio or from Meta's Graph API: the responder
reads it, the console plays a voice note to an agent.

Twilio's `MediaUrl` points at its REST API (`/2010-04-01/Accounts/{sid}/Messages/{sid}/Media/
{sid}`), which answers with a redirect to the file on its CDN. The request authenticates with the
store's Twilio account (HTTP basic auth); httpx drops the Authorization header when a redirect
leaves the API's origin, so the CDN never sees the credentials. Credentials are only ever sent to
the Twilio API's origin: a media URL elsewhere is refused, not fetched.

A Cloud API attachment is a media id: the Graph API (with the store's token) answers with a
short-lived download URL, which Meta also wants the token on. The token goes only to the URL the
Graph API itself gave, and only over HTTPS (or to the Graph API's own origin).

A Messenger or Instagram attachment is a public file on Meta's CDN: fetched over HTTPS with no
credentials at all, and only from Meta's CDN hosts (or the Graph API's own origin).

An e-mail attachment is named by an IMAP URL (shared/mail_parts.py): the mail is fetched from the
store's inbox with the mailbox's login and the attachment taken out of it; it stays in the
mailbox, which is the store's to keep or delete.

The body is streamed and reading stops as soon as it passes the size limit. A store that keeps
no customers' media has a Twilio file deleted at Twilio (its Media resource) once its text is
read; Meta deletes a Cloud API file itself after 30 days.
"""

import asyncio
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import urlsplit

import httpx
from imapclient.exceptions import IMAPClientError
from pydantic import BaseModel, ValidationError

from shared.events import Media
from shared.mail_parts import MailPart, attachments, mail_part
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import EmailMailbox, StoreDirectory
from shared.stores.mailbox import MailboxError, open_imap
from shared.stores.twilio_accounts import credentials_for

TWILIO_API = "https://api.twilio.com"
MAX_REDIRECTS = 3
META_CDN_HOSTS = (".fbcdn.net", ".fbsbx.com", ".cdninstagram.com")  # and subdomains
MAIL_OVERHEAD = 2  # a mail holding a file of n bytes is under 2n (base64, headers, its text)


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
        self._graph_origin = _origin(settings.whatsapp_cloud.graph_api_base_url)

    async def fetch(self, store_id: str, media: Media, max_bytes: int) -> bytes:
        """The file's bytes, at most `max_bytes` of them."""
        part = mail_part(media.url)
        if part is not None:
            store = await self._stores.by_id(store_id)
            if store is None or store.email is None:
                raise MediaUnavailable("the store has no mailbox")
            return await asyncio.to_thread(self._from_mailbox, store.email, part, max_bytes)
        if media.id is not None:
            return await self._from_graph_api(store_id, media.id, max_bytes)
        url = media.url
        if self._on_meta_cdn(url):
            timeout = self._settings.whatsapp_cloud.timeout_seconds
            async with httpx.AsyncClient(
                follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout
            ) as client:
                return await _download(client, "Meta", url, max_bytes)
        auth = await self._auth(store_id, url)
        timeout = self._settings.twilio.timeout_seconds
        async with httpx.AsyncClient(
            follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout
        ) as client:
            return await _download(client, "Twilio", url, max_bytes, auth=auth)

    def at_twilio(self, url: str) -> bool:
        """Whether `url` is a file at Twilio (which a store keeping no media deletes)."""
        return _origin(url) == self._api_origin

    def _on_meta_cdn(self, url: str) -> bool:
        scheme, host = _origin(url)
        on_cdn = scheme == "https" and host.split(":")[0].endswith(META_CDN_HOSTS)
        return on_cdn or (scheme, host) == self._graph_origin

    async def _from_graph_api(self, store_id: str, media_id: str, max_bytes: int) -> bytes:
        store = await self._stores.by_id(store_id)
        if store is None or store.whatsapp_cloud is None:
            raise MediaUnavailable("the store is not connected to the Cloud API")
        cloud = self._settings.whatsapp_cloud
        base = cloud.graph_api_base_url.rstrip("/")
        token = self._secrets.decrypt(store.whatsapp_cloud.access_token)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=cloud.timeout_seconds) as client:
            try:
                answer = await client.get(
                    f"{base}/{cloud.graph_api_version}/{media_id}", headers=headers
                )
            except httpx.HTTPError as error:
                raise MediaUnavailable(type(error).__name__) from error
            if answer.status_code != 200:
                raise MediaUnavailable(f"the Graph API answered {answer.status_code}")
            try:
                found = _GraphMedia.model_validate_json(answer.content)
            except ValidationError:
                raise MediaUnavailable("the Graph API named no media URL") from None
            if found.file_size is not None and found.file_size > max_bytes:
                raise MediaTooLarge(str(found.file_size))
            if urlsplit(found.url).scheme != "https" and _origin(found.url) != _origin(base):
                raise MediaUnavailable("the media URL is neither HTTPS nor on the Graph API")
            return await _download(client, "Meta", found.url, max_bytes, headers=headers)

    def _from_mailbox(self, mailbox: EmailMailbox, part: MailPart, max_bytes: int) -> bytes:
        """Blocking (imapclient): run in a thread."""
        password = self._secrets.decrypt(mailbox.imap.password)
        timeout = self._settings.email.timeout_seconds
        try:
            client = open_imap(mailbox.imap, password, timeout)
        except (OSError, MailboxError) as error:
            raise MediaUnavailable(
                f"the mailbox could not be read: {type(error).__name__}"
            ) from None
        try:
            folder = client.select_folder("INBOX", readonly=True)
            if int(folder[b"UIDVALIDITY"]) != part.uid_validity:
                raise MediaUnavailable("the mailbox was rebuilt since the mail came")
            size = client.fetch([part.uid], ["RFC822.SIZE"]).get(part.uid, {}).get(b"RFC822.SIZE")
            if size is None:
                raise MediaUnavailable("the mail is no longer in the inbox")
            if int(size) > MAIL_OVERHEAD * max_bytes:  # base64 makes a file a third larger
                raise MediaTooLarge(str(size))
            raw = client.fetch([part.uid], ["BODY.PEEK[]"])[part.uid][b"BODY[]"]
        except (OSError, IMAPClientError) as error:
            raise MediaUnavailable(
                f"the mailbox could not be read: {type(error).__name__}"
            ) from None
        finally:
            client.shutdown()
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        files = attachments(mail) if isinstance(mail, EmailMessage) else []
        if part.index >= len(files):
            raise MediaUnavailable("the mail has no such attachment")
        data = files[part.index].get_payload(decode=True)
        if not isinstance(data, bytes):
            raise MediaUnavailable("the attachment could not be decoded")
        if len(data) > max_bytes:
            raise MediaTooLarge(str(len(data)))
        return data

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


class _GraphMedia(BaseModel):
    url: str
    file_size: int | None = None


async def _download(
    client: httpx.AsyncClient,
    source: str,
    url: str,
    max_bytes: int,
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """The body at `url`, streamed, refused once past `max_bytes`."""
    try:
        async with client.stream("GET", url, auth=auth, headers=headers) as response:
            if response.status_code != 200:
                raise MediaUnavailable(f"{source} answered {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge(declared)
            return await _read_at_most(response, max_bytes)
    except httpx.HTTPError as error:
        raise MediaUnavailable(type(error).__name__) from error


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
