"""Sending e-mail replies through a store's SMTP server, in the customer's thread.

A reply answers the conversation's latest e-mail: "Re: <its subject>", `In-Reply-To` its
Message-ID and `References` its thread and it, so the customer's client shows one thread. The
reply's own Message-ID is made here, under the store's domain, and returned as the message's id.
It carries the text twice, as mail clients expect: plain, and HTML with its paragraphs, line
breaks and links kept (product photos shown as images).

SMTP cannot be asked afterwards whether a message went out, so, as on the Graph API, only
failures that prove nothing was accepted (no connection, a 4xx "try later") are `NothingSent`,
safe to retry; an attempt cut off after the message was handed over has an unknown fate and is
not sent again (sending.py).
"""

import asyncio
import re
import smtplib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from html import escape

from services.responder.adapters.graph_sender import NothingSent
from shared.channels import Channel
from shared.conversations.email_subject import latest_email, reply_subject
from shared.identity import conversation_id
from shared.mongo import Database
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import Store, StoreDirectory
from shared.stores.mailbox import MailboxError, open_smtp

SENDING_THREADS = 16


class EmailRefused(Exception):
    """The SMTP server refused the message for good (a 5xx); sending again will not help."""


class SmtpNothingSent(NothingSent):
    """The SMTP server certainly took nothing (no connection, or a 4xx): retry later."""

    outage = "smtp"


class EmailSender:
    """Sends from one store's mailbox."""

    def __init__(
        self, store: Store, password: str, db: Database, timeout: float, pool: ThreadPoolExecutor
    ) -> None:
        assert store.email is not None  # only connected mailboxes send
        self._store = store
        self._mailbox = store.email
        self._password = password
        self._db = db
        self._timeout = timeout
        self._pool = pool

    async def send(
        self,
        *,
        to: str,
        sender: str,
        body: str,
        status_callback: str,
        media_urls: Sequence[str] = (),
    ) -> str:
        """`sender` is the mailbox's address; mail has no status callbacks. Product photos
        are linked under the text. Returns the reply's Message-ID."""
        thread = await latest_email(self._db, conversation_id(self._store.id, to, Channel.EMAIL))
        message = EmailMessage()
        message["From"] = formataddr((self._store.name, self._mailbox.address))
        message["To"] = to
        message["Subject"] = reply_subject(str(thread.get("subject", "")) if thread else "")
        message["Date"] = formatdate(localtime=False)
        domain = self._mailbox.address.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)
        if thread:
            message["In-Reply-To"] = thread["_id"]
            message["References"] = " ".join([*thread.get("references", []), thread["_id"]])
        message["Auto-Submitted"] = "auto-replied"  # so other robots do not answer it
        message.set_content("\n\n".join([body, *media_urls]))
        message.add_alternative(html_body(body, media_urls), subtype="html")
        await asyncio.get_running_loop().run_in_executor(self._pool, self._deliver, message, to)
        return str(message["Message-ID"])

    async def send_template(
        self,
        *,
        to: str,
        sender: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str,
    ) -> str:
        raise EmailRefused("e-mail has no templates: write the reply as text")

    def _deliver(self, message: EmailMessage, to: str) -> None:
        try:
            client = open_smtp(self._mailbox.smtp, self._password, self._timeout)
        except MailboxError as error:  # the login was refused: no retry mends it
            raise EmailRefused(str(error)) from None
        except OSError as error:  # no connection: nothing was handed over
            raise SmtpNothingSent(f"SMTP not reachable: {type(error).__name__}") from error
        try:
            client.send_message(message, from_addr=self._mailbox.address, to_addrs=[to])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
            _refused(error, _code_of(error))
        except smtplib.SMTPResponseException as error:  # DATA answered: taken, or not
            _refused(error, error.smtp_code)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _code_of(error: smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused) -> int:
    if isinstance(error, smtplib.SMTPSenderRefused):
        return error.smtp_code
    return min(code for code, _ in error.recipients.values())


def _refused(error: smtplib.SMTPException, code: int) -> None:
    """A server's no: a 4xx is "later" (nothing taken), a 5xx is final."""
    if 400 <= code < 500:
        raise SmtpNothingSent(f"SMTP asked to try later ({code})") from error
    raise EmailRefused(f"SMTP refused the message ({code})") from error


class EmailSenders:
    """The e-mail sender of each store with a connected mailbox."""

    def __init__(
        self, settings: Settings, stores: StoreDirectory, secrets: SecretBox, db: Database
    ) -> None:
        self._timeout = settings.email.timeout_seconds
        self._stores = stores
        self._secrets = secrets
        self._db = db
        # smtplib blocks: sends wait on threads of their own, not the event loop's shared few
        self._pool = ThreadPoolExecutor(SENDING_THREADS, thread_name_prefix="smtp")

    async def for_store(self, store_id: str) -> EmailSender | None:
        """None when the store has no mailbox."""
        store = await self._stores.by_id(store_id)
        if store is None or store.email is None:
            return None
        password = self._secrets.decrypt(store.email.smtp.password)
        return EmailSender(store, password, self._db, self._timeout, self._pool)


_LINK = re.compile(r"https?://[^\s<>\"']+")


def html_body(body: str, media_urls: Sequence[str] = ()) -> str:
    """The reply as simple HTML: each blank-line paragraph a `<p>`, its lines kept with `<br>`,
    addresses made links, and the photos (HTTPS only) under the text. Everything is escaped."""

    def linked(line: str) -> str:
        out, start = [], 0
        for found in _LINK.finditer(line):
            url = found.group(0).rstrip(".,;:!?)")
            end = found.start() + len(url)
            out += [
                escape(line[start : found.start()]),
                f'<a href="{escape(url)}">{escape(url)}</a>',
            ]
            start = end
        return "".join([*out, escape(line[start:])])

    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    html = [
        "<p>" + "<br>\n".join(linked(line) for line in p.splitlines()) + "</p>" for p in paragraphs
    ]
    html += [
        f'<p><img src="{escape(url)}" alt="" style="max-width:320px"></p>'
        for url in media_urls
        if url.startswith("https://")
    ]
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(html) + "\n</body></html>\n"
